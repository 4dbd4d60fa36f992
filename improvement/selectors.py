"""Reads of action plans, calendar feeds and webhooks, scoped to the organisation
through ``organisations.access`` (an object of another organisation is a 404)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment
from assessments.selectors import assessments as scoped_assessments
from assessments.selectors import results_by_assessment
from models_catalog.texts import model_texts
from organisations.access import OrgAccess, get_scoped, scoped
from organisations.models import Department, Membership, hash_token
from organisations.selectors import inherited_memberships, memberships

from .models import Action, CalendarFeed, Webhook, WebhookDelivery

DELIVERY_LOG_SIZE = 50


def actions(access: OrgAccess) -> QuerySet[Action]:
    return scoped(access, Action.objects.select_related("department", "owner", "assessment"))


def get_action(access: OrgAccess, public_id) -> Action:
    return get_scoped(access, actions(access), public_id=public_id)


def latest_round(access: OrgAccess, department: Department) -> Assessment | None:
    """The department's newest round that counts: its statements are offered."""
    return (scoped_assessments(access).counted().filter(department=department)
            .order_by("-created_at", "-id").first())


def department_actions(access: OrgAccess, department: Department) -> list[Action]:
    return list(actions(access).filter(department=department))


@dataclass(frozen=True)
class ActionFilter:
    status: str = ""
    owner: str = ""  # "me", "none", a user id as text, or an owner's email address
    overdue: bool = False
    department: Department | None = None


def filtered_actions(access: OrgAccess, chosen: ActionFilter) -> QuerySet[Action]:
    queryset = actions(access)
    if chosen.status in Action.Status.values:
        queryset = queryset.filter(status=chosen.status)
    if chosen.overdue:
        queryset = queryset.overdue()
    if chosen.department is not None:
        queryset = queryset.filter(department=chosen.department)
    if chosen.owner == "me":
        queryset = queryset.filter(owner=access.user)
    elif chosen.owner == "none":
        queryset = queryset.filter(owner__isnull=True, owner_name="", owner_email="")
    elif chosen.owner.isdigit():
        queryset = queryset.filter(owner_id=int(chosen.owner))
    elif "@" in chosen.owner:
        queryset = queryset.filter(Q(owner__email__iexact=chosen.owner)
                                   | Q(owner__isnull=True, owner_email__iexact=chosen.owner))
    return queryset.order_by("department__name", "due_date", "created_at", "id")


def owner_users(access: OrgAccess) -> dict[str, object]:
    """Who may own an action, by user id as text: the members of the organisation and,
    for a client, the consultancy's owners and consultants."""
    found = {}
    for membership in list(memberships(access)) + list(inherited_memberships(access)):
        found.setdefault(str(membership.user_id), membership.user)
    return found


def member_owner(access: OrgAccess, email: str) -> str | None:
    """The user id (as text) of the possible owner with this email address, if any."""
    email = email.strip().lower()
    return next((pk for pk, user in owner_users(access).items()
                 if user.email.lower() == email), None)


def owner_choices(access: OrgAccess) -> list[tuple[str, str]]:
    return sorted(((pk, user.get_full_name()) for pk, user in owner_users(access).items()),
                  key=lambda choice: choice[1].lower())


def my_overdue_actions(access: OrgAccess) -> list[Action]:
    """The signed-in user's overdue actions in this organisation (one query), with
    what the home page's panel shows of them: the department, not the owner or round."""
    return list(scoped(access, Action.objects.select_related("department")).overdue()
                .filter(owner=access.user).order_by("due_date", "id")[:20])


def department_managers(organisation) -> list:
    """Who hears about a department's action plan (an owner who left): the
    organisation's service managers, or its owners when it has none."""
    people = list(Membership.objects.filter(organisation=organisation, role="manager")
                  .select_related("user"))
    if not people:
        people = list(Membership.objects.filter(organisation=organisation, role="owner")
                      .select_related("user"))
    return [m.user for m in people if m.user.is_active]


# ------------------------------------------------------- statements and progress


def statement_choices(version, language: str | None = None) -> list:
    """A version's statements grouped by dimension, by level within each."""
    texts = model_texts(version, language)
    groups = []
    for dimension in texts.dimensions:
        questions = sorted((q for q in texts.questions.values()
                            if q.dimension == dimension.key), key=lambda q: (q.level, q.key))
        if questions:
            groups.append((dimension.name, [(q.key, q.statement) for q in questions]))
    return groups


def chosen_first(groups: list, keys: list[str], *, label: str) -> list:
    """``statement_choices`` with the statements ``keys`` in a group of their own, first."""
    chosen = [(key, text) for _name, items in groups for key, text in items if key in keys]
    rest = [(name, [(key, text) for key, text in items if key not in keys])
            for name, items in groups]
    return [(label, chosen)] + [(name, items) for name, items in rest if items]


def suggested_title(text: str) -> str:
    """A recommendation's first sentence: a title, not a paragraph ("Plan an action"
    prefills it)."""
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:300]


