"""Values written to spreadsheets (CSV and XLSX), made safe in one place.

Every export and answer sheet goes through :func:`xlsx_row` or :func:`csv_text`:

- **Characters XLSX cannot hold.** A workbook is XML 1.0, which has no place for
  most control characters; openpyxl refuses them (``IllegalCharacterError``), so one
  in a comment used to break a round's export for good. They are removed; a tab,
  a line feed and a carriage return stay.
- **Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is run as a formula by Excel and LibreOffice; it is
  prefixed with ``'``. In a CSV file the same is done at the start of every part
  after a ``;`` or ``,``, because a spreadsheet in a locale whose list separator is
  ``;`` (Swedish, Hungarian, Norwegian…) may split there; and every field is quoted.
  Numbers stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 allows tab, line feed and carriage return below U+0020, and no surrogates
# (an unpaired one cannot even be encoded) nor U+FFFE and U+FFFF.
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralise(value):
    """A cell value a spreadsheet shows as typed, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_cell(value):
    """A value an XLSX cell can hold: text without the characters XML cannot carry,
    neutralised if a spreadsheet would run it."""
    if isinstance(value, str):
        return neutralise(_NOT_IN_XLSX.sub("", value))
    return value


def xlsx_row(row: Iterable) -> list:
    return [xlsx_cell(value) for value in row]
