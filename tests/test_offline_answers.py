"""Answers on paper: the answer sheet, its upload (all or nothing, every error with its
row), and the export of every answer with its comment."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments import offline, services
from assessments.models import Answer, Response
from maturity_site.spreadsheets import xlsx_cell
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment
from tests.conftest import access_for, signed_in


def _url(assessment, name):
    return reverse(f"assessments:{name}", kwargs={"org_slug": "acme",
                                                  "assessment_id": assessment.public_id})


@pytest.fixture
def assessment(world):
    return make_assessment(world)


def _csv(rows, header=offline.COLUMNS, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(client, assessment, content, name="answers.csv", **data):
    return client.post(_url(assessment, "offline"), {
        "file": SimpleUploadedFile(name, content), "respondent": "new",
        "new_name": "Paper Pia", **data})


def _confirm(client, assessment, page):
    """Press the confirmation page's button."""
    key = re.search(r'name="confirm" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(_url(assessment, "offline"), {"confirm": key})


def test_it_downloads_the_answer_sheet_as_csv_and_xlsx(world, assessment):
    manager = signed_in(world.acme.manager)
    response = manager.get(_url(assessment, "template_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(offline.COLUMNS)
    assert [r[0] for r in rows[1:]] == ["people.2.1", "people.3.1", "people.4.1",
                                        "customers.2.1", "customers.3.1", "customers.4.1"]
    assert rows[1][1:4] == ["people", "2", "Statement people.2.1"]

    response = manager.get(_url(assessment, "template_xlsx"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Answers"]
    assert [c.value for c in sheet[1]] == list(offline.COLUMNS)
    assert sheet["A2"].value == "people.2.1"
    assert sheet.data_validations.dataValidation  # a drop-down of the option keys
    assert [row[0] for row in workbook["Scale"].iter_rows(min_row=2, values_only=True)] == [
        "not_in_place", "partly", "largely", "fully", "na", "dk"]


def test_it_uploads_a_filled_sheet_as_one_respondents_submitted_answers(world, assessment):
    content = _csv([
        ["people.2.1", "people", "2", "…", "fully", "Runbook v3"],
        ["people.3.1", "", "", "", "Largely", ""],  # a label is understood too
        ["customers.2.1", "", "", "", "na", ""],
        ["customers.3.1", "", "", "", "", "Only a comment"],
        ["customers.4.1", "", "", "", "", ""],
        [],
    ])
    manager = signed_in(world.acme.manager)
    response = _upload(manager, assessment, content, submit="on")
    assert response.status_code == 200  # submitting on someone's behalf is confirmed first
    assert not Response.objects.exists()
    response = _confirm(manager, assessment, response)
    assert response.status_code == 302
    paper = Response.objects.get(name="Paper Pia")
    assert paper.submitted_at is not None and paper.user is None and not paper.token_hash
    answers = {a.question.key: (a.option, a.comment)
               for a in Answer.objects.select_related("question")}
    assert answers == {"people.2.1": ("fully", "Runbook v3"), "people.3.1": ("largely", ""),
                       "customers.2.1": ("na", ""), "customers.3.1": ("", "Only a comment")}
    assert AuditEvent.objects.filter(action="assessment.answers_uploaded").count() == 1


def test_the_upload_page_lists_the_answer_option_keys_of_the_rounds_version(world, assessment):
    page = signed_in(world.acme.manager).get(_url(assessment, "offline")).content.decode()
    listed = re.findall(r'<dt class="col-5"><code>([^<]+)</code></dt>'
                        r'<dd class="col-7">([^<]+)</dd>', page)
    assert listed == [("not_in_place", "Not in place"), ("partly", "Partly"),
                      ("largely", "Largely"), ("fully", "Fully"), ("na", "Not applicable"),
                      ("dk", "Don't know")]


def test_it_reads_semicolon_separated_csv(world, assessment):
    content = _csv([["people.2.1", "", "", "", "partly", ""]], delimiter=";")
    assert _upload(signed_in(world.acme.manager), assessment, content).status_code == 302
    assert Answer.objects.get().option == "partly"


def test_it_lists_every_error_with_its_row_and_writes_nothing(world, assessment):
    content = _csv([
        ["people.2.1", "", "", "", "fully", ""],      # row 2: fine
        ["nope.1", "", "", "", "fully", ""],          # row 3: unknown question
        ["people.3.1", "", "", "", "brilliant", ""],  # row 4: unknown option
        ["people.2.1", "", "", "", "partly", ""],     # row 5: twice
        ["", "", "", "", "fully", ""],                # row 6: no key
        ["customers.2.1", "", "", "", "", "x" * 5001],  # row 7: comment too long
    ])
    before = Response.objects.count()
    response = _upload(signed_in(world.acme.manager), assessment, content)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert [p.split(":")[0] for p in problems] == ["Row 3", "Row 4", "Row 5", "Row 6", "Row 7"]
    assert "nope.1" in problems[0] and "brilliant" in problems[1] and "row 2" in problems[2]
    html = response.content.decode()
    assert "Nothing was saved" in html and "Row 4" in html
    assert not Answer.objects.exists() and Response.objects.count() == before
    assert not AuditEvent.objects.filter(action="assessment.answers_uploaded").exists()


@pytest.mark.parametrize("content,name,message", [
    (b"", "answers.csv", "empty"),
    (b"\xff\xfe\x00garbage", "answers.csv", "UTF-8"),
    (b"not a workbook", "answers.xlsx", "XLSX"),
    (b"question_key,answer\n", "answers.csv", "no answers"),
    (b"key,value\npeople.2.1,fully\n", "answers.csv", "question_key"),
    (b"whatever", "answers.pdf", ".csv or .xlsx"),
])
def test_it_refuses_unreadable_sheets(world, assessment, content, name, message):
    response = _upload(signed_in(world.acme.manager), assessment, content, name=name)
    assert response.status_code == 200
    problems = [*response.context["problems"], *response.context["form"].errors.get("file", [])]
    assert any(message in p for p in problems), problems
    assert not Answer.objects.exists()


def test_it_refuses_files_above_the_upload_limit(world, assessment, settings):
    settings.MAX_UPLOAD_BYTES = 100
    content = _csv([["people.2.1", "", "", "", "fully", "x" * 200]])
    response = _upload(signed_in(world.acme.manager), assessment, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Answer.objects.exists()


def test_it_reads_xlsx_values_and_never_evaluates_formulas(world, assessment):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Answers"
    sheet.append(list(offline.COLUMNS))
    sheet.append(["people.2.1", "people", 2, "…", "fully", "=HYPERLINK(\"http://evil\")"])
    sheet.append(["people.3.1", "people", 3, "…", "=1+1", ""])
    out = io.BytesIO()
    workbook.save(out)
    response = _upload(signed_in(world.acme.manager), assessment, out.getvalue(),
                       name="answers.xlsx")
    # openpyxl wrote no cached values, so the formulas read as empty cells: the answer
    # with a formula is missing, and the formula comment is dropped, never run.
    assert response.status_code == 302
    answers = {a.question.key: (a.option, a.comment)
               for a in Answer.objects.select_related("question")}
    assert answers == {"people.2.1": ("fully", "")}


def test_it_uploads_for_an_existing_respondent_who_has_not_submitted(world, assessment):
    access = access_for(world.acme.manager, world.acme.org)
    guest = services.respondent_invite(by=access, assessment=assessment,
                                       email="guest@example.test")
    services.answer_save(response=guest, question_key="people.4.1", option="dk")
    content = _csv([["people.2.1", "", "", "", "fully", ""]])
    response = _upload(signed_in(world.acme.manager), assessment, content,
                       respondent=str(guest.public_id), submit="")
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.submitted_at is None
    assert set(guest.answers.values_list("question__key", "option")) == {
        ("people.2.1", "fully"), ("people.4.1", "dk")}


def test_it_refuses_uploads_to_a_closed_assessment(world, assessment):
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    content = _csv([["people.2.1", "", "", "", "fully", ""]])
    response = _upload(signed_in(world.acme.manager), assessment, content)
    assert response.status_code == 200
    assert not Answer.objects.exists() and not Response.objects.exists()


def test_it_exports_every_answer_with_comments_and_neutralises_formulas(world):
    assessment = make_assessment(world, anonymity="named")  # names are written, too
    access = access_for(world.acme.manager, world.acme.org)
    guest = services.respondent_invite(by=access, assessment=assessment,
                                       email="guest@example.test", name="=cmd|' /C calc'!A0")
    services.answer_save(response=guest, question_key="people.2.1", option="fully",
                         comment="=HYPERLINK(\"http://evil\")")
    services.answer_save(response=guest, question_key="people.3.1", option="na",
                         comment="+1 -2 @all")
    services.response_submit(response=guest)
    manager = signed_in(world.acme.manager)
    response = manager.get(_url(assessment, "export_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["question_key"] for r in rows] == ["people.2.1", "people.3.1"]
    assert rows[0]["respondent"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["comment"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1]["comment"] == "'+1 -2 @all"
    assert rows[0]["answer"] == "fully" and rows[0]["value"] == "1.0"
    assert rows[1]["answer_label"] == "Not applicable"

    response = manager.get(_url(assessment, "export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content))["Answers"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(offline.EXPORT_COLUMNS)
    assert values[1][10] == "'=HYPERLINK(\"http://evil\")"
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@")))
               for row in values for v in row)
    assert signed_in(world.acme.viewer).get(_url(assessment, "export_csv")).status_code == 403


def test_a_control_character_in_a_comment_never_breaks_the_xlsx_export(world, assessment):
    """Issue 12, item 12: one "\x07" in a comment made every XLSX export of the round
    a 500 (openpyxl's IllegalCharacterError), for good."""
    assessment = make_assessment(world, name="Named", anonymity="named")
    access = access_for(world.acme.manager, world.acme.org)
    guest = services.respondent_invite(by=access, assessment=assessment,
                                       email="bell@example.test", name="Bell\x1b[31m")
    services.answer_save(response=guest, question_key="people.2.1", option="fully",
                         comment="ring\x07 the\x0b bell\x1f\ttab\nline")
    services.response_submit(response=guest)
    manager = signed_in(world.acme.manager)
    response = manager.get(_url(assessment, "export_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Answers"]
    row = [c.value for c in sheet[2]]
    assert row[0] == "Bell[31m"
    assert row[10] == "ring the bell\ttab\nline"


def test_it_neutralises_only_what_a_spreadsheet_would_run():
    assert xlsx_cell("=1+1") == "'=1+1"
    assert xlsx_cell("-5") == "'-5"
    assert xlsx_cell("@SUM(A1)") == "'@SUM(A1)"
    assert xlsx_cell("plain") == "plain"
    assert xlsx_cell(-5) == -5
    assert xlsx_cell(None) is None


def test_it_keeps_only_the_characters_an_xlsx_cell_can_hold():
    every_control = "".join(chr(n) for n in range(32))
    assert xlsx_cell("a" + every_control + "\ud800\ufffe\uffffb") == "a\t\n\rb"
    assert xlsx_cell("\x00=1+1") == "'=1+1"  # what is left is neutralised


# --- Never over someone's own answers, never submitting for them, without saying so -------


def test_importing_over_a_members_own_answers_needs_a_confirmation_naming_them(
        world, assessment):
    access = access_for(world.acme.manager, world.acme.org)
    member = world.acme.consultant
    [mine] = services.respondents_add_members(by=access, assessment=assessment,
                                              users=[member])
    services.answer_save(response=mine, question_key="people.2.1", option="partly",
                         comment="my own words")
    services.answer_save(response=mine, question_key="people.4.1", option="dk")
    manager = signed_in(world.acme.manager)
    content = _csv([["people.2.1", "", "", "", "fully", "from paper"],
                    ["customers.2.1", "", "", "", "na", ""]])
    page = _upload(manager, assessment, content, respondent=str(mine.public_id), submit="on")
    assert page.status_code == 200
    html = page.content.decode()
    assert member.get_full_name() in html
    assert "replaces 1 answer" in html and "on behalf of" in html
    # Nothing happened yet.
    assert set(mine.answers.values_list("question__key", "option", "comment")) == {
        ("people.2.1", "partly", "my own words"), ("people.4.1", "dk", "")}
    assert not AuditEvent.objects.filter(action="assessment.answers_uploaded").exists()
    mine.refresh_from_db()
    assert mine.submitted_at is None

    assert _confirm(manager, assessment, page).status_code == 302
    assert set(mine.answers.values_list("question__key", "option", "comment")) == {
        ("people.2.1", "fully", "from paper"), ("people.4.1", "dk", ""),
        ("customers.2.1", "na", "")}
    mine.refresh_from_db()
    assert mine.submitted_at is not None
    upload = AuditEvent.objects.get(action="assessment.answers_uploaded")
    assert upload.actor == world.acme.manager
    assert upload.data["respondent"] == member.get_full_name()
    assert upload.data["replaced"] == 1 and upload.data["submitted"] is True
    submitted = AuditEvent.objects.get(action="assessment.response_submitted")
    assert submitted.actor == world.acme.manager  # not the member, who did not submit
    assert submitted.data["on_behalf_of"] == member.get_full_name()


def test_an_import_asks_again_if_the_respondent_answered_meanwhile(world, assessment):
    access = access_for(world.acme.manager, world.acme.org)
    guest = services.respondent_invite(by=access, assessment=assessment,
                                       email="guest@example.test", name="Gita Guest")
    services.answer_save(response=guest, question_key="people.2.1", option="partly")
    manager = signed_in(world.acme.manager)
    content = _csv([["people.2.1", "", "", "", "fully", ""],
                    ["people.3.1", "", "", "", "fully", ""]])
    page = _upload(manager, assessment, content, respondent=str(guest.public_id))
    assert "Gita Guest" in page.content.decode() and "replaces 1 answer" in page.content.decode()
    services.answer_save(response=guest, question_key="people.3.1", option="partly")
    again = _confirm(manager, assessment, page)
    assert again.status_code == 200 and "replaces 2 answers" in again.content.decode()
    assert set(guest.answers.values_list("question__key", "option")) == {
        ("people.2.1", "partly"), ("people.3.1", "partly")}
    assert _confirm(manager, assessment, again).status_code == 302
    assert set(guest.answers.values_list("question__key", "option")) == {
        ("people.2.1", "fully"), ("people.3.1", "fully")}
    guest.refresh_from_db()
    assert guest.submitted_at is None


def test_an_import_that_replaces_nothing_and_submits_nothing_needs_no_confirmation(
        world, assessment):
    form = signed_in(world.acme.manager).get(_url(assessment, "offline")).content.decode()
    assert re.search(r'<input[^>]*name="submit"[^>]*>', form)
    assert "checked" not in re.search(r'<input[^>]*name="submit"[^>]*>', form).group(0)
    content = _csv([["people.2.1", "", "", "", "fully", ""]])
    assert _upload(signed_in(world.acme.manager), assessment, content).status_code == 302
    paper = Response.objects.get(name="Paper Pia")
    assert paper.submitted_at is None


def test_a_stale_or_forged_confirmation_changes_nothing(world, assessment):
    manager = signed_in(world.acme.manager)
    response = manager.post(_url(assessment, "offline"), {"confirm": "forged"})
    assert response.status_code == 200
    assert "upload the sheet again" in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("option,comment,accepted", [
    ("fully", "  " + "x" * services.MAX_COMMENT_LENGTH + "\n", True),  # counted stripped
    ("fully", "x" * (services.MAX_COMMENT_LENGTH + 1), False),
    ("brilliant", "", False),
    ("na", "a\x00b", False),
])
def test_the_autosave_the_page_form_and_the_sheet_judge_an_answer_alike(
        world, assessment, option, comment, accepted):
    verdicts = []
    for save in (
        lambda r: services.answer_save(response=r, question_key="people.2.1", option=option,
                                       comment=comment),
        lambda r: services.answers_save(response=r, answers={
            "people.2.1": {"option": option, "comment": comment}}),
        lambda r: offline.parse_answers(
            [(1, list(offline.COLUMNS)), (2, ["people.2.1", "", "", "", option, comment])],
            assessment.model_version),
    ):
        response = Response.objects.create(assessment=assessment, name="Pia")
        try:
            save(response)
        except services.ValidationError:
            verdicts.append(False)
        else:
            verdicts.append(True)
    assert verdicts == [accepted] * 3
