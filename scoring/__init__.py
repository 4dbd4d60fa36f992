"""The scoring engine: maturity levels, indices, axis positions and next steps.

Pure functions over plain data, with no Django import: the ORM builds a `ModelSpec`
and the responses, and the reports read the `ScoreResult`. The rules are those of
DESIGN.md, "Scoring"; the step numbers in comments refer to it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# The version of the rules this module implements. Cached results carry it in their
# key (assessments.selectors), so a change of rules never serves a result computed by
# the old ones: bump it with any change that can change a result.
# 2: θ defaults to 2/3, consensus answers, "why this level" (blocked_at).
ENGINE_VERSION = 2

NA = "na"
DK = "dk"
RESERVED_OPTIONS: tuple[str, ...] = (NA, DK)

AGGREGATE = "aggregate"
WEAKEST_DIMENSION = "weakest_dimension"
OVERALL_RULES: tuple[str, ...] = (AGGREGATE, WEAKEST_DIMENSION)

# f ≥ θ (and v < θ for next steps) is compared with this tolerance. Fulfilments are
# weighted means of thirds and decimal weights, so a value that is exactly θ on
# paper can come out as 0.7499999999999999 in floating point; it must count as met.
# Anything below θ − EPSILON is not met, which also keeps f(next)/θ < 1, so the
# index stays below lvl + 1.
EPSILON = 1e-9

# θ when a model does not say (DESIGN.md): exactly 2/3, the float 2/3 and not 0.6667,
# so that "largely in place" everywhere meets it.
DEFAULT_THRESHOLD = 2 / 3

CellState = Literal["scored", "vacuous", "unknown"]
QuestionStatus = Literal["valued", "not_applicable", "unknown"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    dimension: str
    level: int  # 2..K: the level whose practice the question evidences
    weight: float = 1.0  # > 0
    # axis key -> [0, 1] for new versions; [-1, 1] accepted, as versions published
    # before the restriction may hold negative loadings (step 7 scores them).
    loadings: Mapping[str, float] = field(default_factory=dict)
    recommendation: str = ""  # carried into next steps, for display only

    def __post_init__(self) -> None:
        # A private copy, so that mutating the caller's dict cannot change the spec.
        object.__setattr__(self, "loadings", dict(self.loadings))
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        where = f"question {self.key!r}"
        problems = []
        if not isinstance(self.key, str) or not self.key:
            problems.append(f"{where}: key must be a non-empty string")
        if not _is_int(self.level) or self.level < 2:
            problems.append(f"{where}: level must be an integer >= 2, got {self.level!r}")
        if not _is_number(self.weight) or self.weight <= 0:
            problems.append(f"{where}: weight must be a number > 0, got {self.weight!r}")
        for axis, loading in self.loadings.items():
            if not _is_number(loading) or not -1 <= loading <= 1:
                problems.append(
                    f"{where}: loading on axis {axis!r} must be in [-1, 1], got {loading!r}"
                )
        return problems


@dataclass(frozen=True)
class ModelSpec:
    levels: int  # K
    dimensions: tuple[str, ...]  # dimension keys, in display order
    axes: tuple[str, ...]  # axis keys, in display order
    options: Mapping[str, float]  # scale option key -> value in [0, 1]; without na/dk
    questions: tuple[QuestionSpec, ...]
    threshold: float = DEFAULT_THRESHOLD
    overall_rule: str = AGGREGATE

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "options", dict(self.options))
        object.__setattr__(self, "questions", tuple(self.questions))
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        problems = []
        if not _is_int(self.levels) or self.levels < 2:
            problems.append(f"levels must be an integer >= 2, got {self.levels!r}")
        if not _is_number(self.threshold) or not 0 < self.threshold <= 1:
            problems.append(f"threshold must be in (0, 1], got {self.threshold!r}")
        if self.overall_rule not in OVERALL_RULES:
            problems.append(
                f"overall rule must be one of {', '.join(OVERALL_RULES)}, got {self.overall_rule!r}"
            )
        problems += _duplicates("dimension", self.dimensions)
        problems += _duplicates("axis", self.axes)
        problems += _duplicates("question", [q.key for q in self.questions])
        if not self.options:
            problems.append("the answer scale needs at least one option")
        for key, value in self.options.items():
            if key in RESERVED_OPTIONS:
                problems.append(f"option key {key!r} is reserved")
            if not _is_number(value) or not 0 <= value <= 1:
                problems.append(f"option {key!r}: value must be in [0, 1], got {value!r}")
        for q in self.questions:
            if q.dimension not in self.dimensions:
                problems.append(f"question {q.key!r}: unknown dimension {q.dimension!r}")
            if _is_int(self.levels) and q.level > self.levels:
                problems.append(
                    f"question {q.key!r}: level must be in 2..{self.levels}, got {q.level}"
                )
            for axis in q.loadings:
                if axis not in self.axes:
                    problems.append(f"question {q.key!r}: unknown axis {axis!r}")
        return problems


def _duplicates(what: str, keys: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for key in keys:
        if key in seen:
            problems.append(f"duplicate {what} key {key!r}")
        seen.add(key)
    return problems


# -------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuestionAggregate:
    """Step 2: one question over all respondents."""

    key: str
    dimension: str
    level: int
    weight: float
    value: float | None  # mean of the given values
    spread: float | None  # population standard deviation of the given values
    n_values: int
    n_na: int
    n_dk: int
    n_unanswered: int
    status: QuestionStatus
    consensus: str | None = None  # the consensus answer's option key, which decided value


@dataclass(frozen=True)
class Cell:
    """Step 3: the questions of one level, of one dimension or pooled over all."""

    level: int
    state: CellState
    fulfilment: float | None  # None unless scored
    met: bool
    n_questions: int
    n_valued: int


class _Cells:
    cells: dict[int, Cell]  # level 2..K -> cell

    @property
    def fulfilment(self) -> dict[int, float | None]:
        return {level: cell.fulfilment for level, cell in self.cells.items()}

    @property
    def state(self) -> dict[int, CellState]:
        return {level: cell.state for level, cell in self.cells.items()}

    @property
    def met(self) -> dict[int, bool]:
        return {level: cell.met for level, cell in self.cells.items()}


@dataclass(frozen=True)
class ShortStatement:
    """Step 10: a statement of the cell that stops a dimension, short of θ."""

    question: str
    value: float  # v(q), or 0 for an unknown question
    priority: float  # w(q)·(1 − value)
    status: QuestionStatus


@dataclass(frozen=True)
class Blocked:
    """Step 10: why a dimension is at its level: the cell (d, lvl + 1) and its short
    statements, most important first."""

    level: int
    fulfilment: float | None
    state: CellState
    short: tuple[ShortStatement, ...]


@dataclass(frozen=True)
class DimensionScore(_Cells):
    key: str
    level: int
    index: float
    cells: dict[int, Cell]
    blocked_at: Blocked | None = None  # None at the top level


@dataclass(frozen=True)
class OverallScore(_Cells):
    """The overall level and index under `rule`.

    `cells` are always the pooled cells F(L); they decide the level only under
    `aggregate`, and are informative under `weakest_dimension`.
    """

    rule: str
    level: int
    index: float
    cells: dict[int, Cell]


@dataclass(frozen=True)
class AxisPosition:
    key: str
    position: float | None  # in [-1, 1]; None without a valued question loading the axis
    n_questions: int  # valued questions that load the axis


@dataclass(frozen=True)
class NextStep:
    question: str
    dimension: str
    level: int
    value: float  # v(q), or 0 for an unknown question
    priority: float  # w(q)·(1 − value)
    status: QuestionStatus
    recommendation: str = ""


@dataclass(frozen=True)
class ScoreResult:
    levels: int
    threshold: float
    overall: OverallScore
    dimensions: tuple[DimensionScore, ...]
    axes: tuple[AxisPosition, ...]
    completeness: float
    respondent_completeness: list[float]
    questions: dict[str, QuestionAggregate]
    target_level: int
    next_steps: list[NextStep]

    def dimension(self, key: str) -> DimensionScore:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise KeyError(key)

    def axis(self, key: str) -> AxisPosition:
        for axis in self.axes:
            if axis.key == key:
                return axis
        raise KeyError(key)


# ------------------------------------------------------------------------- scoring


def validate_answers(spec: ModelSpec, responses: Any) -> list[str]:
    """Problems with the responses, one human-readable line each; [] if none.

    Respondents are numbered from 1, in the order given.
    """
    if isinstance(responses, str | bytes | Mapping) or not isinstance(responses, Iterable):
        return ["responses must be a list with one mapping of answers per respondent"]
    problems = []
    for number, answers in enumerate(responses, start=1):
        who = f"respondent {number}"
        if not isinstance(answers, Mapping):
            problems.append(f"{who}: answers must be a mapping of question key to option key")
            continue
        problems += _answer_problems(spec, answers, who)
    return problems


def validate_consensus(spec: ModelSpec, consensus: Any) -> list[str]:
    """Problems with consensus answers (question key -> option key), one line each."""
    if consensus is None:
        return []
    if not isinstance(consensus, Mapping):
        return ["consensus must be a mapping of question key to option key"]
    return _answer_problems(spec, consensus, "consensus")


def _answer_problems(spec: ModelSpec, answers: Mapping, who: str) -> list[str]:
    """One respondent's (or the consensus's) answers: each must name a question of the
    model and one of its options, ``na`` or ``dk``."""
    question_keys = {q.key for q in spec.questions}
    allowed = [*spec.options, *RESERVED_OPTIONS]
    problems = []
    for question, option in answers.items():
        if question not in question_keys:
            problems.append(f"{who}: unknown question {question!r}")
        elif not isinstance(option, str) or option not in allowed:
            problems.append(
                f"{who}: unknown option {option!r} for question {question!r} "
                f"(expected one of: {', '.join(allowed)})"
            )
    return problems


def score(
    spec: ModelSpec,
    responses: Sequence[Mapping[str, str]],
    target_level: int | None = None,
    consensus: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score one assessment: `responses` holds one mapping per respondent, question
    key -> option key; a question missing from a mapping is unanswered. `consensus`
    maps question keys to the option agreed for the assessment, which overrides the
    respondents' aggregate (step 2).

    Raises ValueError when `validate_answers` or `validate_consensus` finds a problem
    or the target level is not in 1..K.
    """
    if isinstance(responses, Iterable) and not isinstance(responses, str | bytes | Mapping):
        responses = list(responses)  # a generator would not survive validation
    problems = validate_answers(spec, responses) + validate_consensus(spec, consensus)
    if problems:
        raise ValueError("; ".join(problems))
    consensus = dict(consensus or {})
    _check_target(spec, target_level)
    questions = {
        q.key: _aggregate(spec, q, responses, consensus.get(q.key)) for q in spec.questions
    }
    return _result(spec, questions, [
        _share(answers.get(q.key) not in (None, DK) for q in spec.questions)
        for answers in responses], target_level)


