"""CSRF protection on every unsafe request.

Every URL pattern under ``/o/<org_slug>/`` (found by walking the URLconf, kwargs from
``tests/tenant_params``, as in test_tenant_isolation.py) and every endpoint outside
the tenancy (sign-in, sign-up, profile, invitation links, personal questionnaire
links, the language switch, the admin) answers a POST, PUT, PATCH or DELETE without a
CSRF token with 403, from a client that enforces the checks as a browser would, signed
in as someone who may do the action. Nothing changes. A control test shows that the
same requests with the token do go through, so the 403s are the CSRF check's.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments import services as assessment_services
from assessments.models import Answer
from organisations import services
from organisations.models import Department, Invitation, Role, User, hash_token
from tests.assessment_factories import invitee, make_assessment
from tests.conftest import PASSWORD, access_for
from tests.tenant_params import ParamResolver, load_params, unfillable
from tests.tenant_params._urls import _walk, changed_tables, db_fingerprint, tenant_routes

UNSAFE = ("post", "put", "patch", "delete")


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _assert_forbidden(requests, *, data=None) -> None:
    """``requests``: (label, client, url). Each unsafe method answers 403; no writes."""
    failures = []
    before = db_fingerprint()
    for label, client, url in requests:
        for method in UNSAFE:
            payload = (data or {}).get(url, {}) if method == "post" else ""
            response = getattr(client, method)(url, payload)
            if response.status_code != 403:
                failures.append(f"{method.upper()} {url} [{label}]: {response.status_code}")
    changed = changed_tables(before, db_fingerprint())
    assert not failures, "without a CSRF token:\n" + "\n".join(failures)
    assert not changed, f"requests without a CSRF token changed the tables {changed}"


# --- Every tenant URL --------------------------------------------------------------------


def test_it_refuses_every_unsafe_tenant_request_without_a_csrf_token(world):
    routes = tenant_routes()
    registry = load_params()
    resolver = ParamResolver(world, registry)
    missing = unfillable(routes, resolver)
    assert not missing, "\n".join(missing)
    urls = []
    for route in routes:
        values = {k: resolver[k] for k in route.kwargs if k != "org_slug"}
        # northwind's pages (the portfolio) as its owner; everything else as acme's.
        org = "northwind" if route.name.startswith("organisations:portfolio") or (
            route.name == "organisations:client_create") else "acme"
        urls.append((route.name, route.url({"org_slug": org, **values}), org))
    assert len(urls) > 50
    owners = {"acme": csrf_client(world.acme.owner),
              "northwind": csrf_client(world.northwind.owner)}
    _assert_forbidden([(name, owners[org], url) for name, url, org in urls])


# --- Everything outside the tenancy ----------------------------------------------------------


def _invitation_token(world, email: str) -> str:
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        organisation=world.acme.org, email=email, role=Role.MANAGER,
        token_hash=hash_token(token), invited_by=world.acme.owner,
        expires_at=timezone.now() + timedelta(days=14))
    return token


@pytest.fixture
def outside(world):
    """(label, client, url) for every endpoint outside /o/, and the data that would
    make each POST do something if it got through."""
    anonymous = csrf_client()
    owner = csrf_client(world.acme.owner)
    invited_member = csrf_client(world.globex.manager)
    for_newcomer = _invitation_token(world, "newcomer@example.test")
    for_member = _invitation_token(world, world.globex.manager.email)
    assessment = make_assessment(world, name="CSRF round")
    _response, link = invitee(assessment, "guest@example.test")
    _shared, shared_token = assessment_services.shared_link_create(
        by=access_for(world.acme.manager, world.acme.org), assessment=assessment,
        label="CSRF link", cap=5,
        expires_on=assessment_services.shared_link_default_expiry(assessment))
    uid = urlsafe_base64_encode(force_bytes(world.acme.viewer.pk))
    reset = default_token_generator.make_token(world.acme.viewer)
    pending = User.objects.create_user(email="pending@example.test", password=PASSWORD,
                                       is_active=False)
    verify = services.signup_payload(pending, organisation_name="Pending Corp",
                                     organisation_slug="", kind="organisation")
    requests = {
        "home": (owner, "/"),
        "healthz": (anonymous, "/healthz"),
        "login": (anonymous, "/accounts/login/"),
        "logout": (owner, "/accounts/logout/"),
        "signup": (anonymous, "/accounts/signup/"),
        "signup_sent": (anonymous, "/accounts/signup/sent/"),
        "signup_verify": (anonymous, f"/accounts/signup/verify/{verify}/"),
        "profile": (owner, "/accounts/profile/"),
        "invitation_accept": (anonymous, f"/accounts/invitations/{for_newcomer}/"),
        "invitation_accept (member)": (invited_member, f"/accounts/invitations/{for_member}/"),
        "password_change": (owner, "/accounts/password-change/"),
        "password_change_done": (owner, "/accounts/password-change/done/"),
        "password_reset": (anonymous, "/accounts/password-reset/"),
        "password_reset_done": (anonymous, "/accounts/password-reset/done/"),
        "password_reset_confirm": (anonymous, f"/accounts/reset/{uid}/{reset}/"),
        "password_reset_complete": (anonymous, "/accounts/reset/done/"),
        "set_language": (anonymous, "/i18n/setlang/"),
        "set_language (signed in)": (owner, "/i18n/setlang/"),
        "respondent:start": (anonymous, f"/r/{link}/"),
        "respondent:dimension": (anonymous, f"/r/{link}/dimension/people/"),
        "respondent:review": (anonymous, f"/r/{link}/review/"),
        "respondent:save": (anonymous, f"/r/{link}/save/"),
        "respondent:submit": (anonymous, f"/r/{link}/submit/"),
        "respondent:shared": (anonymous, f"/r/shared/{shared_token}/"),
        "respondent:logo": (anonymous, f"/r/{link}/logo/"),
        "respondent:shared_logo": (anonymous, f"/r/shared/{shared_token}/logo/"),
        "brand_stylesheet": (anonymous, "/brand/v1/1f5fa8.css"),
        "calendar_feed": (anonymous, "/calendar/not-a-token.ics"),
        "sso_start": (anonymous, "/accounts/sso/"),
        "openid_connect_login": (anonymous, "/accounts/sso/acme/login/"),
        "openid_connect_callback": (anonymous, "/accounts/sso/acme/login/callback/"),
        "admin:login": (anonymous, "/admin/login/"),
        "admin:logout": (owner, "/admin/logout/"),
    }
    data = {
        "/accounts/login/": {"username": world.acme.owner.email, "password": PASSWORD},
        "/accounts/signup/": {"full_name": "Eve", "email": "eve@example.test",
                              "password": "a-long-and-unusual-passphrase",
                              "kind": "organisation", "organisation_name": "Eve Corp"},
        "/accounts/profile/": {"full_name": "Changed", "language": "sv"},
        f"/accounts/invitations/{for_newcomer}/": {"full_name": "New",
                                                   "password": "a-long-passphrase-42"},
        "/accounts/password-change/": {"old_password": PASSWORD,
                                       "new_password1": "another-long-passphrase-7",
                                       "new_password2": "another-long-passphrase-7"},
        "/accounts/password-reset/": {"email": world.acme.viewer.email},
        "/i18n/setlang/": {"language": "hu", "next": "/"},
        "/accounts/sso/": {"email": world.acme.owner.email},
        f"/r/{link}/dimension/people/": {"q-people.2.1": "fully"},
        f"/r/{link}/save/": {"question": "people.2.1", "option": "fully"},
    }
    return requests, data


def test_it_covers_every_endpoint_outside_the_tenancy(outside):
    requests, _data = outside
    # The REST API (api/) is left out: it authenticates by the Authorization header only,
    # never by the session cookie, so a forged cross-site request carries nothing it
    # accepts (tests/test_api.py: a signed-in browser's cookies get a 401).
    routes = {r.name for r in _walk(get_resolver().url_patterns, (), None)
              if not r.route.startswith(("o/<slug:org_slug>/", "admin/", "api/"))}
    listed = {label.split(" (")[0] for label in requests}
    assert routes <= listed, f"add to test_csrf.py: {sorted(routes - listed)}"


def test_it_refuses_every_unsafe_request_outside_the_tenancy_without_a_csrf_token(outside,
                                                                                   mailoutbox):
    requests, data = outside
    _assert_forbidden([(label, client, url) for label, (client, url) in requests.items()],
                      data=data)
    assert not mailoutbox


# --- The control: with the token, the same requests go through -----------------------------


def _token(client, url) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_it_lets_the_same_requests_through_with_the_token(world):
    owner = csrf_client(world.acme.owner)
    department = world.acme.departments[1]
    url = f"/o/acme/departments/{department.public_id}/remove/"
    token = _token(owner, url)
    assert owner.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Department.objects.filter(pk=department.pk).exists()

    assessment = make_assessment(world, name="Token round")
    _response, link = invitee(assessment, "with-token@example.test")
    guest = csrf_client()
    token = _token(guest, f"/r/{link}/")
    response = guest.post(f"/r/{link}/save/", '{"question": "people.2.1", "option": "fully"}',
                          content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["ok"]

    anonymous = csrf_client()
    token = _token(anonymous, reverse("login"))
    response = anonymous.post(reverse("login"), {"username": world.acme.owner.email,
                                                 "password": PASSWORD,
                                                 "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_questionnaire_pages_forms_carry_one_token_that_the_checks_take(world):
    """The navigation bar and the questionnaire body are Jinja2 fragments: their forms
    carry the page's one masked token (as {% csrf_token %} does), and a browser posting
    any of them, with the cookie the page set, gets through."""
    import re

    assessment = make_assessment(world, name="Token page")
    member = csrf_client(world.acme.manager)
    url = reverse("assessments:answer_dimension", kwargs={
        "org_slug": "acme", "assessment_id": assessment.public_id, "dimension_key": "people"})
    html = member.get(url).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 3 and len(set(tokens)) == 1  # language, sign out, the answers
    saved = member.post(url, {"csrfmiddlewaretoken": tokens[0], "q-people.2.1": "fully",
                              "s-q-people.2.1": ""})
    assert saved.status_code == 302
    assert Answer.objects.get(question__key="people.2.1").option == "fully"
    assert member.post(reverse("set_language"), {"csrfmiddlewaretoken": tokens[0],
                                                 "language": "sv", "next": url}
                       ).status_code == 302
    assert member.post(url, {"q-people.2.1": "partly"}).status_code == 403
