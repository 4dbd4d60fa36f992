"""Bad input on the questionnaire: the autosave endpoint (JSON and form-encoded),
the form without JavaScript, and submission, for a member and through a personal
link (``/r/<token>/``).

Autosave answers JSON: 200 with what was saved, or a 4xx with ``ok: false``, a
code and a readable message, and then nothing is written — not even the member's
response row that a first valid answer would create.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Answer, Response
from assessments.services import MAX_COMMENT_LENGTH
from tests.assessment_factories import invitee, make_assessment
from tests.conftest import signed_in
from tests.fuzzing import (
    assert_no_server_error,
    assert_unchanged,
    fuzz,
    json_error,
    json_values,
    nasty_text,
    shown_errors,
    snapshot,
)

KEYS = ["people.2.1", "people.3.1", "customers.4.1"]
OPTIONS = ["not_in_place", "partly", "largely", "fully", "na", "dk", ""]

question_keys = st.one_of(st.sampled_from(KEYS), nasty_text,
                          st.sampled_from(["PEOPLE.2.1", "people.2.1 ", "people.2.1\x00",
                                           "people", "people.9.9"]))
options = st.one_of(st.sampled_from(OPTIONS), nasty_text,
                    st.sampled_from(["FULLY", "fully\x00", "0", "1", "true"]))
comments = st.one_of(nasty_text, st.just("x" * (MAX_COMMENT_LENGTH + 1)),
                     st.just(" " * 6000 + "ok"))

# A payload: the documented shape with any field missing or of any JSON type, plus
# unknown fields; or any JSON value at all.
payloads = st.one_of(
    st.fixed_dictionaries({}, optional={
        "question": st.one_of(question_keys, json_values),
        "option": st.one_of(options, json_values),
        "comment": st.one_of(comments, json_values),
        "extra": json_values,
    }),
    json_values,
)


def _member_url(assessment, name):
    return reverse(f"assessments:{name}", kwargs={"org_slug": "acme",
                                                  "assessment_id": assessment.public_id})


@pytest.fixture
def assessment(world):
    return make_assessment(world, name="Questionnaire round")


def _check_save(response, before, payload):
    assert_no_server_error(response)
    if response.status_code == 200:
        data = response.json()
        assert data["ok"] is True
        if data["comment"] is not None:
            assert "\x00" not in data["comment"]
        return
    json_error(response)
    assert_unchanged(before)


def test_it_answers_every_json_autosave_with_json_and_writes_nothing_when_refusing(
        world, assessment):
    client = signed_in(world.acme.manager)  # no response row yet: the first save makes one
    url = _member_url(assessment, "answer_save")

    @fuzz(60)
    @given(payload=payloads)
    def check(payload):
        before = snapshot()
        response = client.post(url, json.dumps(payload), content_type="application/json")
        _check_save(response, before, payload)

    check()


def test_it_answers_form_encoded_autosaves_the_same_way(world, assessment):
    client = signed_in(world.acme.consultant)
    url = _member_url(assessment, "answer_save")

    @fuzz(40)
    @given(payload=st.fixed_dictionaries({}, optional={
        "question": st.one_of(question_keys, st.lists(question_keys, min_size=2, max_size=3)),
        "option": options, "comment": comments, "csrfmiddlewaretoken": nasty_text}))
    def check(payload):
        before = snapshot()
        response = client.post(url, payload)
        _check_save(response, before, payload)

    check()


def test_it_refuses_malformed_request_bodies_with_json(world, assessment):
    client = signed_in(world.acme.manager)
    url = _member_url(assessment, "answer_save")

    @fuzz(40)
    @given(body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.sampled_from([b"{", b'{"question": "people.2.1", "option": "fully"',
                         b"\xff\xfe{}", b'{"question": NaN}', b"[" * 5000 + b"]" * 5000,
                         b'{"a":' * 3000 + b"1" + b"}" * 3000, b"1" + b"0" * 5000,
                         b'"\\ud800"', b'{"question": "\\u0000"}']),
    ), content_type=st.sampled_from(["application/json", "text/plain",
                                     "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=xyz",
                                     "application/json; charset=latin-1"]))
    def check(body, content_type):
        before = snapshot()
        response = client.generic("POST", url, body, content_type=content_type)
        assert_no_server_error(response)
        assert response.status_code in (200, 400, 409), response.status_code
        if response.status_code != 200:
            if response["Content-Type"].startswith("application/json"):
                json_error(response)
            assert_unchanged(before)

    check()


@pytest.mark.parametrize("body", [b"[" * 50_000 + b"]" * 50_000,
                                  b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                                  b'{"question": ' + b"9" * 5000 + b"}"],
                         ids=["deep list", "deep object", "huge number"])
def test_it_refuses_json_the_parser_gives_up_on(world, assessment, body):
    client = signed_in(world.acme.manager)
    before = snapshot()
    response = client.generic("POST", _member_url(assessment, "answer_save"), body,
                              content_type="application/json")
    assert json_error(response)["code"] == "invalid"
    assert_unchanged(before)


def test_it_refuses_an_autosave_body_over_the_upload_limit(world, assessment, settings):
    client = signed_in(world.acme.manager)
    before = snapshot()
    body = json.dumps({"question": "people.2.1", "comment": "x" * settings.MAX_UPLOAD_BYTES})
    response = client.post(_member_url(assessment, "answer_save"), body,
                           content_type="application/json")
    assert json_error(response)["code"] == "invalid"  # JSON, which the script can read
    assert_unchanged(before)


@pytest.mark.parametrize("payload, code", [
    ({"question": "people.2.1", "comment": "a\x00b"}, "invalid"),
    ({"question": "people.2.1\x00", "option": "fully"}, "invalid"),
    ({"question": "people.2.1", "option": "fully\x00"}, "invalid"),
    ({"question": "nope", "option": "fully"}, "invalid"),
    ({"question": "people.2.1", "option": "nope"}, "invalid"),
    ({"question": "people.2.1", "comment": "x" * (MAX_COMMENT_LENGTH + 1)}, "invalid"),
])
def test_it_refuses_a_members_first_bad_answer_without_creating_their_response(
        world, assessment, payload, code):
    client = signed_in(world.acme.manager)
    before = snapshot()
    response = client.post(_member_url(assessment, "answer_save"), json.dumps(payload),
                           content_type="application/json")
    assert json_error(response)["code"] == code
    assert_unchanged(before)
    assert not Response.objects.filter(user=world.acme.manager).exists()


def test_it_refuses_bad_pages_of_the_form_without_javascript(world, assessment):
    client = signed_in(world.acme.manager)
    url = reverse("assessments:answer_dimension", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id, "dimension_key": "people"})
    fields = {f"q-{k}": options for k in KEYS} | {f"c-{k}": comments for k in KEYS}
    fields |= {"q-unknown.key": options, "c-": comments}

    @fuzz(30)
    @given(data=st.fixed_dictionaries({}, optional=fields))
    def check(data):
        before = snapshot()
        response = client.post(url, data)
        assert_no_server_error(response)
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.status_code == 200
        if response["Location"] == url:  # refused: back to the same page, with the reasons
            shown_errors(page)
            assert_unchanged(before)

    check()


def test_it_answers_404_for_made_up_dimension_keys(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(25)
    @given(key=nasty_text.filter(lambda k: k and "/" not in k),
           method=st.sampled_from(["get", "post"]))
    def check(key, method):
        before = snapshot()
        url = _member_url(assessment, "answer") + f"dimension/{quote(key, safe='')}/"
        response = getattr(client, method)(url, {"q-people.2.1": "fully"})
        assert_no_server_error(response)
        assert response.status_code == 404
        assert_unchanged(before)

    check()


def test_it_ignores_junk_sent_with_a_submission(world, assessment):
    client = signed_in(world.acme.manager)

    @fuzz(25)
    @given(data=st.dictionaries(nasty_text.filter(bool), nasty_text, max_size=4))
    def check(data):
        response = client.post(_member_url(assessment, "answer_submit"), data)
        assert_no_server_error(response)
        assert response.status_code == 302

    check()


# --- Through a personal link ----------------------------------------------------------------


def test_it_refuses_bad_autosaves_through_a_personal_link(world, assessment):
    _response, token = invitee(assessment, "link@example.test")
    url = reverse("respondent:save", kwargs={"token": token})
    from django.test import Client

    client = Client()

    @fuzz(40)
    @given(payload=payloads)
    def check(payload):
        before = snapshot()
        response = client.post(url, json.dumps(payload), content_type="application/json")
        _check_save(response, before, payload)

    check()


def test_it_answers_made_up_links_with_404_and_json_for_autosave(world, assessment, client):
    @fuzz(30)
    @given(token=st.one_of(nasty_text.filter(lambda t: t and "/" not in t),
                           st.from_regex(r"\A[A-Za-z0-9_-]{1,200}\Z")),
           page=st.sampled_from(["", "review/", "save/", "submit/", "dimension/people/"]),
           method=st.sampled_from(["get", "post"]))
    def check(token, page, method):
        before = snapshot()
        url = f"/r/{quote(token, safe='')}/{page}"
        response = getattr(client, method)(url, {"question": "people.2.1", "option": "fully"})
        assert_no_server_error(response)
        if page in ("save/", "submit/") and method == "get":
            assert response.status_code == 405
        else:
            assert response.status_code == 404
            if page == "save/":
                assert json_error(response)["code"] == "unknown"
        assert_unchanged(before)

    check()
    assert not Answer.objects.exists()


def test_it_refuses_a_members_first_bad_page_without_creating_their_response(world, assessment):
    client = signed_in(world.acme.manager)
    url = reverse("assessments:answer_dimension", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id, "dimension_key": "people"})
    before = snapshot()
    response = client.post(url, {"q-people.2.1": "fully", "c-people.3.1": "a\x00b"})
    assert response["Location"] == url
    assert shown_errors(client.get(url))[0] == "people.3.1: Null characters are not allowed."
    assert_unchanged(before)
    assert not Response.objects.filter(user=world.acme.manager).exists()
