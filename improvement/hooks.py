"""Where the action plans meet the other apps: the home page's panel, the round
report's section, and the events other apps send (rounds opened and closed, reports
ready, members who leave), which become webhook deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import get_language

from assessments.models import Assessment
from assessments.signals import round_closed, round_opened
from organisations.signals import member_removed
from reports.signals import report_ready

from . import selectors, services
from .models import Action, Webhook


def overdue_panel(access) -> dict | None:
    mine = selectors.my_overdue_actions(access)
    return {"actions": mine} if mine else None


def report_section(access, report) -> dict | None:
    """The department's actions with their status (the roadmap), and per action planned
    from an earlier round whether its statements moved since."""
    assessment = report.assessment
    plan = selectors.roadmap_actions(assessment)
    progress = selectors.progress_for_round(assessment, report.result, get_language())
    if not plan and not progress:
        return None
    return {"actions": plan, "progress": progress, "assessment": assessment}


def report_fingerprint(assessment: Assessment) -> list:
    """What the section shows changes when an action of the department does."""
    found = (Action.objects.filter(department_id=assessment.department_id)
             .aggregate(last=Max("updated_at")))
    return [str(found["last"]),
            Action.objects.filter(department_id=assessment.department_id).count()]


def _round_data(assessment: Assessment) -> dict:
    return {"round": {
        "id": str(assessment.public_id), "name": assessment.name,
        "department": assessment.department.name, "status": assessment.status,
        "due_date": assessment.due_date.isoformat() if assessment.due_date else None,
        "url": settings.SITE_URL + reverse("assessments:detail", kwargs={
            "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id}),
    }}


def _on_round_opened(sender, assessment, **kwargs):
    services.emit(organisation=assessment.organisation, event=Webhook.Event.ROUND_OPENED,
                  data=_round_data(assessment))


def _on_round_closed(sender, assessment, **kwargs):
    services.emit(organisation=assessment.organisation, event=Webhook.Event.ROUND_CLOSED,
                  data=_round_data(assessment))


def _on_report_ready(sender, report, **kwargs):
    services.emit(organisation=report.organisation, event=Webhook.Event.REPORT_READY, data={
        "report": {"id": str(report.public_id), "kind": report.kind,
                   "variant": report.variant, "language": report.language,
                   "round": str(report.assessment.public_id) if report.assessment_id else None,
                   "url": settings.SITE_URL + reverse("reports:download", kwargs={
                       "org_slug": report.organisation.slug, "report_id": report.public_id})},
    })


def _on_member_removed(sender, organisation, user, by=None, **kwargs):
    services.member_left(organisation=organisation, user=user, by=by)


def connect() -> None:
    round_opened.connect(_on_round_opened, dispatch_uid="improvement.round_opened")
    round_closed.connect(_on_round_closed, dispatch_uid="improvement.round_closed")
    report_ready.connect(_on_report_ready, dispatch_uid="improvement.report_ready")
    member_removed.connect(_on_member_removed, dispatch_uid="improvement.member_removed")
