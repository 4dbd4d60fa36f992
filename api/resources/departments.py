"""The organisation's service departments."""


from uuid import UUID

from ninja import Router
from ninja.pagination import paginate

from organisations import selectors

from ..schemas import DepartmentOut
from .common import ORG, access_of, answers

router = Router(tags=["departments"])


def department_out(department) -> dict:
    return {"id": department.public_id, "name": department.name,
            "description": department.description, "created_at": department.created_at}


@router.get(f"{ORG}/departments", response=answers(200, list[DepartmentOut]),
            summary="The departments, by name")
@paginate
def list_departments(request, org_slug: str):
    return [department_out(d) for d in selectors.departments(access_of(request))]


@router.get(f"{ORG}/departments/{{uuid:department_id}}", response=answers(200, DepartmentOut),
            summary="One department")
def get_department(request, org_slug: str, department_id: UUID):
    return department_out(selectors.get_department(access_of(request), department_id))
