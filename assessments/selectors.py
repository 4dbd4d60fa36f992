"""Reads of assessments, scoped to the accessed organisation, and their results.

Tenant data is reached only through ``organisations.access.scoped``/``get_scoped``:
an assessment or response of another organisation is a 404 like one that does not
exist. The one exception is :func:`response_by_token`: a personal link's token is
itself the credential, and opens exactly one response.

Results count **submitted responses only**. That is what a service manager expects
of a result they report on: a half-finished questionnaire does not move the level
up and down while colleagues are still answering, and a closed round is scored on
exactly what people chose to hand in. The assessment page says so and shows how
many responses are still open.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import get_language

import scoring
from models_catalog.models import (
    Dimension,
    Level,
    ModelVersion,
    Question,
    ScaleOption,
)
from models_catalog.selectors import model_spec, version_structure
from models_catalog.texts import ModelTexts
from organisations.access import (
    CAPABILITIES,
    OrgAccess,
    carries_into_clients,
    get_scoped,
    scoped,
    visible_to_organisation,
)
from organisations.models import Department, Membership, hash_token
from organisations.selectors import MAX_TOKEN_LENGTH
from scoring import DK, NA, ModelSpec, ScoreResult, score, with_consensus

from . import sql
from .anonymity import (
    MIN_GROUP_SIZE,
    Withheld,
    names_visible,
    respondent_labels,
    shown_respondent_groups,
    withheld,
)
from .models import Answer, Assessment, CarriedAnswer, ConsensusAnswer, Response, SharedLink
from .presentation import COUNTED_AS_INVITED, percent, present_groups

# --- Assessments and responses -----------------------------------------------------------


def assessments(access: OrgAccess) -> QuerySet[Assessment]:
    return scoped(access, Assessment.objects.select_related(
        "department", "model_version__model", "created_by"))


def get_assessment(access: OrgAccess, public_id) -> Assessment:
    return get_scoped(access, Assessment.objects.select_related(
        "organisation", "department", "model_version__model", "created_by"),
        public_id=public_id)


def department_assessments(access: OrgAccess, department: Department) -> list[Assessment]:
    """A department's rounds, oldest first (the order of a trend), each with
    ``is_reported``: whether it counts in the trend (``AssessmentQuerySet.reported``)."""
    return list(assessments(access).filter(department=department).with_reported()
                .order_by("created_at", "id"))


def get_response(access: OrgAccess, assessment: Assessment, public_id) -> Response:
    return get_scoped(access, Response.objects.filter(assessment=assessment)
                      .select_related("user", "assessment__organisation"),
                      org_field="assessment__organisation", public_id=public_id)


def get_shared_link(access: OrgAccess, assessment: Assessment, public_id) -> SharedLink:
    return get_scoped(access, SharedLink.objects.filter(assessment=assessment)
                      .select_related("assessment__organisation"),
                      org_field="assessment__organisation", public_id=public_id)


def shared_links(assessment: Assessment) -> list[SharedLink]:
    """The round's shared links with ``started``: the responses begun through each."""
    return list(SharedLink.objects.filter(assessment=assessment)
                .annotate(started=Count("responses")).order_by("created_at", "id"))


def links_to_copy(access: OrgAccess, assessment: Assessment,
                  people: Iterable[Response]) -> dict:
    """The links the round page offers to copy: ``personal`` maps a response's id to
    its working personal link, ``shared`` lists the shared links, each with ``url``
    (None once it no longer works). A personal link is offered only to those who see
    who answered what (``anonymity.names_visible``): whoever holds a link can open the
    answers behind it, which in an anonymous round nobody may see; there, links go by
    email only."""
    from .emails import questionnaire_url
    from .services import link_token, shared_link_token

    personal = {}
    if names_visible(access, assessment.anonymity) and assessment.is_changeable:
        for response in people:
            if (response.is_invitee and response.link_state == "active"
                    and not response.is_submitted):
                token = link_token(response)
                if token is not None:
                    personal[response.pk] = questionnaire_url(response, token)
    links = shared_links(assessment)
    for link in links:
        token = shared_link_token(link) if link.state == "active" else None
        link.url = (settings.SITE_URL + reverse("respondent:shared", args=[token])
                    if token else None)
    return {"personal": personal, "shared": links}


