"""How long a maturity model's texts may be (``models_catalog.models.TEXT_MAX_LENGTHS``):
the shipped catalogue fits; the draft editor, its services, an import and publishing
refuse a longer text with a message naming the field, its language and the limit, and
write nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from models_catalog import services
from models_catalog.documents import dump, export_version, parse, validate_document
from models_catalog.models import TEXT_MAX_LENGTHS, ModelVersion, Question
from tests.catalog_factories import build_document, make_version
from tests.conftest import access_for, signed_in
from tests.fuzzing import assert_rejected, shown_errors, snapshot

CATALOGUE = Path(__file__).resolve().parent.parent / "models_catalog"
SHIPPED = sorted([*CATALOGUE.glob("catalogue/*.yaml"), *CATALOGUE.glob("demo_versions/*.yaml")])
LONG = 20_000  # the tester's statement


def _texts(document) -> list[tuple[str, str, str]]:
    """(path, field, text) for every translatable text of a model document."""
    found = []

    def add(path, field, texts):
        for code, text in (texts or {}).items():
            found.append((f"{path}.{field}.{code}", field, text))

    for field in ("name", "description", "source"):
        add("model", field, document["model"].get(field))
    add("version", "notes", (document.get("version") or {}).get("notes"))
    for part, fields in (("levels", ("name", "description")),
                         ("dimensions", ("name", "description")),
                         ("axes", ("name", "low_label", "high_label")),
                         ("scale", ("label",)),
                         ("questions", ("statement", "help", "source", "recommendation"))):
        for i, item in enumerate(document.get(part) or []):
            for field in fields:
                add(f"{part}[{i}]", field, item.get(field))
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_the_shipped_models_fit_the_limits(path):
    document, problems = parse(path.read_bytes(), filename=path.name)
    assert problems == []
    if path.parent.name == "catalogue":  # the demo's version 1 predates today's loadings
        assert validate_document(document) == []
    texts = _texts(document)
    assert {field for _path, field, _text in texts} == set(TEXT_MAX_LENGTHS)
    too_long = [(where, len(text), TEXT_MAX_LENGTHS[field]) for where, field, text in texts
                if len(text) > TEXT_MAX_LENGTHS[field]]
    assert too_long == []
    # Not tight: every limit leaves room for texts longer than the longest shipped.
    for field, limit in TEXT_MAX_LENGTHS.items():
        longest = max((len(text) for _p, f, text in texts if f == field), default=0)
        assert longest <= limit / 2, (field, longest, limit)


def test_a_document_with_a_too_long_text_names_each_one():
    document = build_document()
    document["questions"][0]["statement"]["en"] = "s" * LONG
    document["questions"][1]["help"] = {"en": "h" * 2001}
    document["levels"][0]["name"]["en"] = "n" * 201
    document["scale"][0]["label"]["en"] = "l" * (TEXT_MAX_LENGTHS["label"] + 1)
    document["model"]["description"] = {"en": "ok", "sv": "d" * 4001}
    problems = validate_document(document)
    assert problems == [
        "model.description.sv: longer than 4000 characters (it has 4001)",
        "levels[0].name.en: longer than 200 characters (it has 201)",
        "scale[0].label.en: longer than 100 characters (it has 101)",
        "questions[0].statement.en: longer than 1000 characters (it has 20000)",
        "questions[1].help.en: longer than 2000 characters (it has 2001)",
    ]
    exact = build_document()
    exact["questions"][0]["statement"]["en"] = "s" * TEXT_MAX_LENGTHS["statement"]
    assert validate_document(exact) == []


def test_the_import_page_refuses_a_too_long_statement(world):
    document = build_document(slug="long-statement")
    document["questions"][0]["statement"]["en"] = "s" * LONG
    client = signed_in(world.acme.owner)
    before = snapshot()
    response = client.post("/o/acme/models/import/", {
        "document": SimpleUploadedFile("long.yaml", dump(document).encode())})
    assert response.status_code == 400
    assert_rejected(response, before)
    assert "questions[0].statement.en: longer than 1000 characters (it has 20000)" in (
        shown_errors(response))


@pytest.fixture
def draft(world) -> ModelVersion:
    return make_version(owner=world.acme.org, slug="acme-draft", publish=False)


def test_the_editor_refuses_a_too_long_statement(world, draft):
    client = signed_in(world.acme.owner)
    url = "/o/acme/models/acme-draft/v1/edit/questions/people.2.1/"
    page = client.get(url).content.decode()
    assert 'maxlength="1000"' in page
    before = snapshot()
    response = client.post(url, {"dimension": "people", "level": "2", "weight": "1",
                                 "statement_en": "s" * LONG, "recommendation_en": "R"})
    assert response.status_code == 400
    assert_rejected(response, before)
    errors = response.context["form"].errors
    assert list(errors) == ["statement_en"]
    assert "1000" in errors["statement_en"][0] and "20000" in errors["statement_en"][0]


def test_the_editor_refuses_too_long_names_and_descriptions(world, draft):
    client = signed_in(world.acme.owner)
    base = "/o/acme/models/acme-draft/v1/edit/"
    for path, data, field in (
            ("metadata/", {"name_en": "N" * 201, "default_language": "en",
                           "languages": ["en"]}, "name_en"),
            ("levels/1/", {"name_en": "Level", "description_en": "d" * 4001},
             "description_en"),
            ("add-dimension/", {"key": "finance", "name_en": "F" * 201}, "name_en")):
        before = snapshot()
        response = client.post(base + path, data)
        assert_rejected(response, before)
        assert field in response.context["form"].errors, (path, response.context["form"].errors)


def test_the_services_refuse_a_too_long_text_in_any_language(world, draft):
    question = draft.questions.get(key="people.2.1")
    statement = question.statement
    with pytest.raises(ValidationError) as refused:
        services.question_update(
            question=question, by=access_for(world.acme.owner, world.acme.org),
            dimension="people", level=2, weight=1.0,
            statement={"en": "Fine", "sv": "s" * (TEXT_MAX_LENGTHS["statement"] + 1)},
            recommendation={"en": "R"})
    assert refused.value.message_dict == {"statement": [
        "A text is longer than 1000 characters (sv: 1001)."]}
    question.refresh_from_db()
    assert question.statement == statement


def test_a_draft_holding_a_too_long_text_is_not_published(world, draft):
    """A draft written before the limits (or by hand) cannot be published until fixed."""
    Question.objects.filter(version=draft, key="people.2.1").update(
        statement={"en": "s" * LONG})
    with pytest.raises(ValidationError) as refused:
        services.version_publish(version=draft, by=access_for(world.acme.owner, world.acme.org))
    position = export_version(draft)["questions"].index(
        next(q for q in export_version(draft)["questions"] if q["key"] == "people.2.1"))
    assert refused.value.messages == [
        f"questions[{position}].statement.en: longer than 1000 characters (it has {LONG})"]
    draft.refresh_from_db()
    assert draft.status == ModelVersion.Status.DRAFT


def test_the_api_import_refuses_a_too_long_statement(world):
    from api.models import ApiToken
    from tests.api_helpers import token_client

    document = copy.deepcopy(build_document(slug="api-long"))
    document["questions"][0]["statement"]["en"] = "s" * LONG
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    response = client.post("/organisations/acme/models", raw=json.dumps(document))
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [{"pointer": "#/questions/0/statement/en",
                                          "detail": "longer than 1000 characters (it has 20000)"}]
    assert not ModelVersion.objects.filter(model__slug="api-long").exists()
