"""The API tokens pages and the API docs in a real browser: an owner creates a token,
uses it, revokes it; every page is axe-clean and fits 390 and 1280 px; the Swagger UI
runs under the Content Security Policy."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.test_browser_roles import at_both_widths, serious_violations

from .browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _api(page, live_server, path: str, secret: str):
    return page.request.get(f"{live_server.url}/api/v1{path}",
                            headers={"Authorization": f"Bearer {secret}"})


def test_an_owner_creates_uses_and_revokes_a_token(page, live_server, world):
    sign_in(page, live_server, world.acme.owner.email, PASSWORD)
    page.goto(f"{live_server.url}/o/acme/members/")
    page.click("text=Manage API tokens")
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
    at_both_widths(page, "token-list-empty")
    page.click("main >> text=Create a token")
    page.fill("input[name=name]", "Service desk dashboard")
    page.check("input[name=scope][value=read]")
    assert serious_violations(page) == []
    at_both_widths(page, "token-form")
    page.click("form button[type=submit]")
    secret = page.input_value("#api-token-secret")
    assert secret.startswith("mdk_")
    assert serious_violations(page) == []
    at_both_widths(page, "token-created")

    response = _api(page, live_server, "/organisations/acme/departments", secret)
    assert response.status == 200 and response.json()["count"] == 2

    page.click("text=Done")
    assert secret not in page.content()
    assert serious_violations(page) == []
    at_both_widths(page, "token-list")
    page.click("table >> text=Revoke")
    assert serious_violations(page) == []
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "is revoked" in page.content()
    response = _api(page, live_server, "/organisations/acme/departments", secret)
    assert response.status == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_the_api_docs_run_under_the_content_security_policy(page, live_server, db):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 19
    assert refused == []
    page.shots(page, "api-docs")
