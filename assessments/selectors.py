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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import get_language

import scoring
from maturity_site.rows import Columns, execute, partial, timestamp
from models_catalog.models import (
    Dimension,
    Level,
    ModelVersion,
    Question,
    ScaleOption,
)
from models_catalog.selectors import model_spec, version_structure
from organisations.access import (
    CAPABILITIES,
    CONSULTANCY_ROLES_IN_CLIENTS,
    OrgAccess,
    get_scoped,
    scoped,
    visible_to_organisation,
)
from organisations.models import Department, Membership, hash_token
from organisations.selectors import MAX_TOKEN_LENGTH
from scoring import DK, NA, ModelSpec, ScoreResult, score

from .models import Answer, Assessment, Response
from .presentation import COUNTED_AS_INVITED, percent

# --- Assessments and responses -----------------------------------------------------------


def assessments(access: OrgAccess) -> QuerySet[Assessment]:
    return scoped(access, Assessment.objects.select_related(
        "department", "model_version__model", "created_by"))


def get_assessment(access: OrgAccess, public_id) -> Assessment:
    return get_scoped(access, Assessment.objects.select_related(
        "organisation", "department", "model_version__model", "created_by"),
        public_id=public_id)


def department_assessments(access: OrgAccess, department: Department) -> list[Assessment]:
    """A department's rounds, oldest first (the order of a trend)."""
    return list(assessments(access).filter(department=department)
                .order_by("created_at", "id"))


def get_response(access: OrgAccess, assessment: Assessment, public_id) -> Response:
    return get_scoped(access, Response.objects.filter(assessment=assessment)
                      .select_related("user", "assessment__organisation"),
                      org_field="assessment__organisation", public_id=public_id)


def response_by_token(token: str) -> Response | None:
    """The response a personal link opens, whatever its state, or None.

    Only the token's SHA-256 is stored; the match is confirmed in constant time.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    response = (Response.objects.select_related(
        "assessment__organisation", "assessment__department", "assessment__model_version__model",
        "invited_by").filter(token_hash=digest).first())
    if response is None or not hmac.compare_digest(response.token_hash, digest):
        return None
    return response


def response_replaced_by_token(token: str) -> Response | None:
    """The response whose link ``token`` was until it was renewed, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    response = Response.objects.filter(previous_token_hash=digest).first()
    if response is None or not hmac.compare_digest(response.previous_token_hash, digest):
        return None
    return response


_RESPONSE = Columns(Response, "r")
_ASSESSMENT = Columns(Assessment, "a")
_DEPARTMENT = Columns(Department, "d")
_VERSION = Columns(ModelVersion, "v")
# The member's response to an assessment of the organisation, with the assessment, its
# department and its pinned version. Written out because the ORM spends about a
# millisecond of Python compiling this query, on the busiest page there is (every
# questionnaire page); the tests run it on SQLite and the benchmarks on PostgreSQL.
# Table and column names come from the models' _meta; the values are parameters.
_FROM_MEMBER_RESPONSE = (
    f'FROM "{Response._meta.db_table}" r '
    f'INNER JOIN "{Assessment._meta.db_table}" a ON a."id" = r."assessment_id" '
    f'INNER JOIN "{ModelVersion._meta.db_table}" v ON v."id" = a."model_version_id" '
    f'INNER JOIN "{Department._meta.db_table}" d ON d."id" = a."department_id" '
    'WHERE a."public_id" = %s AND a."organisation_id" = %s AND r."user_id" = %s')
_MEMBER_RESPONSE_SQL = (
    f"SELECT {_RESPONSE.sql}, {_ASSESSMENT.sql}, {_DEPARTMENT.sql}, {_VERSION.sql} "  # noqa: S608
    + _FROM_MEMBER_RESPONSE)
_MEMBER_RESPONSE_PARTS = (_RESPONSE, _ASSESSMENT, _DEPARTMENT, _VERSION)
_MEMBER_RESPONSE_ENDS = tuple(accumulate(len(part) for part in _MEMBER_RESPONSE_PARTS))
# The same for an autosave, which reads less: no department, and of the version only
# what keys its cached structure (models_catalog.selectors.version_structure).
_RESPONSE_TO_SAVE_SQL = (
    f'SELECT {_RESPONSE.sql}, {_ASSESSMENT.sql}, v."created_at", v."status" '  # noqa: S608
    + _FROM_MEMBER_RESPONSE)


