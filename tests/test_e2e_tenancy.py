"""End to end in a real browser: signing in and moving between organisations."""

import pytest

from organisations.demo import seed_organisations

from .browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "e2e-demo-password")
    return seed_organisations()


def test_it_shows_the_consultant_both_clients_and_the_manager_only_his_own(
        live_server, page, demo):
    sign_in(page, live_server, "consultant@example.com", "e2e-demo-password")
    page.shots(page, "consultant-signed-in")
    page.goto(f"{live_server.url}/")
    body = page.inner_text("main")
    assert "Acme Corp" in body and "Globex" in body
    page.click("#org-switcher")
    page.shots(page, "consultant-switcher")
    page.get_by_role("link", name="Acme Corp").first.click()
    page.wait_for_url("**/o/acme/")
    assert "Acme Corp" in page.inner_text("h1")

    page.context.clear_cookies()
    sign_in(page, live_server, "manager@globex.example", "e2e-demo-password")
    page.wait_for_url("**/o/globex/")
    page.shots(page, "globex-manager-home")
    page.click("#org-switcher")
    menu = page.inner_text("[aria-labelledby=org-switcher]")
    assert "Globex" in menu and "Acme" not in menu
    response = page.goto(f"{live_server.url}/o/acme/")
    assert response.status == 404


def test_it_rejects_a_wrong_password_with_a_message(live_server, page, demo):
    sign_in(page, live_server, "consultant@example.com", "not-the-password")
    page.shots(page, "wrong-password")
    assert "/accounts/login/" in page.url
    assert page.locator(".alert-danger, .invalid-feedback, .errorlist").count() >= 1
