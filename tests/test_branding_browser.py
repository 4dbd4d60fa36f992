"""White label in a real browser, on the demo data: a client's pages show the
consultancy's name and logo and the client's own colour, axe-core finds no contrast
(or other serious) problem on them, and the consultancy's owner changes the branding
on its page, refused first with the reason. Screenshots at 390 and 1280 px in
artifacts/e2e/<test>/."""

from __future__ import annotations

import re

import pytest

from assessments import services as assessment_services
from organisations.branding import palette, rgb
from organisations.demo import BRANDING, CLIENT_COLOURS

from . import test_browser_roles as roles
from .browser import sign_in
from .test_browser_roles import (
    LAPTOP,
    PASSWORD,
    PHONE,
    _closed_round,
    _open_round,
    _page,
    at_both_widths,
    check_pages,
    serious_violations,
)

# The demo data (branded as make run shows it) and the browser context of the role tests.
demo = roles.demo
context = roles.context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = BRANDING["name"]


def css_rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*rgb(colour))


def shown_brand(page) -> dict:
    """What the page's navbar shows of the branding, as the browser drew it."""
    return page.evaluate("""() => {
      const brand = document.querySelector('.navbar-brand');
      const logo = brand.querySelector('img.brand-logo');
      const primary = document.querySelector('main .btn-primary');
      return {
        text: brand.innerText.trim(),
        logo: logo ? {loaded: logo.complete && logo.naturalWidth > 0,
                      width: logo.getBoundingClientRect().width,
                      height: logo.getBoundingClientRect().height} : null,
        accent: getComputedStyle(document.querySelector('.navbar')).boxShadow,
        navbarHeight: document.querySelector('.navbar').getBoundingClientRect().height,
        primary: getComputedStyle(document.documentElement)
                   .getPropertyValue('--bs-primary').trim(),
        button: primary ? getComputedStyle(primary).backgroundColor : null,
        buttonText: primary ? getComputedStyle(primary).color : null,
        footer: document.querySelector('body > footer').innerText.trim(),
      };
    }""")


def test_a_clients_pages_show_the_consultancys_name_and_logo_in_the_clients_colour(
        live_server, context, request, demo):
    colour = CLIENT_COLOURS["globex"]
    page = _page(context, request)
    sign_in(page, live_server, "manager@globex.example", PASSWORD)
    page.wait_for_url("**/o/globex/")
    shown = shown_brand(page)
    assert shown["text"] == NAME
    assert shown["logo"]["loaded"] and shown["logo"]["height"] > 20, shown
    assert shown["accent"].startswith(css_rgb(colour)) and shown["primary"] == colour
    assert shown["footer"] == BRANDING["footer"]
    at_both_widths(page, "globex-home")
    # The logo and the colour's line add no height: the overview still fits one screen.
    page.goto(f"{live_server.url}/accounts/profile/")  # outside any organisation: unbranded
    unbranded = shown_brand(page)
    assert unbranded["text"] == "Maturity Desk" and unbranded["logo"] is None
    assert unbranded["navbarHeight"] == shown["navbarHeight"]
    page.goto(f"{live_server.url}/o/globex/")
    # On a phone the name gives way (shortened), never the menu button beside it.
    page.set_viewport_size(PHONE)
    name = page.locator(".navbar-brand").bounding_box()
    toggler = page.locator(".navbar-toggler").bounding_box()
    assert toggler["y"] < name["y"] + name["height"], (name, toggler)
    page.set_viewport_size(LAPTOP)

    closed = _closed_round("globex")
    page.goto(f"{live_server.url}/o/globex/assessments/{closed.public_id}/")
    shown = shown_brand(page)
    assert shown["button"] == css_rgb(colour), shown  # "Full report" and the like
    assert shown["buttonText"] == css_rgb(palette(colour)["text"])
    at_both_widths(page, "globex-round")

    problems = check_pages(page, live_server, [
        "/o/globex/", "/o/globex/departments/", "/o/globex/assessments/",
        f"/o/globex/assessments/{closed.public_id}/",
        f"/o/globex/reports/assessments/{closed.public_id}/", "/o/globex/reports/",
        "/o/globex/actions/", "/o/globex/models/",
    ])
    assert not problems, "\n".join(problems)


def test_a_respondent_through_a_link_sees_the_branding(live_server, context, request, demo):
    response = _open_round("acme").responses.filter(user__isnull=True,
                                                    submitted_at__isnull=True).first()
    token = assessment_services.issue_link(response=response)
    page = _page(context, request)
    page.goto(f"{live_server.url}/r/{token}/")
    shown = shown_brand(page)
    assert shown["text"] == NAME and shown["logo"]["loaded"], shown
    assert shown["primary"] == BRANDING["colour"]  # acme keeps Northwind's colour
    at_both_widths(page, "respondent-start")
    page.locator(".qn a[href*='/dimension/']").first.click()
    page.wait_for_url("**/dimension/**")
    assert shown_brand(page)["logo"]["loaded"]
    assert not serious_violations(page)
    at_both_widths(page, "respondent-dimension")


def test_the_consultancys_owner_changes_the_branding_refused_first_with_the_reason(
        live_server, context, request, demo, tmp_path):
    page = _page(context, request)
    sign_in(page, live_server, "consultant@example.com", PASSWORD)
    page.goto(f"{live_server.url}/o/northwind/members/")
    page.get_by_role("link", name=re.compile("^Branding")).click()
    page.wait_for_url("**/settings/branding/")
    assert shown_brand(page)["text"] == NAME
    assert not serious_violations(page)
    at_both_widths(page, "settings")

    # A yellow too light to read on white, and a logo with a script: both refused.
    page.fill("#id_colour", "#ffcc00")
    script = tmp_path / "logo.svg"
    script.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                       b"</svg>")
    page.set_input_files("#id_logo", str(script))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    colour_error = page.locator("#id_colour_error").inner_text()
    assert "#ffcc00 is too light" in colour_error and "1.51:1" in colour_error
    assert "4.5:1" in colour_error
    assert "script" in page.locator("#id_logo_error").inner_text()
    assert shown_brand(page)["primary"] == BRANDING["colour"]  # nothing changed
    assert not serious_violations(page)
    page.shots(page, "settings-refused")

    # A darker colour: saved, and every page of the consultancy and of Acme shows it.
    page.fill("#id_colour", "#5b2a86")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/branding/")
    assert "The branding is saved." in page.inner_text("main")
    assert shown_brand(page)["accent"].startswith(css_rgb("#5b2a86"))
    page.goto(f"{live_server.url}/o/acme/")
    assert shown_brand(page)["primary"] == "#5b2a86"
    page.goto(f"{live_server.url}/o/globex/")
    assert shown_brand(page)["primary"] == CLIENT_COLOURS["globex"]  # its own, still
    page.goto(f"{live_server.url}/o/northwind/audit/")
    assert "Branding changed" in page.inner_text("main")
    page.shots(page, "audit")
