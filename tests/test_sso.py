"""Single sign-on through OpenID Connect, against a real provider (node-oidc-provider,
started by tests/sso_fixtures.py) and a real DNS server for the domain checks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from organisations.models import AuditEvent, Membership, Organisation, Role, User
from sso import services
from sso.models import EmailDomain, IdentityProvider

from .conftest import PASSWORD, access_for, make_cast
from .sso_fixtures import CLIENT_ID, CLIENT_SECRET, DNS, Visitor, start_provider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sso_settings(settings):
    settings.SSO_ALLOW_HTTP_ISSUER = True
    return settings


@pytest.fixture
def idp(live_server):
    provider = start_provider(live_server.url)
    yield provider
    provider.stop()


@pytest.fixture
def acme(db):
    org = Organisation.objects.create(name="Acme Corp", slug="acme")
    return make_cast(org)


def switch_on(cast, issuer: str, *, sso_only=False, join_role=Role.MANAGER):
    EmailDomain.objects.create(organisation=cast.org, domain="acme.test",
                               verified_at=timezone.now())
    return IdentityProvider.objects.create(
        organisation=cast.org, issuer=issuer, client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET, join_role=join_role, enabled=True, sso_only=sso_only)


def signed_in_as(visitor: Visitor, live_url: str) -> str | None:
    """The email address the app's session belongs to, or None."""
    response = visitor.session.get(f"{live_url}/accounts/profile/", timeout=15,
                                   allow_redirects=False)
    if response.status_code != 200:
        return None
    for email in User.objects.values_list("email", flat=True):
        if email in response.text:
            return email
    return None


def test_a_new_person_of_a_verified_domain_signs_in_and_joins_with_the_chosen_role(
        live_server, idp, acme, sso_settings):
    switch_on(acme, idp.issuer, join_role=Role.VIEWER)
    visitor = Visitor()
    response = visitor.sign_in_through(live_server.url, "new.person@acme.test")
    assert response.url.startswith(live_server.url), response.url
    assert signed_in_as(visitor, live_server.url) == "new.person@acme.test"
    user = User.objects.get(email="new.person@acme.test")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, organisation=acme.org).role == Role.VIEWER
    assert AuditEvent.objects.filter(action="sso.member_joined", target=user.email).count() == 1
    assert visitor.session.get(f"{live_server.url}/o/acme/", timeout=15).status_code == 200

    # The second time the same account comes back: no second user, no second joining.
    again = Visitor()
    again.sign_in_through(live_server.url, "new.person@acme.test")
    assert signed_in_as(again, live_server.url) == "new.person@acme.test"
    assert User.objects.filter(email="new.person@acme.test").count() == 1
    assert AuditEvent.objects.filter(action="sso.member_joined").count() == 1


def test_an_existing_member_signs_in_to_their_own_account_and_keeps_their_role(
        live_server, idp, acme, sso_settings):
    switch_on(acme, idp.issuer, join_role=Role.VIEWER)
    visitor = Visitor()
    visitor.sign_in_through(live_server.url, acme.manager.email.upper())
    assert signed_in_as(visitor, live_server.url) == acme.manager.email
    assert Membership.objects.get(user=acme.manager, organisation=acme.org).role == Role.MANAGER
    assert User.objects.filter(email__iexact=acme.manager.email).count() == 1


def test_a_person_joining_another_organisation_by_sso_never_becomes_its_owner(acme):
    with pytest.raises(Exception, match="owners"):
        services.save_provider(by=access_for(acme.owner, acme.org), issuer="https://id.acme.test",
                               client_id="x", client_secret="y", join_role=Role.OWNER,
                               enabled=False, sso_only=False)


@pytest.mark.parametrize("email, refusal", [
    ("someone@elsewhere.test", "does not sign in addresses like"),
    ("unverified.person@acme.test", "has not verified the email address"),
])
def test_addresses_the_organisation_cannot_vouch_for_are_refused(
        live_server, idp, acme, sso_settings, email, refusal):
    switch_on(acme, idp.issuer)
    visitor = Visitor()
    # The start page only routes verified domains: go straight to acme's provider.
    visitor.get(f"{live_server.url}/accounts/sso/")
    visitor.submit({"email": acme.manager.email})
    visitor.submit()
    visitor.submit({"login": email, "password": "anything"})
    while "/interaction/" in visitor.response.url:
        visitor.submit()
    assert visitor.response.status_code == 403
    assert refusal in visitor.response.text
    assert signed_in_as(visitor, live_server.url) is None
    assert not User.objects.filter(email=email).exists()