def response_by_token(token: str) -> Response | None:
    """The response a personal link opens, whatever its state, or None, with its
    assessment's organisation, department and version (one query, ``assessments.sql``).

    Only the token's SHA-256 is stored; the match is confirmed in constant time.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    row = sql.link_response(digest)
    if row is None or not hmac.compare_digest(row.response.token_hash, digest):
        return None
    response, assessment = row.response, row.assessment
    assessment.organisation = row.organisation
    assessment.department = row.department
    assessment.model_version = row.version
    response.assessment = assessment
    return response


def shared_link_by_token(token: str) -> SharedLink | None:
    """The shared link ``token`` opens, whatever its state, or None (as
    :func:`response_by_token`: the token is the credential)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    link = (SharedLink.objects.select_related(
        "assessment__organisation__parent", "assessment__department",
        "assessment__model_version")
        .filter(token_hash=digest).first())
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    return link


def response_replaced_by_token(token: str) -> Response | None:
    """The response whose link ``token`` was until it was renewed, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    response = Response.objects.filter(previous_token_hash=digest).first()
    if response is None or not hmac.compare_digest(response.previous_token_hash, digest):
        return None
    return response


def member_response(access: OrgAccess, assessment_public_id, user) -> Response | None:
    """The member's response to one of the organisation's assessments, with what a
    questionnaire page shows of the assessment (its department and model version), in
    one query (``assessments.sql``). None when the member has no response yet, or the
    organisation has no such assessment (``get_assessment`` then finds the assessment,
    or answers 404)."""
    try:
        row = sql.member_response(assessment_public_id, access.organisation.pk, user.pk)
    except (ValueError, ValidationError):  # a malformed id, as in get_scoped
        return None
    if row is None:
        return None
    response, assessment = row.response, row.assessment
    assessment.department = row.department
    assessment.model_version = row.version
    assessment.organisation = access.organisation  # the row the query was scoped by
    response.assessment = assessment
    response.user = user
    return response


def respondents(assessment: Assessment) -> list[Response]:
    """The respondents with ``n_answered`` (answers with a chosen option) and
    ``n_carried`` (answers from last round not confirmed yet): one query."""
    carried = (CarriedAnswer.objects.filter(response=OuterRef("pk")).order_by()
               .values("response").annotate(n=Count("id")).values("n"))
    return list(Response.objects.filter(assessment=assessment).select_related("user")
                .annotate(n_answered=Count("answers", filter=Answer.answered("answers__")),
                          n_carried=Coalesce(Subquery(carried), 0)))


def emailable(assessment: Assessment) -> QuerySet[Response]:
    """The respondents an email can go to: still awaited (``Response.awaiting``: neither
    submitted nor withdrawn) and with an address (a member, or someone invited by
    email). Who "Remind all" and the schedule remind, and whom a worker still emails."""
    return (Response.objects.filter(Response.awaiting(), assessment=assessment)
            .filter(Q(user__isnull=False) | ~Q(email="")))


def awaiting_invitation(assessment: Assessment) -> QuerySet[Response]:
    """The respondents whose invitation is owed when ``assessment`` opens: emailable and
    never emailed. Once the round is open, only those added before it opened: a member
    who starts answering unasked, or someone who comes through a shared link, gets no
    invitation."""
    waiting = emailable(assessment).filter(last_emailed_at__isnull=True)
    if assessment.opened_at is not None:
        waiting = waiting.filter(created_at__lte=assessment.opened_at)
    return waiting


def response_counts(assessment_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per assessment: respondents not started, in progress, submitted, and ``total``
    invited (one query). A link withdrawn before its respondent submitted does not
    count (``presentation.COUNTED_AS_INVITED``)."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"not_started": 0, "in_progress": 0, "submitted": 0, "total": 0})
    rows = (Response.objects.filter(COUNTED_AS_INVITED, assessment_id__in=list(assessment_ids))
            .values_list("assessment_id", "started_at", "submitted_at"))
    for assessment_id, started_at, submitted_at in rows:
        state = ("submitted" if submitted_at else "in_progress" if started_at
                 else "not_started")
        counts[assessment_id][state] += 1
        counts[assessment_id]["total"] += 1
    return counts


def results_withheld(assessment: Assessment) -> Withheld | None:
    """Why nobody may see the round's results yet (``anonymity.withheld``: an anonymous
    round with too few submitted responses), or None: one query."""
    return withheld(assessment, response_counts([assessment.pk])[assessment.pk])


def usable_versions(access: OrgAccess) -> QuerySet[ModelVersion]:
    """Published versions of the models the organisation may use for a new round: the
    shipped models first, then the tailored ones."""
    return (ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED)
            .filter(visible_to_organisation(access.organisation, "model__owner"))
            .select_related("model")
            .order_by(F("model__owner_id").asc(nulls_first=True), "model__slug", "-number"))


def suggested_versions(access: OrgAccess, departments: QuerySet[Department]
                       ) -> dict[int | None, ModelVersion | None]:
    """The version a new round's form preselects for each of ``departments`` (by id; the
    key None: for no department): the newest usable version of the model the
    department's latest round used, else the model of the organisation's latest round
    (cancelled rounds left out: a round may be cancelled for its wrong model). Without
    such a round, a shipped model, never a tailored copy: the one in the reader's
    language that is translated into the most languages. None when nothing fits (the
    form then asks). Three queries, whatever the number of departments."""
    newest: dict[int, ModelVersion] = {}
    for version in usable_versions(access):  # each model's newest version first
        newest.setdefault(version.model_id, version)
    rounds = (assessments(access).exclude(status=Assessment.Status.CANCELLED)
              .order_by("-created_at", "-id").values("model_version__model_id"))
    latest = dict(departments.annotate(
        latest_model=Subquery(rounds.filter(department=OuterRef("pk"))[:1]))
        .values_list("pk", "latest_model"))
    organisation_model = rounds.values_list("model_version__model_id", flat=True).first()
    fallback = newest.get(organisation_model)
    if fallback is None:
        shipped = [version for version in newest.values() if version.model.owner_id is None]
        language = get_language()
        fallback = max(shipped, default=None, key=lambda v: (
            language in (v.model.languages or ()), len(v.model.languages or ())))
    return {None: fallback, **{department: newest.get(model_id, fallback)
                               for department, model_id in latest.items()}}


def assessing_members(access: OrgAccess, assessment: Assessment) -> list:
    """People who can answer as members (roles that may assess, directly or through the
    consultancy) and are not respondents yet."""
    roles = CAPABILITIES["assess"]
    org = access.organisation
    q = Q(organisation=org, role__in=roles)
    if org.parent_id:
        q |= carries_into_clients() & Q(organisation_id=org.parent_id, role__in=roles)
    taken = Response.objects.filter(assessment=assessment, user__isnull=False).values("user_id")
    users = {}
    for membership in (Membership.objects.filter(q).exclude(user_id__in=taken)
                       .select_related("user").order_by("user__full_name", "user__email")):
        users.setdefault(membership.user_id, membership.user)
    return list(users.values())


# --- The questionnaire ----------------------------------------------------------------------


@dataclass
class QuestionItem:
    question: Question
    option: str = ""
    comment: str = ""
    # The answer from the respondent's previous round, while it waits for confirmation
    # (``CarriedAnswer``); empty once the statement is answered.
    carried: str = ""

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def answered(self) -> bool:
        return bool(self.option)


@dataclass
class DimensionPage:
    dimension: Dimension
    items: list[QuestionItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.dimension.key

    @property
    def total(self) -> int:
        return len(self.items)

    @cached_property  # read several times a page; a page is built once, then only read
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answered)

    @property
    def unanswered(self) -> list[QuestionItem]:
        return [item for item in self.items if not item.answered]

    @property
    def carried(self) -> list[QuestionItem]:
        """Statements with an answer from last round waiting for confirmation."""
        return [item for item in self.items if item.carried]


@dataclass
class Questionnaire:
    """One response's questionnaire: every dimension with its questions and answers."""

    version: ModelVersion
    pages: list[DimensionPage]
    options: list[ScaleOption]
    levels: dict[int, Level]

    @property
    def total(self) -> int:
        return sum(page.total for page in self.pages)

    @cached_property
    def answered(self) -> int:
        return sum(page.answered for page in self.pages)

    @property
    def percent(self) -> int:
        return percent(self.answered / self.total) if self.total else 100

    def page(self, key: str) -> DimensionPage | None:
        return next((page for page in self.pages if page.key == key), None)

    @cached_property
    def carried(self) -> int:
        return sum(len(page.carried) for page in self.pages)

