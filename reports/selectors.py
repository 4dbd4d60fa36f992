"""Reads for reports: what a report shows, as plain data, and its input hash.

Everything is scoped through ``organisations.access`` and the assessments'
selectors; the query count of a report does not grow with the number of
respondents, answers or questions (it grows with model versions and, for an
organisation, stays constant in the number of departments).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from assessments.anonymity import Withheld, names_visible, results_may_show, withheld
from assessments.models import Assessment, Response
from assessments.presentation import (
    WEAKEST_DIMENSIONS,
    counted_as_invited,
    present,
    scale_share,
    weakest_dimensions,
)
from assessments.selectors import (
    RoundFigures,
    figures_by_assessment,
    group_summary,
    response_counts,
    results_by_assessment,
)
from assessments.selectors import assessments as scoped_assessments
from assessments.selectors import get_assessment as get_any_assessment
from assessments.session import session_outcome, submitted_answers
from models_catalog.texts import ModelTexts, model_texts
from organisations.access import (
    OrgAccess,
    get_scoped,
    inherited_role,
    scoped,
)
from organisations.branding import effective_branding
from organisations.models import Organisation
from organisations.selectors import departments as scoped_departments
from peers import pool as peer_pool
from scoring import DK, ENGINE_VERSION, NA, QUICK_WINS, ScoreResult, quick_wins

from . import extensions
from .charts import (
    DepartmentResult,
    TrendPoint,
    dimension_spreads,
    point_name,
)
from .models import Report

# Bump when a template or chart changes what a PDF shows: the input hash changes, so
# a new request renders afresh instead of reusing an older file (and the pages kept in
# the cache, the organisation report and the home page's overview, are rendered again).
TEMPLATE_VERSION = "2026-12-04.2"


# --------------------------------------------------------------------------- reports


def report_audience(access: OrgAccess, assessment: Assessment | None) -> str:
    """The audience of the page a report renders, as this member sees it.

    A file has exactly the audience of its page: it is rendered for one audience and
    opened only by members who see that variant of the page. The organisation page
    shows a consultancy's clients only to those who act in them (``portfolio_access``,
    the rule the page itself uses).
    """
    if assessment is None:
        return Report.Audience.PORTFOLIO if portfolio_access(access) \
            else Report.Audience.ORGANISATION
    return _assessment_audience(access, assessment.anonymity)


def _assessment_audience(access: OrgAccess, anonymity: str) -> str:
    # The PDF's appendix names who wrote each comment for those who see names.
    return Report.Audience.WITH_NAMES if names_visible(access, anonymity) \
        else Report.Audience.WITHOUT_NAMES


def _openable(access: OrgAccess) -> Q:
    """The reports whose audience is this member's (see :func:`report_audience`). A
    round's report only while its results may be shown (``anonymity.results_may_show``):
    a file made before the rule existed is not handed out."""
    q = Q(assessment__isnull=True, audience=report_audience(access, None))
    rounds = Q()
    for anonymity in Assessment.Anonymity.values:
        rounds |= Q(assessment__anonymity=anonymity,
                    audience=_assessment_audience(access, anonymity))
    return q | (rounds & results_may_show("assessment__"))


def reports(access: OrgAccess) -> QuerySet[Report]:
    """The organisation's reports this member may open (and so see listed)."""
    return scoped(access, Report.objects.select_related(
        "assessment__department", "requested_by")).filter(_openable(access))


def get_report(access: OrgAccess, public_id) -> Report:
    """A report this member may open; any other is a 404, like another tenant's."""
    return get_scoped(access, Report.objects.select_related(
        "organisation", "assessment__department", "requested_by").filter(_openable(access)),
        public_id=public_id)


def live_report(access: OrgAccess, input_hash: str) -> Report | None:
    """The queued, rendering or ready report of these inputs, if any."""
    return reports(access).filter(input_hash=input_hash, status__in=Report.LIVE).first()


def shown_reports(access: OrgAccess, input_hashes: dict[str, str], *,
                  assessment: Assessment | None, language: str) -> dict[str, Report | None]:
    """The report whose state a report page shows, for each variant (variant -> the
    input hash of its current inputs), in one query: the live report of these inputs,
    else the newest of these inputs, else the newest of this kind, variant and language
    (whatever its inputs); None where there is none."""
    same_inputs = Q(input_hash__in=input_hashes.values())
    first = Window(RowNumber(), partition_by=[F("variant")], order_by=[
        Case(When(same_inputs & Q(status__in=Report.LIVE), then=Value(0)),
             When(same_inputs, then=Value(1)), default=Value(2)).asc(),
        F("created_at").desc(), F("id").desc()])
    found = {report.variant: report for report in (
        reports(access).filter(same_inputs | Q(assessment=assessment, language=language,
                                               variant__in=input_hashes))
        .annotate(rank=first).filter(rank=1))}
    return {variant: found.get(variant) for variant in input_hashes}


