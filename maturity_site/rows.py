"""Model instances from the rows of hand-written queries.

The busiest requests (every tenant page, the questionnaire, the autosave) read a
row and its related rows in one written-out statement, because the ORM spends
0.5–1 ms of Python compiling each query, several times the query's own cost. These
two helpers make the instances the ORM would have made of such rows:

- :class:`Columns`: all of a model's columns under a table alias (for the SELECT
  list), and ``instance(values)`` with the same database and field converters the
  ORM applies, as ``select_related`` would give it.
- :func:`partial`: an instance with only a few fields loaded, as ``only()`` gives it;
  the others load from the database if something reads them.
- :func:`timestamp`: a single timestamp column's value as the ORM reads it.

:func:`execute` runs such a statement as a prepared statement on PostgreSQL: the
server plans it once per connection instead of on every request (planning cost
more than running these statements: 0.4 of 0.5 ms for the questionnaire's).
``DB_PREPARED_STATEMENTS=false`` turns that off, e.g. behind a connection pooler in
transaction mode (PgBouncer), where a session's prepared statements are not kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from django.conf import settings
from django.db.backends.signals import connection_created

_PLACEHOLDER = re.compile(r"%s")


def _forget_prepared(sender, connection, **kwargs) -> None:
    """A new database connection has no prepared statements yet."""
    connection.prepared_statements = set()


connection_created.connect(_forget_prepared, dispatch_uid="rows-forget-prepared")


def _prepared(sql: str, arity: int) -> tuple[str, str, str]:
    """(name, PREPARE statement, EXECUTE statement) for ``sql``."""
    found = _PREPARED.get(sql)
    if found is None:
        name = "maturity_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
        numbered = iter(range(1, arity + 1))
        prepare = f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql)
        execute = f"EXECUTE {name}" + (f"({', '.join(['%s'] * arity)})" if arity else "")
        found = _PREPARED[sql] = (name, prepare, execute)
    return found


_PREPARED: dict[str, tuple[str, str, str]] = {}


def execute(cursor, sql: str, params: Sequence = ()) -> None:
    """``cursor.execute(sql, params)``; a prepared statement on PostgreSQL.

    ``sql`` is a constant statement with ``%s`` placeholders (and no other ``%``).
    """
    connection = cursor.db
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    name, prepare, statement = _prepared(sql, len(params))
    known = getattr(connection, "prepared_statements", None)
    if known is None:
        known = connection.prepared_statements = set()
    if name not in known:
        # Not transactional: a rollback later does not take it back.
        cursor.execute(prepare)
        known.add(name)
    cursor.execute(statement, params)


class Columns:
    """All columns of ``model`` under a table alias, and the instance the ORM would make
    of them: the same fields, converted by the same database and field converters."""

    def __init__(self, model, alias: str):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def converters(self, connection) -> list:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                column = field.get_col(self.model._meta.db_table)
                functions = (connection.ops.get_db_converters(column)
                             + field.get_db_converters(connection))
                if functions:
                    found.append((i, column, functions))
            self._converters[connection.vendor] = found
        return found

    def instance(self, values: Sequence, db: str, connection):
        values = list(values)
        for i, column, functions in self.converters(connection):
            for convert in functions:
                values[i] = convert(values[i], column, connection)
        return self.model.from_db(db, self.attnames, values)


def timestamp(value, connection):
    """A timestamp column's value as the ORM reads it: aware (SQLite hands back text or
    naive datetimes; PostgreSQL aware ones already)."""
    if value is not None and connection.vendor == "sqlite":
        return connection.ops.convert_datetimefield_value(value, None, connection)
    return value


def partial(model, db: str, **values):
    """An instance of ``model`` with only ``values`` (by attribute name) loaded."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
    # from_db takes the values in the order of the model's fields.
    return model.from_db(db, fields, [values[name] for name in fields])
