"""Bad input on the assessment pages: a round's create and edit forms, inviting
respondents, adding members, and the answer-sheet upload (CSV and XLSX).

Every answer is below 500; a refused form comes back with its errors on the page,
and the database is exactly as it was. The questionnaire itself (autosave and the
form without JavaScript) is in test_bad_input_questionnaire.py.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from assessments import offline
from assessments.models import Answer, Response
from tests.assessment_factories import make_assessment, version_with
from tests.conftest import signed_in
from tests.fuzzing import (
    assert_no_server_error,
    assert_rejected,
    assert_unchanged,
    form,
    fuzz,
    garbage_bytes,
    nasty_text,
    plausible_text,
    shown_errors,
    snapshot,
)


def _url(assessment, name):
    return reverse(f"assessments:{name}", kwargs={"org_slug": "acme",
                                                  "assessment_id": assessment.public_id})


ids = st.one_of(nasty_text, st.integers(-(10**20), 10**20).map(str),
                st.uuids().map(str))
dates = st.one_of(nasty_text, st.dates().map(str), st.sampled_from(
    ["2027-02-30", "99999-01-01", "0000-00-00", "2027-13-01", "1.1.2027", "tomorrow"]))
levels = st.one_of(nasty_text, st.integers(-3, 12).map(str), st.just("3.0"))


@pytest.fixture
def assessment(world):
    return make_assessment(world, name="Bad input round")


def test_it_refuses_bad_new_rounds_and_writes_nothing(world, assessment):
    client = signed_in(world.acme.manager)
    version = assessment.model_version
    real = {"department": st.sampled_from([str(d.pk) for d in world.acme.departments]
                                          + [str(world.globex.departments[0].pk)]),
            "model_version": st.just(str(version.pk))}

    @fuzz(40)
    @given(data=form({"department": st.one_of(ids, real["department"]),
                      "model_version": st.one_of(ids, real["model_version"]),
                      "name": st.one_of(nasty_text, plausible_text),
                      "due_date": dates, "target_level": levels}))
    def check(data):
        before = snapshot()
        response = client.post("/o/acme/assessments/new/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_bad_round_edits_and_writes_nothing(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(30)
    @given(data=form({"name": st.one_of(nasty_text, plausible_text), "due_date": dates,
                      "target_level": levels}))
    def check(data):
        before = snapshot()
        response = client.post(_url(assessment, "edit"), data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_bad_respondent_invitations_and_writes_nothing(world, assessment,
                                                                    mailoutbox):
    client = signed_in(world.acme.manager)

    @fuzz(30)
    @given(data=form({"email": st.one_of(nasty_text, st.emails()),
                      "name": st.one_of(nasty_text, plausible_text),
                      "language": st.one_of(nasty_text, st.sampled_from(["en", "hu", "xx"])),
                      "another": nasty_text}))
    def check(data):
        before = snapshot()
        response = client.post(_url(assessment, "invite"), data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_bad_member_picks_and_writes_nothing(world, assessment, mailoutbox):
    client = signed_in(world.acme.manager)
    strangers = [str(world.globex.manager.pk), str(world.outsider.pk),
                 str(world.acme.viewer.pk)]

    @fuzz(25)
    @given(data=form({"users": st.one_of(ids, st.sampled_from(strangers))}))
    def check(data):
        before = snapshot()
        response = client.post(_url(assessment, "add_members"), data)
        assert_no_server_error(response)
        assert response.status_code != 302, data
        assert_rejected(response, before)

    check()


# --- The answer sheet ------------------------------------------------------------------

QUESTION_KEYS = ["people.2.1", "people.3.1", "customers.2.1"]
cells = st.one_of(nasty_text, st.sampled_from(
    QUESTION_KEYS + ["fully", "FULLY", "Partly", "na", "dk", "maybe", "=1+1", "@SUM(A1)",
                     "'=cmd", "-2", "\x00"]))
header = st.one_of(st.just(list(offline.COLUMNS)), st.lists(cells, max_size=8),
                   st.permutations(offline.COLUMNS).map(list))


def _csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Answers"
    for row in rows:
        sheet.append([_xlsx_safe(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_safe(value):
    # openpyxl refuses control characters in cells; a real workbook cannot hold them.
    return "".join(c for c in value if c >= " " or c in "\t\n") if isinstance(
        value, str) else value


sheets = st.tuples(header, st.lists(st.lists(cells, max_size=7), max_size=6))


def _upload(client, assessment, content: bytes, name: str, **data):
    return client.post(_url(assessment, "offline"), {
        "file": SimpleUploadedFile(name, content), "respondent": "new",
        "new_name": "Paper Pia", **data})


def _refused_upload(response, before):
    assert_no_server_error(response)
    assert response.status_code == 200, response.status_code
    shown_errors(response)
    assert_unchanged(before)


def test_it_refuses_garbage_answer_sheets_and_writes_nothing(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(40)
    @given(content=garbage_bytes, name=st.sampled_from(
        ["answers.csv", "answers.xlsx", "answers.txt", "answers.pdf", "answers", ".xlsx",
         "ANSWERS.XLSX", "a" * 300 + ".csv"]))
    def check(content, name):
        before = snapshot()
        response = _upload(client, assessment, content, name)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        _refused_upload(response, before)

    check()


def test_it_reads_or_refuses_fuzzed_csv_sheets_cleanly(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(40)
    @given(sheet=sheets, delimiter=st.sampled_from([",", ";", "\t", "|"]),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]),
           submit=st.booleans())
    def check(sheet, delimiter, encoding, submit):
        head, rows = sheet
        before = snapshot()
        response = _upload(client, assessment, _csv_bytes([head, *rows], delimiter, encoding),
                           "answers.csv", **({"submit": "on"} if submit else {}))
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        _refused_upload(response, before)

    check()


def test_it_reads_or_refuses_fuzzed_xlsx_sheets_cleanly(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(25)
    @given(sheet=sheets)
    def check(sheet):
        head, rows = sheet
        before = snapshot()
        response = _upload(client, assessment, _xlsx_bytes([head, *rows]), "answers.xlsx")
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        _refused_upload(response, before)

    check()


def test_it_refuses_a_sheet_whose_comment_has_a_nul_byte(world, assessment):
    client = signed_in(world.acme.manager)
    before = snapshot()
    content = _csv_bytes([offline.COLUMNS, ["people.2.1", "", "", "", "fully", "a\x00b"]])
    _refused_upload(_upload(client, assessment, content, "answers.csv"), before)


def test_it_refuses_a_csv_cell_longer_than_the_csv_module_reads(world, assessment):
    client = signed_in(world.acme.manager)
    before = snapshot()
    content = _csv_bytes([offline.COLUMNS, ["people.2.1", "", "", "", "fully",
                                            "x" * 200_000]])
    _refused_upload(_upload(client, assessment, content, "answers.csv"), before)


def test_it_refuses_sheets_over_the_upload_limit(world, assessment, settings):
    client = signed_in(world.acme.manager)
    before = snapshot()
    row = ",".join(["people.2.1", "", "", "", "fully", "y" * 1000]) + "\n"
    content = (",".join(offline.COLUMNS) + "\n").encode() + row.encode() * (
        settings.MAX_UPLOAD_BYTES // len(row) + 2)
    assert len(content) > settings.MAX_UPLOAD_BYTES
    response = _upload(client, assessment, content, "answers.csv")
    _refused_upload(response, before)
    assert str(settings.MAX_UPLOAD_BYTES) in response.content.decode()


def test_it_refuses_a_zip_bomb_posing_as_a_workbook(world, assessment):
    client = signed_in(world.acme.manager)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<" * 50_000_000)
    before = snapshot()
    _refused_upload(_upload(client, assessment, out.getvalue(), "answers.xlsx"), before)


def test_it_takes_formulas_in_a_workbook_as_text_never_evaluated(world, assessment):
    client = signed_in(world.acme.manager)
    content = _xlsx_bytes([offline.COLUMNS, ["people.2.1", "", "", "", "fully",
                                             "=HYPERLINK(\"http://evil.test\")"]])
    response = _upload(client, assessment, content, "answers.xlsx")
    assert response.status_code == 302
    answer = Answer.objects.get(response__name="Paper Pia")
    assert answer.option == "fully"
    assert answer.comment in ("", "=HYPERLINK(\"http://evil.test\")")


def test_it_refuses_an_upload_for_a_respondent_of_another_round(world, assessment):
    other = make_assessment(world, version=version_with(), name="Other round")
    stranger = Response.objects.create(assessment=other, email="s@example.test", name="S")
    client = signed_in(world.acme.manager)
    before = snapshot()
    content = _csv_bytes([offline.COLUMNS, ["people.2.1", "", "", "", "fully", ""]])
    response = _upload(client, assessment, content, "answers.csv",
                       respondent=str(stranger.public_id))
    _refused_upload(response, before)


@pytest.mark.parametrize("page", ["create", "edit", "invite", "add_members", "offline"])
def test_it_says_what_is_missing_when_a_form_is_posted_empty(world, assessment, page):
    client = signed_in(world.acme.manager)
    url = "/o/acme/assessments/new/" if page == "create" else _url(assessment, page)
    before = snapshot()
    response = client.post(url, {})
    assert_rejected(response, before)
    assert "This field is required." in response.content.decode()


def _workbook_with(replacements: dict[str, bytes]) -> bytes:
    """A real answer-sheet workbook with some of its parts replaced."""
    original = zipfile.ZipFile(io.BytesIO(_xlsx_bytes(
        [offline.COLUMNS, ["people.2.1", "", "", "", "fully", ""]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            archive.writestr(info.filename, replacements.get(info.filename,
                                                             original.read(info.filename)))
        for name in replacements.keys() - set(original.namelist()):
            archive.writestr(name, replacements[name])
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "[Content_Types].xml",
                                  "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
@pytest.mark.parametrize("garbage", [b"<not xml", b"\x00\xff", b"<?xml version='1.0'?><a>"])
def test_it_refuses_a_workbook_with_broken_xml_inside(world, assessment, part, garbage):
    client = signed_in(world.acme.manager)
    before = snapshot()
    response = _upload(client, assessment, _workbook_with({part: garbage}), "answers.xlsx")
    assert_no_server_error(response)
    if response.status_code != 302:  # openpyxl does without some parts
        _refused_upload(response, before)


def test_it_refuses_a_workbook_that_unpacks_beyond_the_limit(world, assessment, monkeypatch):
    monkeypatch.setattr(offline, "MAX_UNPACKED_BYTES", 2_000)
    client = signed_in(world.acme.manager)
    before = snapshot()
    content = _xlsx_bytes([offline.COLUMNS, ["people.2.1", "", "", "", "fully", "z" * 5000]])
    assert len(content) < 5000
    response = _upload(client, assessment, content, "answers.xlsx")
    _refused_upload(response, before)
    assert "not an XLSX workbook that can be read" in response.content.decode()


def test_it_reads_only_the_columns_a_sheet_can_have(world, assessment):
    """A cell in the last column (XFD) makes read-only openpyxl pad every row to
    16384 cells; the reader stops at MAX_COLUMNS."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(offline.COLUMNS))
    sheet.append(["people.2.1", "", "", "", "fully", "padded"])
    sheet["XFD3000"] = "far away"
    out = io.BytesIO()
    workbook.save(out)
    rows = offline.read_rows(out.getvalue(), "answers.xlsx")
    assert len(rows) == 3000
    assert max(len(cells) for _n, cells in rows) <= offline.MAX_COLUMNS
    response = _upload(signed_in(world.acme.manager), assessment, out.getvalue(),
                       "answers.xlsx")
    assert response.status_code == 302


