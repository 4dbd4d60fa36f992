"""Hand-written SQL of this app: the reads of every tenant request, and nothing else.

Every signed-in request reads its user (``user_row``), every tenant page the user's
access (``access_row``), and every page with the navigation the organisation switcher
(``switcher_rows``). Through the ORM each costs several times the Python of the
statement here, on every request (figures: ``benchmarks/README.md``). Each of them:

- names tables and columns through the models' ``_meta``;
- returns a small frozen dataclass (or, where a caller needs a model instance, a
  complete one made by the model's own ``from_db`` from every column, as the ORM
  makes it: nothing deferred, nothing loaded behind the caller's back);
- holds no rule: it reads facts (a membership's role, the parent's kind) and the
  rule's one home decides (``access.inherited_role``), or the rule's ``Q`` is compiled
  into it by the ORM (``where``; ``assessments/sql.py`` compiles ``Answer.answered``);
- has an ORM twin (``*_orm``) that ``tests/test_sql_twins.py`` runs beside it on the
  configured database (SQLite, or PostgreSQL as in CI) and compares.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Q
from django.db.models.sql import Query

from .models import ChangeStamp, Membership, Organisation, User


def execute(cursor, sql: str, params: Sequence = ()) -> None:
    """``cursor.execute(sql, params)``, as a prepared statement on PostgreSQL: the server
    plans it once per connection instead of on every request (planning cost more than
    running these statements; ``benchmarks/README.md``). ``DB_PREPARED_STATEMENTS=false``
    turns that off, e.g. behind a pooler in transaction mode, which keeps no session's
    prepared statements. ``sql`` has ``%s`` placeholders and no other ``%``."""
    db = cursor.db
    if db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    name, prepare, statement = _prepared(sql, len(params))
    known = getattr(db, "prepared_statements", None)
    if known is None:
        known = db.prepared_statements = set()
    if name not in known:
        cursor.execute(prepare)  # not transactional: a later rollback keeps it
        known.add(name)
    cursor.execute(statement, params)


@cache
def _prepared(sql: str, arity: int) -> tuple[str, str, str]:
    """(name, PREPARE statement, EXECUTE statement) for ``sql``."""
    name = "maturity_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
    numbered = iter(range(1, arity + 1))
    prepare = f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql)
    return name, prepare, f"EXECUTE {name}" + (f"({', '.join(['%s'] * arity)})" if arity else "")


def _forget_prepared(sender, connection, **kwargs) -> None:
    """A new database connection has no prepared statements yet."""
    connection.prepared_statements = set()


connection_created.connect(_forget_prepared, dispatch_uid="sql-forget-prepared")


def table(model) -> str:
    return f'"{model._meta.db_table}"'


def col(model, field: str, alias: str = "") -> str:
    """A column of ``model`` by field name, under ``alias`` if given."""
    name = f'"{model._meta.get_field(field).column}"'
    return f"{alias}.{name}" if alias else name


def columns(model, alias: str) -> str:
    """Every concrete column of ``model``, in field order (what ``instance`` reads)."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def width(model) -> int:
    return len(model._meta.concrete_fields)


@cache
def _converters(model, vendor: str) -> tuple:
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + field.get_db_converters(
            connection)
        if functions:
            found.append((i, expression, tuple(functions)))
    return tuple(found)


def instance(model, values):
    """A complete instance of ``model`` from all its columns (``columns``), converted by
    the same database and field converters as the ORM's, made by ``from_db``."""
    values = list(values)
    for i, expression, functions in _converters(model, connection.vendor):
        for convert in functions:
            values[i] = convert(values[i], expression, connection)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields],
                         values)


def where(model, q: Q) -> tuple[str, list]:
    """A rule's ``Q`` on ``model``'s own columns as SQL (columns qualified by the table
    name, so use the table unaliased), compiled by the ORM for this connection."""
    query = Query(model)
    node = query.build_where(q)
    sql, params = node.as_sql(query.get_compiler(connection=connection), connection)
    return sql, list(params)


# --- The signed-in user ------------------------------------------------------------------

_USER_SQL = (f'SELECT {columns(User, "u")} FROM {table(User)} u '  # noqa: S608
             f'WHERE u.{col(User, "id")} = %s')