def with_consensus(spec: ModelSpec, plain: ScoreResult, consensus: Mapping[str, str],
                   target_level: int | None = None) -> ScoreResult:
    """The result that ``score(spec, responses, target_level, consensus)`` gives, from
    ``plain``, the result of the same responses without consensus answers, without
    aggregating the responses again (what the consensus session asks of many "what if
    the team agreed this" answers; the spreads are the costly part of scoring).

    Raises ValueError when ``plain`` holds a consensus answer, or as ``score`` does."""
    problems = validate_consensus(spec, consensus)
    if any(a.consensus is not None for a in plain.questions.values()):
        problems.append("the plain result must be scored without consensus answers")
    if problems:
        raise ValueError("; ".join(problems))
    _check_target(spec, target_level)
    questions = {key: _overridden(spec, aggregate, consensus.get(key))
                 for key, aggregate in plain.questions.items()}
    return _result(spec, questions, list(plain.respondent_completeness), target_level)


def _check_target(spec: ModelSpec, target_level: int | None) -> None:
    top = spec.levels
    if target_level is not None and (not _is_int(target_level) or not 1 <= target_level <= top):
        raise ValueError(f"target level must be an integer in 1..{top}, got {target_level!r}")


def _result(spec: ModelSpec, questions: dict[str, QuestionAggregate],
            respondent_completeness: list[float], target_level: int | None) -> ScoreResult:
    """Steps 3 to 10, from the questions' aggregates (step 2)."""
    top = spec.levels
    dimensions = []
    for key in spec.dimensions:
        of = [q for q in spec.questions if q.dimension == key]
        cells = _cells(spec, of, questions)
        level = _level(cells, top)
        dimensions.append(
            DimensionScore(
                key,
                level,
                _index(cells, level, spec),
                cells,
                _blocked_at(spec, of, questions, cells, level),
            )
        )

    pooled = _cells(spec, spec.questions, questions)
    if spec.overall_rule == AGGREGATE:
        level = _level(pooled, top)
        index = _index(pooled, level, spec)
    else:
        # With no dimension at all there is nothing to hold the level down, as with
        # `aggregate` when every pooled cell is vacuous.
        level = min((d.level for d in dimensions), default=top)
        index = min((d.index for d in dimensions), default=float(top))
    overall = OverallScore(spec.overall_rule, level, index, pooled)

    target = min(overall.level + 1, top) if target_level is None else target_level
    return ScoreResult(
        levels=top,
        threshold=float(spec.threshold),
        overall=overall,
        dimensions=tuple(dimensions),
        axes=tuple(_axis(spec, key, questions) for key in spec.axes),
        completeness=_share(a.status != "unknown" for a in questions.values()),
        respondent_completeness=respondent_completeness,
        questions=questions,
        target_level=target,
        next_steps=_next_steps(spec, dimensions, questions, target),
    )


