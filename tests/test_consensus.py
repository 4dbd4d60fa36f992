"""The facilitated consensus session (issue 15, items 3–6): agreed answers are stored per
round and statement, override the respondents' aggregate on every surface, are audited,
survive reopening, and the round's JSON export scores to the same figures."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from assessments import services
from assessments.models import Assessment, ConsensusAnswer, Response
from assessments.selectors import assessment_results
from assessments.session import session_board
from models_catalog.models import Question
from organisations.models import AuditEvent
from tests.assessment_factories import (
    invitee,
    make_assessment,
    respondents_with_answers,
    version_with,
)
from tests.conftest import access_for, signed_in

KEYS = ["people.2.1", "people.3.1", "people.4.1", "customers.2.1", "customers.3.1",
        "customers.4.1"]


def flat(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(text.replace("&nbsp;", " ").split())


def closed_round(world, *, respondents: int = 3, version=None, **kwargs) -> Assessment:
    assessment = make_assessment(world, version=version or version_with(12), **kwargs)
    for i in range(respondents):  # each answers differently, so that they disagree
        response = respondents_with_answers(assessment, 1, seed=i)[0]
        Response.objects.filter(pk=response.pk).update(name=f"Person {i}")
    access = access_for(world.acme.manager, world.acme.org)
    return services.assessment_close(by=access, assessment=assessment)


def record(world, assessment, key, option, *, note="", by="manager"):
    return services.consensus_record(by=access_for(world.acme.member(by), world.acme.org),
                                     assessment=assessment, question=key, option=option,
                                     note=note)


def session_url(assessment, what: str = "") -> str:
    return f"/o/acme/assessments/{assessment.public_id}/session/{what}"


# ------------------------------------------------------------------------ storage rules


def test_an_agreed_answer_is_stored_with_its_note_who_and_when_and_audited(world):
    assessment = closed_round(world)
    stored = record(world, assessment, "people.3.1", "largely", note="  Checked the wiki. ")
    assert (stored.option, stored.note, stored.recorded_by) == (
        "largely", "Checked the wiki.", world.acme.manager)
    assert stored.question.key == "people.3.1"
    assert stored.question.version_id == assessment.model_version_id
    event = AuditEvent.objects.get(action="assessment.consensus_recorded")
    assert event.actor == world.acme.manager
    assert event.data == {"assessment": str(assessment.public_id), "question": "people.3.1",
                          "previous": None, "option": "largely", "note": "Checked the wiki."}


def test_the_last_write_wins_and_both_writes_are_audited(world):
    assessment = closed_round(world)
    record(world, assessment, "people.3.1", "fully", note="first", by="manager")
    record(world, assessment, "people.3.1", "partly", note="second", by="consultant")
    stored = ConsensusAnswer.objects.get(assessment=assessment)
    assert (stored.option, stored.note, stored.recorded_by) == (
        "partly", "second", world.acme.consultant)
    events = AuditEvent.objects.filter(action="assessment.consensus_recorded").order_by("pk")
    assert [(e.data["previous"], e.data["option"]) for e in events] == [
        (None, "fully"), ("fully", "partly")]


def test_an_agreed_answer_overrides_the_respondents_and_can_be_removed(world):
    assessment = closed_round(world)
    plain = assessment_results(assessment).questions["people.3.1"]
    record(world, assessment, "people.3.1", "fully")
    assessment.refresh_from_db()
    agreed = assessment_results(assessment).questions["people.3.1"]
    assert (agreed.value, agreed.consensus) == (1.0, "fully")
    assert agreed.spread == plain.spread  # the spread stays the respondents'
    assert services.consensus_record(
        by=access_for(world.acme.manager, world.acme.org), assessment=assessment,
        question="people.3.1", option="") is None
    assessment.refresh_from_db()
    assert not ConsensusAnswer.objects.exists()
    assert assessment_results(assessment).questions["people.3.1"].value == plain.value
    assert AuditEvent.objects.filter(action="assessment.consensus_removed").count() == 1


@pytest.mark.parametrize(("option", "status"), [("na", "not_applicable"), ("dk", "unknown")])
def test_na_and_dk_as_agreed_answers_behave_as_design_says(world, option, status):
    assessment = closed_round(world)
    record(world, assessment, "customers.3.1", option)
    assessment.refresh_from_db()
    aggregate = assessment_results(assessment).questions["customers.3.1"]
    assert (aggregate.status, aggregate.value) == (status, None)


def test_a_statement_nobody_answered_may_get_one(world):
    assessment = make_assessment(world, anonymity="named")  # one respondent: named
    response, _token = invitee(assessment)
    response.answers.create(question=assessment.model_version.questions.get(key="people.2.1"),
                            option="fully")
    services.response_submit(response=response)
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    assert assessment_results(assessment).questions["customers.2.1"].status == "unknown"
    record(world, assessment, "customers.2.1", "largely")
    assessment.refresh_from_db()
    filled = assessment_results(assessment).questions["customers.2.1"]
    assert (filled.status, filled.n_values, filled.consensus) == ("valued", 0, "largely")


def test_a_statement_of_another_version_is_refused_with_a_clear_message(world):
    assessment = closed_round(world)
    other = Question.objects.filter(key="people.3.1").exclude(
        version=assessment.model_version).first()
    if other is None:
        other = version_with(6).questions.get(key="people.3.1")
    with pytest.raises(ValidationError) as refused:
        record(world, assessment, other, "fully")
    assert refused.value.message_dict["question"] == [
        f"The statement “people.3.1” is not part of version "
        f"{assessment.model_version.number} of the model this round uses, so it cannot get "
        "a consensus answer here."]
    with pytest.raises(ValidationError) as unknown:
        record(world, assessment, "nope.2.1", "fully")
    assert "“nope.2.1” is not part of version" in unknown.value.message_dict["question"][0]
    with pytest.raises(ValidationError) as bad_option:
        record(world, assessment, "people.3.1", "always")
    assert bad_option.value.message_dict == {"option": ["Unknown answer option."]}
    assert not ConsensusAnswer.objects.exists()


def test_an_open_round_needs_the_facilitators_choice_and_a_draft_none(world):
    draft = make_assessment(world, opened=False)
    with pytest.raises(ValidationError):
        record(world, draft, "people.3.1", "fully")
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 3)  # anonymous: fewer have no session
    with pytest.raises(ValidationError, match="after starting the session"):
        record(world, assessment, "people.3.1", "fully")
    services.session_start(by=access_for(world.acme.manager, world.acme.org),
                           assessment=assessment)
    assert AuditEvent.objects.filter(action="assessment.session_started").count() == 1
    record(world, assessment, "people.3.1", "fully")
    assert ConsensusAnswer.objects.filter(assessment=assessment).count() == 1


def test_reopening_keeps_the_agreed_answers(world):
    assessment = closed_round(world)
    record(world, assessment, "people.3.1", "fully")
    access = access_for(world.acme.consultant, world.acme.org)
    services.assessment_reopen(by=access, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.is_open and assessment.session_available
    assert assessment_results(assessment).questions["people.3.1"].consensus == "fully"
    record(world, assessment, "people.3.1", "partly")  # the session goes on
    services.assessment_close(by=access, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment_results(assessment).questions["people.3.1"].consensus == "partly"


def test_a_viewer_cannot_record_through_the_service(world):
    assessment = closed_round(world)
    with pytest.raises(PermissionDenied):
        record(world, assessment, "people.3.1", "fully", by="viewer")


# --------------------------------------------------------------------- the session view


def test_the_session_orders_statements_by_disagreement_and_shows_no_names(world):
    assessment = closed_round(world, respondents=4)
    page = signed_in(world.acme.manager).get(session_url(assessment))
    assert page.status_code == 200
    board = session_board(assessment)
    spreads = [s.spread for s in board.statements if s.spread is not None]
    assert spreads == sorted(spreads, reverse=True) and spreads[0] > 0
    text = flat(page)
    assert board.statements[0].statement in text
    assert "Comment 0/" in text  # the respondents' comments…
    for response in assessment.responses.all():  # …without who wrote them
        assert response.name not in text and response.email not in text
    assert 'hx-trigger="every 3s"' in page.content.decode()


def test_the_session_says_which_statement_stops_a_dimension(world):
    # One respondent: named (an anonymous round of one has no session, test_anonymity.py).
    assessment = make_assessment(world, version=version_with(6), anonymity="named")
    response, _token = invitee(assessment)
    for question in assessment.model_version.questions.all():
        response.answers.create(question=question,
                                option="partly" if question.key == "people.3.1" else "fully")
    services.response_submit(response=response)
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=assessment)
    board = session_board(assessment)
    people = next(s for s in board.statements if s.key == "people.3.1")
    assert people.impact["stops"]["level"] == 3
    assert any(w["up"] and w["level"] == 4 for w in people.impact["what_if"])
    text = flat(signed_in(world.acme.manager).get(session_url(assessment)))
    assert "This statement stops People at level 3" in text
    assert "Agreed as “Fully”: People reaches level 4." in text


def test_a_viewer_watches_the_session_but_cannot_record(world):
    assessment = closed_round(world)
    viewer = signed_in(world.acme.viewer)
    page = viewer.get(session_url(assessment))
    assert page.status_code == 200 and 'name="option"' not in page.content.decode()
    refused = viewer.post(session_url(assessment, "record/"),
                          {"question": "people.3.1", "option": "fully"})
    assert refused.status_code == 403
    assert viewer.post(session_url(assessment, "start/")).status_code == 403
    assert not ConsensusAnswer.objects.exists()


def test_recording_without_javascript_returns_to_the_statement(world):
    assessment = closed_round(world)
    manager = signed_in(world.acme.manager)
    done = manager.post(session_url(assessment, "record/"),
                        {"question": "people.3.1", "option": "largely", "note": "ok"})
    assert done.status_code == 302
    assert done["Location"].startswith(session_url(assessment) + "#statement-")
    assert ConsensusAnswer.objects.get().option == "largely"
    missing = manager.post(session_url(assessment, "record/"), {"question": "people.3.1"},
                           follow=True)
    assert "Choose the answer the team agreed on." in flat(missing)
    other = manager.post(session_url(assessment, "record/"),
                         {"question": "elsewhere.2.1", "option": "fully"}, follow=True)
    assert "is not part of version" in flat(other)


def test_polling_answers_204_until_something_changes_then_the_new_state(world):
    assessment = closed_round(world)
    watcher = signed_in(world.acme.viewer)
    stamp = session_board(assessment).stamp
    assert watcher.get(session_url(assessment, "updates/"), {"since": stamp}).status_code == 204
    facilitator = signed_in(world.acme.consultant)
    swapped = facilitator.post(session_url(assessment, "record/"),
                               {"question": "people.3.1", "option": "largely"},
                               HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and 'hx-swap-oob="true"' in swapped.content.decode()
    update = watcher.get(session_url(assessment, "updates/"), {"since": stamp})
    assert update.status_code == 200
    assert "Agreed: Largely" in flat(update)
    # …and what a phone shows of the statement while it is folded (session.html).
    assert re.search(r'<span id="statement-\d+-status" class="session-status" '
                     r'hx-swap-oob="true"><span class="badge text-bg-success">Agreed: Largely',
                     update.content.decode())
    assessment.refresh_from_db()
    new = session_board(assessment).stamp
    assert new != stamp
    assert watcher.get(session_url(assessment, "updates/"), {"since": new}).status_code == 204


def test_an_open_round_offers_to_start_the_session(world):
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 3)  # anonymous: fewer have no session
    manager = signed_in(world.acme.manager)
    assert "Start the consensus session now" in flat(manager.get(session_url(assessment)))
    started = manager.post(session_url(assessment, "start/"))
    assert started.status_code == 302 and started["Location"] == session_url(assessment)
    assert 'name="option"' in manager.get(session_url(assessment)).content.decode()


def test_the_session_urls_of_another_organisation_are_404(world):
    assessment = closed_round(world)
    outsider = signed_in(world.globex.owner)
    for what in ("", "updates/"):
        assert outsider.get(session_url(assessment, what)).status_code == 404
    for what in ("record/", "start/"):
        assert outsider.post(session_url(assessment, what),
                             {"question": "people.3.1", "option": "fully"}).status_code == 404
    assert not ConsensusAnswer.objects.exists()


# ------------------------------------------------------------------ results and exports


def test_the_round_and_report_pages_show_the_result_before_and_after(world):
    assessment = closed_round(world)
    before = assessment_results(assessment)
    record(world, assessment, "people.2.1", "fully", note="Seen in the wiki")
    record(world, assessment, "customers.2.1", "not_in_place")
    assessment.refresh_from_db()
    after = assessment_results(assessment)
    manager = signed_in(world.acme.manager)
    for url in (f"/o/acme/assessments/{assessment.public_id}/",
                f"/o/acme/reports/assessments/{assessment.public_id}/"):
        text = flat(manager.get(url))
        assert "2 statements were agreed in session" in text
        assert (f"Before the session: level {before.overall.level}" in text
                and f"index {before.overall.index:.2f}" in text)
        assert f"With the agreed answers: level {after.overall.level}" in text
        assert "Seen in the wiki" in text


def _score_answers(document: dict, assessment: Assessment, tmp_path) -> dict:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    out = StringIO()
    version = assessment.model_version
    call_command("score_answers", "--model", version.model.slug, "--version",
                 str(version.number), str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("anonymity", ["anonymous", "named"])
def test_score_answers_on_the_json_export_reproduces_the_pages_figures(world, tmp_path,
                                                                     anonymity):
    assessment = closed_round(world, respondents=4, target_level=3, anonymity=anonymity)
    record(world, assessment, "people.2.1", "fully")
    record(world, assessment, "customers.3.1", "na")
    record(world, assessment, "customers.4.1", "dk")
    url = f"/o/acme/reports/assessments/{assessment.public_id}/export.json"
    for reader in ("manager", "viewer"):
        document = signed_in(world.acme.member(reader)).get(url).json()
        assert document["consensus"] == {"people.2.1": "fully", "customers.3.1": "na",
                                         "customers.4.1": "dk"}
        assert document["target_level"] == 3 and len(document["respondents"]) == 4
        names = {r["name"] for r in document["respondents"]}
        if anonymity == "named" and reader == "manager":
            assert names == {f"Person {i}" for i in range(4)}
        else:
            assert names == {f"Respondent {i}" for i in range(1, 5)}
        assert _score_answers(document, assessment, tmp_path) == document["result"]
        before = document["session"]["result_before"]
        assert before != document["result"]
        assert [a["question"] for a in document["session"]["agreed"]] == [
            "people.2.1", "customers.3.1", "customers.4.1"]
    page = flat(signed_in(world.acme.manager).get(f"/o/acme/assessments/{assessment.public_id}/"))
    assert f"Maturity index {document['result']['overall']['index']:.2f}" in page


def test_the_json_export_of_a_round_without_a_session_scores_the_same(world, tmp_path):
    assessment = closed_round(world, respondents=3)
    document = signed_in(world.acme.owner).get(
        f"/o/acme/reports/assessments/{assessment.public_id}/export.json").json()
    assert "consensus" not in document and "session" not in document
    assert _score_answers(document, assessment, tmp_path) == document["result"]


def test_the_pdf_shows_what_the_session_agreed(world):
    from reports import services as reports_services

    assessment = closed_round(world)
    record(world, assessment, "people.2.1", "fully", note="Seen in the wiki")
    assessment.refresh_from_db()
    html = reports_services._assessment_document(
        access_for(world.acme.viewer, world.acme.org), assessment, "en")[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Agreed in the consensus session" in text and "Seen in the wiki" in text
    assert "Before the session" in text and "With the agreed answers" in text


def test_the_demo_has_a_round_with_a_consensus_session(db):
    from assessments import demo
    from organisations.demo import seed_organisations

    call_command("load_catalog", verbosity=0)
    demo.seed(seed_organisations())
    demo.seed(seed_organisations())  # idempotent
    assessment = Assessment.objects.get(organisation__slug="acme",
                                        department__name="IT Service Desk", name="Q3 2026")
    agreed = ConsensusAnswer.objects.filter(assessment=assessment)
    assert 1 <= agreed.count() <= 3 and assessment.is_closed
    assert {a.recorded_by.email for a in agreed} == {"consultant@example.com"}
    before = assessment_results(assessment, "en", consensus=False)
    after = assessment_results(assessment, "en")
    weakest = min(before.dimensions, key=lambda d: (d.level, d.key)).key
    assert after.dimension(weakest).index > before.dimension(weakest).index


def test_the_csv_export_has_the_result_before_the_session_and_the_agreed_count(world):
    import csv
    import io

    assessment = closed_round(world)
    before = assessment_results(assessment)
    record(world, assessment, "people.2.1", "fully")
    record(world, assessment, "customers.2.1", "not_in_place")
    assessment.refresh_from_db()
    after = assessment_results(assessment)
    text = signed_in(world.acme.viewer).get(
        f"/o/acme/reports/assessments/{assessment.public_id}/export.csv").content
    rows = {row["scope"]: row for row in csv.DictReader(io.StringIO(text.decode("utf-8-sig")))
            if row["scope"].startswith("overall")}
    assert rows["overall"]["agreed_in_session"] == "2"
    assert float(rows["overall"]["index"]) == round(after.overall.index, 4)
    assert float(rows["overall_before_session"]["index"]) == round(before.overall.index, 4)
    assert before.overall.index != after.overall.index