def questionnaire(version: ModelVersion, response: Response | None) -> Questionnaire:
    """Everything a questionnaire page shows, whatever its size: one query for the
    respondent's answers, plus the version's structure (from its snapshot: none once
    the process has read a released version, ``models_catalog.snapshot``).
    """
    structure = version_structure(version)
    answers, carried = {}, {}
    if response is not None and response.pk is not None:
        # One query for both: the respondent's answers, then the answers carried from
        # last round (suggestions to confirm). Only a follow-up round has carried answers
        # (assessments.followup; the round it follows has results, so it is never
        # deleted): for any other, the answers alone, a third of the Python.
        own = (Answer.objects.filter(response_id=response.pk)
               .annotate(carried=Value(False))
               .values_list("question_id", "option", "comment", "carried"))
        round_ = Response._meta.get_field("assessment").get_cached_value(response, None)
        if round_ is None or round_.follows_id is not None:
            own = own.union(CarriedAnswer.objects.filter(response_id=response.pk)
                            .annotate(no_comment=Value(""), carried=Value(True))
                            .values_list("question_id", "option", "no_comment", "carried"),
                            all=True)
        for question_id, option, comment, is_carried in own:
            if is_carried:
                carried[question_id] = option
            else:
                answers[question_id] = (option, comment)
    pages = {d.pk: DimensionPage(d) for d in structure.dimensions}
    for question in structure.questions:
        page = pages.get(question.dimension_id)
        if page is None:
            continue
        option, comment = answers.get(question.pk, ("", ""))
        page.items.append(QuestionItem(question, option, comment,
                                       "" if option else carried.get(question.pk, "")))
    return Questionnaire(version=version, pages=list(pages.values()),
                         options=list(structure.options), levels=dict(structure.levels))


