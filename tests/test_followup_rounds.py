"""Follow-up rounds (issue 16, items 2 and 3): the next round of a closed round, rounds that
open themselves and remind on a schedule (the clock moved by calling the periodic task
with a given ``now``), ``carried_from`` in the model format, answers carried from last
round that count only once the respondent confirms them, and trends across versions."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import followup, selectors, services
from assessments.models import Answer, Assessment, CarriedAnswer
from assessments.tasks import follow_up_tick
from maturity_site.celery import app as celery_app
from models_catalog.documents import (
    DocumentError,
    document_hash,
    export_version,
    record_carried_from,
    validate_document,
)
from models_catalog.models import ModelVersion
from organisations.models import AuditEvent
from reports import charts
from tests.assessment_factories import invitee, make_assessment, respondents_with_answers
from tests.catalog_factories import build_document, make_version
from tests.conftest import access_for, signed_in
from tests.test_questionnaire_links import _link, _token_in

ROOT = Path(__file__).resolve().parents[1]


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={
        "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id,
        **kwargs})


def _tick(now) -> dict:
    return follow_up_tick(now=now.isoformat())


def _v2_document(slug: str, **mapping) -> dict:
    """Version 2 of the test model: ``people.2.2`` is new and carries ``people.2.1``;
    ``customers.2.1`` merges version 1's ``customers.2.1`` and ``customers.3.1``; the rest
    carry themselves, except ``people.4.1`` (no mapping: it starts empty)."""
    document = build_document(slug)
    questions = document["questions"]
    questions[0]["key"] = "people.2.2"
    carried = {"people.2.2": ["people.2.1"], "people.3.1": ["people.3.1"],
               "customers.2.1": ["customers.2.1", "customers.3.1"],
               "customers.4.1": ["customers.4.1"], **mapping}
    for question in questions:
        if question["key"] in carried:
            question["carried_from"] = carried[question["key"]]
    questions[4]["key"] = "customers.3.2"  # a new statement, no mapping
    document["version"]["number"] = 2
    return document


@pytest.fixture
def closed_round(world):
    """A closed, named round on version 1 of 'fu-model' with target level 3: a member who
    submitted, an invitee who submitted, one whose link was withdrawn."""
    v1 = make_version(slug="fu-model")
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world, version=v1, target_level=3,
                                 anonymity=Assessment.Anonymity.NAMED)
    member = services.respondents_add_members(by=access, assessment=assessment,
                                              users=[world.acme.manager])[0]
    answers = {"people.2.1": "largely", "people.3.1": "fully", "people.4.1": "partly",
               "customers.2.1": "fully", "customers.3.1": "partly", "customers.4.1": "na"}
    services.answers_save(response=member, answers={k: {"option": v} for k, v in answers.items()})
    services.response_submit(response=member)
    guest, _token = invitee(assessment, "guest@example.test", name="Guest", language="sv")
    services.answers_save(response=guest, answers={"people.2.1": {"option": "dk"}})
    services.response_submit(response=guest)
    gone, _token = invitee(assessment, "gone@example.test", name="Gone")
    services.respondent_revoke(by=access, response=gone)
    return services.assessment_close(by=access, assessment=assessment)


# --- Start the next round ------------------------------------------------------------------


def test_starting_the_next_round_copies_the_settings_and_the_respondents(world, closed_round):
    client = signed_in(world.acme.manager)
    page = client.get(_url(closed_round, "start_next"))
    assert page.status_code == 200
    assert "The same version" in page.content.decode()
    assert "latest published version" not in page.content.decode()  # there is none newer
    response = client.post(_url(closed_round, "start_next"), {
        "name": "Q3 2027", "model_choice": "same", "carry_answers": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    follow_up = Assessment.objects.get(follows=closed_round)
    assert response["Location"] == _url(follow_up, "detail")
    assert follow_up.status == Assessment.Status.DRAFT and follow_up.name == "Q3 2027"
    assert (follow_up.department, follow_up.model_version, follow_up.target_level,
            follow_up.anonymity) == (closed_round.department, closed_round.model_version, 3,
                                     Assessment.Anonymity.NAMED)
    people = {(r.user_id, r.email, r.name, r.language) for r in follow_up.responses.all()}
    assert people == {(world.acme.manager.pk, "", "", world.acme.manager.language or "en"),
                      (None, "guest@example.test", "Guest", "sv")}
    # Nobody is emailed and no link exists before the round opens.
    assert not mail.outbox
    assert not follow_up.responses.filter(token_hash__isnull=False).exists()
    event = AuditEvent.objects.get(action="assessment.follow_up_started")
    assert event.data["follows"] == str(closed_round.public_id)
    detail = client.get(_url(follow_up, "detail")).content.decode()
    assert "Follows the round" in detail and _url(closed_round, "detail") in detail


def test_the_next_round_can_take_the_models_latest_published_version(world, closed_round):
    v2 = make_version(slug="fu-model", document=_v2_document("fu-model"))
    assert v2.number == 2
    closed_round.model_version.refresh_from_db()
    assert closed_round.model_version.status == ModelVersion.Status.RETIRED
    client = signed_in(world.acme.consultant)
    page = client.get(_url(closed_round, "start_next")).content.decode()
    assert "The latest published version" in page and "version 2" in page
    assert "The same version" not in page  # retired: it takes no new round
    response = client.post(_url(closed_round, "start_next"), {
        "name": "Next", "model_choice": "latest"})
    assert response.status_code == 302
    follow_up = Assessment.objects.get(follows=closed_round)
    assert follow_up.model_version == v2
    # Not asked: no answers carried.
    assert not CarriedAnswer.objects.exists()


def test_the_answers_from_last_round_are_announced_on_the_round_in_the_email_and_the_start(
        world, closed_round, sent):
    make_version(slug="fu-model", document=_v2_document("fu-model"))
    access = access_for(world.acme.manager, world.acme.org)
    follow_up = followup.assessment_start_next(by=access, assessment=closed_round,
                                               name="Next", model_choice="latest")
    member = follow_up.responses.get(user=world.acme.manager)
    carried = CarriedAnswer.objects.filter(response=member).count()
    assert carried > 1
    client = signed_in(world.acme.manager)
    detail = client.get(_url(follow_up, "detail")).content.decode()
    assert f"{carried} answers from last round to confirm" in detail
    sent(services.assessment_open, by=access, assessment=follow_up)
    email = next(m for m in mail.outbox if world.acme.manager.email in m.to)
    assert f"{carried} of your answers from last round are filled in" in email.body
    start = client.get(_url(follow_up, "answer")).content.decode()
    assert f"{carried} of your answers from last round are filled in" in start
    followup.carried_confirm(response=member)
    detail = client.get(_url(follow_up, "detail")).content.decode()
    assert f"{carried} answers from last round to confirm" not in detail


def test_the_next_round_drops_a_target_level_its_version_does_not_have(world):
    five = build_document("fu-five")
    five["levels"].append({"number": 5, "name": {"en": "Optimised"},
                           "description": {"en": "Level 5 described"}})
    five["questions"].append({**copy.deepcopy(five["questions"][2]), "key": "people.5.1",
                              "level": 5})
    v1 = make_version(slug="fu-five", document=five)
    access = access_for(world.acme.manager, world.acme.org)
    closed = services.assessment_close(by=access, assessment=make_assessment(
        world, version=v1, target_level=5))
    same = followup.assessment_start_next(by=access, assessment=closed, name="Same")
    assert same.target_level == 5
    four = build_document("fu-five")
    four["version"]["number"] = 2
    make_version(slug="fu-five", document=four)
    fewer = followup.assessment_start_next(by=access, assessment=closed, name="Fewer",
                                           model_choice="latest")
    assert (fewer.model_version.number, fewer.target_level) == (2, None)


def test_only_a_closed_round_has_a_next_round(world):
    assessment = make_assessment(world)
    access = access_for(world.acme.manager, world.acme.org)
    with pytest.raises(ValidationError):
        followup.assessment_start_next(by=access, assessment=assessment, name="Too early")
    client = signed_in(world.acme.manager)
    assert client.get(_url(assessment, "start_next")).status_code == 302
    assert not Assessment.objects.filter(follows=assessment).exists()


def test_the_next_round_refuses_bad_dates_on_the_form(world, closed_round):
    client = signed_in(world.acme.manager)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = client.post(_url(closed_round, "start_next"), {
        "name": "Next", "model_choice": "same", "opens_on": yesterday})
    assert page.status_code == 200 and "is in the past" in page.content.decode()
    soon, sooner = (timezone.localdate() + timedelta(days=30),
                    timezone.localdate() + timedelta(days=10))
    page = client.post(_url(closed_round, "start_next"), {
        "name": "Next", "model_choice": "same", "opens_on": soon.isoformat(),
        "due_date": sooner.isoformat()})
    assert "cannot be before the round opens" in page.content.decode()
    page = client.post(_url(closed_round, "start_next"), {
        "name": "Next", "model_choice": "mystery"})
    assert page.status_code == 200
    assert not Assessment.objects.filter(follows=closed_round).exists()


def test_executives_cannot_start_the_next_round_and_outsiders_get_404(world, closed_round):
    assert signed_in(world.acme.viewer).get(_url(closed_round, "start_next")).status_code == 403
    assert signed_in(world.acme.viewer).post(_url(closed_round, "start_next"), {
        "name": "x", "model_choice": "same"}).status_code == 403
    outsider = signed_in(world.globex.owner)
    assert outsider.get(_url(closed_round, "start_next")).status_code == 404
    assert outsider.post(_url(closed_round, "start_next"), {
        "name": "x", "model_choice": "same"}).status_code == 404
    assert not Assessment.objects.filter(follows=closed_round).exists()


# --- The schedule ------------------------------------------------------------------------


def test_a_scheduled_round_opens_itself_on_its_day(world, closed_round, sent):
    access = access_for(world.acme.manager, world.acme.org)
    day = timezone.localdate() + timedelta(days=182)  # in six months
    follow_up = followup.assessment_start_next(by=access, assessment=closed_round,
                                               name="In six months", opens_on=day)
    now = timezone.now()
    assert sent(_tick, now=now) == {"opened": 0, "reminded": 0}
    assert sent(_tick, now=now + timedelta(days=181)) == {"opened": 0, "reminded": 0}
    follow_up.refresh_from_db()
    assert follow_up.status == Assessment.Status.DRAFT and not mail.outbox
    result = sent(_tick, now=now + timedelta(days=182, hours=1))
    assert result["opened"] == 1
    follow_up.refresh_from_db()
    assert follow_up.status == Assessment.Status.OPEN and follow_up.opened_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["guest@example.test",
                                                    world.acme.manager.email]
    event = AuditEvent.objects.get(action="assessment.opened",
                                   data__assessment=str(follow_up.public_id))
    assert event.actor is None and event.actor_label == "Maturity Desk"
    # Safe to run again: nothing opens or is sent twice.
    mail.outbox.clear()
    assert sent(_tick, now=now + timedelta(days=183)) == {"opened": 0, "reminded": 0}
    assert not mail.outbox


def test_scheduled_reminders_resend_the_same_link(world, sent):
    assessment = make_assessment(world, opened=False)
    access = access_for(world.acme.manager, world.acme.org)
    services.assessment_update(by=access, assessment=assessment, name=assessment.name,
                               due_date=None, target_level=None, remind_every_days=7)
    sent(services.respondent_invite, by=access, assessment=assessment,
         email="late@example.test")
    done = sent(services.respondent_invite, by=access, assessment=assessment,
                email="done@example.test")
    sent(services.assessment_open, by=access, assessment=assessment)
    links = {m.to[0]: _token_in(m.body) for m in mail.outbox}
    services.response_submit(response=done)
    mail.outbox.clear()
    now = timezone.now()
    assert sent(_tick, now=now + timedelta(days=3))["reminded"] == 0
    assert sent(_tick, now=now + timedelta(days=7, minutes=1))["reminded"] == 1
    assert [m.to[0] for m in mail.outbox] == ["late@example.test"]
    assert _token_in(mail.outbox[0].body) == links["late@example.test"]
    assert "earlier links no longer work" not in mail.outbox[0].body
    # The same tick again, or a day later: no second reminder before another week.
    mail.outbox.clear()
    assert sent(_tick, now=now + timedelta(days=7, minutes=1))["reminded"] == 0
    assert sent(_tick, now=now + timedelta(days=8))["reminded"] == 0
    assert sent(_tick, now=now + timedelta(days=14, minutes=2))["reminded"] == 1
    assert _token_in(mail.outbox[0].body) == links["late@example.test"]
    # The link still opens the questionnaire, and no link was renewed.
    assert Client().get(_link(links["late@example.test"])).status_code == 200
    assert not AuditEvent.objects.filter(action="assessment.link_renewed").exists()
    assert AuditEvent.objects.filter(action="assessment.reminder_sent",
                                     actor_label="Maturity Desk").count() == 2


def test_no_scheduled_reminders_without_an_interval_or_after_the_due_date(world, sent):
    access = access_for(world.acme.manager, world.acme.org)
    quiet = make_assessment(world, name="Quiet")
    sent(services.respondent_invite, by=access, assessment=quiet, email="a@example.test")
    due = make_assessment(world, name="Due", department=1, opened=False)
    services.assessment_update(by=access, assessment=due, name="Due",
                               due_date=timezone.localdate() + timedelta(days=5),
                               target_level=None, remind_every_days=1)
    sent(services.respondent_invite, by=access, assessment=due, email="b@example.test")
    sent(services.assessment_open, by=access, assessment=due)
    mail.outbox.clear()
    assert sent(_tick, now=timezone.now() + timedelta(days=30))["reminded"] == 0
    assert sent(_tick, now=timezone.now() + timedelta(days=2))["reminded"] == 1
    assert [m.to[0] for m in mail.outbox] == ["b@example.test"]


def test_the_edit_form_sets_the_opening_day_and_the_reminders(world):
    assessment = make_assessment(world, opened=False)
    client = signed_in(world.acme.manager)
    day = timezone.localdate() + timedelta(days=10)
    response = client.post(_url(assessment, "edit"), {
        "name": assessment.name, "due_date": "", "target_level": "",
        "anonymity": "anonymous", "opens_on": day.isoformat(), "remind_every_days": "3"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment.refresh_from_db()
    assert (assessment.opens_on, assessment.remind_every_days) == (day, 3)
    page = client.post(_url(assessment, "edit"), {
        "name": assessment.name, "due_date": "", "target_level": "",
        "anonymity": "anonymous", "opens_on": "", "remind_every_days": "0"})
    assert page.status_code == 200
    assessment.refresh_from_db()
    assert assessment.remind_every_days == 3


def test_one_beat_runs_the_schedule_beside_other_entries():
    entry = settings.CELERY_BEAT_SCHEDULE["follow-up-rounds"]
    assert entry["task"] in celery_app.tasks
    run = (ROOT / "scripts" / "run.sh").read_text()
    assert re.search(r"celery -A maturity_site worker -B ", run)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    beats = [name for name, service in compose["services"].items()
             if " beat" in " ".join(service.get("command", []))]
    assert beats == ["beat"] and "deploy" not in compose["services"]["beat"]
    assert all("-B" not in service.get("command", [])
               for service in compose["services"].values())


# --- carried_from in the model document -----------------------------------------------------


def test_carried_from_problems_name_their_path():
    document = _v2_document("fu-model", **{"customers.4.1": ["people.2.1"],
                                           "people.4.1": "people.3.1"})
    problems = validate_document(document)
    assert any(p.startswith("questions[5].carried_from[0]: 'people.2.1' is already carried "
                            "to questions[0].carried_from[0]") for p in problems), problems
    assert any(p.startswith("questions[2].carried_from: must be a list") for p in problems)
    document = _v2_document("fu-model", **{"customers.4.1": ["People 2"]})
    assert validate_document(document) == [
        "questions[5].carried_from[0]: 'People 2' is not a valid statement key"]


def test_import_refuses_keys_no_earlier_version_has(db):
    make_version(slug="fu-model")
    before = ModelVersion.objects.count()
    document = _v2_document("fu-model", **{"customers.4.1": ["customers.9.9"]})
    with pytest.raises(DocumentError) as refused:
        make_version(slug="fu-model", document=document)
    assert refused.value.problems == [
        "questions[5].carried_from[0]: unknown statement 'customers.9.9': no earlier "
        "version of this model has it"]
    assert ModelVersion.objects.count() == before


def test_the_mapping_is_exported_and_is_not_content(db):
    make_version(slug="fu-model")
    document = _v2_document("fu-model")
    v2 = make_version(slug="fu-model", document=document)
    exported = export_version(v2)
    assert exported["questions"][0]["carried_from"] == ["people.2.1"]
    assert "carried_from" not in exported["questions"][2]
    unmapped = copy.deepcopy(document)
    for question in unmapped["questions"]:
        question.pop("carried_from", None)
    assert document_hash(unmapped) == document_hash(document) == v2.content_hash
    # A file that declares the mapping of a version already loaded records it there.
    v2.questions.record_carried_from({q.pk: [] for q in v2.questions.all()})
    assert record_carried_from(v2, document) is True
    assert v2.questions.get(key="people.2.2").carried_from == ["people.2.1"]
    assert record_carried_from(v2, document) is False


def test_the_shipped_version_2_files_map_from_version_1(db):
    for path in sorted((ROOT / "models_catalog" / "catalogue").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert validate_document(data) == [], path.name
        mapped = [q for q in data["questions"] if q.get("carried_from")]
        assert len(mapped) >= len(data["questions"]) // 2, path.name
        olds = [key for q in mapped for key in q["carried_from"]]
        assert len(olds) == len(set(olds)), path.name
        assert all(re.fullmatch(r"[a-z_]+\.[2-5]\.\d+", key) for key in olds), path.name


def test_a_new_draft_maps_each_statement_to_the_one_it_copies(world):
    from models_catalog import services as catalog

    owned = make_version(slug="own-model", owner=world.acme.org)
    draft = catalog.draft_create(version=owned, by=access_for(world.acme.owner,
                                                             world.acme.org))
    assert {q.key: q.carried_from for q in draft.questions.all()} == {
        q.key: [q.key] for q in owned.questions.all()}


# --- Carried answers ------------------------------------------------------------------------


def test_carried_options_follow_the_mapping_rules():
    old = {"not_in_place": 0.0, "partly": 1 / 3, "largely": 2 / 3, "fully": 1.0}
    new = list(old.items())
    assert followup.carried_option(["largely"], old, new) == "largely"
    assert followup.carried_option(["dk"], old, new) == "dk"
    assert followup.carried_option(["gone"], old, new) is None
    assert followup.carried_option(["fully", "partly"], old, new) == "largely"  # 2/3 nearest
    assert followup.carried_option(["fully", "not_in_place"], old, new) == "partly"  # tie: lower
    assert followup.carried_option(["na", "na"], old, new) == "na"
    assert followup.carried_option(["na", "dk"], old, new) is None
    assert followup.carried_option([], old, new) is None


def _next_round_on_v2(world, closed_round):
    make_version(slug="fu-model", document=_v2_document("fu-model"))
    access = access_for(world.acme.manager, world.acme.org)
    follow_up = followup.assessment_start_next(by=access, assessment=closed_round,
                                               name="On v2", model_choice="latest")
    return services.assessment_open(by=access, assessment=follow_up)


def test_a_follow_up_on_a_newer_version_carries_answers_through_the_mapping(world,
                                                                            closed_round):
    follow_up = _next_round_on_v2(world, closed_round)
    member = follow_up.responses.get(user=world.acme.manager)
    carried = {c.question.key: c.option for c in CarriedAnswer.objects.filter(response=member)
               .select_related("question")}
    assert carried == {"people.2.2": "largely", "people.3.1": "fully",
                       "customers.2.1": "largely",  # fully and partly: mean 2/3
                       "customers.4.1": "na"}
    guest = follow_up.responses.get(email="guest@example.test")
    assert {c.option for c in CarriedAnswer.objects.filter(response=guest)} == {"dk"}
    # Carried answers are not answers: nothing started, counted or scored.
    assert not Answer.objects.filter(response__assessment=follow_up).exists()
    assert member.started_at is None
    counts = selectors.response_counts([follow_up.pk])[follow_up.pk]
    assert counts["in_progress"] == 0 and counts["submitted"] == 0


def test_carried_answers_are_marked_and_count_only_once_confirmed(world, closed_round):
    follow_up = _next_round_on_v2(world, closed_round)
    client = signed_in(world.acme.manager)
    page = client.get(_url(follow_up, "answer_dimension", dimension_key="people"))
    html = page.content.decode()
    assert html.count("From last round:") == 2  # people.2.2 and people.3.1
    assert "From last round: Largely. Please confirm." in html
    card = html[html.index('id="q-people.2.2"'):html.index('id="q-people.3.1"')]
    assert "qn-label-carried" in card and "checked" not in card  # marked, not chosen
    assert "Confirm the answers from last round on this page" in html
    review = client.get(_url(follow_up, "answer_review")).content.decode()
    assert "answers from last round are not confirmed" in review
    assert "You have answered 0 of 6 statements" in review
    # Answering a carried statement replaces the suggestion; confirming keeps the answer.
    assert client.post(_url(follow_up, "answer_save"), json.dumps(
        {"question": "people.3.1", "option": "partly"}),
        content_type="application/json").status_code == 200
    confirmed = client.post(_url(follow_up, "answer_dimension", dimension_key="people"),
                            {"confirm_carried": "1"})
    assert confirmed.status_code == 302
    member = follow_up.responses.get(user=world.acme.manager)
    assert dict(Answer.objects.filter(response=member).values_list("question__key", "option")
                ) == {"people.2.2": "largely", "people.3.1": "partly"}
    html = client.get(_url(follow_up, "answer_dimension", dimension_key="people")
                      ).content.decode()
    assert "From last round:" not in html
    # The other page's carried answers were never confirmed: submitting drops them.
    assert client.post(_url(follow_up, "answer_submit")).status_code == 302
    member.refresh_from_db()
    assert member.is_submitted
    assert not CarriedAnswer.objects.filter(response=member).exists()
    assert set(Answer.objects.filter(response=member).values_list("question__key", flat=True)
               ) == {"people.2.2", "people.3.1"}
    result = selectors.assessment_results(follow_up)
    assert result.completeness == pytest.approx(2 / 6)


def test_a_respondent_who_never_looks_submits_no_carried_answer(world, closed_round):
    follow_up = _next_round_on_v2(world, closed_round)
    guest = follow_up.responses.get(email="guest@example.test")
    token = services.issue_link(response=guest)
    client = Client()
    page = client.get(_link(token, "dimension", dimension_key="people")).content.decode()
    assert 'class="qn-carried-note' in page and "Från förra omgången: Vet inte." in page
    assert client.post(_link(token, "submit")).status_code == 302
    guest.refresh_from_db()
    assert guest.is_submitted
    assert not Answer.objects.filter(response=guest).exists()
    assert not CarriedAnswer.objects.filter(response=guest).exists()
    # A submitted response confirms nothing any more.
    with pytest.raises(services.AnswerRefused):
        followup.carried_confirm(response=guest)


def test_the_same_version_carries_every_statement_and_carrying_is_optional(world,
                                                                         closed_round):
    access = access_for(world.acme.manager, world.acme.org)
    same = followup.assessment_start_next(by=access, assessment=closed_round, name="Same")
    member = same.responses.get(user=world.acme.manager)
    assert CarriedAnswer.objects.filter(response=member).count() == 6
    bare = followup.assessment_start_next(by=access, assessment=closed_round, name="Bare",
                                          carry_answers=False)
    assert not CarriedAnswer.objects.filter(response__assessment=bare).exists()


def test_a_comment_alone_does_not_stop_a_carried_answer_being_confirmed(world, closed_round):
    """Answer.answered: a statement with only a comment is not answered, so confirming
    gives it last round's answer and keeps the comment."""
    access = access_for(world.acme.manager, world.acme.org)
    same = services.assessment_open(by=access, assessment=followup.assessment_start_next(
        by=access, assessment=closed_round, name="Same"))
    member = same.responses.get(user=world.acme.manager)
    Answer.objects.create(response=member, question=same.model_version.questions.get(
        key="people.3.1"), comment="Still true?")
    assert followup.carried_confirm(response=member, dimension_key="people") == 3
    answer = Answer.objects.get(response=member, question__key="people.3.1")
    assert (answer.option, answer.comment) == ("fully", "Still true?")


