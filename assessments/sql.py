"""Hand-written SQL of this app: the questionnaire's and the autosave's reads and the
autosave's write, and nothing else.

The autosave (every click on an answer) and the questionnaire page are the busiest
requests of the product. Through the ORM, reading the member's response (and a personal
link's, with five tables) costs more Python than the statement here, and more
database CPU, which spent more time planning it than running it; the autosave's
write is three statements in a transaction instead of one. The figures, and which
statements went back to the ORM, are in ``benchmarks/README.md``. As in
``organisations/sql.py``: tables and columns by ``_meta``, prepared once per connection
on PostgreSQL (``organisations.sql.execute``), results as frozen dataclasses, no rule
written out (``Answer.answered`` is compiled into the statement by the ORM), and an
ORM twin for each that ``tests/test_sql_twins.py`` compares with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection

from models_catalog.models import ModelVersion
from organisations.models import Department, Organisation
from organisations.sql import col, columns, execute, instance, table, where, width

from .models import Answer, Assessment, Response


def _instances(models, row) -> list:
    """Complete instances of ``models`` from one row of their ``columns``, in order."""
    parts, start = [], 0
    for model in models:
        parts.append(instance(model, row[start:start + width(model)]))
        start += width(model)
    return parts


# --- The member's response ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberResponseRow:
    """A member's response with its assessment, department and pinned version: complete
    instances, as ``select_related`` makes them."""

    response: Response
    assessment: Assessment
    department: Department
    version: ModelVersion


_R, _A, _D, _V, _ANS = Response, Assessment, Department, ModelVersion, Answer
_PARTS = (_R, _A, _D, _V)
_MEMBER_RESPONSE_SQL = (
    f'SELECT {columns(_R, "r")}, {columns(_A, "a")}, {columns(_D, "d")}, '  # noqa: S608
    f'{columns(_V, "v")} FROM {table(_R)} r '
    f'INNER JOIN {table(_A)} a ON a.{col(_A, "id")} = r.{col(_R, "assessment")} '
    f'INNER JOIN {table(_V)} v ON v.{col(_V, "id")} = a.{col(_A, "model_version")} '
    f'INNER JOIN {table(_D)} d ON d.{col(_D, "id")} = a.{col(_A, "department")} '
    f'WHERE a.{col(_A, "public_id")} = %s AND a.{col(_A, "organisation")} = %s '
    f'AND r.{col(_R, "user")} = %s')


def member_response(public_id, organisation_id: int, user_id: int) -> MemberResponseRow | None:
    """The user's response to the organisation's assessment with this public id (a UUID),
    or None."""
    db_id = _A._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    with connection.cursor() as cursor:
        execute(cursor, _MEMBER_RESPONSE_SQL, [db_id, organisation_id, user_id])
        row = cursor.fetchone()
    return None if row is None else MemberResponseRow(*_instances(_PARTS, row))


def member_response_orm(public_id, organisation_id: int,
                        user_id: int) -> MemberResponseRow | None:
    response = (Response.objects.select_related("assessment__department",
                                                "assessment__model_version")
                .filter(assessment__public_id=public_id,
                        assessment__organisation_id=organisation_id, user_id=user_id).first())
    if response is None:
        return None
    assessment = response.assessment
    return MemberResponseRow(response, assessment, assessment.department,
                             assessment.model_version)


# --- A personal link's response ----------------------------------------------------------


@dataclass(frozen=True)
class LinkResponseRow:
    """A response found by its personal link, with its assessment, the assessment's
    organisation, department and pinned version: complete instances."""

    response: Response
    assessment: Assessment
    organisation: Organisation
    department: Department
    version: ModelVersion


_O = Organisation
_LINK_PARTS = (_R, _A, _O, _D, _V)
_LINK_RESPONSE_SQL = (
    f'SELECT {columns(_R, "r")}, {columns(_A, "a")}, {columns(_O, "o")}, '  # noqa: S608
    f'{columns(_D, "d")}, {columns(_V, "v")} FROM {table(_R)} r '
    f'INNER JOIN {table(_A)} a ON a.{col(_A, "id")} = r.{col(_R, "assessment")} '
    f'INNER JOIN {table(_O)} o ON o.{col(_O, "id")} = a.{col(_A, "organisation")} '
    f'INNER JOIN {table(_V)} v ON v.{col(_V, "id")} = a.{col(_A, "model_version")} '
    f'INNER JOIN {table(_D)} d ON d.{col(_D, "id")} = a.{col(_A, "department")} '
    f'WHERE r.{col(_R, "token_hash")} = %s')


def link_response(token_hash: str) -> LinkResponseRow | None:
    """The response whose personal link has this token hash (unique), or None: every
    invited person's questionnaire page and autosave starts here."""
    with connection.cursor() as cursor:
        execute(cursor, _LINK_RESPONSE_SQL, [token_hash])
        row = cursor.fetchone()
    return None if row is None else LinkResponseRow(*_instances(_LINK_PARTS, row))


