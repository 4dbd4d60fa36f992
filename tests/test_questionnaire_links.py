"""The personal link of an invited respondent: /r/<token>/… opens exactly one
questionnaire, and nothing else; it stops working when withdrawn or expired."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assessments import services
from assessments.models import Answer, Response
from organisations.models import AuditEvent, hash_token
from tests.assessment_factories import invitee, make_assessment
from tests.conftest import access_for, signed_in
from tests.test_translations import compiled_locale, translated  # noqa: F401 - fixtures


def _link(token, name="start", **kwargs):
    return reverse(f"respondent:{name}", kwargs={"token": token, **kwargs})


def _save(client, token, **payload):
    return client.post(_link(token, "save"), json.dumps(payload),
                       content_type="application/json")


@pytest.fixture
def assessment(world):
    return make_assessment(world)


def test_it_opens_the_questionnaire_without_an_account(world, assessment):
    response, token = invitee(assessment, name="Gita Guest")
    client = Client()
    start = client.get(_link(token))
    assert start.status_code == 200
    assert assessment.name in start.content.decode()
    assert start["Cache-Control"].startswith("max-age=0") or "no-store" in start["Cache-Control"]
    assert "noindex" in start["X-Robots-Tag"]
    page = client.get(_link(token, "dimension", dimension_key="people"))
    assert page.status_code == 200
    assert f'data-save-url="{_link(token, "save")}"' in page.content.decode()
    assert _save(client, token, question="people.2.1", option="largely").status_code == 200
    assert _save(client, token, question="people.2.1", comment="see wiki").status_code == 200
    answer = Answer.objects.get()
    assert (answer.response, answer.option, answer.comment) == (response, "largely", "see wiki")
    assert client.get(_link(token, "review")).status_code == 200
    assert client.post(_link(token, "submit")).status_code == 302
    response.refresh_from_db()
    assert response.submitted_at is not None
    event = AuditEvent.objects.get(action="assessment.response_submitted")
    assert event.actor is None and event.actor_label == "guest@example.test"


def test_it_opens_exactly_its_own_questionnaire_and_nothing_else(world, assessment):
    mine, token = invitee(assessment, "me@example.test")
    other, other_token = invitee(assessment, "other@example.test")
    client = Client()
    _save(client, token, question="people.2.1", option="fully")
    assert list(Answer.objects.values_list("response_id", flat=True)) == [mine.pk]
    # The other respondent's answers never show in my pages.
    _save(Client(), other_token, question="customers.2.1", option="partly")
    html = client.get(_link(token, "dimension", dimension_key="customers")).content.decode()
    assert 'value="partly" checked' not in html
    # The token is no session: every tenant page still wants a sign-in.
    for path in (f"/o/acme/assessments/{assessment.public_id}/",
                 f"/o/acme/assessments/{assessment.public_id}/answer/", "/o/acme/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "data-landing" in client.get("/").content.decode()  # the anonymous landing page
    # No other path hangs off the token.
    for suffix in ("../", "dimension/", "export/", "respondents/", "results/"):
        assert client.get(_link(token) + suffix).status_code == 404, suffix


@pytest.mark.parametrize("token", ["not-a-token", "x" * 200, "a" * 43])
def test_it_gives_404_for_unknown_tokens(world, assessment, token):
    invitee(assessment)
    client = Client()
    assert client.get(_link(token)).status_code == 404
    assert _save(client, token, question="people.2.1", option="fully").status_code == 404
    assert not Answer.objects.exists()


def test_it_stops_working_when_withdrawn(world, assessment):
    response, token = invitee(assessment)
    client = Client()
    assert _save(client, token, question="people.2.1", option="fully").status_code == 200
    services.respondent_revoke(by=access_for(world.acme.manager, world.acme.org),
                               response=response)
    page = client.get(_link(token))
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()
    saved = _save(client, token, question="people.2.1", option="partly")
    assert saved.status_code == 410 and saved.json()["ok"] is False
    assert client.post(_link(token, "submit")).status_code == 410
    assert Answer.objects.get().option == "fully"
    assert AuditEvent.objects.filter(action="assessment.respondent_revoked").count() == 1


def test_it_stops_working_when_expired(world, assessment):
    response, token = invitee(assessment)
    Response.objects.filter(pk=response.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    assert client.get(_link(token)).status_code == 410
    assert client.get(_link(token, "dimension", dimension_key="people")).status_code == 410
    assert _save(client, token, question="people.2.1", option="fully").status_code == 410
    assert not Answer.objects.exists()


def test_it_stores_only_the_hash_of_the_token(world, assessment):
    response, token = invitee(assessment)
    response.refresh_from_db()
    assert response.token_hash == hash_token(token) and token not in response.token_hash
    assert len(token) >= 43


def test_it_emails_the_link_in_the_respondents_language_when_the_round_opens(world, sent):
    draft = make_assessment(world, opened=False)
    access = access_for(world.acme.manager, world.acme.org)
    with_link = sent(services.respondent_invite, by=access, assessment=draft,
                     email="Sven@Example.test", name="Sven", language="sv")
    assert with_link.email == "sven@example.test" and not with_link.token_hash
    assert not mail.outbox  # a draft sends nothing yet
    sent(services.assessment_open, by=access, assessment=draft)
    message = _only_mail()
    assert message.to == ["sven@example.test"]
    assert message.extra_headers["Content-Language"] == "sv"
    assert "Sven" in message.body
    html = message.alternatives[0].content
    token = _token_in(message.body)
    assert token in html
    assert Client().get(_link(token)).status_code == 200
    assert AuditEvent.objects.filter(action="assessment.respondent_invited").count() == 1


def test_a_reminder_sends_the_same_link_and_the_open_tab_keeps_saving(world, assessment,
                                                                       sent):
    access = access_for(world.acme.manager, world.acme.org)
    response = sent(services.respondent_invite, by=access, assessment=assessment,
                    email="late@example.test")
    first = _token_in(_only_mail().body)
    tab = Client()
    assert _save(tab, first, question="people.2.1", option="fully").status_code == 200
    mail.outbox.clear()
    sent(services.respondent_remind, by=access, response=response)
    assert _token_in(_only_mail().body) == first
    assert "earlier links no longer work" not in _only_mail().body
    mail.outbox.clear()
    assert sent(services.respondents_remind_all, by=access, assessment=assessment).count == 1
    assert _token_in(_only_mail().body) == first
    # The tab opened from the first email goes on saving.
    assert _save(tab, first, question="people.3.1", option="partly").status_code == 200
    assert Answer.objects.filter(response=response).count() == 2
    assert not AuditEvent.objects.filter(action="assessment.link_renewed").exists()


def test_reminding_one_respondent_never_reactivates_a_withdrawn_link(world, assessment,
                                                                     sent):
    access = access_for(world.acme.manager, world.acme.org)
    response = sent(services.respondent_invite, by=access, assessment=assessment,
                    email="gone@example.test")
    token = _token_in(_only_mail().body)
    services.respondent_revoke(by=access, response=response)
    mail.outbox.clear()
    with pytest.raises(services.ValidationError, match="withdrawn"):
        sent(services.respondent_remind, by=access, response=response)
    assert sent(services.respondents_remind_all, by=access, assessment=assessment).count == 0
    assert not mail.outbox
    response.refresh_from_db()
    assert response.link_state == "revoked"
    assert Client().get(_link(token)).status_code == 410


def test_renewing_a_link_is_deliberate_audited_and_tells_the_old_tab(
        world, assessment, sent, translated, django_capture_on_commit_callbacks):  # noqa: F811
    access = access_for(world.acme.manager, world.acme.org)
    response = sent(services.respondent_invite, by=access, assessment=assessment,
                    email="renew@example.test", language="sv")
    old = _token_in(_only_mail().body)
    services.respondent_revoke(by=access, response=response)
    mail.outbox.clear()
    manager = signed_in(world.acme.manager)
    url = reverse("assessments:renew_link", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id,
        "response_id": response.public_id})
    assert manager.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.post(url).status_code == 302
    new = _token_in(_only_mail().body)
    assert new != old
    response.refresh_from_db()
    assert response.link_state == "active"  # a deliberate renewal may bring it back
    assert Client().get(_link(new)).status_code == 200
    # The old link says it was replaced, in the respondent's language.
    page = Client().get(_link(old))
    assert page.status_code == 410
    assert "ersatts av en ny" in page.content.decode()
    saved = _save(Client(), old, question="people.2.1", option="fully")
    assert saved.status_code == 410 and saved.json()["code"] == "renewed"
    event = AuditEvent.objects.get(action="assessment.link_renewed")
    assert event.actor == world.acme.manager and event.target == "renew@example.test"


def test_the_questionnaire_page_explains_a_lost_link_in_its_language(
        world, assessment, translated):  # noqa: F811
    """questionnaire.js shows these texts when a save answers 404/410: they come from
    the page, in its language, never from English in the script or the JSON."""
    _response, token = invitee(assessment, language="sv")
    html = Client().get(_link(token, "dimension", dimension_key="people")).content.decode()
    texts = json.loads(re.search(r'<script id="qn-i18n" type="application/json">(.*?)</script>',
                                 html, re.S).group(1))
    assert "ersatts av en ny" in texts["linkRenewed"]
    assert "dragits tillbaka" in texts["linkRevoked"]
    assert "har gått ut" in texts["linkExpired"]
    assert texts["linkUnknown"] and texts["kept"]


def test_a_link_from_before_renewable_links_gets_a_new_one_with_its_first_reminder(
        world, assessment, sent):
    """Links issued before links could be sent again (only their hash is known) are
    replaced once by a reminder; from then on reminders repeat the link."""
    access = access_for(world.acme.manager, world.acme.org)
    response, legacy = invitee(assessment)
    Response.objects.filter(pk=response.pk).update(link_secret="")
    sent(services.respondent_remind, by=access, response=Response.objects.get(pk=response.pk))
    first = _token_in(_only_mail().body)
    assert first != legacy and Client().get(_link(first)).status_code == 200
    mail.outbox.clear()
    sent(services.respondent_remind, by=access, response=Response.objects.get(pk=response.pk))
    assert _token_in(_only_mail().body) == first


def test_it_reminds_only_those_who_have_not_submitted(world, assessment, sent):
    access = access_for(world.acme.manager, world.acme.org)
    done = services.respondent_invite(by=access, assessment=assessment, email="a@example.test")
    services.respondent_invite(by=access, assessment=assessment, email="b@example.test")
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.consultant])
    services.response_submit(response=done)
    mail.outbox.clear()
    assert sent(services.respondents_remind_all, by=access, assessment=assessment).count == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.test",
                                                     world.acme.consultant.email]
    member_mail = next(m for m in mail.outbox if m.to == [world.acme.consultant.email])
    assert f"/o/acme/assessments/{assessment.public_id}/answer/" in member_mail.body


def test_awaiting_and_submitted_are_what_each_response_says_of_itself(world, assessment):
    """Response.awaiting (not submitted, link not withdrawn) and Response.submitted, the
    one home of each rule, agree with is_submitted and revoked_at on every state."""
    access = access_for(world.acme.manager, world.acme.org)
    fresh, _token = invitee(assessment, "fresh@example.test")
    started, _token = invitee(assessment, "started@example.test")
    services.answers_save(response=started, answers={"people.2.1": {"option": "largely"}})
    done, _token = invitee(assessment, "done@example.test")
    services.answers_save(response=done, answers={"people.2.1": {"option": "fully"}})
    services.response_submit(response=done)
    gone, _token = invitee(assessment, "gone@example.test")
    services.respondent_revoke(by=access, response=gone)
    done_then_gone, _token = invitee(assessment, "late@example.test")
    services.response_submit(response=done_then_gone)
    services.respondent_revoke(by=access, response=done_then_gone)
    responses = list(Response.objects.filter(assessment=assessment))
    assert set(Response.objects.filter(Response.awaiting())) == {
        r for r in responses if not r.is_submitted and r.revoked_at is None} == {fresh, started}
    assert set(Response.objects.filter(Response.submitted())) == {
        r for r in responses if r.is_submitted} == {done, done_then_gone}
    assert list(Answer.objects.filter(Response.submitted("response__"))
                .values_list("response_id", flat=True)) == [done.pk]


def test_it_refuses_to_invite_the_same_person_twice(world, assessment):
    access = access_for(world.acme.manager, world.acme.org)
    services.respondent_invite(by=access, assessment=assessment, email="x@example.test")
    with pytest.raises(services.ValidationError):
        services.respondent_invite(by=access, assessment=assessment, email="X@example.test")
    services.respondents_add_members(by=access, assessment=assessment,
                                     users=[world.acme.owner])
    with pytest.raises(services.ValidationError):
        services.respondent_invite(by=access, assessment=assessment,
                                   email=world.acme.owner.email)


def test_it_lets_an_invited_person_use_their_language_unless_they_pick_one(world, assessment):
    _response, token = invitee(assessment, language="sv")
    client = Client()
    html = client.get(_link(token, "dimension", dimension_key="people")).content.decode()
    assert "Påstående people.2.1" in html and 'lang="sv"' in html
    client.cookies["django_language"] = "en"
    html = client.get(_link(token, "dimension", dimension_key="people")).content.decode()
    assert "Statement people.2.1" in html


def test_it_says_when_the_model_is_not_in_the_respondents_language(world, assessment,
                                                                    translated):  # noqa: F811
    """The test model is in English and Swedish: a Norwegian respondent's pages are in
    Norwegian, its statements in English, and the questionnaire says so at the top."""
    _response, token = invitee(assessment, language="nb")
    client = Client()
    for page in (_link(token), _link(token, "dimension", dimension_key="people"),
                 _link(token, "review")):
        html = client.get(page).content.decode()
        notice = html[html.index("data-model-language-missing"):]
        assert notice.index("finnes ikke på norsk") < notice.index("</p>")
        assert "vises på engelsk" in notice[:notice.index("</p>")]
        assert html.index("data-model-language-missing") < html.index("<h2")
    statement = client.get(_link(token, "dimension", dimension_key="people")).content.decode()
    assert "Statement people.2.1" in statement and 'lang="en"' in statement
    client.cookies["django_language"] = "sv"  # a language the model has: no notice
    assert "data-model-language-missing" not in client.get(_link(token)).content.decode()


def _only_mail():
    assert len(mail.outbox) == 1, [m.to for m in mail.outbox]
    return mail.outbox[0]


def _token_in(body: str) -> str:
    match = re.search(r"/r/([A-Za-z0-9_\-]+)/", body)
    assert match, body
    return match.group(1)


# --- How long a link lives -----------------------------------------------------------------


def _end_of(day):
    return timezone.make_aware(datetime.combine(day, time.max))


def test_a_link_lives_at_least_until_the_rounds_due_date(world, sent, settings):
    settings.INVITATION_EXPIRY_DAYS = 14
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world)
    due = timezone.localdate() + timedelta(days=40)
    assessment = services.assessment_update(by=access, assessment=assessment, name=assessment.name,
                               due_date=due, target_level=None)
    response = sent(services.respondent_invite, by=access, assessment=assessment,
                    email="late@example.test")
    response.refresh_from_db()
    assert response.expires_at >= _end_of(due)
    assert date_format(due, "DATE_FORMAT") in _only_mail().body  # "It works until …"


def test_a_link_is_extended_when_the_due_date_moves(world, sent, settings):
    settings.INVITATION_EXPIRY_DAYS = 14
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world)
    response, token = invitee(assessment)
    withdrawn, _withdrawn_token = invitee(assessment, "gone@example.test")
    services.respondent_revoke(by=access, response=withdrawn)
    response.refresh_from_db()
    before = response.expires_at
    due = timezone.localdate() + timedelta(days=30)
    services.assessment_update(by=access, assessment=assessment, name=assessment.name,
                               due_date=due, target_level=None)
    response.refresh_from_db()
    assert response.expires_at >= _end_of(due) > before
    # Moving it earlier again never shortens what the email promised.
    services.assessment_update(by=access, assessment=assessment, name=assessment.name,
                               due_date=due - timedelta(days=10), target_level=None)
    response.refresh_from_db()
    assert response.expires_at >= _end_of(due)
    withdrawn.refresh_from_db()
    assert withdrawn.link_state == "revoked"


def test_a_reminder_gives_the_link_until_the_due_date(world, sent, settings):
    settings.INVITATION_EXPIRY_DAYS = 14
    access = access_for(world.acme.manager, world.acme.org)
    assessment = make_assessment(world)
    response = sent(services.respondent_invite, by=access, assessment=assessment,
                    email="late@example.test")
    # The due date is set without the app (an older round): the reminder still honours it.
    due = timezone.localdate() + timedelta(days=25)
    type(assessment).objects.filter(pk=assessment.pk).update(due_date=due)
    mail.outbox.clear()
    sent(services.respondent_remind, by=access, response=response)
    response.refresh_from_db()
    assert response.expires_at >= _end_of(due)
    assert date_format(due, "DATE_FORMAT") in _only_mail().body
