"""Anonymous and named rounds (issue 12, item 7; DESIGN.md "Tenancy and access").

Anonymous (the default): nobody, not even the owner, sees who answered what; the
answers export and the PDF appendix carry respondent numbers, and no figure of the round
is shown anywhere until at least three responses are submitted. Named: owners,
consultants and managers see names, executives never. Unsubmitted responses never
appear in an answers export.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from assessments import services
from assessments.anonymity import MIN_GROUP_SIZE, names_visible, shown_groups
from assessments.models import Assessment, Response
from organisations.models import AuditEvent
from reports import selectors as report_selectors
from reports.models import Report
from tests.assessment_factories import (
    invitee,
    make_assessment,
    respondents_with_answers,
    version_with,
)
from tests.conftest import access_for, signed_in

ROLES = ("owner", "consultant", "manager", "viewer")
PEOPLE = (("Alice Anders", "alice@people.test"), ("Bob Berg", "bob@people.test"),
          ("Cecilia Carlsson", "cecilia@people.test"))


def _url(assessment, name):
    return reverse(f"assessments:{name}", kwargs={"org_slug": "acme",
                                                  "assessment_id": assessment.public_id})


def answered_round(world, anonymity: str) -> Assessment:
    """Three people submitted (each with a comment); Dora answered but did not submit."""
    assessment = make_assessment(world, version=version_with(), anonymity=anonymity)
    for i, (name, email) in enumerate(PEOPLE):
        response = Response.objects.create(assessment=assessment, name=name, email=email)
        services.answer_save(response=response, question_key="people.2.1", option="fully",
                             comment=f"Comment number {i}")
        services.answer_save(response=response, question_key="people.3.1",
                             option=("partly", "largely", "na")[i])
        services.response_submit(response=response)
    dora = Response.objects.create(assessment=assessment, name="Dora Unsubmitted",
                                   email="dora@people.test")
    services.answer_save(response=dora, question_key="people.2.1", option="partly",
                         comment="Draft thoughts of Dora")
    return assessment


def export_rows(user, assessment) -> list[dict]:
    response = signed_in(user).get(_url(assessment, "export_csv"))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def names_in(text: str) -> set[str]:
    return {name for name, email in PEOPLE if name in text or email in text}


# ------------------------------------------------------------------- the rule


def test_a_new_round_is_anonymous_unless_chosen_otherwise(world):
    assert make_assessment(world).anonymity == "anonymous"
    assert Assessment._meta.get_field("anonymity").default == "anonymous"


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_names(world, role):
    access = access_for(world.acme.member(role), world.acme.org)
    assert not names_visible(access, Assessment.Anonymity.ANONYMOUS)
    assert names_visible(access, Assessment.Anonymity.NAMED) == (role != "viewer")


def test_groups_smaller_than_three_are_never_shown_on_their_own():
    assert MIN_GROUP_SIZE == 3
    groups = {"it": [1, 2, 3, 4], "hr": [5, 6, 7], "ops": [8], "legal": [9, 10]}
    shown = shown_groups(groups, anonymous=True, merged="other")
    assert shown == {"it": [1, 2, 3, 4], "hr": [5, 6, 7], "other": [8, 9, 10]}
    # A remainder too small on its own takes the smallest group with it, or the whole
    # round minus the shown groups would give it away.
    shown = shown_groups({"it": [1, 2, 3, 4], "hr": [5, 6, 7], "ops": [8]},
                         anonymous=True, merged="other")
    assert shown == {"it": [1, 2, 3, 4], "other": [8, 5, 6, 7]}
    assert shown_groups({"ops": [1], "hr": [2]}, anonymous=True, merged="other") == {}
    assert all(len(members) >= 3 for members in shown.values())
    # Named rounds show every group as it is.
    assert shown_groups({"ops": [1]}, anonymous=False, merged="other") == {"ops": [1]}


# ------------------------------------------------------------------ exports


@pytest.mark.parametrize("role", ["owner", "consultant", "manager"])
def test_an_anonymous_rounds_answers_export_has_respondent_numbers_only(world, role):
    assessment = answered_round(world, "anonymous")
    for user in (world.acme.member(role), world.northwind.member(role)
                 if role != "manager" else world.acme.manager):
        rows = export_rows(user, assessment)
        text = repr(rows)
        assert not names_in(text) and "Dora" not in text
        assert {r["respondent"] for r in rows} == {"Respondent 1", "Respondent 2",
                                                   "Respondent 3"}
        assert {r["email"] for r in rows} == {""} and {r["updated_at"] for r in rows} == {""}
        assert "Draft thoughts" not in text  # unsubmitted answers never appear
        assert {r["status"] for r in rows} == {"Submitted"}
        # The comments are there, without who wrote them.
        assert sum("Comment number" in r["comment"] for r in rows) == 3
    xlsx = signed_in(world.acme.member(role)).get(_url(assessment, "export_xlsx")).content
    from openpyxl import load_workbook
    cells = " ".join(str(c.value) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows()
                     for c in row)
    assert not names_in(cells) and "Dora" not in cells and "Respondent 3" in cells


def test_respondent_numbers_do_not_follow_the_order_people_were_asked(world, settings):
    """The respondents list shows who was asked first; numbers must not tell who is
    who (a keyed order), and stay the same from one export to the next."""
    assessment = make_assessment(world, version=version_with())
    people = []
    for i in range(12):
        response = Response.objects.create(assessment=assessment, name=f"P{i}",
                                           email=f"p{i}@people.test")
        services.answer_save(response=response, question_key="people.2.1", option="fully",
                             comment=f"marker-{i}")
        services.response_submit(response=response)
        people.append(response)
    rows = export_rows(world.acme.manager, assessment)
    number_of = {r["comment"]: r["respondent"] for r in rows if r["comment"]}
    in_asked_order = [number_of[f"marker-{i}"] for i in range(12)]
    assert in_asked_order != [f"Respondent {n}" for n in range(1, 13)]
    assert export_rows(world.acme.manager, assessment) == rows


@pytest.mark.parametrize("role", ["owner", "consultant", "manager"])
def test_a_named_rounds_answers_export_names_submitted_respondents(world, role):
    assessment = answered_round(world, "named")
    rows = export_rows(world.acme.member(role), assessment)
    assert {r["respondent"] for r in rows} == {name for name, _email in PEOPLE}
    assert {r["email"] for r in rows} == {email for _name, email in PEOPLE}
    assert "Dora" not in repr(rows) and "Draft thoughts" not in repr(rows)


def test_executives_get_no_answers_export(world):
    assessment = answered_round(world, "named")
    assert signed_in(world.acme.viewer).get(_url(assessment, "export_csv")).status_code == 403


# --------------------------------------------------------------- the PDF appendix


def comments_for(user, assessment) -> list[str]:
    access = access_for(user, world_org(assessment))
    report = report_selectors.assessment_report(access, assessment, language="en",
                                                with_appendix=True)
    return [f"{c['who']}: {c['text']}" for section in report.appendix
            for q in section["questions"] for c in q["comments"]]


def world_org(assessment):
    return assessment.organisation


@pytest.mark.parametrize("role", ROLES)
def test_the_pdf_appendix_numbers_respondents_in_an_anonymous_round(world, role):
    assessment = answered_round(world, "anonymous")
    comments = comments_for(world.acme.member(role), assessment)
    assert len(comments) == 3 and not names_in(" ".join(c.split(":")[0] for c in comments))
    assert all(c.startswith("Respondent ") for c in comments)
    assert not any("Dora" in c for c in comments)


@pytest.mark.parametrize("role", ROLES)
def test_the_pdf_appendix_names_respondents_in_a_named_round_except_to_executives(
        world, role):
    assessment = answered_round(world, "named")
    comments = comments_for(world.acme.member(role), assessment)
    if role == "viewer":
        assert all(c.startswith("Respondent ") for c in comments)
    else:
        assert sorted(comments) == sorted(f"{name}: Comment number {i}"
                                          for i, (name, _) in enumerate(PEOPLE))


def test_a_named_rounds_pdf_with_names_is_not_opened_by_executives(world):
    assessment = answered_round(world, "named")
    manager = access_for(world.acme.manager, world.acme.org)
    viewer = access_for(world.acme.viewer, world.acme.org)
    assert report_selectors.report_audience(manager, assessment) == "with_names"
    assert report_selectors.report_audience(viewer, assessment) == "without_names"
    from reports import services as report_services
    named = report_services.report_request(by=manager, assessment=assessment, language="en",
                                           send=False).report
    Report.objects.filter(pk=named.pk).update(status="ready")
    assert named.audience == "with_names"
    url = f"/o/acme/reports/files/{named.public_id}/download/"
    assert signed_in(world.acme.viewer).get(url).status_code == 404
    assert str(named.public_id) not in signed_in(world.acme.viewer).get(
        "/o/acme/reports/files/").content.decode()
    # The executive's own request is another file, without names.
    mine = report_services.report_request(by=viewer, assessment=assessment, language="en",
                                          send=False).report
    assert mine.pk != named.pk and mine.audience == "without_names"


# ------------------------------------------------------------ pages and settings


def test_no_page_shows_who_answered_what_in_an_anonymous_round(world, media_root):
    assessment = answered_round(world, "anonymous")
    owner = signed_in(world.acme.owner)
    report = owner.get(f"/o/acme/reports/assessments/{assessment.public_id}/")
    assert report.status_code == 200 and not names_in(report.content.decode())
    detail = owner.get(_url(assessment, "detail")).content.decode()
    # The list of who has submitted (for reminders) is status, not answers.
    assert "Alice Anders" in detail and "Comment number" not in detail
    assert "Anonymous answers" in detail


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_round_is_created_with_the_chosen_anonymity_and_audited(world):
    manager = signed_in(world.acme.manager)
    version = version_with()
    response = manager.post("/o/acme/assessments/new/", {
        "department": world.acme.departments[0].pk, "model_version": version.pk,
        "name": "Named round", "anonymity": "named"})
    assert response.status_code == 302
    assessment = Assessment.objects.get(name="Named round")
    assert assessment.anonymity == "named"
    event = AuditEvent.objects.get(action="assessment.created")
    assert event.data["anonymity"] == "named"
    form = manager.get("/o/acme/assessments/new/").content.decode()
    assert 'name="anonymity"' in form and 'value="anonymous"' in form


def test_anonymity_changes_while_draft_and_is_read_only_once_open(world):
    assessment = make_assessment(world, opened=False)
    manager = signed_in(world.acme.manager)
    data = {"name": assessment.name, "due_date": "", "target_level": ""}
    assert manager.post(_url(assessment, "edit"), {**data, "anonymity": "named"}) \
        .status_code == 302
    assessment.refresh_from_db()
    assert assessment.anonymity == "named"
    services.assessment_open(by=access_for(world.acme.manager, world.acme.org),
                             assessment=assessment)
    page = manager.get(_url(assessment, "edit")).content.decode()
    assert 'name="anonymity"' not in page and "Named answers" in page
    assert "cannot be changed now" in page
    manager.post(_url(assessment, "edit"), {**data, "anonymity": "anonymous"})
    assessment.refresh_from_db()
    assert assessment.anonymity == "named"  # the field is not taken once open
    with pytest.raises(ValidationError):
        services.assessment_update(by=access_for(world.acme.manager, world.acme.org),
                                   assessment=assessment, name="x", due_date=None,
                                   target_level=None, anonymity="anonymous")
    assessment.refresh_from_db()
    assert assessment.anonymity == "named"


@pytest.mark.parametrize("anonymity,says", [
    ("anonymous", "Your answers are anonymous:"),
    ("named", "Your name is shown with your answers"),
])
def test_respondents_are_told_before_they_answer(world, anonymity, says):
    assessment = make_assessment(world, anonymity=anonymity)
    _response, token = invitee(assessment)
    page = signed_in(world.outsider).get(f"/r/{token}/").content.decode()
    assert says in page
    member = signed_in(world.acme.manager).get(_url(assessment, "answer")).content.decode()
    assert says in member



# -------------------------------------- no results from fewer than three (anonymous)
#
# An anonymous round's results are that of its respondents' answers: with one submitted
# response, that person's; with two, each can subtract their own. So no surface shows a
# figure of an anonymous round until MIN_GROUP_SIZE responses are submitted
# (anonymity.results_hidden), and each says why.

WITHHELD = "Results appear once at least 3 people have submitted: this round is anonymous."
# What only a result shows: on the pages, in the PDF and in the files.
FIGURES = ("Maturity index", "Completeness", "in place", "Why this level", "Do extra",
           "Maturity at a glance")


def small_round(world, submitted: int, anonymity: str = "anonymous") -> Assessment:
    """A round of the 12-statement model with ``submitted`` submitted respondents and one
    more invited who has not answered."""
    assessment = make_assessment(world, version=version_with(12), anonymity=anonymity,
                                 name=f"Small round of {submitted}")
    respondents_with_answers(assessment, submitted)
    invitee(assessment, "later@people.test")
    return assessment


def flat(response) -> str:
    """A page's text, tags out and whitespace folded."""
    return " ".join(re_text(response.content.decode()).split())