# --- Results -----------------------------------------------------------------------------------


def _submitted_responses(assessment_ids: Sequence[int]) -> dict[int, list[tuple[int, object]]]:
    """Per assessment, its submitted responses as (id, submitted at), in the order
    they were submitted: one query."""
    result: dict[int, list[tuple[int, object]]] = {pk: [] for pk in assessment_ids}
    for response_id, assessment_id, submitted_at in (Response.objects.filter(
            Response.submitted(), assessment_id__in=assessment_ids)
            .order_by("submitted_at", "id").values_list("pk", "assessment_id", "submitted_at")):
        result[assessment_id].append((response_id, submitted_at))
    return result


def _answers_of(response_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per response, one plain mapping question key -> option key: one query whatever
    the number of respondents and questions."""
    by_response: dict[int, dict[str, str]] = {pk: {} for pk in response_ids}
    if response_ids:
        for response_id, key, option in (Answer.objects.filter(Answer.answered(),
                                                               response_id__in=response_ids)
                                         .values_list("response_id", "question__key", "option")):
            by_response[response_id][key] = option
    return by_response


def _valid_only(spec: ModelSpec, answers: dict[str, str]) -> dict[str, str]:
    """Answers the version still knows. A pinned version never changes, so this only
    guards against an option removed from a draft that was answered by mistake."""
    allowed = {*spec.options, NA, DK}
    keys = {q.key for q in spec.questions}
    return {k: v for k, v in answers.items() if k in keys and v in allowed}


# Results are kept in the cache (Redis in production) under a key made of everything
# they are computed from: the rules (the engine's ENGINE_VERSION, so a change of rules
# never serves a stale result), the round, its pinned version (released, so it never
# changes), its target level, the language of the texts, and which responses were
# submitted when (a submitted response's answers never change; reopening or a new
# submission changes the list). A report of 20 rounds then scores only the rounds that
# changed since it was last shown. The timeout only bounds what an edit outside the
# services (a database console) could leave behind.
RESULTS_CACHE_SECONDS = 24 * 60 * 60


def _results_key(assessment: Assessment, language: str,
                 submitted: list[tuple[int, object]], *, consensus: bool = True) -> str | None:
    version = assessment.model_version
    if version.status == ModelVersion.Status.DRAFT:  # a draft can change: never kept
        return None
    # The pickled classes' modules too: a result pickled before the engine moved
    # (assessments.scoring → scoring) would fail to load after it, not merely be stale.
    # Consensus answers change the result: their last change is part of the key (a
    # round without any keeps the key it always had, as does the result before them).
    stamp = assessment.consensus_updated_at if consensus else None
    # RoundFigures' fields too: figures cached before a field was added lack it.
    identity = repr((scoring.ENGINE_VERSION, ScoreResult.__module__, RoundFigures.__module__,
                     tuple(f.name for f in fields(RoundFigures)),
                     assessment.pk, assessment.created_at.isoformat(),
                     version.pk,
                     assessment.target_level, language,
                     [(pk, at.isoformat()) for pk, at in submitted])
                    + ((stamp.isoformat(),) if stamp else ()))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
    return f"assessment-results:{assessment.pk}:{digest}"


def results_by_assessment(assessment_list: Sequence[Assessment],
                          language: str | None = None, *,
                          consensus: bool = True) -> dict[int, ScoreResult]:
    """Results of several rounds at once (a department's trend, an organisation's
    report): the submitted responses (one query), then for the rounds whose results
    are not in the cache their answers (one query), their consensus answers (one, if a
    round has any) and five per distinct model version, whatever the number of
    respondents and questions. Only submitted responses count (see the module
    docstring). ``consensus=False``: the result as it was before the consensus session."""
    language = language or get_language()
    submitted = _submitted_responses([a.pk for a in assessment_list])
    return _results(assessment_list, language, submitted, consensus=consensus)


def consensus_by_assessment(assessments: Sequence[Assessment]) -> dict[int, dict[str, str]]:
    """Per round, its consensus answers as question key -> option key (not checked
    against the version: ``ScoringInput`` does that): one query, and none when no
    round has had one."""
    result: dict[int, dict[str, str]] = {a.pk: {} for a in assessments}
    ids = [a.pk for a in assessments if a.consensus_updated_at is not None]
    if ids:
        for assessment_id, key, option in (ConsensusAnswer.objects.filter(
                assessment_id__in=ids).values_list("assessment_id", "question__key", "option")):
            result[assessment_id][key] = option
    return result


@dataclass(frozen=True)
class ScoringInput:
    """What a round's result is computed from, as the scoring engine takes it: the one
    place that turns the stored answers into the engine's input (the results, the
    consensus session's what-ifs and the ``score_answers`` export all read it)."""

    spec: ModelSpec
    responses: dict[int, dict[str, str]]  # submitted response id -> its answers
    consensus: dict[str, str]
    target_level: int | None

    @cached_property
    def plain(self) -> ScoreResult:
        """The result without consensus answers: the respondents' alone."""
        return score(self.spec, list(self.responses.values()), target_level=self.target_level)

    def score(self, *, consensus: Mapping[str, str] | None = None) -> ScoreResult:
        """The result with the round's consensus answers (or these instead), from the
        plain one: the responses are aggregated once however often this is asked."""
        return with_consensus(self.spec, self.plain,
                              self.consensus if consensus is None else consensus,
                              self.target_level)


def _scoring_input(assessment: Assessment, spec: ModelSpec, answers: dict[int, dict[str, str]],
                   submitted: list[tuple[int, object]], consensus: dict[str, str],
                   ) -> ScoringInput:
    target = assessment.target_level
    if target is not None and not 1 <= target <= spec.levels:
        target = None
    return ScoringInput(spec=spec, target_level=target,
                        responses={pk: _valid_only(spec, answers[pk]) for pk, _at in submitted},
                        consensus=_valid_only(spec, consensus))


def scoring_input(assessment: Assessment, language: str | None = None) -> ScoringInput:
    """The engine's input for one round (submitted responses only, in the order they
    were submitted, and the consensus answers)."""
    language = language or get_language()
    submitted = _submitted_responses([assessment.pk])[assessment.pk]
    return _scoring_input(assessment, model_spec(assessment.model_version, language),
                          _answers_of([pk for pk, _at in submitted]), submitted,
                          consensus_by_assessment([assessment])[assessment.pk])


def scoring_document(access: OrgAccess, assessment: Assessment,
                     language: str | None = None) -> dict:
    """The round's answers in the input format of ``score_answers`` (DESIGN.md, "Scoring
    contract"), so that scoring it reproduces the round's result exactly: the submitted
    respondents' answers, named only for those who see names
    (``anonymity.names_visible``; else "Respondent 3", numbered and ordered as the
    report's appendix is), the consensus answers and the target level."""
    input_ = scoring_input(assessment, language)
    submitted = Response.objects.filter(pk__in=list(input_.responses)).select_related("user")
    labels = respondent_labels(submitted, names=names_visible(access, assessment.anonymity))
    # Respondent groups (issue 15, item 1) belong to each respondent's entry here, in
    # whatever form score_answers comes to read them.
    document: dict = {"respondents": [{"name": label, "answers": input_.responses[pk]}
                                      for pk, label in labels.items()]}
    if input_.consensus:
        document["consensus"] = input_.consensus
    if input_.target_level is not None:
        document["target_level"] = input_.target_level
    return document


def _results(assessment_list: Sequence[Assessment], language: str,
             submitted: dict[int, list[tuple[int, object]]], *,
             consensus: bool = True) -> dict[int, ScoreResult]:
    keys = {a.pk: _results_key(a, language, submitted[a.pk], consensus=consensus)
            for a in assessment_list}
    wanted = [key for key in keys.values() if key is not None]
    cached = cache.get_many(wanted) if wanted else {}
    results = {pk: cached[key] for pk, key in keys.items() if key in cached}
    todo = [a for a in assessment_list if a.pk not in results]
    if not todo:
        return results
    answers = _answers_of([pk for a in todo for pk, _at in submitted[a.pk]])
    agreed = consensus_by_assessment(todo) if consensus else {a.pk: {} for a in todo}
    specs: dict[int, ModelSpec] = {}
    for assessment in todo:
        version = assessment.model_version
        if version.pk not in specs:
            specs[version.pk] = model_spec(version, language)
        results[assessment.pk] = _scoring_input(
            assessment, specs[version.pk], answers, submitted[assessment.pk],
            agreed[assessment.pk]).score()
    fresh = {keys[a.pk]: results[a.pk] for a in todo if keys[a.pk] is not None}
    if fresh:
        cache.set_many(fresh, RESULTS_CACHE_SECONDS)
    return results


def _score(spec: ModelSpec, assessment: Assessment,
           responses: Sequence[dict[str, str]]) -> ScoreResult:
    """The engine on some of a round's answers (all of them, or one group's)."""
    target = assessment.target_level
    if target is not None and not 1 <= target <= spec.levels:
        target = None
    return score(spec, [_valid_only(spec, answers) for answers in responses],
                 target_level=target)


@dataclass(frozen=True)
class GroupResult:
    """One respondent group's result: ``key`` is the group's name, "" for respondents
    without a group, None for the smaller groups shown together
    (``anonymity.shown_respondent_groups``)."""

    key: str | None
    respondents: int
    result: ScoreResult


@dataclass(frozen=True)
class GroupBreakdown:
    groups: list[GroupResult]  # the groups that may be shown, in the order to show them
    hidden: int  # groups not shown on their own


def group_results(assessment: Assessment, language: str | None = None, *,
                  responses: Iterable[Response] | None = None) -> GroupBreakdown | None:
    """Each respondent group's result, from its submitted responses' answers, scored by
    the same engine as the whole round. Only the groups that may be shown are scored
    (``anonymity.shown_respondent_groups``). None when no submitted respondent has a
    group. ``responses``: the round's responses if the caller has them (one query
    less). Two queries and the version's spec (none once cached) when there are groups."""
    if responses is None:
        rows = (Response.objects.filter(Response.submitted(), assessment=assessment)
                .values_list("pk", "group"))
    else:
        rows = [(r.pk, r.group) for r in responses if r.submitted_at is not None]
    members: dict[str, list[int]] = defaultdict(list)
    for pk, group in sorted(rows):
        members[group].append(pk)
    if not any(members):
        return None
    ordered = dict(sorted(members.items(), key=lambda item: (item[0] == "", item[0].casefold())))
    shown, hidden = shown_respondent_groups(ordered, merged=None)
    if not shown:
        return GroupBreakdown(groups=[], hidden=hidden)
    answers = _answers_of([pk for pks in shown.values() for pk in pks])
    spec = model_spec(assessment.model_version, language or get_language())
    return GroupBreakdown(hidden=hidden, groups=[
        GroupResult(key=key, respondents=len(pks),
                    result=_score(spec, assessment, [answers[pk] for pk in pks]))
        for key, pks in shown.items()])


def group_summary(assessment: Assessment, whole: ScoreResult, texts: ModelTexts,
                  language: str | None = None, *,
                  responses: Iterable[Response] | None = None) -> dict | None:
    """What the round page, the report, the PDF and the exports show of the respondent
    groups (``presentation.present_groups``) beside ``whole``, the round's result; None
    when no submitted respondent has a group. ``responses`` as for group_results."""
    breakdown = group_results(assessment, language, responses=responses)
    if breakdown is None:
        return None
    return present_groups(breakdown.groups, whole, texts, hidden=breakdown.hidden,
                          min_size=MIN_GROUP_SIZE)


@dataclass(frozen=True)
class RoundFigures:
    """What an organisation's report and its charts read of a round's result."""

    level: int
    index: float
    target: int
    axes: dict[str, float | None]
    dimension_levels: dict[str, int]
    # For trends across model versions, which compare rounds per dimension.
    dimension_indices: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, result: ScoreResult) -> RoundFigures:
        return cls(level=result.overall.level, index=result.overall.index,
                   target=result.target_level,
                   axes={a.key: a.position for a in result.axes},
                   dimension_levels={d.key: d.level for d in result.dimensions},
                   dimension_indices={d.key: d.index for d in result.dimensions})