def link_response_orm(token_hash: str) -> LinkResponseRow | None:
    response = (Response.objects.select_related(
        "assessment__organisation", "assessment__department", "assessment__model_version")
        .filter(token_hash=token_hash).first())
    if response is None:
        return None
    assessment = response.assessment
    return LinkResponseRow(response, assessment, assessment.organisation,
                           assessment.department, assessment.model_version)


# --- The autosave ------------------------------------------------------------------------


@cache
def _save_sql(vendor: str, option: bool, comment: bool) -> tuple[str, list]:
    """The one-statement save, updating on a conflict only the fields given."""
    answered, answered_params = where(_ANS, Answer.answered())
    updated = [f for f, given in (("option", option), ("comment", comment)) if given]
    sets = ", ".join(f"{col(_ANS, f)} = EXCLUDED.{col(_ANS, f)}"
                     for f in ("updated_at", *updated))
    insert = ", ".join(col(_ANS, f)
                       for f in ("response", "question", "option", "comment", "updated_at"))
    sql = (
        # Still as the caller read it? FOR SHARE waits for a submission in progress
        # (which holds the row FOR UPDATE), then re-checks the row.
        f'WITH unchanged AS (SELECT r.{col(_R, "id")} FROM {table(_R)} r '  # noqa: S608
        f'INNER JOIN {table(_A)} a ON a.{col(_A, "id")} = r.{col(_R, "assessment")} '
        f'WHERE r.{col(_R, "id")} = %s AND r.{col(_R, "submitted_at")} IS NULL '
        f'AND a.{col(_A, "status")} = %s '
        f'AND r.{col(_R, "revoked_at")} IS NOT DISTINCT FROM %s '
        f'AND r.{col(_R, "expires_at")} IS NOT DISTINCT FROM %s FOR SHARE OF r), '
        # (WHERE true: without it, ON CONFLICT would read as a join's ON)
        f'saved AS (INSERT INTO {table(_ANS)} ({insert}) '
        f'SELECT {col(_R, "id")}, %s, %s, %s, %s FROM unchanged WHERE true '
        f'ON CONFLICT ({col(_ANS, "response")}, {col(_ANS, "question")}) DO UPDATE SET {sets} '
        f'RETURNING {answered} AS answered) '
        # The statement's snapshot predates the upsert: count the others, add this one.
        f'SELECT (SELECT COUNT(*) FROM saved), (SELECT COUNT(*) FROM saved WHERE answered), '
        f'(SELECT COUNT(*) FROM {table(_ANS)} WHERE {col(_ANS, "response")} = %s '
        f'AND {col(_ANS, "question")} <> %s AND {answered})')
    return sql, answered_params


def save_answer_if_unchanged(*, response: Response, question_id: int, option: str | None,
                             comment: str | None, now: datetime) -> int | None:
    """Save the answer in one statement (PostgreSQL), updating only the given fields
    (``None``: leave as it is), if ``response`` (its ``submitted_at``, ``revoked_at``,
    ``expires_at`` and its assessment's ``status``) is still as the caller read it;
    then the number of the response's answers (``Answer.answered``). None: it changed
    and nothing was written; also None, without trying, on SQLite.

    Its ORM twin is ``services._save_locked``: lock, refuse from the current state,
    upsert, count (three statements in a transaction)."""
    if connection.vendor != "postgresql":
        return None
    sql, answered_params = _save_sql(connection.vendor, option is not None,
                                     comment is not None)
    with connection.cursor() as cursor:
        execute(cursor, sql, [
            response.pk, response.assessment.status, response.revoked_at, response.expires_at,
            question_id, option or "", comment or "",
            connection.ops.adapt_datetimefield_value(now), *answered_params,
            response.pk, question_id, *answered_params])
        saved, saved_answered, others = cursor.fetchone()
    return others + saved_answered if saved else None
