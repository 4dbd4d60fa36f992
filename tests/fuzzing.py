"""Shared pieces of the bad-input tests (``tests/test_bad_input_*.py``).

Hypothesis strategies for hostile text, JSON and bytes, and the checks every fuzzed
request must pass: no 500, a clear message, and a database that a rejected request
left exactly as it was (``db_fingerprint`` of ``tests/tenant_params/_urls.py``).

The ``world`` fixture is function-scoped, so one cast serves every example of a test
(hence ``FUZZ`` suppresses that health check); examples run inside the test's
transaction, so what one accepted example writes is visible to the next, as it would
be to the next request of a real user.
"""

from __future__ import annotations

import json
import os

from django.db import connection
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.tenant_params._urls import _models, changed_tables, db_fingerprint

# Bounded, fast and the same on every run (no flaky CI): every fuzz test uses this.
# FUZZ_DEEP=20 runs twenty times the examples, with fresh random ones each time, for
# a deeper search before a release or after changing a form.
DEEP = int(os.environ.get("FUZZ_DEEP", "0") or 0)
FUZZ = settings(max_examples=40, deadline=None, derandomize=not DEEP, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples * max(DEEP, 1))


# Strings that have broken web apps before: NUL bytes, control characters, bidi and
# zero-width marks, astral-plane characters, markup, SQL and template syntax, paths.
NASTY_STRINGS = [
    "", " ", "\t\n", "\x00", "a\x00b", "\x00" * 10, "\x1b[31m", "\r\n\r\n", "\u202eevil",
    "\u200b", "\ufeff", "💥", "🏳️‍🌈" * 20, "Ω≈ç√∫", "ǅ", "İ", "ß", "ﬃ", "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>", "' OR 1=1 --", "{{ 7*7 }}", "{% debug %}", "%s%s%n",
    "../../etc/passwd", "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-1",
    "null", "None", "true", "NaN", "Infinity", "-Infinity", "1e400", "-0", "0x10",
    "9" * 400, "a" * 201, "x" * 5001, "é" * 70_000,
]

nasty_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    # A long run of one character: cheap to generate, long enough to hit every limit.
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(150, 20_000)),
)

# Text that may pass a form's field validation: printable, no NUL.
plausible_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
                         min_size=1, max_size=60)

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False), nasty_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)

def form(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """Form data where each field is missing, given once, or given several times."""
    present = {name: st.one_of(strategy, st.lists(strategy, min_size=2, max_size=3))
               for name, strategy in fields.items()}
    return st.fixed_dictionaries({}, optional=present)


garbage_bytes = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from([b"", b"\x00" * 100, b"\xff\xfe" + "hello".encode("utf-16-le"),
                     b"PK\x03\x04" + b"\x00" * 60, b"\xef\xbb\xbf", b"\x89PNG\r\n\x1a\n"]),
)


def deep(depth: int, kind: str = "list") -> str:
    """A JSON/YAML flow text nested ``depth`` deep."""
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * depth + "1"
                                                                + "}" * depth)


# --- Checks ----------------------------------------------------------------------------


_TABLES: list[tuple[str, str]] = []


def _fingerprint() -> dict[str, str]:
    """``db_fingerprint()``, in one round trip on PostgreSQL (which hashes each table's
    rows itself): the fuzz tests take two per example, hundreds of times."""
    if connection.vendor != "postgresql":
        return db_fingerprint()
    if not _TABLES:
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
        _TABLES.extend((t, pk) for t, pk in _models() if t in existing)
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(t::text, ',' ORDER BY t.{quote(pk)}), '')) "  # noqa: S608
        f"FROM {quote(table)} t" for table, pk in _TABLES)
    with connection.cursor() as cursor:
        cursor.execute(sql, [table for table, _pk in _TABLES])
        return dict(cursor.fetchall())


def snapshot(*, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """The database fingerprint, leaving out tables whose rows a rejection may
    rightly write (e.g. django-axes' record of a failed sign-in)."""
    return {table: digest for table, digest in _fingerprint().items()
            if not table.startswith(ignore)}


def assert_unchanged(before: dict[str, str], *, ignore: tuple[str, ...] = ()) -> None:
    changed = changed_tables(before, snapshot(ignore=ignore))
    assert not changed, f"a rejected request changed the tables {changed}"


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, (
        f"{response.status_code} for {response.request.get('REQUEST_METHOD')} "
        f"{response.request.get('PATH_INFO')}")


def _visible(message: str, html: str) -> bool:
    # Long messages may be wrapped or abridged by a template; the first words suffice.
    head = escape(str(message))[:60]
    return head in html or str(message)[:60] in html


def shown_errors(response) -> list[str]:
    """The form errors and error messages a page shows; asserts there is at least one
    and that each is actually in the HTML."""
    html = response.content.decode()
    errors: list[str] = []
    context = response.context or {}
    form = context.get("form") if hasattr(context, "get") else None
    if form is not None and form.is_bound:
        errors += [str(e) for field_errors in form.errors.values() for e in field_errors]
    for key in ("problems", "errors"):
        value = context.get(key) if hasattr(context, "get") else None
        if value and isinstance(value, list | tuple):
            errors += [str(e) for e in value]
    errors += [str(m) for m in context.get("messages", [])
               if "error" in getattr(m, "tags", "")] if hasattr(context, "get") else []
    assert errors, f"no error is shown on {response.request.get('PATH_INFO')}"
    missing = [e for e in errors if not _visible(e, html)]
    assert not missing, f"errors not on the page: {missing}"
    return errors


def assert_rejected(response, before: dict[str, str], *, ignore: tuple[str, ...] = ()) -> None:
    """A form page that refused its input: re-shown with its errors, nothing written."""
    assert_no_server_error(response)
    assert response.status_code in (200, 400, 409), response.status_code
    shown_errors(response)
    assert_unchanged(before, ignore=ignore)


def json_error(response) -> dict:
    """A JSON refusal: a 4xx with ``ok`` false, a code and a readable message."""
    assert_no_server_error(response)
    assert 400 <= response.status_code < 500, response.status_code
    data = json.loads(response.content)
    assert data["ok"] is False and data["error"].strip() and data["code"], data
    return data
