"""Reads of the facilitated consensus session: the statements to talk through and what
each does to the result.

The session puts the statements respondents disagree on most in front of the team,
each with how many chose each answer (never who), the comments given (without names),
the statement's evidence hint, and what it does to the result, all derived from the
scoring engine on the round's own input (``selectors.ScoringInput``): the statements
that stop a dimension are the engine's ``blocked_at``, and what an agreed answer would
change is the engine's result with that answer (never a rule written again here).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import get_language

from models_catalog.models import shown_text
from models_catalog.selectors import version_structure
from models_catalog.texts import ModelTexts, model_texts
from scoring import DK, NA, ScoreResult

from .anonymity import respondent_labels
from .models import Answer, Assessment, ConsensusAnswer, Response
from .presentation import AgreedAnswer, option_label, percent, present_session
from .selectors import assessment_results, scoring_input

# --- Answers as counted per statement ----------------------------------------------------


@dataclass
class StatementAnswers:
    """How submitted respondents answered one statement: counts per option key, and the
    comments as (response id, text) in the order of ``respondent_labels``."""

    counts: Counter = field(default_factory=Counter)
    comments: list[tuple[int, str]] = field(default_factory=list)


def submitted_answers(assessment: Assessment, *, names: bool
                      ) -> tuple[dict[int, str], dict[str, StatementAnswers]]:
    """Who each submitted respondent is called (``anonymity.respondent_labels``) and, per
    question key, the counts and comments of their answers: two queries."""
    submitted = (Response.objects.filter(Response.submitted(), assessment=assessment)
                 .select_related("user"))
    who = respondent_labels(submitted, names=names)
    position = {pk: i for i, pk in enumerate(who)}
    rows = sorted(Answer.objects.filter(
        Response.submitted("response__"), response__assessment=assessment)
        .values_list("response_id", "question__key", "option", "comment"),
        key=lambda row: position[row[0]])
    by_question: dict[str, StatementAnswers] = {}
    for response_id, key, option, comment in rows:
        answers = by_question.setdefault(key, StatementAnswers())
        if option:
            answers.counts[option] += 1
        if comment:
            answers.comments.append((response_id, comment))
    return who, by_question


# --- Consensus answers -----------------------------------------------------------------------


def consensus_answers(assessment: Assessment) -> QuerySet[ConsensusAnswer]:
    return (ConsensusAnswer.objects.filter(assessment=assessment)
            .select_related("question", "recorded_by").order_by("question__position", "pk"))


def agreed_answers(assessment: Assessment) -> list[AgreedAnswer]:
    """The round's consensus answers as the surfaces show them (one query; none for a
    round that never had one)."""
    if assessment.consensus_updated_at is None:
        return []
    return [AgreedAnswer(question=c.question.key, option=c.option, note=c.note,
                         recorded_at=c.recorded_at,
                         recorded_by=c.recorded_by.get_full_name() if c.recorded_by else "")
            for c in consensus_answers(assessment)]


def session_outcome(assessment: Assessment, language: str | None = None
                    ) -> tuple[ScoreResult | None, list[AgreedAnswer]]:
    """For ``presentation.present``: the result before the session and the agreed
    answers, or (None, []) for a round without consensus answers (no query then)."""
    agreed = agreed_answers(assessment)
    if not agreed:
        return None, []
    return assessment_results(assessment, language, consensus=False), agreed


# --- The session board -----------------------------------------------------------------------


@dataclass
class SessionStatement:
    key: str
    anchor: str  # an HTML id: question keys may hold characters a CSS selector needs escaped
    dimension: str
    level: int
    statement: str
    help: str
    help_lang: str
    answers: list[dict]  # label, count, percent of the answers given
    n_answers: int
    mean_percent: int | None
    spread: float | None
    comments: list[str]
    agreed: AgreedAnswer | None
    agreed_label: str
    agreed_percent: int | None
    impact: dict


@dataclass
class SessionBoard:
    assessment: Assessment
    texts: ModelTexts
    statements: list[SessionStatement]
    summary: dict | None  # presentation.present_session
    result: ScoreResult
    before: ScoreResult
    respondents: int
    options: list[tuple[str, str]]  # what may be agreed: the scale, na, dk
    stamp: str  # changes whenever a consensus answer does

    @property
    def level_name(self) -> str:
        return self.texts.level_name(self.result.overall.level)

    @property
    def agreed_count(self) -> int:
        return sum(1 for s in self.statements if s.agreed is not None)


def stamp(assessment: Assessment) -> str:
    """What the session view polls for: the last change of a consensus answer."""
    at = assessment.consensus_updated_at
    return at.isoformat() if at else "none"


def _disagreement(statement: SessionStatement) -> tuple:
    # Most disputed first: the spread of the respondents' values. (Respondent groups
    # will add the difference between groups here.) Then statements nobody gave a
    # value, which a session may fill, then the model's order.
    return (-(statement.spread if statement.spread is not None else -1.0),
            statement.n_answers > 0)


def _impact(input_, result: ScoreResult, texts: ModelTexts, key: str,
            extremes: tuple[str, str]) -> dict:
    """What statement ``key`` does to the result, from the engine: the dimensions whose
    next level it stops (rule 10), and the levels an agreed answer at either end of the
    scale would give its dimension and the whole (the engine's result with it)."""
    question = texts.question(key)
    dimension = result.dimension(question.dimension)
    stops = None
    if dimension.blocked_at and any(s.question == key for s in dimension.blocked_at.short):
        stops = {"dimension": texts.dimension_name(dimension.key),
                 "level": dimension.blocked_at.level,
                 "level_name": texts.level_name(dimension.blocked_at.level)}
    what_if = []
    current = input_.consensus.get(key)
    for option in extremes:
        if option == current:
            continue
        other = input_.score(consensus={**input_.consensus, key: option})
        changed = other.dimension(dimension.key).level
        if changed != dimension.level or other.overall.level != result.overall.level:
            what_if.append({
                "option": option_label(texts, option),
                "dimension": texts.dimension_name(dimension.key), "level": changed,
                "dimension_changed": changed != dimension.level,
                "up": changed > dimension.level,
                "overall": other.overall.level
                if other.overall.level != result.overall.level else None,
            })
    return {"stops": stops, "what_if": what_if}


def session_board(assessment: Assessment, language: str | None = None) -> SessionBoard:
    """Everything the session view shows, whatever was recorded on another device."""
    language = language or get_language()
    version = assessment.model_version
    texts = model_texts(version, language)
    input_ = scoring_input(assessment, language)
    result = input_.score()
    before = input_.plain
    agreed = {a.question: a for a in agreed_answers(assessment)}
    _who, answered = submitted_answers(assessment, names=False)
    spec = input_.spec
    by_value = sorted(spec.options, key=lambda k: spec.options[k])
    extremes = (by_value[-1], by_value[0]) if by_value else ()
    scale = list(texts.options) + [(NA, option_label(texts, NA)), (DK, option_label(texts, DK))]
    default = version.default_language
    statements = []
    for index, question in enumerate(version_structure(version).questions):
        key = question.key
        text = texts.question(key)
        counts = answered.get(key, StatementAnswers()).counts
        given = sum(counts.values())
        plain = before.questions[key]
        help_text, help_lang = shown_text(question.help, language, default) \
            if question.help else ("", "")
        mine = agreed.get(key)
        statements.append(SessionStatement(
            key=key, anchor=f"statement-{index + 1}",
            dimension=texts.dimension_name(text.dimension), level=text.level,
            statement=text.statement, help=help_text, help_lang=help_lang,
            answers=[{"key": option, "label": label, "count": counts[option],
                      "percent": percent(counts[option] / given) if given else 0}
                     for option, label in scale],
            n_answers=plain.n_values, mean_percent=percent(plain.value), spread=plain.spread,
            comments=[comment for _pk, comment in answered.get(key, StatementAnswers())
                      .comments],
            agreed=mine, agreed_label=option_label(texts, mine.option) if mine else "",
            agreed_percent=percent(result.questions[key].value) if mine else None,
            impact=_impact(input_, result, texts, key, extremes)))
    statements.sort(key=_disagreement)
    return SessionBoard(
        assessment=assessment, texts=texts, statements=statements,
        summary=present_session(result, before, list(agreed.values()), texts),
        result=result, before=before, respondents=len(input_.responses), options=scale,
        stamp=stamp(assessment))

