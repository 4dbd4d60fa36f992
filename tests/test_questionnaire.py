"""The questionnaire of a member: pages, autosave, submission."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Response
from organisations.models import AuditEvent
from tests.assessment_factories import make_assessment
from tests.catalog_factories import build_document, make_version
from tests.conftest import access_for, signed_in


def _url(assessment, name, **kwargs):
    return reverse(f"assessments:{name}", kwargs={
        "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id,
        **kwargs})


def _save(client, assessment, **payload):
    return client.post(_url(assessment, "answer_save"), json.dumps(payload),
                       content_type="application/json")


@pytest.fixture
def assessment(world):
    return make_assessment(world)


def test_it_saves_an_answer_the_moment_it_is_given(world, assessment):
    client = signed_in(world.acme.manager)
    response = _save(client, assessment, question="people.2.1", option="largely")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["option"] == "largely" and data["answered"] == 1
    answer = Answer.objects.get()
    assert (answer.question.key, answer.option, answer.comment) == ("people.2.1", "largely", "")
    mine = Response.objects.get(assessment=assessment, user=world.acme.manager)
    assert mine.started_at is not None and mine.submitted_at is None
    assert mine.status == Response.Status.IN_PROGRESS


def test_it_upserts_one_row_per_response_and_question(world, assessment):
    client = signed_in(world.acme.manager)
    for option in ("partly", "fully", "na", "dk", "fully"):
        assert _save(client, assessment, question="people.2.1", option=option).status_code == 200
    assert Answer.objects.count() == 1
    assert Answer.objects.get().option == "fully"


def test_it_keeps_both_answers_of_two_sessions_saving_different_questions(world, assessment):
    """Two tabs (two sessions) of one respondent: each upserts its own answer only."""
    tab_a, tab_b = signed_in(world.acme.manager), signed_in(world.acme.manager)
    assert _save(tab_a, assessment, question="people.2.1", option="fully").status_code == 200
    assert _save(tab_b, assessment, question="customers.2.1", option="partly").status_code == 200
    assert _save(tab_a, assessment, question="people.3.1", comment="We have a plan").status_code \
        == 200
    assert _save(tab_b, assessment, question="people.3.1", option="largely").status_code == 200
    answers = {a.question.key: (a.option, a.comment)
               for a in Answer.objects.select_related("question")}
    assert answers == {"people.2.1": ("fully", ""), "customers.2.1": ("partly", ""),
                       "people.3.1": ("largely", "We have a plan")}
    assert Response.objects.filter(assessment=assessment).count() == 1


def test_it_saves_a_comment_without_touching_the_answer(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="largely")
    _save(client, assessment, question="people.2.1", comment="  Evidence: the runbook  ")
    answer = Answer.objects.get()
    assert (answer.option, answer.comment) == ("largely", "Evidence: the runbook")


@pytest.mark.parametrize("payload", [
    {"question": "people.2.1", "option": "brilliant"},
    {"question": "no.such.question", "option": "fully"},
    {"question": "people.2.1"},
    {"option": "fully"},
    {"question": "people.2.1", "comment": "x" * 5001},
    {"question": "people.2.1", "option": 3},
])
def test_it_refuses_malformed_saves_and_writes_nothing(world, assessment, payload):
    response = _save(signed_in(world.acme.manager), assessment, **payload)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert not Answer.objects.exists()


def test_it_refuses_any_change_to_a_submitted_response_and_writes_nothing(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="partly")
    assert client.post(_url(assessment, "answer_submit")).status_code == 302
    before = list(Answer.objects.values_list("question_id", "option", "comment", "updated_at"))

    for payload in ({"question": "people.2.1", "option": "fully"},
                    {"question": "people.3.1", "option": "fully"},
                    {"question": "people.2.1", "comment": "late"}):
        response = _save(client, assessment, **payload)
        assert response.status_code == 409
        assert response.json()["code"] == "submitted"
        assert "submitted" in response.json()["error"]
    form = client.post(_url(assessment, "answer_dimension", dimension_key="people"),
                       {"q-people.2.1": "fully"})
    assert form.status_code == 302
    assert list(Answer.objects.values_list("question_id", "option", "comment",
                                           "updated_at")) == before
    with pytest.raises(services.AnswerRefused):
        services.answer_save(response=Response.objects.get(), question_key="people.2.1",
                             option="fully")
    assert client.post(_url(assessment, "answer_submit")).status_code == 302  # no second submit
    assert AuditEvent.objects.filter(action="assessment.response_submitted").count() == 1


def test_it_records_the_submission_in_the_audit_log(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="partly")
    client.post(_url(assessment, "answer_submit"))
    event = AuditEvent.objects.get(action="assessment.response_submitted")
    assert event.actor == world.acme.manager and event.organisation == world.acme.org


def test_it_refuses_saves_when_the_assessment_is_closed_or_still_a_draft(world):
    draft = make_assessment(world, opened=False)
    client = signed_in(world.acme.manager)
    response = _save(client, draft, question="people.2.1", option="fully")
    assert response.status_code == 409 and response.json()["code"] == "not_open"
    closed = make_assessment(world, name="Closed")
    services.assessment_close(by=access_for(world.acme.manager, world.acme.org),
                              assessment=closed)
    response = _save(client, closed, question="people.2.1", option="fully")
    assert response.status_code == 409 and response.json()["code"] == "closed"
    assert not Answer.objects.exists() and not Response.objects.exists()


def test_it_lets_no_viewer_answer(world, assessment):
    viewer = signed_in(world.acme.viewer)
    assert viewer.get(_url(assessment, "answer")).status_code == 403
    assert viewer.get(_url(assessment, "answer_dimension", dimension_key="people")) \
        .status_code == 403
    assert _save(viewer, assessment, question="people.2.1", option="fully").status_code == 403
    assert viewer.post(_url(assessment, "answer_submit")).status_code == 403
    assert not Answer.objects.exists() and not Response.objects.exists()


def test_it_does_not_create_a_response_by_looking(world, assessment):
    client = signed_in(world.acme.consultant)
    for name in ("answer", "answer_review"):
        assert client.get(_url(assessment, name)).status_code == 200
    assert client.get(_url(assessment, "answer_dimension", dimension_key="people")) \
        .status_code == 200
    assert not Response.objects.exists()


def test_it_renders_a_dimension_page_for_keyboards_and_screen_readers(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.3.1", option="largely")
    _save(client, assessment, question="people.3.1", comment="Half the team")
    page = client.get(_url(assessment, "answer_dimension", dimension_key="people"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    assert 'aria-describedby="help-people.2.1"' in html and "Help for people.2.1" in html
    assert 'for="q-people.2.1-fully"' in html and 'id="q-people.2.1-fully"' in html
    assert 'value="na"' in html and 'value="dk"' in html
    assert 'value="largely" checked' in html and "Half the team" in html
    assert 'aria-live="polite"' in html and 'role="progressbar"' in html
    assert "csrfmiddlewaretoken" in html and "js/questionnaire.js" in html
    assert "<script>" not in html  # strict CSP: no inline script
    assert 'data-save-url="' + _url(assessment, "answer_save") + '"' in html
    assert "1 of 6 answered" in html


def test_a_comment_box_takes_what_the_service_takes_and_every_option_once(world, assessment,
                                                                          monkeypatch):
    """The cards' maxlength is the service's MAX_COMMENT_LENGTH (it was written out in
    the template), and each statement offers the scale, "na" and "dk" as radios."""
    from scoring import DK, NA

    url = _url(assessment, "answer_dimension", dimension_key="people")
    client = signed_in(world.acme.manager)
    html = client.get(url).content.decode()
    assert html.count(f'maxlength="{services.MAX_COMMENT_LENGTH}"') == 3
    monkeypatch.setattr(services, "MAX_COMMENT_LENGTH", 1234)
    html = client.get(url).content.decode()
    assert html.count('maxlength="1234"') == 3
    for option in ("not_in_place", "partly", "largely", "fully", NA, DK):
        assert html.count(f'id="q-people.2.1-{option}"') == 1
    assert html.count('name="q-people.2.1"') == 6


def test_markup_in_the_models_texts_is_shown_as_text_escaped_once(world):
    """The option loop outputs labels escaped once per page (answering._cards, in an
    ``autoescape false`` block): a label or statement with markup shows as text, and an
    ampersand is not escaped twice."""
    document = build_document("marked-up")
    document["scale"][1]["label"] = {"en": '<b>Partly</b> & "sometimes"'}
    document["questions"][0]["statement"] = {"en": "Tickets <i>and</i> calls & chats"}
    assessment = make_assessment(world, version=make_version(slug="marked-up",
                                                             document=document))
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option=document["scale"][1]["key"])
    html = client.get(_url(assessment, "answer_dimension", dimension_key="people")) \
        .content.decode()
    label = "&lt;b&gt;Partly&lt;/b&gt; &amp; &#34;sometimes&#34;"
    assert html.count(label) == 3  # one per statement
    assert "<b>Partly" not in html and "&amp;amp;" not in html
    assert "Tickets &lt;i&gt;and&lt;/i&gt; calls &amp; chats" in html
    assert f'value="{document["scale"][1]["key"]}" checked' in html


def test_it_shows_the_model_texts_in_the_users_language(world, assessment):
    world.acme.manager.language = "sv"
    world.acme.manager.save()
    html = signed_in(world.acme.manager).get(
        _url(assessment, "answer_dimension", dimension_key="people")).content.decode()
    assert "Påstående people.2.1" in html and "Människor" in html and "Helt" in html


def test_it_unknown_dimension_is_404(world, assessment):
    client = signed_in(world.acme.manager)
    assert client.get(_url(assessment, "answer_dimension", dimension_key="nope")) \
        .status_code == 404


def test_it_saves_a_whole_page_without_javascript(world, assessment):
    client = signed_in(world.acme.manager)
    response = client.post(_url(assessment, "answer_dimension", dimension_key="people"), {
        "q-people.2.1": "fully", "q-people.3.1": "na", "c-people.3.1": "Not our job",
        "c-people.4.1": ""})
    assert response.status_code == 302
    assert response["Location"] == _url(assessment, "answer_dimension",
                                        dimension_key="customers")
    answers = {a.question.key: (a.option, a.comment)
               for a in Answer.objects.select_related("question")}
    assert answers == {"people.2.1": ("fully", ""), "people.3.1": ("na", "Not our job")}


def test_it_lists_what_is_unanswered_on_the_review_page(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="fully")
    _save(client, assessment, question="people.3.1", comment="only a comment")
    html = client.get(_url(assessment, "answer_review")).content.decode()
    assert "Statement people.2.1" not in html
    for key in ("people.3.1", "people.4.1", "customers.2.1", "customers.3.1", "customers.4.1"):
        assert f"Statement {key}" in html
        assert f"#q-{key}" in html
    assert "1 of 6" in html
    assert _url(assessment, "answer_submit") in html


def test_it_shows_a_submitted_questionnaire_read_only(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="fully")
    thanked = client.post(_url(assessment, "answer_submit"), follow=True).content.decode()
    assert thanked.count("Thank you!") == 1  # the panel that says what happens next
    assert 'data-next="member"' in thanked
    html = client.get(_url(assessment, "answer_dimension", dimension_key="people")) \
        .content.decode()
    assert 'data-readonly="true"' in html
    assert 'value="fully" checked disabled' in html
    review = client.get(_url(assessment, "answer_review")).content.decode()
    assert _url(assessment, "answer_submit") not in review


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_answer_when_two_tabs_save_at_the_same_moment(world):
    """Real concurrency: threads with their own connections upsert at once."""
    import threading

    from django.db import connection as default_connection
    from django.db import connections

    if default_connection.vendor == "sqlite" and default_connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database is not shared between threads")
    assessment = make_assessment(world)
    response = services.member_response(assessment=assessment, user=world.acme.manager)
    keys = ["people.2.1", "people.3.1", "people.4.1", "customers.2.1", "customers.3.1",
            "customers.4.1"]
    errors = []
    barrier = threading.Barrier(len(keys) * 2)

    def save(key, field, value):
        try:
            barrier.wait(timeout=10)
            services.answer_save(response=Response.objects.get(pk=response.pk),
                                 question_key=key, **{field: value})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(key, "option", "largely")) for key in keys]
    threads += [threading.Thread(target=save, args=(key, "comment", f"note {key}"))
                for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    rows = {a.question.key: (a.option, a.comment)
            for a in Answer.objects.select_related("question")}
    assert rows == {key: ("largely", f"note {key}") for key in keys}


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_with_the_submission_waits_for_it_and_is_then_refused(world):
    """The autosave locks the response's row: a save that arrives while the submission
    holds it waits, then sees the submission and writes nothing."""
    import threading

    from django.db import connection as default_connection
    from django.db import connections, transaction
    from django.utils import timezone

    if default_connection.vendor == "sqlite" and default_connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database is not shared between threads")
    assessment = make_assessment(world)
    response = services.member_response(assessment=assessment, user=world.acme.manager)
    services.answer_save(response=response, question_key="people.2.1", option="fully")
    holding, release, outcome = threading.Event(), threading.Event(), []

    def submit():  # as services.response_submit does, but holding the lock a while
        try:
            with transaction.atomic():
                locked = Response.objects.select_for_update().get(pk=response.pk)
                locked.submitted_at = timezone.now()
                locked.save(update_fields=["submitted_at"])
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def save():
        try:
            stale = Response.objects.select_related("assessment__model_version").get(
                pk=response.pk)
            assert stale.submitted_at is None  # read before the submission commits
            services.answer_save(response=stale, question_key="people.3.1", option="largely")
            outcome.append("saved")
        except services.AnswerRefused as refused:
            outcome.append(refused.code)
        finally:
            connections.close_all()

    submitter = threading.Thread(target=submit)
    submitter.start()
    assert holding.wait(10)
    saver = threading.Thread(target=save)
    saver.start()
    saver.join(0.5)
    still_waiting = saver.is_alive()
    release.set()
    submitter.join(10)
    saver.join(10)
    assert outcome == ["submitted"]
    assert still_waiting
    assert not Answer.objects.filter(question__key="people.3.1").exists()


@pytest.mark.parametrize("change,code", [
    ("close", "closed"), ("submit", "submitted"), ("revoke", "revoked")])
def test_a_save_from_a_response_read_before_it_changed_is_refused(world, change, code):
    """The autosave decides on the response as it was read, and writes only if it is
    still so: otherwise it looks again, under a lock, and refuses."""
    from django.utils import timezone

    from assessments.models import Assessment

    assessment = make_assessment(world)
    if change == "revoke":  # a personal link's response
        response = Response.objects.create(assessment=assessment, email="guest@example.test",
                                           token_hash="h" * 64)
    else:
        response = services.member_response(assessment=assessment, user=world.acme.manager)
    services.answer_save(response=response, question_key="people.2.1", option="fully")
    stale = Response.objects.select_related("assessment__model_version").get(pk=response.pk)
    if change == "close":
        Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.CLOSED)
    elif change == "submit":
        Response.objects.filter(pk=response.pk).update(submitted_at=timezone.now())
    else:
        Response.objects.filter(pk=response.pk).update(revoked_at=timezone.now())
    with pytest.raises(services.AnswerRefused) as refused:
        services.answer_save(response=stale, question_key="people.3.1", option="largely")
    assert refused.value.code == code
    assert list(Answer.objects.filter(response=response).values_list(
        "question__key", "option")) == [("people.2.1", "fully")]


def test_it_notes_a_statements_source_under_its_help_in_the_readers_language(world):
    document = build_document("sourced")
    document["questions"][0]["source"] = {"en": "TOPdesk SEMM, level 2 description",
                                          "sv": "TOPdesk SEMM, beskrivningen av nivå 2"}
    document["questions"][1]["source"] = {"en": "Good practice"}
    assessment = make_assessment(world, version=make_version(slug="sourced", document=document))
    user = world.acme.manager
    user.language = "sv"
    user.save()
    html = signed_in(user).get(_url(assessment, "answer_dimension", dimension_key="people")) \
        .content.decode()
    help_at = html.index('id="help-people.2.1"')
    source_at = html.index("TOPdesk SEMM, beskrivningen av nivå 2")
    assert help_at < source_at < html.index('id="q-people.3.1"')  # under its own help
    assert 'lang="sv">Källa: TOPdesk SEMM' in html
    # Missing in Swedish: the model's default language, marked as such.
    assert 'lang="en">Källa: Good practice' in html
    assert html.count("qn-source") == 2


# --- The page without JavaScript and another tab -------------------------------------------


class _FormAsLoaded(HTMLParser):
    """What a browser without JavaScript posts for the questionnaire's form as loaded."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") == "radio" and "checked" not in attrs:
                return
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def _form_as_loaded(client, url) -> dict[str, str]:
    parser = _FormAsLoaded()
    parser.feed(client.get(url).content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    parser.data.pop("language", None)
    parser.data.pop("next", None)
    return parser.data


def _answers():
    return {a.question.key: (a.option, a.comment)
            for a in Answer.objects.select_related("question")}


def test_a_page_posted_as_loaded_keeps_what_another_tab_saved_meanwhile(world, assessment):
    client = signed_in(world.acme.manager)
    _save(client, assessment, question="people.2.1", option="partly")
    page = _url(assessment, "answer_dimension", dimension_key="people")
    form = _form_as_loaded(client, page)  # tab A, without JavaScript
    assert form["q-people.2.1"] == "partly" and "s-q-people.2.1" in form
    # Tab B (with JavaScript) answers meanwhile.
    _save(client, assessment, question="people.2.1", option="fully")
    _save(client, assessment, question="people.3.1", comment="From tab B")
    _save(client, assessment, question="people.3.1", option="largely")
    # Tab A changes one other statement and saves its page.
    posted = client.post(page, {**form, "q-people.4.1": "na"}, follow=True)
    assert _answers() == {"people.2.1": ("fully", ""), "people.3.1": ("largely", "From tab B"),
                          "people.4.1": ("na", "")}
    assert not [m for m in posted.context["messages"] if m.level_tag == "warning"]
    assert posted.redirect_chain[-1][0] == _url(assessment, "answer_dimension",
                                                dimension_key="customers")


def test_a_field_changed_in_both_tabs_keeps_this_pages_value_and_says_so(world, assessment):
    client = signed_in(world.acme.manager)
    page = _url(assessment, "answer_dimension", dimension_key="people")
    form = _form_as_loaded(client, page)
    _save(client, assessment, question="people.2.1", option="fully")  # tab B
    _save(client, assessment, question="people.3.1", comment="B's evidence")
    posted = client.post(page, {**form, "q-people.2.1": "partly",
                                "c-people.3.1": "A's evidence\r\nline two"}, follow=True)
    assert _answers() == {"people.2.1": ("partly", ""),
                          "people.3.1": ("", "A's evidence\nline two")}
    warnings = [str(m) for m in posted.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and "1, 2" in warnings[0] and "another tab" in warnings[0]
    assert posted.redirect_chain[-1][0] == page  # stays, so the person can check them
