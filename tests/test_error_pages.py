"""Error pages and static files as `make run` serves them: with DEBUG off, like the product."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path
from django.utils import translation

from tests.conftest import signed_in


def _fails(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-fails/", _fails),
    path("test-forbidden/", _forbidden),
    path("", include("maturity_site.urls")),
]


def test_it_answers_an_unknown_address_with_its_own_page_and_no_url_list(db, settings):
    assert settings.DEBUG is False
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Maturity Desk" in html
    assert "URLconf" not in html and "admin/" not in html


def test_it_answers_in_the_readers_language(world):
    client = signed_in(world.acme.manager)
    world.acme.manager.language = "sv"
    world.acme.manager.save()
    response = client.get("/o/acme/assessments/no-such-round/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


@pytest.mark.urls(__name__)
def test_it_answers_a_server_error_with_its_own_page(db):
    response = Client(raise_request_exception=False).get("/test-fails/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "a bug" not in html
    assert "/static/css/app.css" in html


@pytest.mark.urls(__name__)
def test_it_answers_a_refusal_with_its_own_page(world):
    response = signed_in(world.acme.viewer).get("/test-forbidden/")
    assert response.status_code == 403
    assert "Your role does not allow this." in response.content.decode()


def test_it_serves_static_files_without_debug(db, settings):
    assert settings.DEBUG is False
    for url in ("/static/css/app.css", "/static/vendor/plotly/plotly.min.js"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)


@pytest.mark.urls(__name__)
def test_it_answers_a_server_error_in_the_readers_language(world):
    world.acme.manager.language = "sv"
    world.acme.manager.save()
    client = signed_in(world.acme.manager)
    client.raise_request_exception = False
    # The request activates Swedish in this thread and, failing, never hands it back:
    # restore the language afterwards, or the tests after this one would read Swedish.
    with translation.override(None):
        response = client.get("/test-fails/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'lang="sv"' in html and "Något gick fel" in html
    assert 'href="/"' in html  # a way back: the brand and the start page


# --- 405, and the branding of error pages under an organisation ----------------------

BRAND = "Acme Check"


@pytest.fixture
def branded(world):
    world.acme.org.brand_name = BRAND
    world.acme.org.save(update_fields=["brand_name"])
    return world


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_it_answers_a_get_of_a_button_only_address_with_its_own_page(branded):
    from tests.assessment_factories import make_assessment

    assessment = make_assessment(branded, name="Lengths")
    url = f"/o/acme/reports/assessments/{assessment.public_id}/pdf/"
    response = signed_in(branded.acme.manager).get(url)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert "Not a page to open" in html and "use its button" in html
    assert _title(response) == f"Not a page to open · {BRAND}"
    assert 'href="/o/acme/"' in html  # the way back to the organisation
    # Not in the organisation: a 404, as for every tenant URL; signed out: sign in first.
    assert signed_in(branded.globex.manager).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_it_answers_a_405_in_the_readers_language_and_outside_organisations(branded):
    branded.acme.manager.language = "sv"
    branded.acme.manager.save()
    response = signed_in(branded.acme.manager).get("/accounts/logout/")
    assert response.status_code == 405
    assert 'lang="sv"' in response.content.decode()
    assert _title(response).endswith("· Maturity Desk")


# Under /o/acme/: no such route (the URL resolver's 404), a route with an id that is not
# one (the converter's), an object that does not exist (the view's), and the gate's 403.
ACME_NOT_FOUND = ["/o/acme/no-such-page/", "/o/acme/assessments/no-such-round/",
                  "/o/acme/assessments/00000000-0000-0000-0000-000000000000/"]


@pytest.mark.parametrize("path", ACME_NOT_FOUND)
def test_a_404_under_an_organisation_its_member_opens_has_its_branding(branded, path):
    response = signed_in(branded.acme.manager).get(path)
    assert response.status_code == 404
    assert _title(response) == f"Page not found · {BRAND}"
    assert 'href="/o/acme/"' in response.content.decode()


@pytest.mark.parametrize("path", ACME_NOT_FOUND)
@pytest.mark.parametrize("who", ["outsider", "other", "anonymous"])
def test_a_404_for_anyone_else_has_the_products_branding(branded, path, who):
    client = {"outsider": lambda: signed_in(branded.outsider),
              "other": lambda: signed_in(branded.globex.manager),
              "anonymous": Client}[who]()
    response = client.get(path)
    if who == "anonymous" and response.status_code == 302:  # a real tenant route
        return
    assert response.status_code == 404
    html = response.content.decode()
    assert _title(response) == "Page not found · Maturity Desk"
    assert BRAND not in html and 'href="/o/acme/"' not in html


def test_a_404_under_an_organisation_that_does_not_exist_has_the_products_branding(branded):
    response = signed_in(branded.acme.manager).get("/o/no-such-organisation/")
    assert response.status_code == 404
    assert _title(response) == "Page not found · Maturity Desk"


def test_the_gates_403_has_the_organisations_branding_too(branded):
    response = signed_in(branded.acme.viewer).get("/o/acme/assessments/new/")
    assert response.status_code == 403
    assert _title(response) == f"Not allowed · {BRAND}"