@pytest.mark.parametrize("misbehave", ["aud", "iss", "exp"])
def test_an_id_token_with_a_wrong_audience_or_issuer_or_expired_is_refused(
        live_server, acme, sso_settings, misbehave):
    provider = start_provider(live_server.url, misbehave=misbehave)
    try:
        switch_on(acme, provider.issuer)
        visitor = Visitor()
        response = visitor.sign_in_through(live_server.url, acme.manager.email)
    finally:
        provider.stop()
    assert response.status_code == 400
    assert "did not succeed" in response.text
    assert signed_in_as(visitor, live_server.url) is None


def test_a_provider_that_is_down_gives_a_message_and_passwords_still_work(
        live_server, acme, sso_settings):
    from .sso_fixtures import free_port

    switch_on(acme, f"http://127.0.0.1:{free_port()}")
    visitor = Visitor()
    visitor.get(f"{live_server.url}/accounts/sso/")
    visitor.submit({"email": acme.manager.email})
    response = visitor.submit()
    assert response.status_code == 503
    assert "not answering" in response.text
    assert signed_in_as(visitor, live_server.url) is None

    visitor.get(f"{live_server.url}/accounts/login/")
    visitor.submit({"username": acme.manager.email, "password": PASSWORD})
    assert signed_in_as(visitor, live_server.url) == acme.manager.email


def test_sso_only_refuses_the_password_of_members_of_that_organisation_only(
        live_server, acme, sso_settings):
    switch_on(acme, "https://id.acme.test", sso_only=True)
    globex = Organisation.objects.create(name="Globex", slug="globex")
    # A consultant who also works for another organisation keeps the password.
    Membership.objects.create(user=acme.consultant, organisation=globex, role=Role.CONSULTANT)
    refused = Visitor()
    refused.get(f"{live_server.url}/accounts/login/")
    response = refused.submit({"username": acme.manager.email, "password": PASSWORD})
    assert "single sign-on" in response.text
    assert signed_in_as(refused, live_server.url) is None
    kept = Visitor()
    kept.get(f"{live_server.url}/accounts/login/")
    kept.submit({"username": acme.consultant.email, "password": PASSWORD})
    assert signed_in_as(kept, live_server.url) == acme.consultant.email


def test_signing_out_ends_the_session_of_an_sso_sign_in(live_server, idp, acme, sso_settings):
    switch_on(acme, idp.issuer)
    visitor = Visitor()
    visitor.sign_in_through(live_server.url, acme.viewer.email)
    assert signed_in_as(visitor, live_server.url) == acme.viewer.email
    visitor.get(f"{live_server.url}/o/acme/")
    visitor.submit(action="/accounts/logout/")
    assert signed_in_as(visitor, live_server.url) is None
    assert visitor.session.get(f"{live_server.url}/o/acme/", timeout=15,
                               allow_redirects=False).status_code == 302


# --- The owner's settings -------------------------------------------------------------


@pytest.fixture
def dns(settings):
    server = DNS()
    settings.SSO_DNS_NAMESERVERS = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()