def statement_texts(action: Action, language: str | None = None) -> list[dict]:
    if action.model_version_id is None:
        return []
    texts = model_texts(action.model_version, language)
    return [{"key": key, "statement": texts.questions[key].statement}
            for key in action.statements if key in texts.questions]


def next_round(action: Action) -> Assessment | None:
    """The department's first counted round with the same model created after the
    action's round (or, for an action without one, after the action)."""
    if action.model_version_id is None:
        return None
    since = action.assessment.created_at if action.assessment_id else action.created_at
    return (Assessment.objects.counted().filter(
        department_id=action.department_id,
        model_version__model_id=action.model_version.model_id, created_at__gt=since)
        .order_by("created_at", "id").first())


def progress_for_round(assessment: Assessment, result, language: str) -> list[dict]:
    """Per action of the department that was planned before this round (from an
    earlier round of the same model): each addressed statement's value before (in the
    action's round) and after (in this one). On a newer version of the model, "after"
    is read from the statements that carry the addressed one (``carried_from``);
    one that none carries is marked ``moved="unmapped"``."""
    earlier = list(Action.objects.filter(
        department_id=assessment.department_id, assessment__isnull=False,
        assessment__created_at__lt=assessment.created_at,
        model_version__model_id=assessment.model_version.model_id)
        .exclude(statements=[]).select_related("assessment__model_version", "owner")
        .order_by("assessment__created_at", "created_at", "id"))
    if not earlier:
        return []
    rounds = {a.assessment_id: a.assessment for a in earlier}
    # "Before" only from a round whose results may be shown (assessments.anonymity).
    shown = set(Assessment.objects.filter(pk__in=list(rounds)).reported()
                .values_list("pk", flat=True))
    before_results = results_by_assessment([a for pk, a in rounds.items() if pk in shown],
                                           language)
    texts = model_texts(assessment.model_version, language)
    carried = None
    rows = []
    for action in earlier:
        scored = before_results.get(action.assessment_id)
        before = scored.questions if scored is not None else {}
        earlier_version = action.assessment.model_version
        newer = earlier_version.number < assessment.model_version.number
        if newer and carried is None:
            carried = carried_to(assessment.model_version)
        statements = []
        for key in action.statements:
            old = before.get(key)
            targets = carried.get(key, []) if newer else [key]
            if not targets:
                old_texts = model_texts(earlier_version, language)
                statements.append({
                    "key": key, "before": _value(old), "after": None, "moved": "unmapped",
                    "statement": old_texts.questions[key].statement
                    if key in old_texts.questions else key})
            for target in targets:
                new = result.questions.get(target)
                statements.append({
                    "key": target, "before": _value(old), "after": _value(new),
                    "moved": _moved(old, new),
                    "statement": texts.questions[target].statement
                    if target in texts.questions else target})
        rows.append({"action": action, "round": action.assessment.name,
                     "statements": statements})
    return rows


def carried_to(version) -> dict[str, list[str]]:
    """For each statement key of the model's earlier versions, the keys of ``version``'s
    statements that carry its answers (their ``carried_from``; docs/model-format.md)."""
    mapping: dict[str, list[str]] = {}
    # Not from the snapshot: ``carried_from`` may still be recorded on a released version
    # (``followup.statement_mapping`` says why).
    for key, sources in (version.questions.order_by("position", "id")
                         .values_list("key", "carried_from")):
        for source in sources or ():
            mapping.setdefault(source, []).append(key)
    return mapping


def _value(aggregate) -> float | None:
    return None if aggregate is None else aggregate.value


def _moved(old, new) -> str:
    """up, down, same, or unknown (a value missing on either side)."""
    if old is None or new is None or old.value is None or new.value is None:
        return "unknown"
    if new.value > old.value + 1e-9:
        return "up"
    if new.value < old.value - 1e-9:
        return "down"
    return "same"


def roadmap_actions(assessment: Assessment) -> list[Action]:
    """The department's action plan, as the round's roadmap shows it."""
    return list(Action.objects.filter(department_id=assessment.department_id)
                .select_related("owner").order_by("due_date", "created_at", "id"))


# ------------------------------------------------------------ calendar and webhooks


def calendar_feed(access: OrgAccess) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=access.user, organisation=access.organisation).first()


def feed_by_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 200:
        return None
    return (CalendarFeed.objects.select_related("user", "organisation")
            .filter(token_hash=hash_token(token)).first())


def webhooks(access: OrgAccess) -> QuerySet[Webhook]:
    return scoped(access, Webhook.objects.all())


def get_webhook(access: OrgAccess, public_id) -> Webhook:
    return get_scoped(access, Webhook.objects.all(), public_id=public_id)


def delivery_log(webhook: Webhook) -> list[WebhookDelivery]:
    return list(webhook.deliveries.all()[:DELIVERY_LOG_SIZE])


def today():
    return timezone.localdate()