def user_row(pk: int) -> User | None:
    """The user with this primary key, complete."""
    with connection.cursor() as cursor:
        execute(cursor, _USER_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else instance(User, row)


def user_row_orm(pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()


# --- Access: the organisation, its parent, and the user's roles in both ------------------


@dataclass(frozen=True)
class AccessRow:
    organisation: Organisation  # with ``parent`` set (complete) when it has one
    own_role: str | None  # the user's membership of the organisation
    parent_role: str | None  # the user's membership of its parent, whatever its kind
    stamp: str | None  # its change stamp (organisations.changes), as hex; None: none yet


_O, _M, _S = Organisation, Membership, ChangeStamp
_ACCESS_SQL = (
    f'SELECT {columns(_O, "o")}, {columns(_O, "p")}, dm.{col(_M, "role")}, '  # noqa: S608
    f'pm.{col(_M, "role")}, s.{col(_S, "token")} FROM {table(_O)} o '
    f'LEFT JOIN {table(_O)} p ON p.{col(_O, "id")} = o.{col(_O, "parent")} '
    f'LEFT JOIN {table(_M)} dm ON dm.{col(_M, "organisation")} = o.{col(_O, "id")} '
    f'AND dm.{col(_M, "user")} = %s '
    f'LEFT JOIN {table(_M)} pm ON pm.{col(_M, "organisation")} = o.{col(_O, "parent")} '
    f'AND pm.{col(_M, "user")} = %s '
    f'LEFT JOIN {table(_S)} s ON s.{col(_S, "organisation")} = o.{col(_O, "id")} '
    f'WHERE o.{col(_O, "slug")} = %s')


def _hex(token) -> str | None:
    """A UUID column's value as hex, whatever the database returned (SQLite: hex text)."""
    return None if token is None else uuid.UUID(str(token)).hex


def access_row(user_id: int, slug: str) -> AccessRow | None:
    """The organisation with this slug, its parent, and the user's roles in both, in one
    statement (slugs are unique, and so is a user's membership of an organisation)."""
    with connection.cursor() as cursor:
        execute(cursor, _ACCESS_SQL, [user_id, user_id, slug])
        row = cursor.fetchone()
    if row is None:
        return None
    n = width(_O)
    organisation = instance(_O, row[:n])
    if organisation.parent_id is not None:
        organisation.parent = instance(_O, row[n:2 * n])
    own_role, parent_role, stamp = row[2 * n:]
    return AccessRow(organisation, own_role, parent_role, _hex(stamp))


def access_row_orm(user_id: int, slug: str) -> AccessRow | None:
    organisation = Organisation.objects.select_related("parent").filter(slug=slug).first()
    if organisation is None:
        return None
    roles = dict(Membership.objects.filter(
        user_id=user_id, organisation_id__in=[organisation.pk, organisation.parent_id])
        .values_list("organisation_id", "role"))
    stamp = ChangeStamp.objects.filter(organisation=organisation).values_list(
        "token", flat=True).first()
    return AccessRow(organisation, roles.get(organisation.pk),
                     roles.get(organisation.parent_id), _hex(stamp))


# --- The organisation switcher -----------------------------------------------------------


@dataclass(frozen=True)
class SwitcherRow:
    """An organisation the user belongs to, or a client of one."""

    pk: int
    name: str
    slug: str
    kind: str
    parent_id: int | None
    own_role: str | None
    parent_kind: str | None  # for a client of an organisation the user belongs to
    parent_role: str | None  # the user's role there

    def get_kind_display(self) -> str:
        return str(Organisation.Kind(self.kind).label)


_ORG_LIST = ", ".join(f"o.{col(_O, f)}" for f in ("id", "name", "slug", "kind", "parent"))
# Memberships, then the clients of the organisations of those memberships, each branch
# driven by an index (memberships by user, organisations by parent).
_SWITCHER_SQL = (
    f'SELECT {_ORG_LIST}, m.{col(_M, "role")}, NULL, NULL '  # noqa: S608
    f'FROM {table(_M)} m INNER JOIN {table(_O)} o '
    f'ON o.{col(_O, "id")} = m.{col(_M, "organisation")} WHERE m.{col(_M, "user")} = %s '
    f'UNION ALL SELECT {_ORG_LIST}, cm.{col(_M, "role")}, p.{col(_O, "kind")}, '
    f'pm.{col(_M, "role")} FROM {table(_M)} pm '
    f'INNER JOIN {table(_O)} p ON p.{col(_O, "id")} = pm.{col(_M, "organisation")} '
    f'INNER JOIN {table(_O)} o ON o.{col(_O, "parent")} = p.{col(_O, "id")} '
    f'LEFT JOIN {table(_M)} cm ON cm.{col(_M, "organisation")} = o.{col(_O, "id")} '
    f'AND cm.{col(_M, "user")} = %s WHERE pm.{col(_M, "user")} = %s')


def switcher_rows(user_id: int) -> list[SwitcherRow]:
    with connection.cursor() as cursor:
        execute(cursor, _SWITCHER_SQL, [user_id, user_id, user_id])
        return [SwitcherRow(*row) for row in cursor.fetchall()]


def switcher_rows_orm(user_id: int) -> list[SwitcherRow]:
    own = dict(Membership.objects.filter(user_id=user_id)
               .values_list("organisation_id", "role"))
    fields = ("pk", "name", "slug", "kind", "parent_id")
    rows = [SwitcherRow(*values, own[values[0]], None, None) for values in (
        Organisation.objects.filter(pk__in=own).values_list(*fields))]
    rows += [SwitcherRow(*values[:5], own.get(values[0]), *values[5:]) for values in (
        Organisation.objects.filter(parent__memberships__user_id=user_id)
        .values_list(*fields, "parent__kind", "parent__memberships__role"))]
    return rows
