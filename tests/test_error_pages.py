"""Error pages and static files as `make run` serves them: with DEBUG off, like the product."""

from __future__ import annotations

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
