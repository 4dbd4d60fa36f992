"""Sign-in throttling, session handling and security logging."""

import logging
import shlex

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


# --- Issue 12, item 9: caching, the client's address, log lines, 403s ------------------


def test_tenant_pages_are_never_cached(world):
    from .conftest import signed_in

    client = signed_in(world.acme.manager)
    for url in ("/o/acme/", "/o/acme/assessments/", "/o/acme/models/"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, (url, cache_control)


def _security_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "maturity.security"]


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.9", "10.4.0.1"),  # no proxy: the header is the client's own claim
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the left entry was sent by the client
    (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (1, "not-an-address", None),
    (1, "", "10.4.0.1"),
])
def test_the_audit_trail_and_the_lockout_read_the_client_address_by_one_rule(
        world, settings, caplog, proxies, forwarded, expected):
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    from organisations.services import audit

    settings.PROXY_COUNT = proxies
    caplog.set_level(logging.INFO, logger="maturity.security")
    client = Client(REMOTE_ADDR="10.4.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    attempt(client, world.acme.manager.email, PASSWORD)
    line = [line for line in _security_lines(caplog) if "action=auth.login " in line][-1]
    assert f"address={expected or '-'}" in line.split(" ")
    request = RequestFactory().get("/", REMOTE_ADDR="10.4.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert get_client_ip_address(request) == expected  # the lockout's
    event = audit(organisation=world.acme.org, actor=world.acme.manager, action="test.ip",
                  request=request)
    event.refresh_from_db()
    assert event.ip_address == expected


def test_client_values_cannot_add_pairs_or_lines_to_the_security_log(world, caplog):
    """A path (percent-decoded), a username or a header reaches the log as one value."""
    from django.test import RequestFactory

    from organisations.security import log_security_event

    caplog.set_level(logging.INFO, logger="maturity.security")
    request = RequestFactory().get("/", REMOTE_ADDR="10.5.0.1",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4 forged=1")
    log_security_event("access.denied", request=request, organisation="acme",
                       path="/o/acme/x answer=200\nforged=1", username='a"b=c@example.test')
    [line] = _security_lines(caplog)
    assert "\n" not in line
    pairs = shlex.split(line)  # how a logfmt reader splits it: quoted values stay whole
    assert [pair.split("=", 1)[0] for pair in pairs] == [
        "action", "time", "user", "organisation", "address", "path"]
    assert 'path="/o/acme/x answer=200\\nforged=1"' in line
    assert 'user="a\\"b=c@example.test"' in line
    assert "address=10.5.0.1" in pairs  # the header is not trusted without a proxy


def test_a_403_is_logged_once_without_a_traceback(world, caplog):
    from .conftest import signed_in

    caplog.set_level(logging.INFO)
    manager = signed_in(world.acme.manager)
    caplog.clear()
    assert manager.get("/o/acme/departments/new/").status_code == 403
    about = [r for r in caplog.records if r.levelno >= logging.INFO
             and "/o/acme/departments/new/" in r.getMessage()]
    assert len(about) == 1, [(r.name, r.getMessage()) for r in about]
    assert about[0].name == "maturity.security" and about[0].exc_info is None
    assert "answer=403" in about[0].getMessage()
    assert "organisation=acme" in about[0].getMessage()
