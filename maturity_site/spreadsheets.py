"""Values written to spreadsheets (CSV and XLSX), made safe in one place.

Every export and answer sheet goes through :func:`xlsx_row` or :func:`csv_text`:

- **Characters XLSX cannot hold.** A workbook is XML 1.0, which has no place for
  most control characters; openpyxl refuses them (``IllegalCharacterError``), so one
  in a comment used to break a round's export for good. They are removed; a tab,
  a line feed and a carriage return stay.
- **Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is run as a formula by Excel and LibreOffice; it is
  prefixed with ``'``. In a CSV file the same is done at the start of every part
  after a ``;``, ``,`` or line feed (spaces before the character included), because a
  spreadsheet in a locale whose list separator is ``;`` (Swedish, Hungarian,
  Norwegian…) splits a comma-separated file there, quotes or not: ``see;=HYPERLINK(…)``
  would become a formula cell. Every CSV field is quoted too. Numbers stay numbers.
  A text that already starts with quotes before such a character gets one more, so
  :func:`restore` (the reading side) gives back exactly what was written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

# A formula starts with one of "=+-@", a tab or a carriage return (after any quotes
# of our own: see restore()).
_FORMULA_AT_START = re.compile("^(?='*[-=+@\t\r])")
# The same at the start of the text, or of a part after ";", "," or a line feed and
# any spaces.
_FORMULA_IN_PARTS = re.compile("(^|[;,\n] *)(?='*[-=+@\t\r])")
_NEUTRALISED_IN_PARTS = re.compile("(^|[;,\n] *)'(?='*[-=+@\t\r])")
# XML 1.0 allows tab, line feed and carriage return below U+0020, and no surrogates
# (an unpaired one cannot even be encoded) nor U+FFFE and U+FFFF.
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralise(value):
    """A cell value a spreadsheet shows as typed, never runs as a formula."""
    if isinstance(value, str):
        return _FORMULA_AT_START.sub("'", value, count=1)
    return value


def restore(text: str) -> str:
    """A text as it was before :func:`neutralise` or :func:`csv_field` (for a sheet
    that comes back: an exported answer sheet, uploaded again)."""
    return _NEUTRALISED_IN_PARTS.sub(r"\1", text)


def xlsx_cell(value):
    """A value an XLSX cell can hold: text without the characters XML cannot carry,
    neutralised if a spreadsheet would run it."""
    if isinstance(value, str):
        return neutralise(_NOT_IN_XLSX.sub("", value))
    return value


def xlsx_row(row: Iterable) -> list:
    return [xlsx_cell(value) for value in row]


def csv_field(value) -> str:
    """One CSV field: text neutralised at its start and after every ``;`` and ``,``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _FORMULA_IN_PARTS.sub(r"\1'", value)
    return str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV file for spreadsheets: a byte order mark (without it Excel does not read
    UTF-8), every field quoted and passed through :func:`csv_field`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([csv_field(name) for name in header])
    for row in rows:
        writer.writerow([csv_field(value) for value in row])
    return out.getvalue()