def _aggregate(
    spec: ModelSpec,
    question: QuestionSpec,
    responses: Sequence[Mapping[str, str]],
    consensus: str | None = None,
) -> QuestionAggregate:
    # Step 2.
    values = []
    n_na = n_dk = n_unanswered = 0
    for answers in responses:
        option = answers.get(question.key)
        if option is None:
            n_unanswered += 1
        elif option == NA:
            n_na += 1
        elif option == DK:
            n_dk += 1
        else:
            values.append(float(spec.options[option]))
    status: QuestionStatus
    if values:
        status = "valued"
        # fsum is exactly rounded, so the mean does not depend on respondent order
        # and never decreases when one value increases.
        value: float | None = _clamp(math.fsum(values) / len(values), 0.0, 1.0)
        spread: float | None = statistics.pstdev(values)
    else:
        status = "not_applicable" if n_na and not n_dk else "unknown"
        value = spread = None
    plain = QuestionAggregate(
        key=question.key,
        dimension=question.dimension,
        level=question.level,
        weight=float(question.weight),
        value=value,
        spread=spread,
        n_values=len(values),
        n_na=n_na,
        n_dk=n_dk,
        n_unanswered=n_unanswered,
        status=status,
    )
    return _overridden(spec, plain, consensus)


def _overridden(spec: ModelSpec, aggregate: QuestionAggregate,
                consensus: str | None) -> QuestionAggregate:
    # A consensus answer overrides the aggregate; the spread stays the respondents'.
    if consensus is None:
        return aggregate
    status: QuestionStatus
    if consensus == NA:
        status, value = "not_applicable", None
    elif consensus == DK:
        status, value = "unknown", None
    else:
        status, value = "valued", float(spec.options[consensus])
    return replace(aggregate, status=status, value=value, consensus=consensus)


