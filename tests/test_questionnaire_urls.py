"""The questionnaire's page URLs (``questionnaire_views.Seat.url``, built below one
reversed base URL) are exactly what ``reverse()`` gives, on both ways in."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse, set_script_prefix

from assessments.questionnaire_views import Seat

SOME_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
MEMBER = {"start": "assessments:answer", "review": "assessments:answer_review",
          "save": "assessments:answer_save", "submit": "assessments:answer_submit",
          "dimension": "assessments:answer_dimension"}
LINK = {"start": "respondent:start", "review": "respondent:review", "save": "respondent:save",
        "submit": "respondent:submit", "dimension": "respondent:dimension"}


def _member_seat(slug="acme"):
    assessment = SimpleNamespace(organisation=SimpleNamespace(slug=slug), public_id=SOME_ID)
    return Seat(assessment=assessment, response=None)


@pytest.mark.parametrize("page", sorted(MEMBER))
@pytest.mark.parametrize("key", ["incident", "a-b_C9", "ä b%:@~"])
def test_a_member_seats_urls_are_reverses(page, key):
    extra = [key] if page == "dimension" else []
    expected = reverse(MEMBER[page], args=["acme", SOME_ID, *extra])
    assert _member_seat().url(page, *extra) == expected


@pytest.mark.parametrize("page", sorted(LINK))
def test_a_link_seats_urls_are_reverses(page):
    token = "Ab-c_9" * 7
    seat = Seat(assessment=None, response=None, token=token)
    extra = ["change"] if page == "dimension" else []
    assert seat.url(page, *extra) == reverse(LINK[page], args=[token, *extra])


def test_it_honours_the_script_prefix():
    try:
        set_script_prefix("/desk/")
        assert _member_seat().url("review") == f"/desk/o/acme/assessments/{SOME_ID}/answer/review/"
    finally:
        set_script_prefix("/")