# ------------------------------------------------------------------- an assessment


@dataclass
class Delta:
    level: int
    index: float


@dataclass
class RoadmapGroup:
    level: int
    name: str
    steps: list[dict] = field(default_factory=list)


@dataclass
class AssessmentReport:
    organisation: Organisation
    assessment: Assessment
    texts: ModelTexts
    # None while nobody may see it (``withheld`` says why): nothing is scored then.
    result: ScoreResult | None
    respondents: int  # submitted responses: the ones the result counts
    invited: int  # presentation.COUNTED_AS_INVITED
    withheld: Withheld | None = None  # assessments.anonymity.withheld
    previous: Assessment | None = None
    previous_result: ScoreResult | None = None
    appendix: list[dict] = field(default_factory=list)
    names: bool = False  # whether this reader sees who answered what
    # The consensus session: the result without its agreed answers, and the answers.
    before: ScoreResult | None = None
    agreed: list = field(default_factory=list)
    # The respondent groups beside the whole (assessments.selectors.group_summary).
    groups: dict | None = None
    # Added by apps above reports (reports.extensions): shown after the roadmap.
    sections: list[dict] = field(default_factory=list)

    @cached_property
    def presented(self) -> dict:
        """The figures every surface shows (``assessments.presentation.present``)."""
        return present(self.result, self.texts,
                       target_is_default=self.assessment.target_level is None, max_why=5,
                       before=self.before, agreed=self.agreed)

    @property
    def session(self) -> dict | None:
        return self.presented["session"]

    @property
    def department(self) -> str:
        return self.assessment.department.name

    @property
    def overall_level(self):
        return self.texts.level(self.result.overall.level)

    @property
    def target(self):
        return self.texts.level(self.result.target_level)

    def delta(self) -> Delta | None:
        if self.previous_result is None:
            return None
        return Delta(self.result.overall.level - self.previous_result.overall.level,
                     self.result.overall.index - self.previous_result.overall.index)

    def dimensions(self) -> list[dict]:
        previous = {d.key: d for d in self.previous_result.dimensions} \
            if self.previous_result else {}
        rows = []
        for row in self.presented["dimensions"]:
            before = previous.get(row["key"])
            rows.append({
                **row,
                "delta_level": None if before is None else row["level"] - before.level,
                "delta_index": None if before is None else row["index"] - before.index,
            })
        return rows

    def axes(self) -> list[dict]:
        return self.presented["axes"]

    def steps(self) -> list[dict]:
        return self.presented["next_steps"]

    def roadmap(self) -> list[RoadmapGroup]:
        groups: dict[int, RoadmapGroup] = {}
        for step in self.steps():
            level = step["level"]
            groups.setdefault(level, RoadmapGroup(level, self.texts.level_name(level)))
            groups[level].steps.append(step)
        return [groups[level] for level in sorted(groups)]

    def disagreements(self) -> list[dict]:
        return self.presented["disagreements"]

    def dimension_spreads(self) -> list[dict]:
        return [{"name": self.texts.dimension_name(key), "spread": spread}
                for key, spread in dimension_spreads(self.result).items()]

    def point(self) -> DepartmentResult:
        return department_result(self.assessment, RoundFigures.of(self.result), self.texts)


def department_result(assessment: Assessment, figures: RoundFigures, texts: ModelTexts,
                      organisation: str = "",
                      in_progress: InProgress | None = None) -> DepartmentResult:
    return DepartmentResult(
        department=assessment.department.name, level=figures.level, index=figures.index,
        target=figures.target, level_name=texts.level_name(figures.level), top=texts.top,
        round=assessment.name, organisation=organisation, axes=figures.axes,
        dimension_levels=figures.dimension_levels, in_progress=in_progress,
    )


def get_assessment(access: OrgAccess, public_id) -> Assessment:
    """The round a report page, PDF or export is about. A cancelled round counts in no
    report, so it has none (404)."""
    assessment = get_any_assessment(access, public_id)
    if assessment.is_cancelled:
        raise Http404
    return assessment


def previous_round(assessment: Assessment) -> Assessment | None:
    """The department's round before this one with the same model, of those that count
    in reports (``AssessmentQuerySet.reported``)."""
    return (Assessment.objects.filter(
        organisation_id=assessment.organisation_id, department_id=assessment.department_id,
        model_version__model_id=assessment.model_version.model_id,
        created_at__lt=assessment.created_at,
    ).reported().exclude(pk=assessment.pk)
        .select_related("department", "model_version__model")
        .order_by("-created_at", "-id").first())


