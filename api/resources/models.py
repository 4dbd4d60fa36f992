"""Maturity models and their versions (read), and importing a model document."""


from ninja import Router, Status
from ninja.pagination import paginate

from models_catalog import selectors, services
from models_catalog.documents import DocumentError, export_version, parse
from models_catalog.texts import model_texts

from .. import problems
from ..auth import MANAGE_MODELS
from ..schemas import ModelOut, VersionOut
from .common import ORG, access_of, answers

router = Router(tags=["models"])

VERSION = f"{ORG}/models/{{slug:model_slug}}/versions/{{int:version}}"


def _owner(access, model) -> str:
    if model.owner_id is None:
        return "shipped"
    return "own" if model.owner_id == access.organisation.pk else "consultancy"


def model_out(access, model) -> dict:
    return {
        "id": model.public_id, "slug": model.slug, "name": model.display_name(),
        "owner": _owner(access, model), "languages": list(model.languages or ()),
        "versions": [{"id": v.public_id, "number": v.number, "status": v.status,
                      "published_at": v.published_at}
                     for v in selectors.versions(access, model)],
    }


def version_out(version) -> dict:
    texts = model_texts(version)
    return {
        "id": version.public_id, "model": version.model.slug,
        "model_id": version.model.public_id, "number": version.number,
        "status": version.status, "name": version.display_name(),
        "languages": list(version.languages or ()),
        "default_language": version.default_language, "threshold": version.threshold,
        "overall_rule": version.overall_rule, "created_at": version.created_at,
        "published_at": version.published_at, "retired_at": version.retired_at,
        "levels": [{"number": lv.number, "name": lv.name, "description": lv.description}
                   for lv in texts.levels],
        "dimensions": [{"key": d.key, "name": d.name, "description": d.description}
                       for d in texts.dimensions],
        "axes": [{"key": a.key, "name": a.name, "low": a.low, "high": a.high}
                 for a in texts.axes],
        "questions": len(texts.questions),
    }


@router.get(f"{ORG}/models", response=answers(200, list[ModelOut]),
            summary="The models the organisation may use: shipped, its own, its "
                    "consultancy's")
@paginate
def list_models(request, org_slug: str):
    access = access_of(request)
    groups = selectors.catalogue(access)
    return [model_out(access, m) for group in ("own", "consultancy", "shipped")
            for m in groups[group]]


@router.get(f"{ORG}/models/{{slug:model_slug}}", response=answers(200, ModelOut),
            summary="One model and its versions")
def get_model(request, org_slug: str, model_slug: str):
    access = access_of(request)
    return model_out(access, selectors.get_visible_model(access, model_slug))


@router.get(VERSION, response=answers(200, VersionOut),
            summary="One version: levels, dimensions and axes in the request's language")
def get_version(request, org_slug: str, model_slug: str, version: int):
    return version_out(selectors.get_version(access_of(request), model_slug, version))


@router.get(f"{VERSION}/document", response=answers(200, dict),
            summary="One version as a model document (the import format, "
                    "docs/model-format.md)")
def get_document(request, org_slug: str, model_slug: str, version: int):
    return export_version(selectors.get_version(access_of(request), model_slug, version))


DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "A model document (docs/model-format.md) as JSON or YAML.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    },
}


@router.post(f"{ORG}/models", response=answers(201, VersionOut, conflict=True),
             auth=MANAGE_MODELS, openapi_extra=DOCUMENT_BODY,
             summary="Import a model document as a new model, or a new version of the "
                     "organisation's model with its slug")
def import_model(request, org_slug: str, publish: bool = False):
    """As the catalogue's import page: the document is checked whole and imported
    atomically; every problem comes back with its place in the document."""
    access = access_of(request)
    content_type = request.content_type or ""
    fmt = "yaml" if "yaml" in content_type else "json"
    data, found = parse(request.body, fmt=fmt)
    if found:
        return problems.problem(request, 400, problems.default_detail(400),
                                errors=problems.document_errors(found))
    try:
        version = services.model_import(data=data, by=access, publish=publish,
                                        request=request)
    except DocumentError as error:
        return problems.problem(request, 400, problems.default_detail(400),
                                errors=problems.document_errors(error.problems))
    return Status(201, version_out(version))