def test_a_domain_is_verified_by_its_txt_record_and_only_then_sso_can_be_switched_on(
        client_for, acme, dns, sso_settings):
    owner = client_for(acme.owner)
    url = "/o/acme/settings/sso/"
    form = {"issuer": "https://id.acme.test", "client_id": "desk", "client_secret": "s",
            "join_role": Role.VIEWER, "enabled": "on"}
    response = owner.post(url, form)
    assert response.status_code == 400
    assert "Verify at least one email domain" in response.content.decode()
    assert not IdentityProvider.objects.exists()

    owner.post(url + "domains/", {"domain": "@Acme.TEST"})
    claim = EmailDomain.objects.get(organisation=acme.org)
    assert claim.domain == "acme.test" and not claim.is_verified
    page = owner.post(url + f"domains/{claim.public_id}/verify/", follow=True)
    assert "No TXT record" in page.content.decode()
    claim.refresh_from_db()
    assert not claim.is_verified

    dns.publish(claim.record_name, claim.record_value)
    page = owner.post(url + f"domains/{claim.public_id}/verify/", follow=True)
    assert "is verified" in page.content.decode()
    claim.refresh_from_db()
    assert claim.is_verified

    response = owner.post(url, form)
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=acme.org)
    assert provider.enabled and provider.client_secret == "s"
    # The secret is never shown, and a blank one keeps it.
    page = owner.get(url).content.decode()
    assert 'value="s"' not in page
    owner.post(url, {**form, "client_secret": ""})
    provider.refresh_from_db()
    assert provider.client_secret == "s"


def test_a_domain_verified_by_one_organisation_cannot_be_claimed_by_another(
        client_for, acme, dns):
    globex = make_cast(Organisation.objects.create(name="Globex", slug="globex"))
    EmailDomain.objects.create(organisation=acme.org, domain="acme.test",
                               verified_at=timezone.now())
    page = client_for(globex.owner).post("/o/globex/settings/sso/domains/",
                                         {"domain": "acme.test"}, follow=True)
    assert "Another organisation has verified acme.test" in page.content.decode()
    assert not EmailDomain.objects.filter(organisation=globex.org).exists()


@pytest.mark.parametrize("value", ["not a domain", "localhost", "a..b.com", "x" * 300])
def test_a_malformed_domain_gets_a_message_and_nothing_is_stored(client_for, acme, value):
    page = client_for(acme.owner).post("/o/acme/settings/sso/domains/", {"domain": value},
                                       follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "domain name such as example.com" in text
    assert not EmailDomain.objects.exists()


@pytest.mark.parametrize("role", ["consultant", "manager", "viewer"])
def test_only_the_owner_manages_single_sign_on(client_for, acme, role):
    assert client_for(acme.member(role)).get("/o/acme/settings/sso/").status_code == 403


def test_an_http_issuer_is_refused_outside_tests(client_for, acme, settings):
    settings.SSO_ALLOW_HTTP_ISSUER = False
    response = client_for(acme.owner).post("/o/acme/settings/sso/", {
        "issuer": "http://id.acme.test", "client_id": "desk", "client_secret": "s",
        "join_role": Role.VIEWER})
    assert response.status_code == 400
    assert "https://" in response.content.decode()


def test_test_the_connection_reports_the_issuer_the_provider_states(
        client_for, live_server, idp, acme, sso_settings):
    provider = switch_on(acme, idp.issuer + "/")
    owner = client_for(acme.owner)
    page = owner.post("/o/acme/settings/sso/test/", follow=True).content.decode()
    assert "states the issuer" in page       # the trailing slash is a different issuer
    provider.issuer = idp.issuer
    provider.save()
    page = owner.post("/o/acme/settings/sso/test/", follow=True).content.decode()
    assert "answered as" in page


@pytest.mark.browser
def test_in_a_real_browser_a_person_signs_in_through_the_provider(
        live_server, idp, acme, sso_settings, page):
    """Chromium enforces the sign-in pages' Content-Security-Policy (form-action) on
    the redirects to the provider, which no test client does."""
    switch_on(acme, idp.issuer)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.fill("input[name=email]", acme.viewer.email)
    page.get_by_role("button", name="Continue").click()
    page.shots(page, "continue")
    page.get_by_role("button", name="Continue to Acme Corp").click()
    page.wait_for_url(f"{idp.issuer}/interaction/**")
    page.shots(page, "provider-login")
    page.fill("input[name=login]", acme.viewer.email)
    page.fill("input[name=password]", "anything")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"{idp.issuer}/interaction/**")
    page.locator("button[type=submit]").first.click()   # consent
    page.wait_for_url(f"{live_server.url}/o/acme/")
    page.shots(page, "signed-in")
    assert acme.viewer.email in page.content()