def open_surfaces(world, assessment) -> dict[str, str]:
    """Every surface of an open round, as text (a file that is refused: its answer)."""
    from reports import services as report_services
    from tests.api_helpers import token_client

    manager, owner = signed_in(world.acme.manager), signed_in(world.acme.owner)
    consultancy = signed_in(world.northwind.consultant)  # acts in its client Acme
    round_url = _url(assessment, "detail")
    report_url = f"/o/acme/reports/assessments/{assessment.public_id}/"
    access = access_for(world.acme.owner, world.acme.org)
    pdf_html = report_services._assessment_document(access, assessment, "en")[0]
    template, context = report_services._assessment_summary(access, assessment, "en")
    summary_html = render_to_string(template, {**context, "organisation": world.acme.org,
                                               "language": "en"})
    texts = {
        "round page": flat(manager.get(round_url)),
        "round page, owner": flat(owner.get(round_url)),
        "round page, consultancy": flat(consultancy.get(round_url)),
        "report page": flat(owner.get(report_url)),
        "pdf": " ".join(re_text(pdf_html).split()),
        "one-page summary": " ".join(re_text(summary_html).split()),
        "list of rounds": flat(owner.get("/o/acme/assessments/")),
        "department page": flat(owner.get(
            f"/o/acme/assessments/departments/{assessment.department.public_id}/")),
    }
    for name, response in (
            ("results csv", owner.get(report_url + "export.csv")),
            ("results xlsx", owner.get(report_url + "export.xlsx")),
            ("results json", owner.get(report_url + "export.json")),
            ("answers csv", manager.get(_url(assessment, "export_csv"))),
            ("answers xlsx", manager.get(_url(assessment, "export_xlsx"))),
            ("api results", token_client(world.acme).get(
                f"/organisations/acme/rounds/{assessment.public_id}/results"))):
        texts[name] = f"{response.status_code} {response.content.decode('utf-8', 'replace')}"
    return texts


