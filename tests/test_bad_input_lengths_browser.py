"""The longest names, addresses and groups the forms take, in a real browser: the round
page, the invitations list, the members list and the audit trail wrap them at 390 and
1280 px instead of widening the page (screenshots in artifacts/e2e/<test>/)."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from organisations import services as organisation_services
from tests.assessment_factories import make_assessment
from tests.conftest import PASSWORD, access_for

from .browser import sign_in
from .test_browser_roles import _page, at_both_widths
from .test_browser_roles import context as context  # noqa: PLC0414  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONGEST_EMAIL = "b" * 242 + "@example.org"  # 254 characters, one word


def test_long_unbroken_names_and_addresses_wrap(live_server, context, request, world):
    owner = world.acme.owner
    owner.full_name = "F" * 150
    owner.save(update_fields=["full_name"])
    access = access_for(owner, world.acme.org)
    assessment = make_assessment(world, name="R" * 200)
    assessment_services.respondent_invite(by=access, assessment=assessment,
                                          email=LONGEST_EMAIL, name="N" * 150, group="G" * 80)
    organisation_services.invitation_create(by=access, email="c" * 242 + "@example.org",
                                            role="manager", language="en")
    page = _page(context, request)
    sign_in(page, live_server, owner.email, PASSWORD)
    for name, path in (("round", f"/o/acme/assessments/{assessment.public_id}/"),
                       ("invitations", "/o/acme/invitations/"),
                       ("members", "/o/acme/members/"),
                       ("audit", "/o/acme/audit/")):
        page.goto(f"{live_server.url}{path}")
        assert "bbbbbbbbbb" in page.inner_text("main") or name in ("invitations", "members")
        at_both_widths(page, name)
        # At laptop width a table has room: it wraps the long cell rather than scrolling.
        assert page.evaluate("""[...document.querySelectorAll('.table-responsive')].every(
            t => t.scrollWidth <= t.clientWidth + 1)"""), f"{path}: a table scrolls at 1280 px"
