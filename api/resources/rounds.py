"""Assessment rounds: list, create, open, close, invite respondents, and results (the
figures of the round page, from the one presenter ``assessments.presentation``)."""


from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from assessments import selectors, services
from assessments.anonymity import MIN_GROUP_SIZE
from assessments.models import Assessment
from assessments.presentation import present
from models_catalog.texts import model_texts
from organisations.selectors import get_department

from ..auth import ASSESS
from ..schemas import RespondentIn, RespondentOut, ResultsOut, RoundDetail, RoundIn, RoundOut
from .common import ORG, Mapped, access_of, answers, department_ref, version_ref

router = Router(tags=["rounds"])

ROUND = f"{ORG}/rounds/{{uuid:assessment_id}}"


def round_out(assessment: Assessment) -> dict:
    return {
        "id": assessment.public_id, "name": assessment.name,
        "department": department_ref(assessment.department),
        "model": version_ref(assessment.model_version),
        "status": assessment.status, "anonymity": assessment.anonymity,
        "due_date": assessment.due_date, "target_level": assessment.target_level,
        "created_at": assessment.created_at, "opened_at": assessment.opened_at,
        "closed_at": assessment.closed_at, "cancelled_at": assessment.cancelled_at,
    }


def _counts(assessment: Assessment) -> dict:
    return selectors.response_counts([assessment.pk])[assessment.pk]


def round_detail(assessment: Assessment) -> dict:
    return {**round_out(assessment), "respondents": _counts(assessment)}


class RoundFilter(Schema):
    department: UUID | None = None
    status: Assessment.Status | None = None
    created_after: date | None = None
    created_before: date | None = None


@router.get(f"{ORG}/rounds", response=answers(200, list[RoundOut]),
            summary="The rounds, newest first; filter by department, status and the date "
                    "they were created (inclusive)")
@paginate
def list_rounds(request, org_slug: str, filters: Query[RoundFilter]):
    access = access_of(request)
    rounds = selectors.assessments(access)
    if filters.department is not None:
        rounds = rounds.filter(department=get_department(access, filters.department))
    if filters.status is not None:
        rounds = rounds.filter(status=filters.status)
    if filters.created_after is not None:
        rounds = rounds.filter(created_at__date__gte=filters.created_after)
    if filters.created_before is not None:
        rounds = rounds.filter(created_at__date__lte=filters.created_before)
    return Mapped(rounds, round_out)


@router.post(f"{ORG}/rounds", response=answers(201, RoundDetail, conflict=True), auth=ASSESS,
             summary="Start a round as a draft")
def create_round(request, org_slug: str, payload: RoundIn):
    access = access_of(request)
    version = (selectors.usable_versions(access).filter(public_id=payload.model_version)
               .first())
    if version is None:
        raise ValidationError({"model_version": _(
            "Choose a published version of a model this organisation can use.")})
    try:
        department = get_department(access, payload.department)
    except Http404 as exc:  # in a body, another organisation's id is the field's problem
        raise ValidationError({"department": _(
            "Choose a department of this organisation.")}) from exc
    assessment = services.assessment_create(
        by=access, department=department, model_version=version, name=payload.name,
        due_date=payload.due_date, target_level=payload.target_level,
        anonymity=payload.anonymity, request=request)
    return Status(201, round_detail(selectors.get_assessment(access, assessment.public_id)))


@router.get(ROUND, response=answers(200, RoundDetail), summary="One round")
def get_round(request, org_slug: str, assessment_id: UUID):
    return round_detail(selectors.get_assessment(access_of(request), assessment_id))


def _transition(request, assessment_id: UUID, service) -> dict:
    access = access_of(request)
    assessment = selectors.get_assessment(access, assessment_id)
    service(by=access, assessment=assessment, request=request)
    return round_detail(selectors.get_assessment(access, assessment_id))


@router.post(f"{ROUND}/open", response=answers(200, RoundDetail, conflict=True), auth=ASSESS,
             summary="Open a draft for answers (respondents added so far get their email)")
def open_round(request, org_slug: str, assessment_id: UUID):
    return _transition(request, assessment_id, services.assessment_open)


@router.post(f"{ROUND}/close", response=answers(200, RoundDetail, conflict=True),
             auth=ASSESS, summary="Close an open round: only submitted responses count")
def close_round(request, org_slug: str, assessment_id: UUID):
    return _transition(request, assessment_id, services.assessment_close)


@router.post(f"{ROUND}/respondents", response=answers(201, RespondentOut, conflict=True),
             auth=ASSESS, summary="Invite someone by email to answer through a personal "
                                  "link (emailed by a worker right after, if the round is "
                                  "open, else when it opens)")
def invite_respondent(request, org_slug: str, assessment_id: UUID, payload: RespondentIn):
    access = access_of(request)
    assessment = selectors.get_assessment(access, assessment_id)
    response = services.respondent_invite(by=access, assessment=assessment,
                                          email=payload.email, name=payload.name,
                                          language=payload.language, request=request)
    return Status(201, {"id": response.public_id, "email": response.email})


@router.get(f"{ROUND}/results", response=answers(200, ResultsOut, conflict=True),
            summary="The round's results: the figures of its page (submitted responses "
                    "only), texts in the request's language; 409 while an anonymous "
                    f"round has fewer than {MIN_GROUP_SIZE} submitted responses")
def get_results(request, org_slug: str, assessment_id: UUID):
    assessment = selectors.get_assessment(access_of(request), assessment_id)
    hidden = selectors.results_withheld(assessment)
    if hidden is not None:  # nobody may see them yet: the problem's detail says why
        raise ValidationError(hidden.message)
    result = selectors.assessment_results(assessment)
    summary = present(result, model_texts(assessment.model_version),
                      target_is_default=assessment.target_level is None)
    return {**summary, "round": assessment.public_id,
            "counts_in_results": assessment.counts_in_results,
            "respondents": _counts(assessment)}