def _cells(
    spec: ModelSpec,
    of: Sequence[QuestionSpec],
    questions: Mapping[str, QuestionAggregate],
) -> dict[int, Cell]:
    # Steps 3 and 4.
    cells = {}
    for level in range(2, spec.levels + 1):
        state: CellState
        fulfilment: float | None
        at_level = [q for q in of if q.level == level]
        valued = [q for q in at_level if questions[q.key].value is not None]
        if valued:
            fulfilment = _weighted_mean((q.weight, _value(questions[q.key])) for q in valued)
            state = "scored"
            met = _reaches(fulfilment, spec.threshold)
        elif all(questions[q.key].status == "not_applicable" for q in at_level):
            state, fulfilment, met = "vacuous", None, True
        else:
            state, fulfilment, met = "unknown", None, False
        cells[level] = Cell(level, state, fulfilment, met, len(at_level), len(valued))
    return cells


def _level(cells: Mapping[int, Cell], top: int) -> int:
    # Step 4: the largest L with every cell 2..L met; level 1 needs nothing.
    level = 1
    while level < top and cells[level + 1].met:
        level += 1
    return level


def _index(cells: Mapping[int, Cell], level: int, spec: ModelSpec) -> float:
    # Step 6.
    if level >= spec.levels:
        return float(spec.levels)
    fulfilment = cells[level + 1].fulfilment
    progress = 0.0 if fulfilment is None else fulfilment / spec.threshold
    # The next cell is not met, so progress < 1 already (see EPSILON); the cap only
    # guards the addition, whose rounding could otherwise reach lvl + 1.
    return min(level + progress, math.nextafter(level + 1, 0.0))


