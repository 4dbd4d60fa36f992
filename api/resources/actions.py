"""Action plans (``improvement``): list and filter them, read one with its dated notes,
plan one, and record progress (a new status, a note, or both), through the services of
the pages."""


from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from assessments.selectors import get_assessment
from improvement import selectors, services
from improvement.models import Action
from organisations.selectors import get_department

from ..auth import EDIT
from ..schemas import ActionDetail, ActionIn, ActionOut, ProgressIn
from .common import ORG, Mapped, access_of, answers, department_ref, version_ref

router = Router(tags=["actions"])

ACTION = f"{ORG}/actions/{{uuid:action_id}}"


def action_out(action: Action) -> dict:
    return {
        "id": action.public_id, "title": action.title,
        "department": department_ref(action.department),
        "round": {"id": action.assessment.public_id, "name": action.assessment.name}
        if action.assessment_id else None,
        "model": version_ref(action.model_version) if action.model_version_id else None,
        "statements": list(action.statements),
        "owner": None if action.is_unassigned else {
            "name": action.owner_label, "email": action.owner_address,
            "member": action.owner_id is not None},
        "due_date": action.due_date, "done_when": action.done_when, "status": action.status,
        "overdue": action.is_overdue, "created_at": action.created_at,
        "updated_at": action.updated_at,
    }


def action_detail(action: Action) -> dict:
    return {**action_out(action), "statement_texts": selectors.statement_texts(action),
            "notes": [{"at": note.created_at, "author": note.author_label,
                       "status": note.status, "text": note.text}
                      for note in action.notes.all()]}


def _get(access, action_id: UUID) -> Action:
    return selectors.get_action(access, action_id)


class ActionFilter(Schema):
    status: Action.Status | None = None
    owner: str | None = Field(None, max_length=254, description=(
        "An owner's email address (a member's or anyone else's), or `none` for the "
        "unassigned actions."))
    overdue: bool = Field(False, description="Only open actions past their due date.")
    department: UUID | None = None


@router.get(f"{ORG}/actions", response=answers(200, list[ActionOut]),
            summary="The action plan, by department and due date; filter by status, owner, "
                    "overdue and department")
@paginate
def list_actions(request, org_slug: str, filters: Query[ActionFilter]):
    access = access_of(request)
    owner = (filters.owner or "").strip()
    if owner and owner != "none" and "@" not in owner:
        raise ValidationError({"owner": _("Give an owner's email address, or “none”.")})
    chosen = selectors.ActionFilter(
        status=filters.status or "", owner=owner.lower(), overdue=filters.overdue,
        department=get_department(access, filters.department)
        if filters.department is not None else None)
    queryset = selectors.filtered_actions(access, chosen).select_related(
        "model_version__model")
    return Mapped(queryset, action_out)


@router.get(ACTION, response=answers(200, ActionDetail),
            summary="One action, with the statements it addresses and its dated notes")
def get_action(request, org_slug: str, action_id: UUID):
    return action_detail(_get(access_of(request), action_id))


@router.post(f"{ORG}/actions", response=answers(201, ActionDetail), auth=EDIT,
             summary="Plan an action for a department (from a round's statements, if given)")
def create_action(request, org_slug: str, payload: ActionIn):
    access = access_of(request)
    try:
        department = get_department(access, payload.department)
    except Http404 as exc:  # in a body, another organisation's id is the field's problem
        raise ValidationError({"department": _(
            "Choose a department of this organisation.")}) from exc
    assessment = None
    if payload.round is not None:
        try:
            assessment = get_assessment(access, payload.round)
        except Http404 as exc:
            raise ValidationError({"round": _("Choose a round of this department.")}) from exc
    owner, owner_name, owner_email = None, "", ""
    if payload.owner is not None:
        owner = selectors.member_owner(access, payload.owner.email)
        if owner is None:
            owner_name, owner_email = payload.owner.name, payload.owner.email
    try:
        action = services.action_create(
            by=access, department=department, assessment=assessment, title=payload.title,
            statements=payload.statements, owner=owner, owner_name=owner_name,
            owner_email=owner_email, due_date=payload.due_date, done_when=payload.done_when,
            request=request)
    except ValidationError as exc:
        raise _in_body(exc, round_given=assessment is not None) from exc
    return Status(201, action_detail(_get(access, action.public_id)))


def _in_body(error: ValidationError, *, round_given: bool) -> ValidationError:
    """The service's owner fields are the body's ``owner``; with a round, the service's
    "department" problem is that the round is of another one: the body's ``round``."""
    if not hasattr(error, "error_dict"):
        return error
    fields: dict[str, list] = {}
    for field, errors in error.error_dict.items():
        name = "owner" if field.startswith("owner") else field
        if field == "department" and round_given:
            name = "round"
        fields.setdefault(name, []).extend(errors)
    return ValidationError(fields)


@router.post(f"{ACTION}/progress", response=answers(200, ActionDetail), auth=EDIT,
             summary="Record progress: a new status, a note, or both (a dated note)")
def record_progress(request, org_slug: str, action_id: UUID, payload: ProgressIn):
    access = access_of(request)
    action = _get(access, action_id)
    services.action_progress(by=access, action=action, status=payload.status or "",
                             note=payload.note, request=request)
    return action_detail(_get(access, action_id))
