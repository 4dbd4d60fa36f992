"""The pages around the product: the landing page for anonymous visitors and the
styled error pages (403, 404, 500) with navigation in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from tests.conftest import signed_in


def test_anonymous_visitors_get_a_landing_page_with_sign_in_and_sign_up(db):
    response = Client().get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Know how mature your service desk is" in page
    assert f'href="{reverse("login")}"' in page
    assert f'href="{reverse("signup")}"' in page
    assert 'name="password"' not in page  # not only a sign-in form


def test_the_landing_page_follows_the_browsers_language(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="sv").get("/").content.decode()
    assert 'lang="sv"' in page
    assert "Know how mature your service desk is" not in page


def test_signed_in_people_still_go_to_their_organisation(world):
    assert signed_in(world.acme.viewer).get("/")["Location"] == "/o/acme/"


@pytest.mark.parametrize("language", ["en", "sv", "hu", "nb"])
def test_a_forbidden_page_is_styled_with_navigation_in_the_readers_language(world, language):
    client = signed_in(world.acme.viewer)
    client.cookies["django_language"] = language
    world.acme.viewer.language = language
    world.acme.viewer.save()
    response = client.get(reverse("organisations:member_list", args=["acme"]))
    assert response.status_code == 403
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert 'class="navbar' in page and 'id="org-switcher"' in page
    assert f'href="{reverse("organisations:home", args=["acme"])}"' in page
    with translation.override(language):
        assert translation.gettext("Not allowed") in page


def test_a_missing_page_is_styled_with_a_way_home(world):
    response = signed_in(world.acme.viewer).get("/o/acme/departments/"
                                                "00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'class="navbar' in page
    assert f'href="{reverse("home")}"' in page


def test_an_anonymous_missing_page_offers_sign_in(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert f'href="{reverse("login")}"' in response.content.decode()


def test_the_server_error_page_needs_no_database(django_db_blocker):
    request = RequestFactory().get("/")
    with django_db_blocker.block(), translation.override("hu"):
        response = server_error(request)
        expected = translation.gettext("Something went wrong")
    page = response.content.decode()
    assert response.status_code == 500
    assert 'lang="hu"' in page and expected in page and expected != "Something went wrong"
    assert "/static/" in page  # styled
