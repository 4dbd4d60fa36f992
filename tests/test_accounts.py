"""Sign-in, sign-out, sign-up (both kinds), profile language, password reset and change."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from organisations.models import AuditEvent, Membership, Organisation, Role, User
from tests.conftest import PASSWORD, make_user, signed_in


def _signup_data(**overrides):
    data = {"full_name": "Ada Lovelace", "email": "Ada@Example.test",
            "password": "a-long-and-unusual-passphrase", "kind": "organisation",
            "organisation_name": "Analytical Engines", "organisation_slug": ""}
    return {**data, **overrides}


def test_it_shows_the_sign_in_form_with_username_and_password_fields(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in page and 'name="password"' in page
    assert "/accounts/signup/" in page and "/accounts/password-reset/" in page


def test_it_signs_in_with_email_in_any_case_and_signs_out(client, world):
    response = client.post("/accounts/login/", {"username": "OWNER@acme.test",
                                                "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/o/acme/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/o/acme/").status_code == 302


def test_it_refuses_a_wrong_password(client, world):
    response = client.post("/accounts/login/", {"username": "owner@acme.test",
                                                "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def verify_link(mailoutbox) -> str:
    """The path of the verification link in the last email."""
    return re.search(r"https?://[^/\s]+(/accounts/signup/verify/\S+/)",
                     mailoutbox[-1].body).group(1)


def test_it_signs_up_a_single_organisation_and_lands_there(client, db, mailoutbox):
    response = client.post("/accounts/signup/", _signup_data())
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/sent/"
    assert not Organisation.objects.filter(name="Analytical Engines").exists()
    response = client.post(verify_link(mailoutbox))
    org = Organisation.objects.get(name="Analytical Engines")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{org.slug}/"
    assert org.slug == "analytical-engines"
    assert org.kind == Organisation.Kind.ORGANISATION and org.parent is None
    user = User.objects.get(email="ada@example.test")
    assert Membership.objects.get(user=user, organisation=org).role == Role.OWNER
    assert client.get(response["Location"]).status_code == 200  # signed in
    assert AuditEvent.objects.filter(organisation=org, action="organisation.created",
                                     actor=user).exists()


def test_it_signs_up_a_consultancy_that_can_have_clients(client, db, mailoutbox):
    client.post("/accounts/signup/", _signup_data(kind="consultancy",
                                                  organisation_slug="engines"))
    client.post(verify_link(mailoutbox))
    org = Organisation.objects.get(slug="engines")
    assert org.is_consultancy
    assert client.get("/o/engines/portfolio/").status_code == 200


def test_it_refuses_a_taken_slug_and_weak_password(client, world):
    response = client.post("/accounts/signup/", _signup_data(
        email="OWNER@acme.test", organisation_slug="acme", password="123"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"organisation_slug", "password"} <= set(errors)
    assert "email" not in errors  # whether the address has an account is not said
    assert not Organisation.objects.filter(name="Analytical Engines").exists()


def test_it_sends_a_signed_in_user_away_from_sign_up(world):
    assert signed_in(world.acme.owner).get("/accounts/signup/").status_code == 302


def test_it_saves_the_profile_and_switches_to_its_language(world):
    client = signed_in(world.acme.manager)
    response = client.post("/accounts/profile/", {"full_name": "Märta", "language": "sv"})
    assert response.status_code == 302
    assert response["Content-Language"] == "sv"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"
    world.acme.manager.refresh_from_db()
    assert (world.acme.manager.full_name, world.acme.manager.language) == ("Märta", "sv")
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="hu")
    assert '<html lang="sv"' in page.content.decode()


def test_it_remembers_the_header_language_switch_for_a_signed_in_user(world):
    user = world.acme.viewer
    user.language = "hu"
    user.save()
    client = signed_in(user)
    client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    user.refresh_from_db()
    assert user.language == "nb"
    assert '<html lang="nb"' in client.get("/accounts/profile/").content.decode()


def test_it_requires_sign_in_for_the_profile(client, db):
    assert client.get("/accounts/profile/").status_code == 302


def test_it_resets_a_password_by_email(client, world, mailoutbox):
    response = client.post("/accounts/password-reset/", {"email": "manager@acme.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["manager@acme.test"] and "\n" not in message.subject
    assert message.alternatives and message.alternatives[0].mimetype == "text/html"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "fresh-unusual-phrase-9",
                                      "new_password2": "fresh-unusual-phrase-9"})
    assert response.status_code == 302
    world.acme.manager.refresh_from_db()
    assert world.acme.manager.check_password("fresh-unusual-phrase-9")


def test_it_says_nothing_about_unknown_addresses_on_reset(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert not mail.outbox


def test_it_changes_a_password(world):
    client = signed_in(world.acme.viewer)
    assert client.get("/accounts/password-change/").status_code == 200
    response = client.post("/accounts/password-change/", {
        "old_password": PASSWORD, "new_password1": "another-unusual-phrase-7",
        "new_password2": "another-unusual-phrase-7"})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    world.acme.viewer.refresh_from_db()
    assert world.acme.viewer.check_password("another-unusual-phrase-7")


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/",
                                  "/accounts/password-reset/"])
def test_it_renders_the_public_account_pages(client, db, path):
    assert client.get(path).status_code == 200


def test_it_sends_a_member_of_one_organisation_straight_there(world):
    lone = make_user("lone@example.test")
    assert signed_in(world.globex.manager).get("/")["Location"] == "/o/globex/"
    assert "not a member" in signed_in(lone).get("/").content.decode()


def test_it_lets_staff_manage_users_in_the_admin(db):
    admin = User.objects.create_superuser(email="root@example.test", password=PASSWORD)
    client = signed_in(admin)
    assert client.get("/admin/organisations/user/add/").status_code == 200
    response = client.post("/admin/organisations/user/add/", {
        "email": "Added@Example.test", "usable_password": "true",
        "password1": "an-unusual-passphrase-5", "password2": "an-unusual-passphrase-5"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = User.objects.get(email__iexact="added@example.test")
    assert client.get(f"/admin/organisations/user/{added.pk}/change/").status_code == 200
    assert client.get("/admin/organisations/auditevent/").status_code == 200