def appendix(assessment: Assessment, texts: ModelTexts, language: str, *,
             names: bool = False) -> list[dict]:
    """Per dimension and question: how submitted respondents answered, and their
    comments, each with who wrote it: a name only where ``names``
    (``assessments.anonymity.names_visible``), else "Respondent 3", numbered as in
    the answers export."""
    labels = {**texts.option_labels(), NA: _("Not applicable"), DK: _("Don't know")}
    who, answered = submitted_answers(assessment, names=names)
    counts = {key: answers.counts for key, answers in answered.items()}
    comments = {key: [{"who": who[pk], "text": text} for pk, text in answers.comments]
                for key, answers in answered.items()}
    order = list(labels)
    sections = []
    for dimension in texts.dimensions:
        questions = [q for q in texts.questions.values() if q.dimension == dimension.key]
        questions.sort(key=lambda q: (q.level, q.key))
        sections.append({"name": dimension.name, "questions": [{
            "key": q.key, "level": q.level, "statement": q.statement,
            "answers": [{"label": labels.get(option, option), "count": n}
                        for option, n in sorted(counts.get(q.key, Counter()).items(),
                                                key=lambda item: order.index(item[0])
                                                if item[0] in order else len(order))],
            "comments": comments.get(q.key, []),
        } for q in questions]})
    return sections


def assessment_report(access: OrgAccess, assessment: Assessment, *, language: str,
                      with_appendix: bool = False) -> AssessmentReport:
    """What a round's report page, PDF and one-pager show. An anonymous round with too
    few submitted responses (``anonymity.withheld``) has no result, appendix, groups or
    sections: the report says why instead."""
    texts = model_texts(assessment.model_version, language)
    counts = response_counts([assessment.pk])[assessment.pk]
    submitted, invited = counts["submitted"], counts["total"]
    hidden = withheld(assessment, counts)
    if hidden is not None:
        return AssessmentReport(organisation=access.organisation, assessment=assessment,
                                texts=texts, result=None, respondents=submitted,
                                invited=invited, withheld=hidden)
    # Only a round whose results may be shown (``reported``) is compared with.
    previous = previous_round(assessment)
    rounds = [assessment] + ([previous] if previous else [])
    results = results_by_assessment(rounds, language)
    names = names_visible(access, assessment.anonymity)
    before, agreed = session_outcome(assessment, language)
    report = AssessmentReport(
        organisation=access.organisation, assessment=assessment, texts=texts, names=names,
        result=results[assessment.pk], respondents=submitted, invited=invited,
        previous=previous, previous_result=results[previous.pk] if previous else None,
        appendix=appendix(assessment, texts, language, names=names) if with_appendix else [],
        before=before, agreed=agreed,
        groups=group_summary(assessment, results[assessment.pk], texts, language)
        if submitted else None,
    )
    report.sections = extensions.sections_for(access, report)
    return report


# ---------------------------------------------------------------- an organisation


@dataclass
class ModelSection:
    """The departments whose latest round used one maturity model."""

    texts: ModelTexts
    rows: list[DepartmentResult]
    trend: list[TrendPoint]
    latest: list[tuple[Assessment, DepartmentResult]]


@dataclass
class OrganisationReport:
    organisation: Organisation
    sections: list[ModelSection]
    portfolio: list[DepartmentResult]
    portfolio_top: int
    departments: list[str]
    without_results: list[str]  # neither a result nor a round in progress
    # The clients' departments by maturity model, for a quadrant of each (a model
    # names its own axes); empty outside a consultancy's portfolio.
    portfolio_sections: list[ModelSection] = field(default_factory=list)
    # Departments whose first round is still open (LatestResults.waiting): named, with
    # how many have submitted, without figures; the clients' in a consultancy's portfolio.
    waiting: list[InProgress] = field(default_factory=list)
    portfolio_waiting: list[InProgress] = field(default_factory=list)

    @property
    def clients(self) -> list[str]:
        return sorted({row.organisation for row in self.portfolio}, key=str.lower)

    @property
    def is_empty(self) -> bool:
        return not self.sections and not self.portfolio

    @property
    def in_progress(self) -> bool:
        """Whether a round still open is named (the report says what that means)."""
        rows = [row for section in self.sections for row in section.rows] + self.portfolio
        return bool(self.waiting or self.portfolio_waiting) or any(
            row.in_progress for row in rows)


def reported_rounds(queryset: QuerySet[Assessment]) -> list[Assessment]:
    """Rounds that count in reports (``AssessmentQuerySet.reported``), oldest first."""
    return list(_with_catalogue(queryset.reported()))


