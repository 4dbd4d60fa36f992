"""The organisation's API tokens page: owners create (the secret shown once), list with
last use, and revoke tokens; nobody else gets in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from organisations.models import AuditEvent
from tests.api_helpers import ApiClient, make_token
from tests.conftest import signed_in


def _url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=["acme", *args])


def test_an_owner_creates_a_token_and_sees_its_secret_once(world):
    client = signed_in(world.acme.owner)
    response = client.post(_url("token_create"), {"name": "Dashboard", "scope": "read",
                                                  "days": "30"})
    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r'value="(mdk_[\w-]+)"', page)[1]
    token = ApiToken.objects.get()
    assert token.organisation == world.acme.org and token.scope == "read"
    assert token.created_by == world.acme.owner
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    assert "no-store" in response["Cache-Control"]
    listing = client.get(_url("token_list")).content.decode()
    assert "Dashboard" in listing and token.prefix in listing and secret not in listing
    assert ApiClient(secret).get("/organisations/acme").status_code == 200
    listing = client.get(_url("token_list")).content.decode()
    assert "Never" not in listing  # last use is shown
    assert AuditEvent.objects.filter(action="api_token.created", target="Dashboard").exists()


def test_a_bad_form_says_what_is_wrong(world):
    client = signed_in(world.acme.owner)
    response = client.post(_url("token_create"), {"name": " ", "scope": "admin",
                                                  "days": "9999"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "scope", "days"}
    assert not ApiToken.objects.exists()


def test_an_owner_revokes_a_token(world):
    token, secret = make_token(world.acme)
    client = signed_in(world.acme.owner)
    assert client.get(_url("token_revoke", token.public_id)).status_code == 200
    response = client.post(_url("token_revoke", token.public_id))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.acme.owner
    assert ApiClient(secret).get("/organisations/acme").status_code == 401
    client.post(_url("token_revoke", token.public_id))  # twice: one audit row
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


@pytest.mark.parametrize("role", ["consultant", "manager", "viewer"])
def test_only_owners_manage_tokens(world, role):
    token, _secret = make_token(world.acme)
    client = signed_in(world.acme.member(role))
    for url in (_url("token_list"), _url("token_create"),
                _url("token_revoke", token.public_id)):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x", "scope": "write", "days": "30"}).status_code \
            == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_the_members_page_links_the_tokens_page_for_owners(world):
    page = signed_in(world.acme.owner).get(reverse("organisations:member_list", args=["acme"]))
    assert _url("token_list") in page.content.decode()
    page = signed_in(world.acme.consultant).get(reverse("organisations:member_list",
                                                        args=["acme"]))
    assert _url("token_list") not in page.content.decode()