def re_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ")


def closed_surfaces(world, assessment) -> dict[str, str]:
    """What adds rounds up (and the session, which needs a closed round)."""
    owner = signed_in(world.acme.owner)
    consultancy = signed_in(world.northwind.consultant)
    return {
        "home overview": flat(owner.get("/o/acme/")),
        "organisation report": flat(owner.get("/o/acme/reports/")),
        "organisation csv": owner.get("/o/acme/reports/export.csv").content.decode(),
        "organisation json": owner.get("/o/acme/reports/export.json").content.decode(),
        "portfolio": flat(consultancy.get("/o/northwind/reports/")),
        "consensus session": flat(owner.get(_url(assessment, "session"))),
        "department page, closed": flat(owner.get(
            f"/o/acme/assessments/departments/{assessment.department.public_id}/")),
    }


@pytest.mark.parametrize("submitted", [1, 2])
def test_an_anonymous_round_shows_no_result_until_three_have_submitted(world, submitted,
                                                                        media_root):
    from reports import selectors as reports_selectors
    from reports import services as report_services

    assessment = small_round(world, submitted)
    texts = open_surfaces(world, assessment)
    for surface, text in texts.items():
        assert not [f for f in FIGURES if f in text], surface
    why = f"{submitted} of {submitted + 1} submitted so far."
    for surface in ("round page", "round page, owner", "round page, consultancy",
                    "report page", "pdf", "one-page summary", "department page"):
        assert WITHHELD in texts[surface] and why in texts[surface], surface
    for surface in ("results csv", "results xlsx", "results json", "answers csv",
                    "answers xlsx"):
        assert texts[surface].startswith("403 ") and WITHHELD in texts[surface], surface
    assert texts["api results"].startswith("409 ") and WITHHELD in texts["api results"]
    assert "Anonymous: shown from 3 submitted" in texts["list of rounds"]
    # The misleading promise is gone, and the respondents' status list stays.
    assert "as soon as the first respondent submits" not in texts["round page"]
    assert "Based on" not in texts["round page"]
    assert "Respondent 0" in texts["round page"]  # the factory's names: status, not answers
    # No PDF is made of it, and no consensus session held on it.
    owner = access_for(world.acme.owner, world.acme.org)
    with pytest.raises(ValidationError, match="at least 3 people"):
        report_services.report_request(by=owner, assessment=assessment, language="en",
                                       send=False)
    page = signed_in(world.acme.owner).post(
        f"/o/acme/reports/assessments/{assessment.public_id}/pdf/", follow=True)
    assert WITHHELD in flat(page) and not Report.objects.exists()
    with pytest.raises(ValidationError, match="at least 3 people"):
        services.session_start(by=owner, assessment=assessment)

    services.assessment_close(by=owner, assessment=assessment)
    closed = closed_surfaces(world, assessment)
    for surface, text in closed.items():
        assert not [f for f in FIGURES if f in text], surface
        assert "Small round of" not in text or surface in (
            "organisation report", "consensus session", "department page, closed"), surface
    assert "In an anonymous round, results need at least 3" in closed["organisation report"]
    assert WITHHELD in closed["consensus session"]
    with pytest.raises(ValidationError, match="at least 3 people"):
        services.consensus_record(by=owner, assessment=assessment, question="people.2.1",
                                  option="fully")
    # Every aggregate counts it as a round without results.
    report = reports_selectors.organisation_report(owner, language="en")
    assert report.is_empty and assessment.department.name in report.without_results
    portfolio = reports_selectors.organisation_report(
        access_for(world.northwind.consultant, world.northwind.org), language="en")
    assert portfolio.portfolio == []
    assert reports_selectors.executive_overview(owner, language="en").rows == []
    assert not Assessment.objects.reported().filter(pk=assessment.pk).exists()