def _with_catalogue(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return (queryset.select_related("department", "model_version__model", "organisation")
            .defer(*_UNREAD_CATALOGUE_TEXTS).order_by("created_at", "id"))


# What a report never reads of its rounds' versions and models (their texts come from
# models_catalog.texts): JSON documents that cost more to decode than the rest of a row.
_UNREAD_CATALOGUE_TEXTS = [
    f"model_version__{prefix}{name}" for prefix in ("", "model__")
    for name in ("description", "source", "languages")] + ["model_version__notes"]


# ------------------------------------------------------ a department's latest result


@dataclass(frozen=True)
class InProgress:
    """A department's round still open: named beside the department's latest result
    with how many have submitted, never with its own figures, which move with each
    submission until it closes (templates/reports/_in_progress.html says it)."""

    assessment: Assessment
    submitted: int
    invited: int  # presentation.COUNTED_AS_INVITED
    client: str = ""  # the client's name, in a consultancy's portfolio

    @property
    def department(self) -> str:
        return self.assessment.department.name

    @property
    def name(self) -> str:
        """The department, with its client's name in a consultancy's portfolio."""
        return f"{self.client} · {self.department}" if self.client else self.department


@dataclass
class LatestResults:
    """Each department's latest result, by the one rule every surface that compares or
    follows departments takes (``AssessmentQuerySet.reported``; README, "Which round's
    figures"): the home page's overview, the organisation report, its PDF, one-pager and
    exports, the portfolio.

    ``rounds``: the rounds that count, oldest first (the trends); ``latest``: per
    department, the newest of them, its latest result; ``previous``: per department,
    the one before its latest with the same model (the change since); ``in_progress``:
    per department, its newest round still open, named beside its latest result."""

    rounds: list[Assessment]
    latest: dict[int, Assessment]
    previous: dict[int, Assessment]
    in_progress: dict[int, InProgress]

    def waiting(self) -> list[InProgress]:
        """The departments whose first result is still in progress: no closed round yet,
        a round open."""
        return sorted((progress for department, progress in self.in_progress.items()
                       if department not in self.latest),
                      key=lambda p: (p.client.lower(), p.department.lower()))


def _read_for_results(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """The rounds :func:`latest_results` reads: those that count, and those still open,
    each with ``is_reported``."""
    return queryset.with_reported().filter(
        Q(is_reported=True) | Q(status=Assessment.Status.OPEN))


def latest_results(*querysets: QuerySet[Assessment], own: int | None = None) -> LatestResults:
    """:class:`LatestResults` of the departments of these rounds (an organisation's, and
    a consultancy's clients' for those who see them). ``own``: the organisation whose
    departments go without their client's name. One query per queryset (the rounds that
    count and the open ones together), and one for the open rounds' respondents if any."""
    rounds: list[Assessment] = []
    still_open: list[Assessment] = []
    for queryset in querysets:
        for assessment in _with_catalogue(_read_for_results(queryset)):
            (rounds if assessment.is_reported else still_open).append(assessment)
    if len(querysets) > 1:
        rounds.sort(key=lambda a: (a.created_at, a.pk))
        still_open.sort(key=lambda a: (a.created_at, a.pk))
    latest: dict[int, Assessment] = {}
    previous: dict[int, Assessment] = {}
    for assessment in rounds:  # oldest first: the last one wins
        before = latest.get(assessment.department_id)
        if before is not None and \
                before.model_version.model_id == assessment.model_version.model_id:
            previous[assessment.department_id] = before
        else:
            previous.pop(assessment.department_id, None)
        latest[assessment.department_id] = assessment
    counts = response_counts([a.pk for a in still_open]) if still_open else {}
    in_progress = {a.department_id: InProgress(
        assessment=a, submitted=counts[a.pk]["submitted"], invited=counts[a.pk]["total"],
        client="" if own is None or a.organisation_id == own else a.organisation.name)
        for a in still_open}  # oldest first: the newest open round wins
    return LatestResults(rounds=rounds, latest=latest, previous=previous,
                         in_progress=in_progress)


def portfolio_access(access: OrgAccess) -> bool:
    """Whether the user acts in the consultancy's clients (and so sees their rounds)."""
    return inherited_role(parent_kind=access.organisation.kind, role=access.role) is not None


def client_rounds(access: OrgAccess) -> QuerySet[Assessment]:
    """The rounds of a consultancy's clients, for those who act in the clients (the
    portfolio's audience, :func:`portfolio_access`): the page, its PDF and its exports
    all take the clients' rounds from here."""
    if not portfolio_access(access):
        return Assessment.objects.none()
    return Assessment.objects.filter(organisation__parent=access.organisation)


def organisation_report(access: OrgAccess, *, language: str) -> OrganisationReport:
    """Every department's latest result (:func:`latest_results`) by model, with the trend
    of the rounds that count, and a consultancy's clients' for those who see them."""
    own = latest_results(scoped_assessments(access))
    clients = latest_results(client_rounds(access), own=access.organisation.pk)
    rounds = own.rounds
    results = figures_by_assessment(rounds + clients.rounds, language)
    by_model: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in sorted(own.latest.values(), key=lambda a: a.department.name.lower()):
        by_model[assessment.model_version.model_id].append(assessment)
    sections = []
    for items in by_model.values():
        # A model's rounds may pin different versions; the newest one names things.
        newest = max(items, key=lambda a: a.model_version.number)
        texts = model_texts(newest.model_version, language)
        model_id = newest.model_version.model_id
        departments = {a.department_id for a in items}
        trend = [TrendPoint(a.department.name, a.name, a.created_at.date(),
                            results[a.pk].index, results[a.pk].level,
                            version=a.model_version.number,
                            dimensions=results[a.pk].dimension_indices)
                 for a in rounds
                 if a.model_version.model_id == model_id and a.department_id in departments]
        rows = [department_result(a, results[a.pk], texts,
                                  in_progress=own.in_progress.get(a.department_id))
                for a in items]
        sections.append(ModelSection(texts=texts, rows=rows, trend=trend,
                                     latest=list(zip(items, rows, strict=True))))
    sections.sort(key=lambda s: -len(s.rows))

    portfolio, top = [], 1
    client_models: dict[int, list[tuple[Assessment, DepartmentResult]]] = defaultdict(list)
    for assessment in sorted(clients.latest.values(),
                             key=lambda a: (a.organisation.name.lower(),
                                            a.department.name.lower())):
        texts = model_texts(assessment.model_version, language)
        top = max(top, texts.top)
        row = department_result(assessment, results[assessment.pk], texts,
                                organisation=assessment.organisation.name,
                                in_progress=clients.in_progress.get(assessment.department_id))
        portfolio.append(row)
        client_models[assessment.model_version.model_id].append((assessment, row))
    portfolio_sections = []
    for items in client_models.values():
        newest = max((a for a, _row in items), key=lambda a: a.model_version.number)
        portfolio_sections.append(ModelSection(
            texts=model_texts(newest.model_version, language),
            rows=[row for _a, row in items], trend=[],
            latest=items))
    portfolio_sections.sort(key=lambda s: -len(s.rows))
    departments = list(scoped_departments(access).order_by("name")
                       .values_list("name", flat=True))
    waiting = own.waiting()
    shown = {a.department.name for a in own.latest.values()} | {p.department for p in waiting}
    return OrganisationReport(
        organisation=access.organisation, sections=sections, portfolio=portfolio,
        portfolio_top=top, departments=departments, portfolio_sections=portfolio_sections,
        without_results=[name for name in departments if name not in shown],
        waiting=waiting, portfolio_waiting=clients.waiting(),
    )


# ----------------------------------------------------------------------- input hash


def _fingerprint_rows(queryset: QuerySet[Assessment]) -> list:
    # Only submitted responses count in results and reports: an answer saved in a
    # response still in progress changes nothing a report shows. A submitted response's
    # answers never change (``assessments.services.refusal``), so its submission stands
    # for them: the rounds' submissions are counted, and the last one read, per round.
    # The respondents counted as invited too: a round in progress says "3 of 8 submitted".
    submitted = Response.submitted("responses__")
    rows = (queryset.annotate(
        last_submit=Max("responses__submitted_at"),
        submitted=Count("responses", filter=submitted),
        invited=Count("responses", filter=counted_as_invited("responses__")),
    ).order_by("pk").values_list(
        "pk", "name", "status", "target_level", "updated_at", "consensus_updated_at",
        "model_version_id",
        "department__name", "organisation__name", "last_submit", "submitted", "invited"))
    return [[str(value) for value in row] for row in rows]


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()) \
        .hexdigest()


def assessment_input_hash(access: OrgAccess, assessment: Assessment, language: str,
                          variant: str = Report.Variant.FULL) -> str:
    """What an assessment PDF depends on: the round's state, its answers' last update
    (and its previous round's, for the deltas), the branding, the templates and the
    language."""
    return assessment_input_hashes(access, assessment, language, [variant])[variant]


def assessment_input_hashes(access: OrgAccess, assessment: Assessment, language: str,
                            variants) -> dict[str, str]:
    """:func:`assessment_input_hash` of each variant, reading the round's state once."""
    previous = previous_round(assessment)
    ids = [assessment.pk] + ([previous.pk] if previous else [])
    return _variants({
        "kind": "assessment", "template": TEMPLATE_VERSION, "language": language,
        "engine": ENGINE_VERSION,
        "audience": report_audience(access, assessment),
        "organisation": access.organisation.name,
        "branding": effective_branding(access.organisation).fingerprint(),
        "rounds": _fingerprint_rows(Assessment.objects.filter(
            organisation=access.organisation, pk__in=ids)),
        "sections": extensions.fingerprints(assessment),
    }, access, variants)


def organisation_input_hash(access: OrgAccess, language: str,
                            variant: str = Report.Variant.FULL) -> str:
    """What an organisation PDF depends on: every round of the organisation (and of
    its clients, for a consultancy), the departments, the branding, the templates and
    the language."""
    return organisation_input_hashes(access, language, [variant])[variant]


def organisation_input_hashes(access: OrgAccess, language: str, variants) -> dict[str, str]:
    """:func:`organisation_input_hash` of each variant, reading the rounds once."""
    return _variants({
        "kind": "organisation", "template": TEMPLATE_VERSION, "language": language,
        "engine": ENGINE_VERSION,
        "audience": report_audience(access, None),
        "organisation": access.organisation.name,
        "branding": effective_branding(access.organisation).fingerprint(),
        "departments": list(scoped_departments(access).order_by("pk")
                            .values_list("pk", "name")),
        "rounds": _fingerprint_rows(scoped_assessments(access)),
        "clients": _fingerprint_rows(client_rounds(access)) if portfolio_access(access) else [],
    }, access, variants)


def _variants(payload: dict, access: OrgAccess, variants) -> dict[str, str]:
    """The digest of each variant of one payload. The one-pager also shows the
    benchmark: its hash covers the pool it was compared with, so that a file made
    before a client opted out (or the pool fell below k) is never handed out again."""
    digests = {}
    for variant in variants:
        if variant == Report.Variant.SUMMARY:
            digests[variant] = _digest({
                **payload, "variant": variant, "summary": SUMMARY_TEMPLATE_VERSION,
                "benchmark": peer_pool.fingerprint(access.organisation)})
        else:  # the full report's hash is as it always was: its files stay reused
            digests[variant] = _digest(payload)
    return digests


# ------------------------------------------------------------- executive overview


@dataclass
class OverviewRow:
    """A department's latest result (:func:`latest_results`), and the change since its
    result before; its round in progress, if any, is ``result.in_progress``."""

    assessment: Assessment
    result: DepartmentResult
    level_name: str
    top: int
    delta: Delta | None
    scored: ScoreResult | None = None  # the round's result, for the one-pager
    texts: ModelTexts | None = None

    @property
    def name(self) -> str:
        """The department, with its client's name in a consultancy's portfolio."""
        return point_name(self.result)


@dataclass
class OverviewStep:
    department: str
    assessment: Assessment
    dimension: str
    level: int
    statement: str
    recommendation: str
    value: float = 0.0  # v(q), 0 for an unknown statement (scoring.NextStep)
    unknown: bool = False


@dataclass
class ExecutiveOverview:
    rows: list[OverviewRow]
    quadrant_rows: list[DepartmentResult]
    quadrant_texts: ModelTexts | None
    steps: list[OverviewStep]
    # The averages are per model (:func:`overview_models`): a 4-level and a 5-level
    # model's indexes are never averaged together.
    # Departments whose first round is still open (LatestResults.waiting).
    waiting: list[InProgress] = field(default_factory=list)

    @property
    def in_progress(self) -> bool:
        """Whether a round still open is named (the page says what that means)."""
        return bool(self.waiting) or any(r.result.in_progress for r in self.rows)


OVERVIEW_STEPS = QUICK_WINS


def executive_overview(access: OrgAccess, *, language: str,
                       clients: bool = False) -> ExecutiveOverview:
    """What an executive reads first: every department's latest result
    (:func:`latest_results`: its latest closed round, a round still open named beside it)
    with the change since the result before (same model), the quadrant, the quick wins
    across departments (each department's, ``scoring.quick_wins``, nearest level first).
    With ``clients``, a consultancy's clients' departments count too, for those who see
    them (the organisation report's rule, :func:`client_rounds`): the organisation's
    one-page summary.

    A fixed number of queries whatever the number of departments: the rounds (one per
    organisation and clients), the open rounds' respondents, their results (cached, see
    ``results_by_assessment``) and the texts per model version. The newest PDF is
    :func:`latest_pdf`'s."""
    own = access.organisation.pk
    found = latest_results(scoped_assessments(access),
                           *([client_rounds(access)] if clients else []), own=own)
    if not found.latest:
        return ExecutiveOverview(rows=[], quadrant_rows=[], quadrant_texts=None, steps=[],
                                 waiting=found.waiting())
    results = results_by_assessment(list(found.latest.values())
                                    + list(found.previous.values()), language)
    rows, candidates = [], []
    for assessment in sorted(found.latest.values(), key=lambda a: (
            a.organisation_id != own, a.organisation.name.lower(), a.department.name.lower())):
        texts = model_texts(assessment.model_version, language)
        result = results[assessment.pk]
        before = found.previous.get(assessment.department_id)
        delta = None
        if before is not None:
            was = results[before.pk].overall
            delta = Delta(result.overall.level - was.level, result.overall.index - was.index)
        point = department_result(assessment, RoundFigures.of(result), texts,
                                  organisation="" if assessment.organisation_id == own
                                  else assessment.organisation.name,
                                  in_progress=found.in_progress.get(assessment.department_id))
        row = OverviewRow(assessment=assessment, result=point,
                          level_name=texts.level_name(result.overall.level),
                          top=texts.top, delta=delta, scored=result, texts=texts)
        rows.append(row)
        for step in quick_wins(result):
            question = texts.question(step.question)
            candidates.append(((step.level, -step.priority, row.name),
                               OverviewStep(
                                   department=row.name,
                                   assessment=assessment,
                                   dimension=texts.dimension_name(step.dimension),
                                   level=step.level, statement=question.statement,
                                   recommendation=question.recommendation
                                   or step.recommendation,
                                   value=step.value, unknown=step.status == "unknown")))
    candidates.sort(key=lambda c: c[0])
    # The quadrant places the departments of the model most of them use.
    by_model = Counter(r.assessment.model_version.model_id for r in rows)
    quadrant_rows, quadrant_texts = [], None
    if by_model:
        model_id = by_model.most_common(1)[0][0]
        same = [r for r in rows if r.assessment.model_version.model_id == model_id]
        newest = max((r.assessment for r in same), key=lambda a: a.model_version.number)
        quadrant_texts = model_texts(newest.model_version, language)
        quadrant_rows = [r.result for r in same]
    return ExecutiveOverview(rows=rows, quadrant_rows=quadrant_rows,
                             quadrant_texts=quadrant_texts,
                             steps=[step for _key, step in candidates[:OVERVIEW_STEPS]],
                             waiting=found.waiting())


def latest_pdf(access: OrgAccess, language: str) -> dict | None:
    """The newest finished PDF in ``language`` this member may open, as the overview
    shows it (one query): its id, when it was made, and its round and department."""
    return (reports(access)
            .filter(status=Report.Status.READY, language=language,
                    variant=Report.Variant.FULL)
            .order_by("-created_at", "-id")
            .values("public_id", "created_at", round=F("assessment__name"),
                    department=F("assessment__department__name")).first())


def overview_fingerprint(access: OrgAccess) -> list[list[str]]:
    """What the executive overview is computed from, as it changes: the rounds
    :func:`latest_results` reads (one query) with what their rows show (name, department,
    whether they count) and what their results are keyed by
    (``assessments.selectors._results_key``): the version, the target and the consensus
    answers' last change; and for the rounds still open, how many have submitted of how
    many invited (one query more, while one is open). A closed round's responses are left
    out: nobody submits in a closed round, and reopening one changes its status. Without
    a closed round there is no overview: then the rounds still open are not read."""
    rows = list(_read_for_results(scoped_assessments(access)).order_by("pk").values_list(
        "pk", "public_id", "name", "status", "is_reported", "created_at", "updated_at",
        "target_level", "consensus_updated_at", "department__name", "model_version_id"))
    if not any(row[4] for row in rows):
        return []
    still_open = [row[0] for row in rows if row[3] == Assessment.Status.OPEN]
    counts = response_counts(still_open) if still_open else {}
    return [[str(value) for value in row] + (
        [str(counts[row[0]]["submitted"]), str(counts[row[0]]["total"])]
        if row[3] == Assessment.Status.OPEN else []) for row in rows]


def overview_key(access: OrgAccess, fingerprint: list[list[str]], *, pdf: dict | None,
                 language: str) -> str:
    """The cache key of a rendered overview: its fingerprint, the newest PDF shown in
    it (:func:`latest_pdf`, chosen by the reader's audience) and what the rendering
    depends on besides."""
    return f"organisation-overview:{access.organisation.pk}:" + _digest({
        "template": TEMPLATE_VERSION, "engine": ENGINE_VERSION, "language": language,
        "organisation": access.organisation.slug, "rounds": fingerprint, "pdf": pdf})


def overview_models(rows: list[OverviewRow], language: str) -> list[dict]:
    """The mean index and its change per model: indexes of models of different depth
    (4 or 5 levels) are never averaged together. Most used model first."""
    groups: dict[int, list[OverviewRow]] = {}
    for row in rows:
        groups.setdefault(row.assessment.model_version.model_id, []).append(row)
    summaries = []
    for model_id, same in groups.items():
        newest = max((r.assessment.model_version for r in same), key=lambda v: v.number)
        deltas = [r.delta.index for r in same if r.delta is not None]
        levels = sorted(r.result.level for r in same)
        summaries.append({
            "model_id": model_id, "name": model_texts(newest, language).name,
            "top": same[0].top, "count": len(same),
            "index": sum(r.result.index for r in same) / len(same),
            "delta": sum(deltas) / len(deltas) if deltas else None,
            "low": levels[0], "high": levels[-1]})
    return sorted(summaries, key=lambda s: (-s["count"], s["name"]))


# ------------------------------------------------------------ the executive one-pager

# Bump when the one-pager's template changes what it shows (its input hash changes).
SUMMARY_TEMPLATE_VERSION = "2026-12-03.4"
# How many departments the organisation's one-pager lists (the weakest first); the
# full report lists them all.
SUMMARY_DEPARTMENTS = 8


@dataclass
class AssessmentSummary:
    """A round's one-page summary: its report's figures (the same presenter), the three
    weakest dimensions with why, the quick wins and the benchmark position."""

    report: AssessmentReport
    weakest: list[dict]
    quick_wins: list[dict]
    comparison: peer_pool.Comparison | peer_pool.Hidden | None


def assessment_summary(access: OrgAccess, assessment: Assessment, *,
                       language: str) -> AssessmentSummary:
    data = assessment_report(access, assessment, language=language)
    if data.withheld is not None:
        return AssessmentSummary(report=data, weakest=[], quick_wins=[], comparison=None)
    comparison = peer_pool.comparison(assessment, data.result)
    # Each weak dimension's own position, where the pool allows one (peers.pool).
    positions = comparison.dimensions if isinstance(comparison, peer_pool.Comparison) else {}
    return AssessmentSummary(
        report=data, comparison=comparison, quick_wins=data.presented["quick_wins"],
        weakest=[{**item, "benchmark": positions.get(item["key"])}
                 for item in weakest_dimensions(data.result, data.texts)])


@dataclass
class OrganisationSummary:
    """The organisation's one-page summary: the executive overview of its departments'
    latest closed rounds (with a consultancy's clients' for those who see them)."""

    overview: ExecutiveOverview
    models: list[dict]  # overview_models, each with its "comparison" (peers.pool)
    rows: list[OverviewRow]  # the weakest first, at most SUMMARY_DEPARTMENTS
    more: int  # departments not listed
    weakest: list[dict]  # the weakest dimensions, one per department first, with why


def organisation_summary(access: OrgAccess, *, language: str) -> OrganisationSummary:
    overview = executive_overview(access, language=language, clients=True)
    models = overview_models(overview.rows, language)
    organisation = access.organisation
    own = [r for r in overview.rows if r.assessment.organisation_id == organisation.pk]
    for summary in models:
        same = [r for r in own if r.assessment.model_version.model_id == summary["model_id"]]
        # The organisation's own departments' mean, as its pool entry is made
        # (peers.services.refresh_organisation); a consultancy is in no pool.
        summary["comparison"] = peer_pool.organisation_comparison(
            organisation, model_id=summary["model_id"], levels=summary["top"],
            index=summary["index"]) if len(same) == summary["count"] else None
    ordered = sorted(overview.rows, key=lambda r: (scale_share(r.result.index, r.top),
                                                   r.name.lower()))
    candidates = []
    for row in overview.rows:
        for item in weakest_dimensions(row.scored, row.texts):
            candidates.append(((scale_share(item["index"], row.top), row.name.lower()),
                               {**item, "department": row.name, "top": row.top,
                                "assessment": row.assessment}))
    candidates.sort(key=lambda c: c[0])
    # One per department while there are enough departments: the weakest spots across
    # the organisation, not three of the weakest department's.
    first, rest, named = [], [], set()
    for _key, item in candidates:
        (rest if item["department"] in named else first).append(item)
        named.add(item["department"])
    weakest = first + rest
    return OrganisationSummary(
        overview=overview, models=models, rows=ordered[:SUMMARY_DEPARTMENTS],
        more=max(0, len(ordered) - SUMMARY_DEPARTMENTS),
        weakest=weakest[:WEAKEST_DIMENSIONS])