def figures_by_assessment(assessment_list: Sequence[Assessment],
                          language: str | None = None) -> dict[int, RoundFigures]:
    """The figures of several rounds (an organisation's report): kept in the cache
    beside each round's result under the same key, so that a report of a few hundred
    rounds reads a few hundred small entries instead of whole results; a round not in
    the cache is scored as :func:`results_by_assessment` does. Same queries."""
    language = language or get_language()
    submitted = _submitted_responses([a.pk for a in assessment_list])
    keys = {a.pk: _results_key(a, language, submitted[a.pk]) for a in assessment_list}
    wanted = [f"{key}:figures" for key in keys.values() if key is not None]
    cached = cache.get_many(wanted) if wanted else {}
    figures = {pk: cached[f"{key}:figures"] for pk, key in keys.items()
               if key is not None and f"{key}:figures" in cached}
    todo = [a for a in assessment_list if a.pk not in figures]
    if todo:
        results = _results(todo, language, submitted)
        fresh = {}
        for assessment in todo:
            figures[assessment.pk] = RoundFigures.of(results[assessment.pk])
            if keys[assessment.pk] is not None:
                fresh[f"{keys[assessment.pk]}:figures"] = figures[assessment.pk]
        if fresh:
            cache.set_many(fresh, RESULTS_CACHE_SECONDS)
    return figures


def assessment_results(assessment: Assessment, language: str | None = None, *,
                       consensus: bool = True) -> ScoreResult:
    """The scoring engine's result for one assessment, from its submitted responses
    and its consensus answers (``consensus=False``: as before the session).

    Seven queries whatever the number of respondents and questions: five for the
    model version's spec, one for the submitted responses, one for their answers (and
    one for its consensus answers, if it ever had one).
    With no submitted response yet it is the result of an empty questionnaire
    (level 1, completeness 0); ``submitted_count`` tells them apart.
    """
    return results_by_assessment([assessment], language, consensus=consensus)[assessment.pk]


def waiting_for_member(access: OrgAccess) -> list[Response]:
    """The member's own questionnaires in the organisation's open rounds that they have
    not submitted yet, oldest round first (one query)."""
    return list(Response.objects.filter(
        Response.awaiting(), user=access.user, assessment__organisation=access.organisation,
        assessment__status=Assessment.Status.OPEN,
    ).select_related("assessment__department").order_by("assessment__created_at", "id"))