# --- Trends across versions -------------------------------------------------------------------


def test_trends_compare_rounds_on_different_versions_per_dimension(world, closed_round):
    follow_up = _next_round_on_v2(world, closed_round)
    respondents_with_answers(follow_up, 2)
    services.assessment_close(by=access_for(world.acme.owner, world.acme.org),
                              assessment=follow_up)  # trends draw closed rounds
    client = signed_in(world.acme.owner)
    report = client.get(reverse("reports:organisation", args=["acme"]))
    html = report.content.decode()
    assert "These rounds use different versions of the model (1, 2)" in html
    department = client.get(reverse("assessments:department", args=[
        "acme", closed_round.department.public_id])).content.decode()
    assert "These rounds use different versions of the model (1, 2)" in department
    assert department.count('class="dim dim-') == 2  # a line per dimension


def test_the_department_page_and_the_report_draw_the_same_lines_across_versions(
        world, closed_round):
    """presentation.dimension_lines: the department page's trend and the report's chart
    compare rounds on different versions with the same lines and the same values."""
    from reports import selectors as report_selectors

    follow_up = _next_round_on_v2(world, closed_round)
    respondents_with_answers(follow_up, 2)
    services.assessment_close(by=access_for(world.acme.owner, world.acme.org),
                              assessment=follow_up)  # trends draw closed rounds
    page = signed_in(world.acme.owner).get(reverse("assessments:department", args=[
        "acme", closed_round.department.public_id]))
    drawn = {line["name"]: {name: round(index, 2) for _x, _y, name, index in line["marks"]}
             for line in page.context["trend"]["dimensions"]}
    report = report_selectors.organisation_report(access_for(world.acme.owner,
                                                             world.acme.org), language="en")
    (section,) = report.sections
    # (by round: the chart orders rounds of one day by name, the page by creation)
    charted = {trace["name"]: {name.split(" (v")[0]: y
                               for name, y in zip(trace["text"], trace["y"], strict=True)}
               for trace in charts.trend(section.trend, section.texts)["data"]}
    assert list(drawn) == list(charted) == ["People", "Customers"]
    assert drawn == charted


def test_the_trend_chart_draws_a_line_per_dimension_across_versions(world, closed_round):
    from models_catalog.texts import model_texts

    texts = model_texts(closed_round.model_version)
    day = timezone.localdate()
    points = [charts.TrendPoint("IT", "Q1", day, 2.1, 2, version=1,
                                dimensions={"people": 2.5, "customers": 2.1}),
              charts.TrendPoint("IT", "Q3", day + timedelta(days=90), 2.4, 2, version=2,
                                dimensions={"people": 2.4, "customers": 3.0})]
    figure = charts.trend(points, texts)
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["People", "Customers"]
    assert figure["data"][1]["y"] == [2.1, 3.0]
    assert charts.trend_note(points).startswith("These rounds use different versions")
    same = [charts.TrendPoint(p.department, p.round, p.when, p.index, p.level, version=1)
            for p in points]
    assert charts.trend_note(same) == ""
    assert [trace["name"] for trace in charts.trend(same, texts)["data"]] == ["IT"]
