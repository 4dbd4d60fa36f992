"""Bad input on the pages outside any organisation: sign-in, sign-up, profile,
accepting an invitation, and the language switch.

Each test throws hypothesis-generated input at one form (missing fields, repeated
fields, NUL bytes, control and astral characters, very long strings, markup). Every
answer is below 500; a refused form is shown again with its errors on the page, and
the database is exactly as before. Input that happens to be valid may succeed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from organisations.models import Invitation, Role, User, hash_token
from tests.conftest import signed_in
from tests.fuzzing import (
    assert_no_server_error,
    assert_rejected,
    assert_unchanged,
    form,
    fuzz,
    nasty_text,
    plausible_text,
    snapshot,
)

# django-axes records every failed sign-in, by design: that is not a partial write.
AXES = ("axes_",)


@pytest.fixture
def no_lockout(settings):
    # Hundreds of failures from one address would lock it out after five; the
    # lockout itself is tested in test_security.py.
    settings.AXES_FAILURE_LIMIT = 1_000_000


def test_it_refuses_bad_sign_ins_with_a_message(world, client, no_lockout):
    @fuzz(40)
    @given(data=form({"username": st.one_of(nasty_text, st.emails()),
                      "password": nasty_text}))
    def check(data):
        before = snapshot(ignore=AXES)
        response = client.post("/accounts/login/", data)
        assert_rejected(response, before, ignore=AXES)
        assert "_auth_user_id" not in client.session

    check()


def test_it_refuses_bad_sign_ups_and_writes_nothing(db, client):
    @fuzz(40)
    @given(data=form({
        "full_name": st.one_of(nasty_text, plausible_text),
        "email": st.one_of(nasty_text, st.emails()),
        "password": st.one_of(nasty_text, st.just("a-long-and-unusual-passphrase")),
        "kind": st.one_of(nasty_text, st.sampled_from(["organisation", "consultancy"])),
        "organisation_name": st.one_of(nasty_text, plausible_text),
        "organisation_slug": st.one_of(nasty_text, st.from_regex(r"\A[a-z0-9-]{0,70}\Z")),
    }))
    def check(data):
        before = snapshot()
        response = client.post("/accounts/signup/", data)
        assert_no_server_error(response)
        if response.status_code == 302:  # valid after all: signed up and signed in
            client.logout()
            return
        assert_rejected(response, before)

    check()


def test_it_signs_up_with_a_name_that_gives_no_slug(db, client):
    """Found by the fuzzer's kin: a name with no letter a slug can take."""
    response = client.post("/accounts/signup/", {
        "full_name": "Ω", "email": "omega@example.test",
        "password": "a-long-and-unusual-passphrase", "kind": "organisation",
        "organisation_name": "ΩΩΩ 🙂", "organisation_slug": ""})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_it_refuses_bad_profiles_and_writes_nothing(world):
    client = signed_in(world.acme.viewer)

    @fuzz(30)
    @given(data=form({"full_name": nasty_text,
                      "language": st.one_of(nasty_text, st.sampled_from(["en", "sv", ""]))}))
    def check(data):
        before = snapshot()
        response = client.post("/accounts/profile/", data)
        assert_no_server_error(response)
        if response.status_code == 302:
            return
        assert_rejected(response, before)

    check()


def _invitation(world, email: str) -> str:
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        organisation=world.acme.org, email=email, role=Role.MANAGER,
        token_hash=hash_token(token), invited_by=world.acme.owner,
        expires_at=timezone.now() + timedelta(days=14))
    return token


def test_it_refuses_bad_sign_ups_through_an_invitation(world, client):
    count = iter(range(10**6))

    @fuzz(30)
    @given(data=form({"full_name": nasty_text, "password": nasty_text,
                      "email": nasty_text}))
    def check(data):
        email = f"newcomer{next(count)}@acme.test"
        token = _invitation(world, email)
        before = snapshot()
        response = client.post(f"/accounts/invitations/{token}/", data)
        assert_no_server_error(response)
        if response.status_code == 302:  # a long odd password is still a password
            assert User.objects.get(email=email).memberships.get().role == Role.MANAGER
            client.logout()
            return
        assert_rejected(response, before)
        assert not User.objects.filter(email=email).exists()

    check()


def test_it_answers_404_to_any_made_up_invitation_token(world, client):
    signed = signed_in(world.acme.manager)

    @fuzz(30)
    @given(token=st.one_of(nasty_text.filter(lambda t: t and "/" not in t),
                           st.from_regex(r"\A[A-Za-z0-9_-]{1,300}\Z")),
           signed_in_user=st.booleans(), method=st.sampled_from(["get", "post"]))
    def check(token, signed_in_user, method):
        before = snapshot()
        who = signed if signed_in_user else client
        response = getattr(who, method)(f"/accounts/invitations/{quote(token, safe='')}/",
                                        {"full_name": "x", "password": "y"})
        assert_no_server_error(response)
        assert response.status_code == 404
        assert "invitation" in response.content.decode().lower()
        assert_unchanged(before)

    check()


def test_it_ignores_form_input_when_a_member_accepts_an_invitation(world):
    """Accepting takes no input but the POST itself; whatever comes with it is ignored."""
    token = _invitation(world, world.globex.manager.email)
    client = signed_in(world.globex.manager)

    @fuzz(25)
    @given(data=form({"role": nasty_text, "organisation": nasty_text, "email": nasty_text}))
    def check(data):
        response = client.post(f"/accounts/invitations/{token}/", data)
        assert_no_server_error(response)
        assert response.status_code in (302, 410)

    check()
    membership = world.globex.manager.memberships.get(organisation=world.acme.org)
    assert membership.role == Role.MANAGER


def test_it_ignores_bad_language_switches(world, client):
    signed = signed_in(world.acme.viewer)

    @fuzz(30)
    @given(data=form({"language": nasty_text, "next": nasty_text}),
           signed_in_user=st.booleans())
    def check(data, signed_in_user):
        before = snapshot()
        response = (signed if signed_in_user else client).post("/i18n/setlang/", data)
        assert_no_server_error(response)
        language = data.get("language")
        if language not in ("en", "sv", "hu", "nb") and not isinstance(language, list):
            assert_unchanged(before)

    check()
    world.acme.viewer.refresh_from_db()
    assert world.acme.viewer.language in ("", "en", "sv", "hu", "nb")
