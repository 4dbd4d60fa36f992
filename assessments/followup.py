"""Follow-up rounds: the next round of a closed one, rounds that open themselves, reminders
on a schedule, and answers carried from the previous round.

"Start the next round" copies a closed round's settings (department, respondents, target
level, anonymity, model version: the same one or the model's latest published version)
into a new draft that follows it (``Assessment.follows``). The draft may open itself on a
day (``opens_on``) and remind those who have not submitted every so many days
(``remind_every_days``): ``tasks.follow_up_tick``, run by Celery beat, calls
:func:`open_scheduled_rounds` and :func:`send_scheduled_reminders`. Both claim their work
with conditional updates, so two ticks (or two beats by mistake) never open a round or
send a reminder twice. A reminder resends the respondent's current link, emailed by a
worker (``services.email_after_commit``); links change only when someone renews one.

Carried answers: each copied respondent's submitted answers of the previous round become
``CarriedAnswer`` suggestions on the new version's statements, through the version's
``Question.carried_from`` mapping (every statement to itself on the same version). They
count nowhere until the respondent confirms them (:func:`carried_confirm`: the page's
"Confirm" button), answering a statement replaces its suggestion, and submitting drops
what was not confirmed (``services.response_submit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from models_catalog.models import ModelVersion, Question
from models_catalog.snapshot import snapshot
from organisations.access import OrgAccess, visible_to_organisation
from organisations.services import audit
from scoring import DK, NA

from . import selectors, services
from .models import Answer, Assessment, CarriedAnswer, Response

SAME_VERSION = "same"
LATEST_VERSION = "latest"


def latest_version(version: ModelVersion, by: OrgAccess) -> ModelVersion | None:
    """The newest published version of ``version``'s model that ``by``'s organisation may
    use (None: there is none, e.g. a tenant model whose versions are all retired)."""
    return (ModelVersion.objects.filter(model_id=version.model_id,
                                        status=ModelVersion.Status.PUBLISHED)
            .filter(visible_to_organisation(by.organisation, "model__owner"))
            .select_related("model").order_by("-number").first())


def check_schedule(opens_on: date | None, due_date: date | None, *,
                   opens: date | None = None) -> None:
    """A new opening day ``opens_on`` is today or later, and the due date is not before
    the round opens (``opens``: an opening day already set)."""
    if opens_on is not None and opens_on < timezone.localdate():
        raise ValidationError({"opens_on": _(
            "The opening day %(date)s is in the past. Choose today or a later day, or leave "
            "it empty to open the round yourself.")
            % {"date": formats.date_format(opens_on, "SHORT_DATE_FORMAT")}})
    opens = opens_on or opens
    if opens is not None and due_date is not None and due_date < opens:
        raise ValidationError({"due_date": _("The due date cannot be before the round opens.")})


def check_interval(remind_every_days: int | None) -> None:
    if remind_every_days is not None and not 1 <= remind_every_days <= 365:
        raise ValidationError({"remind_every_days": _(
            "Remind every 1 to 365 days, or leave it empty for no automatic reminders.")})


@transaction.atomic
def assessment_start_next(*, by: OrgAccess, assessment: Assessment, name: str,
                          model_choice: str = SAME_VERSION, opens_on: date | None = None,
                          due_date: date | None = None, remind_every_days: int | None = None,
                          carry_answers: bool = True,
                          request: HttpRequest | None = None) -> Assessment:
    """A new draft round that follows the closed ``assessment``, with its settings and its
    respondents (not those whose link was withdrawn, nor members who may no longer
    answer), and, if ``carry_answers``, their submitted answers as suggestions to confirm.
    """
    by.require("assess")
    assessment = (Assessment.objects.select_related("model_version__model", "department")
                  .get(pk=assessment.pk, organisation=by.organisation))
    if not assessment.is_closed:
        raise ValidationError(_("Only a closed round can be followed by a next round."))
    if model_choice == LATEST_VERSION:
        version = latest_version(assessment.model_version, by)
        if version is None:
            raise ValidationError({"model_choice": _(
                "This model has no published version this organisation can use.")})
    elif model_choice == SAME_VERSION:
        version = assessment.model_version
    else:
        raise ValidationError({"model_choice": _("Choose which version of the model to use.")})
    check_schedule(opens_on, due_date)
    check_interval(remind_every_days)
    target = assessment.target_level
    if target is not None and target > snapshot(version).top:
        target = None  # the new version has fewer levels: one above the result again
    follow_up = services.assessment_create(
        by=by, department=assessment.department, model_version=version, name=name,
        due_date=due_date, target_level=target, anonymity=assessment.anonymity,
        request=request)
    follow_up.follows = assessment
    follow_up.opens_on = opens_on
    follow_up.remind_every_days = remind_every_days
    follow_up.save(update_fields=["follows", "opens_on", "remind_every_days"])
    pairs = _copy_respondents(by=by, previous=assessment, follow_up=follow_up)
    carried = _carry(pairs, assessment.model_version, version) if carry_answers else 0
    audit(organisation=by.organisation, actor=by.user, action="assessment.follow_up_started",
          target=str(follow_up),
          data={"assessment": str(follow_up.public_id), "follows": str(assessment.public_id),
                "version": version.number, "respondents": len(pairs),
                "carried_answers": carried,
                "opens_on": opens_on.isoformat() if opens_on else None},
          request=request)
    return follow_up


def _copy_respondents(*, by: OrgAccess, previous: Assessment,
                      follow_up: Assessment) -> list[tuple[Response, Response]]:
    """(previous response, new response) for each respondent who is asked again."""
    allowed = services._assessing_user_ids(previous)
    pairs = []
    for old in previous.responses.select_related("user").order_by("created_at", "id"):
        if old.user_id is None and old.revoked_at is not None:
            continue  # withdrawn on purpose: not asked again
        if old.user_id is not None and old.user_id not in allowed:
            continue  # no longer a member who may answer
        if old.shared_link_id is not None:
            continue  # answered through a shared link: the next round shares its own
        if old.user_id is None and not old.email and not old.name:
            continue  # a member's response whose account was deleted
        new = Response(assessment=follow_up, user=old.user, email=old.email, name=old.name,
                       language=old.language, invited_by=by.user)
        new.group = old.group
        new.save()
        pairs.append((old, new))
    return pairs


def statement_mapping(previous: ModelVersion, version: ModelVersion) -> dict[int, list[str]]:
    """For each statement (id) of ``version``, the keys of ``previous``'s statements whose
    answers carry to it: itself on the same version, else its ``carried_from``."""
    # Read here, not from the snapshot: ``carried_from`` is not content and may still be
    # recorded on a released version (``Question.objects.record_carried_from``), which a
    # process's kept snapshot would not see.
    questions = Question.objects.filter(version=version).values_list("pk", "key",
                                                                     "carried_from")
    if previous.pk == version.pk:
        return {pk: [key] for pk, key, _mapped in questions}
    return {pk: list(mapped) for pk, _key, mapped in questions if mapped}


def carried_option(given: list[str], old_values: dict[str, float],
                   new_options: list[tuple[str, float]]) -> str | None:
    """The option a statement carries from the earlier ``given`` answers (option keys of
    its mapped statements that were answered), or None: docs/model-format.md."""
    if not given:
        return None
    if len(given) == 1:
        option = given[0]
        return option if option in (NA, DK) or option in dict(new_options) else None
    values = [old_values[o] for o in given if o in old_values]
    if not values:
        return NA if all(o == NA for o in given) else None
    mean = sum(values) / len(values)
    # Rounded: 1/3 and 2/3 are equally far from 1/2, up to floating point.
    return min(new_options, key=lambda kv: (round(abs(kv[1] - mean), 9), kv[1]))[0] \
        if new_options else None


def _carry(pairs: Iterable[tuple[Response, Response]], previous: ModelVersion,
           version: ModelVersion) -> int:
    """Carry each pair's submitted previous answers into the new response; the number
    carried."""
    pairs = [(old, new) for old, new in pairs if old.submitted_at is not None]
    mapping = statement_mapping(previous, version)
    if not pairs or not mapping:
        return 0
    answers: dict[int, dict[str, str]] = {old.pk: {} for old, _new in pairs}
    for response_id, key, option in (Answer.objects.filter(Answer.answered(),
                                                           response_id__in=answers)
                                     .values_list("response_id", "question__key", "option")):
        answers[response_id][key] = option
    old_values = {o.key: o.value for o in snapshot(previous).options}
    new_options = [(o.key, o.value) for o in snapshot(version).options]
    rows = []
    for old, new in pairs:
        given = answers[old.pk]
        for question_id, keys in mapping.items():
            option = carried_option([given[k] for k in keys if k in given], old_values,
                                    new_options)
            if option is not None:
                rows.append(CarriedAnswer(response=new, question_id=question_id, option=option))
    CarriedAnswer.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def carried_confirm(*, response: Response, dimension_key: str | None = None) -> int:
    """The respondent confirms the answers from last round they are shown (those of one
    dimension page, or all): each becomes their answer, unless they have answered that
    statement meanwhile. Refused like any answer once the response cannot change."""
    locked = services._locked(response)
    carried = CarriedAnswer.objects.filter(response=locked)
    if dimension_key is not None:
        carried = carried.filter(question__dimension__key=dimension_key)
    carried = list(carried)
    answered = set(Answer.objects.filter(Answer.answered(), response=locked,
                                         question_id__in=[c.question_id for c in carried])
                   .values_list("question_id", flat=True))
    now = timezone.now()
    rows = [Answer(response_id=locked.pk, question_id=c.question_id, option=c.option,
                   updated_at=now) for c in carried if c.question_id not in answered]
    Answer.objects.bulk_create(rows, update_conflicts=True,
                               unique_fields=["response", "question"],
                               update_fields=["option", "updated_at"])
    CarriedAnswer.objects.filter(pk__in=[c.pk for c in carried]).delete()
    if rows and locked.started_at is None:
        Response.objects.filter(pk=locked.pk, started_at__isnull=True).update(started_at=now)
        response.started_at = now
    return len(rows)


# --- The schedule (tasks.follow_up_tick) ----------------------------------------------------


def open_scheduled_rounds(*, now: datetime) -> int:
    """Open every draft whose opening day has come; the number opened. Each round in a
    transaction of its own, claimed by the conditional update of ``services._transition``
    (a round opened meanwhile, by hand or by another tick, is skipped)."""
    today = timezone.localdate(now)
    opened = 0
    for assessment in (Assessment.objects.filter(status=Assessment.Status.DRAFT,
                                                 opens_on__lte=today)
                       .select_related("organisation")):
        try:
            with transaction.atomic():
                services.open_round(by=None, assessment=assessment)
        except ValidationError:
            continue  # opened (or deleted) meanwhile
        opened += 1
    return opened


def send_scheduled_reminders(*, now: datetime) -> int:
    """Have a worker remind, with their same link, each respondent of an open round with
    automatic reminders who has not submitted and was last emailed ``remind_every_days``
    or more ago, until the round's due date; the number of reminders asked for.

    The update that marks them owed is the claim: a tick running at the same time finds
    them owed already (or emailed since) and skips them."""
    today = timezone.localdate(now)
    sent = 0
    rounds = (Assessment.objects.filter(status=Assessment.Status.OPEN,
                                        remind_every_days__isnull=False)
              .filter(Q(due_date__isnull=True) | Q(due_date__gte=today))
              .select_related("organisation"))
    for assessment in rounds:
        cutoff = now - timedelta(days=assessment.remind_every_days)
        with transaction.atomic():
            due = selectors.emailable(assessment).filter(last_emailed_at__lte=cutoff,
                                                         email_due="")
            count = services.email_after_commit(due, kind=Response.Email.REMINDER,
                                                assessment=assessment, by=None, at=now)
            if count:
                audit(organisation=assessment.organisation, actor=services.SCHEDULE_ACTOR,
                      action="assessment.reminder_sent", target=str(assessment),
                      data={"assessment": str(assessment.public_id), "count": count,
                            "scheduled": True})
        sent += count
    return sent