def _blocked_at(
    spec: ModelSpec,
    of: Sequence[QuestionSpec],
    questions: Mapping[str, QuestionAggregate],
    cells: Mapping[int, Cell],
    level: int,
) -> Blocked | None:
    # Step 10: the cell (d, lvl + 1) and its statements with v < θ or unknown (as v = 0),
    # by w·(1 − v) descending, then key.
    if level >= spec.levels:
        return None
    cell = cells[level + 1]
    short = []
    for q in of:
        if q.level != level + 1:
            continue
        aggregate = questions[q.key]
        value = _short_of(aggregate, spec.threshold)
        if value is None:
            continue
        short.append(ShortStatement(q.key, value, q.weight * (1.0 - value), aggregate.status))
    short.sort(key=lambda s: (-s.priority, str(s.question)))
    return Blocked(level + 1, cell.fulfilment, cell.state, tuple(short))


def _axis(spec: ModelSpec, key: str, questions: Mapping[str, QuestionAggregate]) -> AxisPosition:
    # Step 7.
    weighted = []
    for q in spec.questions:
        loading = q.loadings.get(key, 0.0)
        value = questions[q.key].value
        # A loading times a weight can underflow to 0 (two tiny floats): such a question
        # carries no weight, like a loading of 0, instead of dividing by zero below.
        weight = abs(loading) * q.weight
        if weight == 0 or value is None:
            continue
        agreement = value if loading > 0 else 1.0 - value
        weighted.append((weight, agreement))
    if not weighted:
        return AxisPosition(key, None, 0)
    position = _clamp(2 * _weighted_mean(weighted) - 1, -1.0, 1.0)
    return AxisPosition(key, position, len(weighted))


def _next_steps(
    spec: ModelSpec,
    dimensions: Sequence[DimensionScore],
    questions: Mapping[str, QuestionAggregate],
    target: int,
) -> list[NextStep]:
    # Step 9.
    steps = []
    for dimension in dimensions:
        if dimension.level >= target:
            continue
        for q in spec.questions:
            if q.dimension != dimension.key or not dimension.level < q.level <= target:
                continue
            aggregate = questions[q.key]
            value = _short_of(aggregate, spec.threshold)
            if value is None:
                continue
            steps.append(
                NextStep(
                    question=q.key,
                    dimension=q.dimension,
                    level=q.level,
                    value=value,
                    priority=q.weight * (1.0 - value),
                    status=aggregate.status,
                    recommendation=q.recommendation,
                )
            )
    steps.sort(key=lambda step: (step.level, -step.priority, str(step.question)))
    return steps


# The executive one-pager's "quick wins": how many, and the rule (DESIGN.md, step 9).
QUICK_WINS = 3


def quick_wins(result: ScoreResult, count: int = QUICK_WINS) -> list[NextStep]:
    """The next steps with the smallest effort for the largest gain: among the next
    steps at the nearest level not yet reached (the lowest level of any next step, so
    the one the department must reach first), the ``count`` with the highest
    w(q)·(1 − v(q)), ties by question key as a string (the order of step 9 within a
    level). Fewer when that level has fewer; none when nothing is left to do (every
    dimension at the target level)."""
    if not result.next_steps or count <= 0:
        return []
    nearest = min(step.level for step in result.next_steps)
    at_nearest = [step for step in result.next_steps if step.level == nearest]
    at_nearest.sort(key=lambda step: (-step.priority, str(step.question)))
    return at_nearest[:count]


