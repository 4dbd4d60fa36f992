"""Sign-in throttling, session handling and security logging."""

import logging

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from .conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def attempt(client: Client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_it_locks_an_account_after_repeated_failures_even_with_the_right_password(settings):
    make_user("victim@example.test")
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "victim@example.test", "wrong").status_code == 200
    assert attempt(client, "victim@example.test", "wrong").status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.2")
    response = attempt(other_address, "VICTIM@example.test", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in other_address.session


def test_it_answers_the_same_for_an_unknown_account(settings):
    make_user("known@example.test")
    answers = {}
    for email in ("known@example.test", "nobody@example.test"):
        client = Client(REMOTE_ADDR=f"10.1.0.{len(answers) + 1}")
        codes = [attempt(client, email, "wrong").status_code
                 for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
        answers[email] = codes
    assert answers["known@example.test"] == answers["nobody@example.test"]
    assert answers["known@example.test"][-1] == 429


def test_it_locks_an_address_that_tries_many_accounts(settings):
    client = Client(REMOTE_ADDR="10.2.0.1")
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"user{i}@example.test", "wrong")
    make_user("fresh@example.test")
    assert attempt(client, "fresh@example.test", PASSWORD).status_code == 429


def test_it_changes_the_session_key_at_sign_in_and_ends_it_at_sign_out():
    make_user("person@example.test")
    client = Client()
    client.get(reverse("login"))
    client.cookies["sessionid"] = "anonymous-session-key-that-must-not-survive"
    response = attempt(client, "person@example.test", PASSWORD)
    assert response.status_code == 302
    signed_in_key = client.session.session_key
    assert signed_in_key != "anonymous-session-key-that-must-not-survive"
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=signed_in_key).exists()


def test_it_ends_a_deactivated_users_sessions(world):
    client = Client()
    client.force_login(world.acme.manager)
    assert client.get("/o/acme/").status_code == 200
    world.acme.manager.is_active = False
    world.acme.manager.save()
    response = client.get("/o/acme/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_it_sets_httponly_cookies():
    make_user("cookie@example.test")
    client = Client()
    response = attempt(client, "cookie@example.test", PASSWORD)
    assert response.cookies["sessionid"]["httponly"]
    page = client.get(reverse("password_change"))
    assert page.status_code == 200


def test_it_logs_sign_ins_failures_and_denied_access(world, caplog):
    caplog.set_level(logging.INFO, logger="maturity.security")
    client = Client(REMOTE_ADDR="10.3.0.1")
    attempt(client, world.acme.manager.email, "wrong")
    attempt(client, world.acme.manager.email, PASSWORD)
    client.get("/o/globex/")
    lines = [r.getMessage() for r in caplog.records if r.name == "maturity.security"]
    assert any("action=auth.login_failed" in line and "manager@acme.test" in line
               and "address=10.3.0.1" in line for line in lines)
    assert any("action=auth.login " in line and "user=manager@acme.test" in line
               for line in lines)
    assert any("action=access.denied" in line and "organisation=globex" in line
               and "answer=404" in line for line in lines)
