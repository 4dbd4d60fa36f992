"""The caller's organisation: a token belongs to exactly one."""


from ninja import Router

from ..schemas import OrganisationOut
from .common import ORG, access_of, answers

router = Router(tags=["organisations"])


def organisation_out(request) -> dict:
    access = access_of(request)
    org = access.organisation
    return {"id": org.public_id, "slug": org.slug, "name": org.name, "kind": org.kind,
            "consultancy": org.parent.slug if org.parent_id else None,
            "role": access.role, "scope": request.api_token.scope}


@router.get("/organisations", response=answers(200, list[OrganisationOut]),
            summary="The organisations this token reaches (one)")
def list_organisations(request):
    return [organisation_out(request)]


@router.get(ORG, response=answers(200, OrganisationOut), summary="One organisation")
def get_organisation(request, org_slug: str):
    return organisation_out(request)
