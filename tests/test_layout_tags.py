"""``{% quick_url %}`` (organisations/templatetags/layout.py) gives what ``{% url %}`` gives."""

from __future__ import annotations

import uuid

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from maturity_site.reverse import quick_reverse

SOME_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
CASES = [
    ("home", ()),
    ("set_language", ()),
    ("organisations:home", ("acme",)),
    ("organisations:home", ("a-b_C-9",)),
    ("organisations:department_detail", ("acme", SOME_ID)),
    ("organisations:department_detail", ("acme", str(SOME_ID))),
    ("models_catalog:catalogue", ("acme",)),
    ("reports:organisation", ("acme",)),
]


@pytest.mark.parametrize(("name", "args"), CASES)
def test_it_reverses_as_reverse_does(name, args):
    for _ in range(2):  # the second time from the cached pattern
        assert quick_reverse(name, *args) == reverse(name, args=args)


def test_it_honours_the_script_prefix():
    try:
        set_script_prefix("/desk/")
        assert quick_reverse("organisations:home", "acme") == "/desk/o/acme/"
    finally:
        set_script_prefix("/")
    assert quick_reverse("organisations:home", "acme") == "/o/acme/"


def _outcome(function, *args):
    try:
        return function(*args)
    except NoReverseMatch:
        return NoReverseMatch


@pytest.mark.parametrize("args", [("ac me",), ("åäö",), (None,), (7,), ("acme", "not-a-uuid")])
def test_other_arguments_go_to_reverse(args):
    name = "organisations:department_detail" if len(args) == 2 else "organisations:home"
    expected = _outcome(lambda *a: reverse(name, args=a), *args)
    assert _outcome(quick_reverse, name, *args) == expected


def test_the_tag_escapes_and_assigns():
    template = engines["django"].from_string(
        "{% load layout %}{% quick_url 'organisations:home' slug %}|"
        "{% quick_url 'home' as home %}{{ home }}")
    assert template.render({"slug": "acme"}) == "/o/acme/|/"