def member_response(access: OrgAccess, assessment_public_id, user, *,
                    to_save: bool = False) -> Response | None:
    """The member's response to one of the organisation's assessments, with what a
    questionnaire page shows of the assessment (its department and model version), in
    one query; ``to_save``: only what an autosave reads (the assessment, and the
    version's id, creation time and status). None when the member has no response yet,
    or the organisation has no such assessment (``get_assessment`` then finds the
    assessment, or answers 404)."""
    try:
        public_id = Assessment._meta.get_field("public_id").get_db_prep_value(
            assessment_public_id, connection)  # SQLite keeps UUIDs as 32 hex digits
    except (ValueError, ValidationError):  # a malformed id, as in get_scoped
        return None
    sql = _RESPONSE_TO_SAVE_SQL if to_save else _MEMBER_RESPONSE_SQL
    with connection.cursor() as cursor:
        execute(cursor, sql, [public_id, access.organisation.pk, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    db = connection.alias
    if to_save:
        end = len(_RESPONSE) + len(_ASSESSMENT)
        response = _RESPONSE.instance(row[:len(_RESPONSE)], db, connection)
        assessment = _ASSESSMENT.instance(row[len(_RESPONSE):end], db, connection)
        created_at, status = row[end:]
        assessment.model_version = partial(ModelVersion, db, id=assessment.model_version_id,
                                           created_at=timestamp(created_at, connection),
                                           status=status)
    else:
        response, assessment, department, version = (
            part.instance(row[start:end], db, connection)
            for part, start, end in zip(_MEMBER_RESPONSE_PARTS, (0, *_MEMBER_RESPONSE_ENDS),
                                        _MEMBER_RESPONSE_ENDS, strict=False))
        assessment.department = department
        assessment.model_version = version
    assessment.organisation = access.organisation  # the row the query was scoped by
    response.assessment = assessment
    response.user = user
    return response


def respondents(assessment: Assessment) -> list[Response]:
    """The respondents with ``n_answered`` (answers with a chosen option): one query."""
    return list(Response.objects.filter(assessment=assessment).select_related("user")
                .annotate(n_answered=Count("answers", filter=~Q(answers__option=""))))


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


def usable_versions(access: OrgAccess) -> QuerySet[ModelVersion]:
    """Published versions of the models the organisation may use for a new round: the
    shipped models first, then the tailored ones."""
    return (ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED)
            .filter(visible_to_organisation(access.organisation, "model__owner"))
            .select_related("model")
            .order_by(F("model__owner_id").asc(nulls_first=True), "model__slug", "-number"))


def suggested_version(access: OrgAccess, department: Department | None) -> ModelVersion | None:
    """The version a new round's form preselects: the newest usable version of the model
    the department's latest round used, else the model of the organisation's latest
    round (cancelled rounds left out: a round may be cancelled for its wrong model).
    Without such a round, a shipped model, never a tailored copy: the one in the reader's
    language that is translated into the most languages. None when nothing fits (the
    form then asks)."""
    usable = usable_versions(access)
    rounds = assessments(access).exclude(status=Assessment.Status.CANCELLED)
    for scope in ([rounds.filter(department=department)] if department else []) + [rounds]:
        model_id = (scope.order_by("-created_at", "-id")
                    .values_list("model_version__model_id", flat=True).first())
        if model_id is not None:
            version = usable.filter(model_id=model_id).order_by("-number").first()
            if version is not None:
                return version
    shipped = list(usable.filter(model__owner__isnull=True))  # newest version first
    if not shipped:
        return None
    language = get_language()
    return max(shipped, key=lambda v: (language in (v.model.languages or ()),
                                       len(v.model.languages or ())))


def assessing_members(access: OrgAccess, assessment: Assessment) -> list:
    """People who can answer as members (roles that may assess, directly or through the
    consultancy) and are not respondents yet."""
    roles = CAPABILITIES["assess"]
    org = access.organisation
    q = Q(organisation=org, role__in=roles)
    if org.parent_id:
        q |= Q(organisation_id=org.parent_id, role__in=CONSULTANCY_ROLES_IN_CLIENTS & roles)
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


_ANSWERS_SQL = (  # a response's answers: question id, option, comment
    f'SELECT "question_id", "option", "comment" FROM "{Answer._meta.db_table}" '  # noqa: S608
    'WHERE "response_id" = %s')


def questionnaire(version: ModelVersion, response: Response | None) -> Questionnaire:
    """Everything a questionnaire page shows, whatever its size: one query for the
    respondent's answers, plus the version's structure (from its snapshot: none once
    the process has read a released version, ``models_catalog.snapshot``).
    """
    structure = version_structure(version)
    answers = {}
    if response is not None and response.pk is not None:
        # Written out: the ORM's Python for this query costs several times its run.
        with connection.cursor() as cursor:
            execute(cursor, _ANSWERS_SQL, [response.pk])
            answers = {question_id: (option, comment)
                       for question_id, option, comment in cursor.fetchall()}
    pages = {d.pk: DimensionPage(d) for d in structure.dimensions}
    for question in structure.questions:
        page = pages.get(question.dimension_id)
        if page is None:
            continue
        option, comment = answers.get(question.pk, ("", ""))
        page.items.append(QuestionItem(question, option, comment))
    return Questionnaire(version=version, pages=list(pages.values()),
                         options=list(structure.options), levels=dict(structure.levels))


# --- Results -----------------------------------------------------------------------------------


def _submitted_responses(assessment_ids: Sequence[int]) -> dict[int, list[tuple[int, object]]]:
    """Per assessment, its submitted responses as (id, submitted at), in the order
    they were submitted: one query."""
    result: dict[int, list[tuple[int, object]]] = {pk: [] for pk in assessment_ids}
    for response_id, assessment_id, submitted_at in (Response.objects.filter(
            assessment_id__in=assessment_ids, submitted_at__isnull=False)
            .order_by("submitted_at", "id").values_list("pk", "assessment_id", "submitted_at")):
        result[assessment_id].append((response_id, submitted_at))
    return result


def _answers_of(response_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per response, one plain mapping question key -> option key: one query whatever
    the number of respondents and questions."""
    by_response: dict[int, dict[str, str]] = {pk: {} for pk in response_ids}
    if response_ids:
        for response_id, key, option in (Answer.objects.filter(response_id__in=response_ids)
                                         .exclude(option="")
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
                 submitted: list[tuple[int, object]]) -> str | None:
    version = assessment.model_version
    if version.status == ModelVersion.Status.DRAFT:  # a draft can change: never kept
        return None
    # The pickled classes' modules too: a result pickled before the engine moved
    # (assessments.scoring → scoring) would fail to load after it, not merely be stale.
    identity = repr((scoring.ENGINE_VERSION, ScoreResult.__module__, RoundFigures.__module__,
                     assessment.pk, assessment.created_at.isoformat(),
                     version.pk,
                     assessment.target_level, language,
                     [(pk, at.isoformat()) for pk, at in submitted]))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
    return f"assessment-results:{assessment.pk}:{digest}"


def results_by_assessment(assessment_list: Sequence[Assessment],
                          language: str | None = None) -> dict[int, ScoreResult]:
    """Results of several rounds at once (a department's trend, an organisation's
    report): the submitted responses (one query), then for the rounds whose results
    are not in the cache their answers (one query) and five per distinct model
    version, whatever the number of respondents and questions. Only submitted
    responses count (see the module docstring)."""
    language = language or get_language()
    submitted = _submitted_responses([a.pk for a in assessment_list])
    return _results(assessment_list, language, submitted)


def _results(assessment_list: Sequence[Assessment], language: str,
             submitted: dict[int, list[tuple[int, object]]]) -> dict[int, ScoreResult]:
    keys = {a.pk: _results_key(a, language, submitted[a.pk]) for a in assessment_list}
    wanted = [key for key in keys.values() if key is not None]
    cached = cache.get_many(wanted) if wanted else {}
    results = {pk: cached[key] for pk, key in keys.items() if key in cached}
    todo = [a for a in assessment_list if a.pk not in results]
    if not todo:
        return results
    answers = _answers_of([pk for a in todo for pk, _at in submitted[a.pk]])
    specs: dict[int, ModelSpec] = {}
    for assessment in todo:
        version = assessment.model_version
        if version.pk not in specs:
            specs[version.pk] = model_spec(version, language)
        spec = specs[version.pk]
        target = assessment.target_level
        if target is not None and not 1 <= target <= spec.levels:
            target = None
        responses = [_valid_only(spec, answers[pk]) for pk, _at in submitted[assessment.pk]]
        results[assessment.pk] = score(spec, responses, target_level=target)
    fresh = {keys[a.pk]: results[a.pk] for a in todo if keys[a.pk] is not None}
    if fresh:
        cache.set_many(fresh, RESULTS_CACHE_SECONDS)
    return results


@dataclass(frozen=True)
class RoundFigures:
    """What an organisation's report and its charts read of a round's result."""

    level: int
    index: float
    target: int
    axes: dict[str, float | None]
    dimension_levels: dict[str, int]

    @classmethod
    def of(cls, result: ScoreResult) -> RoundFigures:
        return cls(level=result.overall.level, index=result.overall.index,
                   target=result.target_level,
                   axes={a.key: a.position for a in result.axes},
                   dimension_levels={d.key: d.level for d in result.dimensions})


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


def assessment_results(assessment: Assessment, language: str | None = None) -> ScoreResult:
    """The scoring engine's result for one assessment, from its submitted responses.

    Seven queries whatever the number of respondents and questions: five for the
    model version's spec, one for the submitted responses, one for their answers.
    With no submitted response yet it is the result of an empty questionnaire
    (level 1, completeness 0); ``submitted_count`` tells them apart.
    """
    return results_by_assessment([assessment], language)[assessment.pk]


def waiting_for_member(access: OrgAccess) -> list[Response]:
    """The member's own questionnaires in the organisation's open rounds that they have
    not submitted yet, oldest round first (one query)."""
    return list(Response.objects.filter(
        user=access.user, assessment__organisation=access.organisation,
        assessment__status=Assessment.Status.OPEN, submitted_at__isnull=True,
    ).select_related("assessment__department").order_by("assessment__created_at", "id"))