# --- Workbooks that amplify: counted before openpyxl reads them (issue 12, item 11) ------

_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b"<sheetData>")


def _strings_part(count: int, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns:{prefix}="{_NS}"' if prefix else f' xmlns="{_NS}"'
    return (f'<?xml version="1.0"?><{p}sst{ns} count="1" uniqueCount="1">'.encode()
            + f"<{p}si><{p}t>a</{p}t></{p}si>".encode() * count + f"</{p}sst>".encode())


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_part(rows: int, columns: int) -> bytes:
    cells = b"".join(b'<c t="n"><v>1</v></c>' for _ in range(columns))
    return _SHEET_HEAD + (b"<row>" + cells + b"</row>") * rows + b"</sheetData></worksheet>"


def _bomb(kind: str, extra: int, prefix: str = "") -> bytes:
    if kind == "shared strings":
        return _workbook_with({"xl/sharedStrings.xml": _strings_part(
            offline.MAX_SHARED_STRINGS + extra, prefix)})
    if kind == "cells in one row":
        return _workbook_with({"xl/worksheets/sheet1.xml": _sheet_part(
            1, offline.MAX_CELLS + extra)})
    return _workbook_with({"xl/worksheets/sheet1.xml": _sheet_part(
        offline.MAX_ROWS + 1 + extra, 1)})


_BOMB_MESSAGES = {
    "shared strings": f"The workbook has more than {offline.MAX_SHARED_STRINGS} different texts.",
    "cells in one row": f"The workbook has more than {offline.MAX_CELLS} cells.",
    "rows": f"The sheet has more than {offline.MAX_ROWS} rows.",
}


def _never_read(*args, **kwargs):
    raise AssertionError("openpyxl read a workbook that was too large")


def _refused_unread(content: bytes, monkeypatch) -> list[str]:
    """The problems of an oversized workbook: found before openpyxl opened it, with
    tracemalloc's peak while inspecting it under 50 MiB."""
    import tracemalloc

    monkeypatch.setattr(offline, "load_workbook", _never_read)
    tracemalloc.start()
    try:
        with pytest.raises(offline.SheetError) as refused:
            offline.read_rows(content, "answers.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024, f"inspecting the workbook peaked at {peak / 2**20:.0f} MiB"
    return refused.value.problems


@pytest.mark.parametrize("kind", list(_BOMB_MESSAGES))
def test_it_refuses_an_amplifying_workbook_before_reading_it(world, assessment, kind,
                                                             monkeypatch):
    content = _bomb(kind, 1)
    assert len(content) < 200_000
    assert _refused_unread(content, monkeypatch) == [_BOMB_MESSAGES[kind]]
    client = signed_in(world.acme.manager)
    before = snapshot()
    response = _upload(client, assessment, content, "answers.xlsx")
    _refused_upload(response, before)
    assert _BOMB_MESSAGES[kind] in response.content.decode()


def test_it_refuses_the_reported_shared_strings_bomb(monkeypatch):
    """3.5 million tiny shared strings in a small workbook: 37.5 s and +290 MB before."""
    content = _workbook_with({"xl/sharedStrings.xml": _strings_part(3_500_000)})
    assert _refused_unread(content, monkeypatch) == [_BOMB_MESSAGES["shared strings"]]


def test_it_refuses_fuzzed_amplifying_workbooks_before_reading_them(monkeypatch):
    @fuzz(12)
    @given(kind=st.sampled_from(list(_BOMB_MESSAGES)), extra=st.integers(1, 30_000),
           prefix=st.sampled_from(["", "x", "ss"]))
    def check(kind, extra, prefix):
        content = _bomb(kind, extra, prefix if kind == "shared strings" else "")
        assert _refused_unread(content, monkeypatch) == [_BOMB_MESSAGES[kind]]

    check()


def test_a_workbook_at_the_limits_is_read():
    content = _workbook_with({"xl/sharedStrings.xml": _strings_part(
        offline.MAX_SHARED_STRINGS)})
    assert offline.read_rows(content, "answers.xlsx")[0][1][0] == "question_key"