def _value(aggregate: QuestionAggregate) -> float:
    assert aggregate.value is not None
    return aggregate.value


def _reaches(value: float, threshold: float) -> bool:
    return value >= threshold - EPSILON


def _short_of(aggregate: QuestionAggregate, threshold: float) -> float | None:
    """Steps 9 and 10: the value of a question short of θ, v(q) < θ, or 0 for an unknown
    one; None for a question that reaches θ or is not applicable (nothing to do)."""
    if aggregate.status == "unknown":
        return 0.0
    if aggregate.value is not None and not _reaches(aggregate.value, threshold):
        return aggregate.value
    return None


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    pairs = list(pairs)
    total = math.fsum(weight for weight, _ in pairs)
    return _clamp(math.fsum(weight * value for weight, value in pairs) / total, 0.0, 1.0)


def _share(flags: Iterable[bool]) -> float:
    # Step 8. With no question at all nothing is missing, so completeness is 1.
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 1.0


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


# ------------------------------------------------------------------------ contract


def result_as_contract(
    result: ScoreResult,
    *,
    model_slug: str,
    version: int,
    level_names: Mapping[int, str],
) -> dict[str, Any]:
    """The JSON document of the `score_answers` contract (DESIGN.md).

    Figures are rounded as :func:`rounded` says (the exports round them the same way).
    """
    top = result.levels
    theta = result.threshold

    def fulfilment(cells: Mapping[int, Cell]) -> dict[str, float | None]:
        return {str(level): rounded_fulfilment(cells[level], theta)
                for level in range(2, top + 1)}

    overall = result.overall
    name = level_names.get(overall.level, f"Level {overall.level}")
    return {
        "model": model_slug,
        "version": version,
        "levels": top,
        "threshold": rounded(theta),
        "overall": {
            "level": overall.level,
            "index": rounded_index(overall.index, overall.level, top),
            "name": name,
        },
        "dimensions": [
            {
                "key": d.key,
                "level": d.level,
                "index": rounded_index(d.index, d.level, top),
                "fulfilment": fulfilment(d.cells),
                "blocked_at": None
                if d.blocked_at is None
                else {
                    "level": d.blocked_at.level,
                    "short": [s.question for s in d.blocked_at.short],
                },
            }
            for d in result.dimensions
        ],
        "axes": [
            {
                "key": a.key,
                "position": rounded(a.position),
            }
            for a in result.axes
        ],
        "completeness": rounded(result.completeness),
        "next_steps": [
            {"question": s.question, "dimension": s.dimension, "level": s.level}
            for s in result.next_steps
        ],
    }


# -------------------------------------------------------------------- shown figures


def rounded(value: float | None, *, below: float | None = None) -> float | None:
    """A figure as the contract and the exports show it: rounded to 4 decimals (-0.0
    as 0.0), but never across a boundary that the rules draw: with ``below``, a value
    under it stays under it (2.99996 below 3 is 2.9999, not 3.0). None stays None.

    Percentages on pages are rounded by ``assessments.presentation.percent``, from the
    exact value, never from this one."""
    if value is None:
        return None
    shown = round(value, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
    if below is None or value >= below or shown < below:
        return shown
    shown = math.floor(value * 10_000) / 10_000
    while shown >= below:
        shown = round(shown - 0.0001, 4) + 0.0
    return shown


def rounded_index(index: float, level: int, levels: int) -> float:
    """A maturity index as shown: below lvl + 1 as rule 6 keeps it, K at the top level."""
    if level >= levels:
        return index
    shown = rounded(index, below=level + 1)
    assert shown is not None
    return shown


def rounded_fulfilment(cell: Cell, threshold: float) -> float | None:
    """A cell's fulfilment as shown: an unmet one below θ (rule 4), null when the cell
    has no valued question (rule 3)."""
    return rounded(cell.fulfilment, below=None if cell.met else threshold)
