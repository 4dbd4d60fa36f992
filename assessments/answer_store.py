"""The autosave's reads and writes, as short hand-written statements.

The autosave is the busiest request of the product: every click on an answer is
one. Django's ORM spends 0.4–1 ms of Python building each query, several times the
database's own work here, so the statements of the save itself are written out once
below and prepared once per connection (``maturity_site.rows.execute``). On
PostgreSQL a save is usually one statement (``save_answer_if_unchanged``); the locked
way (``lock_response``, ``save_answer``) runs on both databases. Everything around
them (who may save, which question and option exist, what a refusal says) stays in
``services.answer_save``, and the tests run them on both databases.

The statements name tables and columns as the migrations made them; the tests
run every one of them, so a renamed column cannot leave one behind silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from maturity_site.rows import execute, timestamp

LOCK_SQL_SQLITE = (
    'SELECT r."submitted_at", r."revoked_at", r."expires_at", r."started_at", a."status" '
    'FROM "assessments_response" r '
    'INNER JOIN "assessments_assessment" a ON a."id" = r."assessment_id" '
    'WHERE r."id" = %s')
LOCK_SQL = LOCK_SQL_SQLITE + " FOR UPDATE OF r"

_UPSERT = (
    'INSERT INTO "assessments_answer" '
    '("response_id", "question_id", "option", "comment", "updated_at") '
    "VALUES (%s, %s, %s, %s, %s) "
    'ON CONFLICT ("response_id", "question_id") '
    'DO UPDATE SET "updated_at" = EXCLUDED."updated_at"')
# By (option given, comment given): only the given fields change on a conflict.
UPSERT_SQL = {
    (True, True): _UPSERT + ', "option" = EXCLUDED."option", "comment" = EXCLUDED."comment"',
    (True, False): _UPSERT + ', "option" = EXCLUDED."option"',
    (False, True): _UPSERT + ', "comment" = EXCLUDED."comment"',
}
_ANSWERED_OTHERS = ('SELECT COUNT(*) FROM "assessments_answer" '
                    "WHERE \"response_id\" = %s AND \"question_id\" <> %s AND \"option\" <> ''")
# PostgreSQL: the whole save in one statement, with no transaction around it, when the
# response is still as the caller saw it (optimistic concurrency): not submitted, the
# round open, the link's revocation and expiry unchanged. FOR SHARE makes it wait for a
# submission in progress (which holds the row FOR UPDATE) and then re-check the row, so
# an answer never lands beside a finished submission. No row: something changed, and
# the caller takes the locked way (lock_response, then save_answer) to find out what.
_UNCHANGED = (
    'WITH unchanged AS (SELECT r."id" FROM "assessments_response" r '
    'INNER JOIN "assessments_assessment" a ON a."id" = r."assessment_id" '
    'WHERE r."id" = %s AND r."submitted_at" IS NULL AND a."status" = %s '
    'AND r."revoked_at" IS NOT DISTINCT FROM %s AND r."expires_at" IS NOT DISTINCT FROM %s '
    'FOR SHARE OF r), ')
_ANSWERED_OTHERS = ('SELECT COUNT(*) FROM "assessments_answer" '
                    "WHERE \"response_id\" = %s AND \"question_id\" <> %s AND \"option\" <> ''")
# The count leaves out the saved question (the statement's snapshot predates the
# upsert) and adds it back from the saved row's option.
SAVE_IF_UNCHANGED_SQL = {
    given: "".join((
        _UNCHANGED, "saved AS (",
        sql.replace("VALUES (%s, %s, %s, %s, %s)",
                    'SELECT "id", %s, %s, %s, %s FROM unchanged WHERE true'),
        ' RETURNING "option") SELECT (SELECT COUNT(*) FROM saved), '
        '(SELECT "option" FROM saved), (', _ANSWERED_OTHERS, ")"))
    for given, sql in UPSERT_SQL.items()
}


@dataclass(frozen=True)
class ResponseState:
    """What decides whether a response may change, read under a row lock."""

    submitted_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    started_at: datetime | None
    assessment_status: str


def lock_response(response_id: int) -> ResponseState | None:
    """Lock the response's row until the end of the transaction and read its state.

    PostgreSQL takes a row lock (``FOR UPDATE OF``); SQLite needs none, since its
    transactions here begin ``IMMEDIATE`` and so hold the database's write lock.
    """
    sql = LOCK_SQL if connection.features.has_select_for_update_of else LOCK_SQL_SQLITE
    with connection.cursor() as cursor:
        execute(cursor, sql, [response_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return ResponseState(*(timestamp(v, connection) for v in row[:4]), assessment_status=row[4])


def save_answer(*, response_id: int, question_id: int, option: str | None,
                comment: str | None, now: datetime) -> int:
    """Insert the answer, or update only the given fields (``None``: leave as it is);
    then the number of the response's answers with a chosen option.

    ``INSERT … ON CONFLICT (response, question) DO UPDATE``: one atomic statement, no
    read-modify-write window, so two tabs saving different fields never overwrite
    each other.
    """
    with connection.cursor() as cursor:
        execute(cursor, UPSERT_SQL[(option is not None, comment is not None)], [
            response_id, question_id, option or "", comment or "",
            connection.ops.adapt_datetimefield_value(now)])
    return answered_count(response_id)


def save_answer_if_unchanged(*, response, question_id: int, option: str | None,
                             comment: str | None, now: datetime) -> int | None:
    """``save_answer`` in one statement if ``response`` (its ``submitted_at``,
    ``revoked_at``, ``expires_at`` and its assessment's ``status``) is still as read;
    then the number of answers with a chosen option. None: it changed, nothing was
    written; also None, without trying, where the database cannot do it (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    given = (option is not None, comment is not None)
    with connection.cursor() as cursor:
        execute(cursor, SAVE_IF_UNCHANGED_SQL[given], [
            response.pk, response.assessment.status, response.revoked_at, response.expires_at,
            question_id, option or "", comment or "",
            connection.ops.adapt_datetimefield_value(now), response.pk, question_id])
        saved, saved_option, others = cursor.fetchone()
    if not saved:
        return None
    return others + (1 if saved_option else 0)


def mark_started(response_id: int, now: datetime) -> None:
    with connection.cursor() as cursor:
        execute(
            cursor, 'UPDATE "assessments_response" SET "started_at" = %s '
            'WHERE "id" = %s AND "started_at" IS NULL',
            [connection.ops.adapt_datetimefield_value(now), response_id])


def answered_count(response_id: int) -> int:
    """Answers with a chosen option (including "not applicable" and "don't know")."""
    with connection.cursor() as cursor:
        execute(cursor, 'SELECT COUNT(*) FROM "assessments_answer" '
                "WHERE \"response_id\" = %s AND \"option\" <> ''", [response_id])
        return cursor.fetchone()[0]