def test_an_anonymous_round_of_three_shows_its_results_everywhere(world, media_root):
    assessment = small_round(world, 3)
    texts = open_surfaces(world, assessment)
    for surface in ("round page", "round page, owner", "round page, consultancy",
                    "report page", "pdf"):
        assert "Maturity index" in texts[surface] and "Do extra" in texts[surface], surface
        assert WITHHELD not in texts[surface], surface
    assert "Maturity index" in texts["one-page summary"]
    for surface in ("results csv", "results xlsx", "results json", "answers csv",
                    "answers xlsx", "api results"):
        assert texts[surface].startswith("200 "), surface
    assert '"level"' in texts["results json"] and '"level"' in texts["api results"]
    assert "Anonymous: shown from" not in texts["list of rounds"]

    owner = access_for(world.acme.owner, world.acme.org)
    services.assessment_close(by=owner, assessment=assessment)
    closed = closed_surfaces(world, assessment)
    assert "Maturity at a glance" in closed["home overview"]
    assert "Small round of 3" in closed["organisation csv"]
    assert "Small round of 3" in closed["organisation json"]
    assert "Portfolio" in closed["portfolio"] and "Acme" in closed["portfolio"]
    assert "Consensus session" in closed["consensus session"]
    assert WITHHELD not in closed["consensus session"]
    assert Assessment.objects.reported().filter(pk=assessment.pk).exists()


