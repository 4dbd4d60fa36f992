"""Sign-up verifies the email address, tells nobody which addresses have accounts,
and is throttled with password reset (issue 12, item 8)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from organisations import services
from organisations.models import Membership, Organisation, Role, User
from organisations.selectors import account_exists
from tests.conftest import PASSWORD, access_for
from tests.test_translations import compiled_locale, translated  # noqa: F401 - fixtures

DATA = {"full_name": "Ada Lovelace", "email": "ada@example.test",
        "password": "a-long-and-unusual-passphrase", "kind": "organisation",
        "organisation_name": "Analytical Engines", "organisation_slug": ""}


def sign_up(client: Client, **overrides):
    return client.post("/accounts/signup/", {**DATA, **overrides})


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/signup/verify/\S+/)", message.body).group(1)


# ---------------------------------------------------------------- verification


def test_a_new_account_cannot_act_before_its_address_is_verified(client, db, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/sent/"
    user = User.objects.get(email="ada@example.test")
    assert not user.is_active and not Membership.objects.filter(user=user).exists()
    assert not Organisation.objects.exists()
    assert "data-landing" in client.get("/").content.decode()  # not signed in
    signed = Client().post("/accounts/login/", {"username": DATA["email"],
                                                "password": DATA["password"]})
    assert "_auth_user_id" not in signed.client.session
    message = mailoutbox[0]
    assert message.to == ["ada@example.test"] and "Confirm your email" in message.subject
    assert message.alternatives[0][1] == "text/html" and link_in(message) in \
        message.alternatives[0][0]


def test_the_link_shows_a_button_then_activates_creates_the_organisation_and_signs_in(
        client, db, mailoutbox):
    sign_up(client, kind="consultancy", organisation_slug="engines")
    link = link_in(mailoutbox[0])
    page = Client().get(link)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Confirm and continue" in page.content.decode()
    assert not User.objects.get(email="ada@example.test").is_active
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == "/o/engines/"
    org = Organisation.objects.get(slug="engines")
    assert org.is_consultancy
    user = User.objects.get(email="ada@example.test")
    assert user.is_active and Membership.objects.get(user=user, organisation=org).role == \
        Role.OWNER
    assert client.get("/o/engines/portfolio/").status_code == 200
    # Used once: a second click (or another tab) does nothing.
    again = Client().post(link)
    assert again.status_code == 400 and "no longer works" in again.content.decode()
    assert Organisation.objects.count() == 1


def test_an_expired_or_tampered_link_does_nothing(client, db, mailoutbox, settings):
    sign_up(client)
    link = link_in(mailoutbox[0])
    tampered = link.replace("/verify/", "/verify/x")
    assert client.post(tampered).status_code == 400
    settings.SIGNUP_VERIFICATION_DAYS = -1
    assert client.post(link).status_code == 400
    assert not Organisation.objects.exists()
    assert not User.objects.get(email="ada@example.test").is_active


def test_signing_up_again_before_verifying_replaces_the_first_sign_up(client, db, mailoutbox):
    sign_up(client, organisation_name="First try")
    sign_up(client, organisation_name="Second try", password="another-unusual-phrase-3")
    first, second = link_in(mailoutbox[0]), link_in(mailoutbox[1])
    assert client.post(first).status_code == 400  # the newer sign-up replaced it
    assert client.post(second).status_code == 302
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Second try"]
    assert User.objects.get(email="ada@example.test").check_password(
        "another-unusual-phrase-3")


def test_a_short_name_taken_meanwhile_gives_one_like_it(client, db, mailoutbox):
    sign_up(client, organisation_slug="engines")
    Organisation.objects.create(name="Someone else", slug="engines")
    response = client.post(link_in(mailoutbox[0]))
    org = Organisation.objects.get(name="Analytical Engines")
    assert org.slug != "engines" and response["Location"] == f"/o/{org.slug}/"


# --------------------------------------------------------------- no enumeration


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(
        world, mailoutbox):
    fresh = sign_up(Client(), email="nobody-yet@example.test")
    taken = sign_up(Client(), email="OWNER@acme.test", full_name="Mallory",
                    password="mallorys-own-passphrase-1")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken.content == fresh.content
    # The account's owner is told, with a way back in; nothing of theirs changed.
    told = mailoutbox[-1]
    assert told.to == ["owner@acme.test"] and "tried to sign up" in told.subject
    assert "/accounts/password-reset/" in told.body and "/accounts/signup/verify/" not in \
        told.body
    assert "/accounts/password-reset/" in told.alternatives[0][0]
    owner = User.objects.get(email="owner@acme.test")
    assert owner.is_active and owner.check_password(PASSWORD) and owner.full_name != "Mallory"
    assert not Organisation.objects.filter(name="Analytical Engines").exists()


def test_the_sign_up_page_never_says_an_address_is_taken(world):
    page = sign_up(Client(), email="owner@acme.test", password="123")
    assert page.status_code == 200
    assert "already exists" not in page.content.decode()
    assert "email" not in page.context["form"].errors


def test_emails_are_in_the_recipients_language(world, mailoutbox, translated):  # noqa: F811
    sign_up(Client(HTTP_ACCEPT_LANGUAGE="sv"), email="sven@example.test")
    assert mailoutbox[-1].extra_headers["Content-Language"] == "sv"
    assert "Bekräfta" in mailoutbox[-1].subject
    owner = world.acme.owner
    owner.language = "hu"
    owner.save()
    sign_up(Client(HTTP_ACCEPT_LANGUAGE="sv"), email=owner.email)
    assert mailoutbox[-1].extra_headers["Content-Language"] == "hu"
    assert "e-mail" in mailoutbox[-1].subject.lower()


# --------------------------------------------------------------------- throttles


def test_sign_up_is_throttled_per_address(db, settings, mailoutbox):
    settings.THROTTLE_PER_ADDRESS = 3
    for n in range(3):  # from different networks: the address is what counts
        assert sign_up(Client(REMOTE_ADDR=f"10.0.0.{n}")).status_code == 302
    refused = sign_up(Client(REMOTE_ADDR="10.0.0.9"))
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert len(mailoutbox) == 3
    assert sign_up(Client(REMOTE_ADDR="10.0.0.9"), email="other@example.test") \
        .status_code == 302


def test_sign_up_is_throttled_per_client_address_whatever_it_forwards(db, settings):
    settings.THROTTLE_PER_IP = 3
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(3):
        assert sign_up(client, email=f"a{n}@example.test").status_code == 302
    # Without a trusted proxy, a forwarded header is not the client's address.
    refused = sign_up(client, email="a9@example.test", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert refused.status_code == 429
    assert sign_up(Client(REMOTE_ADDR="192.0.2.8"), email="b@example.test").status_code == 302


@pytest.mark.parametrize("email", ["manager@acme.test", "nobody@example.test"])
def test_password_reset_is_throttled_per_address_the_same_for_any_address(
        world, settings, mailoutbox, email):
    settings.THROTTLE_PER_ADDRESS = 2
    for n in range(2):
        response = Client(REMOTE_ADDR=f"10.1.0.{n}").post("/accounts/password-reset/",
                                                           {"email": email})
        assert response.status_code == 302
    refused = Client(REMOTE_ADDR="10.1.0.9").post("/accounts/password-reset/",
                                                  {"email": email})
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert len(mailoutbox) == (2 if email.endswith("acme.test") else 0)


def test_password_reset_is_throttled_per_client_address(world, settings):
    settings.THROTTLE_PER_IP = 2
    client = Client(REMOTE_ADDR="192.0.2.9")
    for email in ("a@example.test", "b@example.test"):
        assert client.post("/accounts/password-reset/", {"email": email}).status_code == 302
    assert client.post("/accounts/password-reset/", {"email": "manager@acme.test"}) \
        .status_code == 429


# ------------------------------------------------------------------ invitations


def test_accepting_an_invitation_proves_the_address_of_a_pending_sign_up(world, mailoutbox):
    sign_up(Client(), email="newcomer@example.test")
    assert not account_exists("newcomer@example.test")
    _invitation, token = services.invitation_create(
        by=access_for(world.acme.owner, world.acme.org), email="newcomer@example.test",
        role=Role.MANAGER, language="en")
    client = Client()
    page = client.get(f"/accounts/invitations/{token}/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post(f"/accounts/invitations/{token}/", {
        "full_name": "New Comer", "password": "a-newcomers-passphrase-8"})
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.test")
    assert user.is_active and user.check_password("a-newcomers-passphrase-8")
    assert Membership.objects.get(user=user).organisation == world.acme.org
    assert client.post(link_in(mailoutbox[0])).status_code == 400  # that link is spent

