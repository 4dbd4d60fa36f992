"""Demo action plan: after Acme's IT Service Desk closed its Q1 2026 round, the
consultant and the service manager planned actions from its next steps. By the next
round (Q3 2026, closed) two were done, one was dropped, one is still in progress and
overdue (the service manager's: their home page and weekly digest show it), and two
are on the way, one owned by someone without an account (a name and an email
address). Q3 2026's report and PDF say per action whether its statements moved
(before → after).

The statements are next steps of Q1 2026 (the demo's answers are deterministic: most
of them were answered higher in Q3 2026, the dropped action's lower). Dates are
relative to today, like the rounds'. Idempotent: an action that exists (same
department and title) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment
from models_catalog.texts import model_texts
from organisations.access import organisation_access
from organisations.demo import CONSULTANT_EMAIL
from organisations.models import Organisation, User

from . import selectors, services
from .models import Action, ActionNote

ORGANISATION = "acme"
DEPARTMENT = "IT Service Desk"
PLANNED_AFTER = "Q1 2026"  # the round whose next steps the actions come from
MANAGER = "manager@acme.example"


@dataclass(frozen=True)
class Plan:
    statements: tuple[str, ...]  # next steps of PLANNED_AFTER; the title is the first's
    status: str
    owner: str | tuple[str, str]  # "manager", "consultant", or (name, email address)
    due: int  # days from today (negative: in the past)
    notes: tuple[tuple[int, str, str], ...] = ()  # (days ago, new status or "", text)
    done_when: str = ""
    created: int = 245  # days ago: just after PLANNED_AFTER closed


PLANS = (
    Plan(("customer.4.2",), Action.Status.DONE, "manager", -150, (
        (230, Action.Status.IN_PROGRESS, "Survey sent to 200 customers: chat and a call-back "
                                         "option came out on top."),
        (165, Action.Status.DONE, "Chat is live on weekdays; a third of the contacts now "
                                  "come in through it."),
    ), done_when="Customers can reach us through the channels they asked for."),
    Plan(("customer.4.3",), Action.Status.DONE, ("Priya Shah", "priya.shah@acme.example"),
         -120, (
        (210, Action.Status.IN_PROGRESS, "Interviews with four departments planned."),
        (190, "", "Two departments get help from a colleague instead of the desk."),
        (135, Action.Status.DONE, "Findings presented in the service meeting; the knowledge "
                                  "base now covers their top questions."),
    )),
    Plan(("people.4.1", "people.4.2"), Action.Status.IN_PROGRESS, "manager", -10, (
        (200, Action.Status.IN_PROGRESS, "Core team of four named; first meeting held."),
        (40, "", "The mandate is still waiting for the CIO's signature."),
    ), done_when="The core team meets monthly with a signed mandate and a written strategy."),
    Plan(("integration.4.1",), Action.Status.DROPPED, "consultant", -60, (
        (180, Action.Status.DROPPED, "Dropped: the new service-management platform "
                                     "integrates these systems next year."),
    ), created=240),
    Plan(("integration.4.3",), Action.Status.IN_PROGRESS, ("Jonas Ek", "jonas.ek@acme.example"),
         20, (
        (30, Action.Status.IN_PROGRESS, "Automatic assignment switched on for first line; "
                                        "chasing and reminders are next."),
    ), created=240),
    Plan(("customer.4.1",), Action.Status.PLANNED, "consultant", 40, created=240),
)


def seed(orgs: dict[str, Organisation]) -> None:
    org = orgs.get(ORGANISATION)
    if org is not None:
        _seed_plan(org)


@transaction.atomic
def _seed_plan(org: Organisation) -> None:
    consultant = User.objects.filter(email=CONSULTANT_EMAIL).first()
    manager = User.objects.filter(email=MANAGER).first()
    planned = (Assessment.objects.filter(organisation=org, department__name=DEPARTMENT,
                                         name=PLANNED_AFTER, status=Assessment.Status.CLOSED)
               .select_related("model_version", "department").first())
    if consultant is None or manager is None or planned is None:
        return
    access = {"consultant": organisation_access(consultant, org.slug),
              "manager": organisation_access(manager, org.slug)}
    texts = model_texts(planned.model_version, "en")
    now = timezone.now()
    today = timezone.localdate()
    for plan in PLANS:
        keys = [key for key in plan.statements if key in texts.questions]
        if not keys:
            continue
        question = texts.questions[keys[0]]
        title = selectors.suggested_title(question.recommendation or question.statement)
        if Action.objects.filter(department=planned.department, title=title).exists():
            continue
        member = access.get(plan.owner) if isinstance(plan.owner, str) else None
        name, address = ("", "") if member else plan.owner
        action = services.action_create(
            by=access["consultant"], department=planned.department, assessment=planned,
            title=title, statements=keys, owner=str(member.user.pk) if member else None,
            owner_name=name, owner_email=address, done_when=plan.done_when,
            due_date=today + timedelta(days=max(plan.due, 1)))  # a past date is refused
        _date_last_note(action, now - timedelta(days=plan.created))
        for days, status, text in plan.notes:
            services.action_progress(by=member or access["consultant"], action=action,
                                     status=status, note=text)
            _date_last_note(action, now - timedelta(days=days))
        Action.objects.filter(pk=action.pk).update(
            created_at=now - timedelta(days=plan.created),
            due_date=today + timedelta(days=plan.due))


def _date_last_note(action: Action, when) -> None:
    last = ActionNote.objects.filter(action=action).order_by("-id").values_list("pk", flat=True)
    ActionNote.objects.filter(pk__in=list(last[:1])).update(created_at=when)