def test_a_named_round_of_one_shows_its_result(world, media_root):
    assessment = small_round(world, 1, anonymity="named")
    texts = open_surfaces(world, assessment)
    for surface in ("round page", "report page", "pdf"):
        assert "Maturity index" in texts[surface] and WITHHELD not in texts[surface], surface
    assert texts["results csv"].startswith("200 ") and texts["api results"].startswith("200 ")
    assert "Based on 1 submitted response." in texts["round page"]


def test_answers_imported_from_a_sheet_count_as_submitted(world):
    """Two submitted online and one answer sheet imported (and submitted) on paper: three."""
    from assessments import offline

    assessment = small_round(world, 2)
    assert WITHHELD in flat(signed_in(world.acme.manager).get(_url(assessment, "detail")))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(offline.COLUMNS)
    writer.writerows([[q.key, "", "", "", "largely", ""]
                      for q in assessment.model_version.questions.all()])
    manager = access_for(world.acme.manager, world.acme.org)
    plan = offline.offline_answers_check(by=manager, assessment=assessment,
                                         data=out.getvalue().encode(), filename="sheet.csv",
                                         name="On paper", submit=True)
    offline.offline_answers_import(by=manager, assessment=assessment, plan=plan,
                                   confirmed=True)
    page = flat(signed_in(world.acme.manager).get(_url(assessment, "detail")))
    assert "Maturity index" in page and WITHHELD not in page


def test_the_rule_and_its_query_agree(world):
    """``results_hidden`` on a round and ``results_may_show`` in SQL say the same, for
    0 to 4 submitted responses in anonymous and named rounds (the reports' queries use
    the second, the pages the first)."""
    from assessments.anonymity import results_hidden, results_may_show
    from assessments.selectors import response_counts

    rounds = []
    for anonymity in ("anonymous", "named"):
        for submitted in range(5):
            assessment = make_assessment(world, anonymity=anonymity,
                                         name=f"{anonymity} {submitted}")
            respondents_with_answers(assessment, submitted)
            respondents_with_answers(assessment, 1, submitted=False)  # in progress
            rounds.append(assessment)
    counts = response_counts([a.pk for a in rounds])
    may_show = set(Assessment.objects.filter(results_may_show()).values_list("pk", flat=True))
    for assessment in rounds:
        hidden = results_hidden(assessment, counts[assessment.pk]["submitted"])
        assert hidden == (assessment.pk not in may_show), assessment.name
        assert hidden == (assessment.is_anonymous and counts[assessment.pk]["submitted"] < 3)
