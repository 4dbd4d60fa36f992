"""Shared round links (issue 15, item 2): one link for a whole group, with a cap on
responses and an expiry never before the round's due date; each person who opens it
gets a response of their own, resumable on that device; revocable (audited); and a
"copy link" button for every link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Response, SharedLink
from organisations.models import AuditEvent
from tests.assessment_factories import invitee, make_assessment, version_with
from tests.conftest import access_for, signed_in


def _url(assessment, name, **kwargs):
    return reverse(name, kwargs={"org_slug": "acme", "assessment_id": assessment.public_id,
                                 **kwargs})


def shared(world, assessment, *, cap=3, group="Customers / business", language="en"):
    link, token = services.shared_link_create(
        by=access_for(world.acme.manager, world.acme.org), assessment=assessment,
        label="Newsletter", cap=cap, group=group, language=language,
        expires_on=services.shared_link_default_expiry(assessment))
    return link, reverse("respondent:shared", args=[token])


def start(client: Client, url: str):
    """Open the link and press "Start": the questionnaire it leads to."""
    page = client.get(url)
    assert page.status_code == 200 and '<form method="post">' in page.content.decode()
    return client.post(url)


# ------------------------------------------------------------------ creating one


def test_a_manager_creates_a_shared_link_that_is_audited(world):
    assessment = make_assessment(world, version=version_with())
    client = signed_in(world.acme.manager)
    page = client.post(_url(assessment, "assessments:shared_link_create"), {
        "label": "Intranet", "group": "Team leads", "cap": "20", "language": "sv",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat()})
    assert page.status_code == 302
    link = SharedLink.objects.get(assessment=assessment)
    assert (link.label, link.group, link.cap, link.language) == ("Intranet", "Team leads",
                                                                 20, "sv")
    assert AuditEvent.objects.filter(action="assessment.shared_link_created").exists()
    detail = client.get(_url(assessment, "assessments:detail")).content.decode()
    token = services.shared_link_token(link)
    assert reverse("respondent:shared", args=[token]) in detail
    assert f'data-copy="shared-{link.public_id.hex}"' in detail  # the copy button


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cap", "0", "greater than or equal to 1"),
    ("cap", "-5", "greater than or equal to 1"),
    ("cap", "many", "Enter a whole number"),
    ("cap", "", "This field is required"),
    ("expires_on", "yesterday", "Enter a valid date"),
])
def test_bad_input_is_a_clear_form_error(world, field, value, message):
    assessment = make_assessment(world, version=version_with())
    data = {"label": "Intranet", "cap": "20", "language": "en",
            "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            field: value}
    page = signed_in(world.acme.manager).post(
        _url(assessment, "assessments:shared_link_create"), data)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not SharedLink.objects.exists()


def test_an_expiry_before_the_due_date_is_refused_with_the_date(world):
    assessment = make_assessment(world, version=version_with())
    assessment.due_date = timezone.localdate() + timedelta(days=20)
    assessment.save()
    page = signed_in(world.acme.manager).post(
        _url(assessment, "assessments:shared_link_create"), {
            "label": "Intranet", "cap": "20", "language": "en",
            "expires_on": (timezone.localdate() + timedelta(days=10)).isoformat()})
    assert page.status_code == 200
    assert "works at least until the round&#x27;s due date" in page.content.decode()
    assert not SharedLink.objects.exists()
    past = signed_in(world.acme.manager).post(
        _url(assessment, "assessments:shared_link_create"), {
            "label": "Intranet", "cap": "20", "language": "en",
            "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()})
    assert "is in the past" in past.content.decode()
    assert not SharedLink.objects.exists()


def test_the_service_refuses_a_bad_cap_too(world):
    from django.core.exceptions import ValidationError

    assessment = make_assessment(world, version=version_with())
    for cap in (0, -1, True, 10**6):
        with pytest.raises(ValidationError) as error:
            shared(world, assessment, cap=cap)
        assert "cap" in error.value.message_dict
    assert not SharedLink.objects.exists()


def test_a_viewer_cannot_create_or_revoke(world):
    assessment = make_assessment(world, version=version_with())
    link, _url_ = shared(world, assessment)
    client = signed_in(world.acme.viewer)
    assert client.post(_url(assessment, "assessments:shared_link_create"), {
        "label": "x", "cap": "3", "language": "en",
        "expires_on": timezone.localdate().isoformat()}).status_code == 403
    assert client.post(_url(assessment, "assessments:shared_link_revoke",
                            link_id=link.public_id)).status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None


def test_another_organisations_link_is_a_404(world):
    assessment = make_assessment(world, version=version_with())
    link, _u = shared(world, assessment)
    other = make_assessment(world, version=version_with(), name="Other round")
    client = signed_in(world.acme.manager)
    # A link of another round of the same organisation is not found under this round.
    assert client.post(_url(other, "assessments:shared_link_revoke",
                            link_id=link.public_id)).status_code == 404
    globex = signed_in(world.globex.owner)
    assert globex.post(reverse("assessments:shared_link_revoke", kwargs={
        "org_slug": "globex", "assessment_id": assessment.public_id,
        "link_id": link.public_id})).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


# ------------------------------------------------------------------- using one


def test_each_person_gets_their_own_response_resumable_on_their_device(world):
    assessment = make_assessment(world, version=version_with())
    link, url = shared(world, assessment)
    alice, bob = Client(), Client()
    assert alice.get(url).status_code == 200
    assert not Response.objects.filter(shared_link=link).exists()  # a preview takes nothing
    first = start(alice, url)
    assert first.status_code == 302 and first.url.startswith("/r/")
    response = Response.objects.get(shared_link=link)
    assert response.group == "Customers / business" and response.name == "Newsletter #1"
    assert response.expires_at == link.expires_at
    # The same device comes back to its own questionnaire.
    again = alice.get(url)
    assert again.status_code == 302 and again.url == first.url
    assert alice.get(again.url).status_code == 200
    # Another device gets another.
    second = start(bob, url)
    assert second.url != first.url
    assert Response.objects.filter(shared_link=link).count() == 2
    # A forged cookie leads nowhere.
    eve = Client()
    eve.cookies[f"md-shared-{link.public_id.hex}"] = str(response.public_id)
    assert eve.get(url).status_code == 200


def test_the_cap_gives_a_clear_page_in_the_links_language(world):
    assessment = make_assessment(world, version=version_with())
    link, url = shared(world, assessment, cap=1, language="sv")
    assert "Börja på enkäten" in Client().get(url).content.decode()
    start(Client(), url)
    full = Client().get(url)
    assert full.status_code == 410
    assert 'data-shared-state="full"' in full.content.decode()
    assert 'lang="sv"' in full.content.decode()
    assert Client().post(url).status_code == 410
    assert Response.objects.filter(shared_link=link).count() == 1


def test_an_expired_link_starts_nothing(world):
    assessment = make_assessment(world, version=version_with())
    link, url = shared(world, assessment)
    SharedLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    page = Client().post(url)
    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()
    assert not Response.objects.filter(shared_link=link).exists()


def test_a_revoked_link_stops_new_and_unsubmitted_responses(world):
    assessment = make_assessment(world, version=version_with())
    link, url = shared(world, assessment)
    alice = Client()
    questionnaire = start(alice, url).url
    client = signed_in(world.acme.manager)
    client.post(_url(assessment, "assessments:shared_link_revoke", link_id=link.public_id))
    event = AuditEvent.objects.get(action="assessment.shared_link_revoked")
    assert event.data["withdrawn_responses"] == 1
    page = Client().get(url)
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert alice.get(questionnaire).status_code == 410  # their own link is withdrawn too
    assert "withdrawn" in alice.get(url, follow=True).content.decode()


def test_a_link_of_a_round_not_open_says_so(world):
    assessment = make_assessment(world, version=version_with(), opened=False)
    _link, url = shared(world, assessment)
    page = Client().post(url)
    assert page.status_code == 200 and "not open for answers yet" in page.content.decode()
    assert not Response.objects.exists()


def test_an_unknown_link_is_a_404(db):
    page = Client().get(reverse("respondent:shared", args=["nope" * 10]))
    assert page.status_code == 404


def test_a_later_due_date_takes_the_link_with_it(world):
    assessment = make_assessment(world, version=version_with())
    link, _u = shared(world, assessment)
    due = timezone.localdate() + timedelta(days=90)
    services.assessment_update(by=access_for(world.acme.manager, world.acme.org),
                               assessment=assessment, name=assessment.name, due_date=due,
                               target_level=None)
    link.refresh_from_db()
    assert timezone.localdate(link.expires_at) == due


def test_a_respondent_through_the_link_answers_and_submits(world):
    assessment = make_assessment(world, version=version_with())
    link, url = shared(world, assessment)
    alice = Client()
    base = start(alice, url).url
    saved = alice.post(base + "save/", {"question": "people.2.1", "option": "fully"})
    assert saved.status_code == 200
    assert alice.post(base + "submit/").status_code == 302
    response = Response.objects.get(shared_link=link)
    assert response.is_submitted


# ---------------------------------------------------------------- copying links


def test_personal_links_are_copyable_in_a_named_round_only(world):
    named = make_assessment(world, version=version_with(),
                            anonymity=Assessment.Anonymity.NAMED)
    response, token = invitee(named, "ann@x.test")
    page = signed_in(world.acme.manager).get(_url(named, "assessments:detail")).content.decode()
    assert reverse("respondent:start", args=[token]) in page
    assert f'data-copy="link-{response.public_id.hex}"' in page
    # Executives never see it.
    viewer = signed_in(world.acme.viewer).get(_url(named, "assessments:detail")).content
    assert token not in viewer.decode()

    anonymous = make_assessment(world, version=version_with(), name="Anon")
    _response, secret = invitee(anonymous, "bob@x.test")
    page = signed_in(world.acme.owner).get(
        _url(anonymous, "assessments:detail")).content.decode()
    assert secret not in page
    assert "personal links go by email only" in page
