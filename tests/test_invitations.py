"""Invitations: sending (in the chosen language), accepting (new person, existing
user), and each way a link can be unusable: expired, revoked, used, tampered."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from organisations import services
from organisations.models import AuditEvent, Invitation, Membership, Role, User
from tests.conftest import PASSWORD, access_for, make_user, signed_in


@pytest.fixture
def invite(world, django_capture_on_commit_callbacks):
    """``invite(email, role=…, language=…)`` → (invitation, token), as acme's owner."""

    def _invite(email="new.person@acme.test", role=Role.MANAGER, language="en", by=None):
        access = access_for(by or world.acme.owner, world.acme.org)
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(by=access, email=email, role=role,
                                              language=language)

    return _invite


def _link(token):
    return f"/accounts/invitations/{token}/"


def _member(email, org):
    return Membership.objects.filter(user__email=email, organisation=org).first()


def test_it_stores_only_the_hash_of_an_unguessable_token(invite):
    invitation, token = invite()
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(Invitation.objects.values().get())


def test_it_sends_the_invitation_from_the_page(world, mailoutbox,
                                               django_capture_on_commit_callbacks):
    client = signed_in(world.acme.owner)
    form = client.get("/o/acme/invitations/new/")
    assert form.context["form"]["language"].initial == "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/acme/invitations/new/", {
            "email": "Newcomer@Acme.test", "role": "viewer", "language": "en"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "newcomer@acme.test", "viewer", world.acme.owner)
    assert invitation.expires_at - timezone.now() > timedelta(days=13)
    assert [m.to for m in mailoutbox] == [["newcomer@acme.test"]]
    assert AuditEvent.objects.filter(organisation=world.acme.org, action="invitation.sent",
                                     target="newcomer@acme.test").exists()


def test_it_defaults_the_email_language_to_the_inviters(world):
    world.acme.owner.language = "hu"
    world.acme.owner.save()
    form = signed_in(world.acme.owner).get("/o/acme/invitations/new/").context["form"]
    assert form["language"].initial == "hu"


def test_it_writes_the_email_in_the_chosen_language(invite, mailoutbox):
    invite(email="sv@acme.test", language="sv")
    invite(email="en@acme.test", language="en")
    swedish, english = mailoutbox
    assert swedish.extra_headers["Content-Language"] == "sv"
    assert english.extra_headers["Content-Language"] == "en"
    assert '<html lang="sv">' in swedish.alternatives[0].content
    assert '<html lang="en">' in english.alternatives[0].content
    for message in (swedish, english):
        assert "Acme" in message.subject and "\n" not in message.subject
        token_link = re.search(r"http\S+/accounts/invitations/\S+/", message.body)
        assert token_link and token_link.group(0) in message.alternatives[0].content


def test_it_renders_the_email_under_translation_override(invite, mailoutbox, monkeypatch):
    from django.utils import translation

    seen = []
    real_override = translation.override

    def spy(language, *args, **kwargs):
        seen.append(language)
        return real_override(language, *args, **kwargs)

    monkeypatch.setattr("organisations.emails.translation.override", spy)
    invite(language="nb")
    assert seen == ["nb"]


def test_it_lets_a_new_person_sign_up_through_the_invitation(client, invite):
    invitation, token = invite(email="fresh@acme.test", role=Role.MANAGER, language="sv")
    page = client.get(_link(token))
    assert page.status_code == 200 and "fresh@acme.test" in page.content.decode()
    response = client.post(_link(token), {"full_name": "Fresh Person",
                                          "password": "an-unusual-passphrase-4",
                                          "email": "attacker@evil.test"})
    assert response.status_code == 302 and response["Location"] == "/o/acme/"
    user = User.objects.get(email="fresh@acme.test")
    assert not User.objects.filter(email="attacker@evil.test").exists()
    assert user.language == "sv" and user.full_name == "Fresh Person"
    assert _member("fresh@acme.test", invitation.organisation).role == Role.MANAGER
    assert client.get("/o/acme/").status_code == 200  # signed in
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user
    assert AuditEvent.objects.filter(action="invitation.accepted", actor=user).exists()


def test_it_lets_an_existing_signed_in_user_accept(world, invite):
    person = make_user("Person@Example.test")
    invitation, token = invite(email="person@example.test", role=Role.VIEWER)
    client = signed_in(person)
    assert client.get(_link(token)).status_code == 200
    assert _member(person.email, world.acme.org) is None  # GET changes nothing
    response = client.post(_link(token))
    assert response.status_code == 302
    assert _member(person.email, world.acme.org).role == Role.VIEWER


def test_it_asks_an_existing_user_to_sign_in_first_and_brings_them_back(client, world, invite):
    make_user("back@example.test")
    _, token = invite(email="back@example.test")
    page = client.get(_link(token))
    assert page.status_code == 200
    login_url = page.context["login_url"]
    assert login_url == f"/accounts/login/?next={_link(token)}"
    response = client.post(login_url, {"username": "back@example.test", "password": PASSWORD})
    assert response["Location"] == _link(token)
    client.post(_link(token))
    assert _member("back@example.test", world.acme.org).role == Role.MANAGER


def test_it_refuses_a_signed_in_user_with_another_email(world, invite):
    _, token = invite(email="someone.else@acme.test")
    client = signed_in(world.globex.manager)
    assert client.get(_link(token)).status_code == 403
    assert client.post(_link(token)).status_code == 403
    assert _member(world.globex.manager.email, world.acme.org) is None


def test_it_upgrades_but_never_downgrades_an_existing_member(world, invite):
    _, token = invite(email=world.globex.viewer.email, role=Role.MANAGER)
    signed_in(world.globex.viewer).post(_link(token))
    assert _member(world.globex.viewer.email, world.acme.org).role == Role.MANAGER


def _assert_unusable(client, token, status, text, org):
    count = Membership.objects.count()
    for method in ("get", "post"):
        response = getattr(client, method)(
            _link(token), {"full_name": "X", "password": "an-unusual-passphrase-4"})
        assert response.status_code == status
        assert text in response.content.decode()
    assert Membership.objects.count() == count
    assert not User.objects.filter(full_name="X").exists()


def test_it_explains_an_expired_link_and_adds_nobody(client, invite):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1))
    _assert_unusable(client, token, 410, "expired", invitation.organisation)


def test_it_explains_a_revoked_link_and_adds_nobody(client, world, invite):
    invitation, token = invite()
    response = signed_in(world.acme.owner).post(
        f"/o/acme/invitations/{invitation.public_id}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    _assert_unusable(client, token, 410, "withdrawn", invitation.organisation)
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_it_explains_a_used_link_and_adds_nobody(client, invite):
    invitation, token = invite(email="first@acme.test")
    client.post(_link(token), {"full_name": "First", "password": "an-unusual-passphrase-4"})
    client.post("/accounts/logout/")
    _assert_unusable(client, token, 410, "already been used", invitation.organisation)


def test_it_explains_a_tampered_or_unknown_link_and_adds_nobody(client, invite):
    invitation, token = invite()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    _assert_unusable(client, tampered, 404, "not valid", invitation.organisation)
    _assert_unusable(client, "x" * 500, 404, "not valid", invitation.organisation)


def test_it_cannot_be_accepted_twice_even_by_its_own_service(world, invite):
    invitation, _ = invite(email=world.globex.owner.email)
    services.invitation_accept(invitation=invitation, user=world.globex.owner)
    with pytest.raises(services.InvitationUnavailable) as raised:
        services.invitation_accept(invitation=invitation, user=world.globex.owner)
    assert raised.value.reason == "accepted"


def test_it_resends_with_a_new_link_that_replaces_the_old(client, world, invite, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    invitation, old_token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(world.acme.consultant).post(
            f"/o/acme/invitations/{invitation.public_id}/resend/")
    assert response.status_code == 302
    assert len(mailoutbox) == 2
    new_token = re.search(r"/accounts/invitations/(\S+)/", mailoutbox[1].body).group(1)
    assert new_token != old_token
    assert client.get(_link(old_token)).status_code == 404
    assert client.get(_link(new_token)).status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert AuditEvent.objects.filter(action="invitation.resent").exists()


def test_it_lists_invitations_with_their_status(world, invite):
    pending, _ = invite(email="pending@acme.test")
    revoked, _ = invite(email="revoked@acme.test")
    expired, _ = invite(email="expired@acme.test")
    access = access_for(world.acme.owner, world.acme.org)
    services.invitation_revoke(by=access, invitation=revoked)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    page = signed_in(world.acme.owner).get("/o/acme/invitations/").content.decode()
    for text in ("pending@acme.test", "Pending", "Revoked", "Expired"):
        assert text in page


def test_it_refuses_duplicates_and_existing_members(world, invite):
    invite(email="twice@acme.test")
    client = signed_in(world.acme.owner)
    for email in ("TWICE@acme.test", world.acme.viewer.email):
        response = client.post("/o/acme/invitations/new/",
                               {"email": email, "role": "viewer", "language": "en"})
        assert response.status_code == 200 and response.context["form"].errors["email"]
    assert Invitation.objects.count() == 1


def test_it_invites_again_an_address_whose_invitation_is_no_longer_pending(world, invite):
    """Only a pending invitation (Invitation.pending) blocks a second one."""
    expired, _ = invite(email="expired@acme.test")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, _ = invite(email="revoked@acme.test")
    services.invitation_revoke(by=access_for(world.acme.owner, world.acme.org),
                               invitation=revoked)
    invite(email="expired@acme.test")
    invite(email="revoked@acme.test")
    assert Invitation.objects.filter(Invitation.pending()).count() == 2


def test_its_service_refuses_an_expired_invitation(world, invite):
    invitation, _ = invite(email=world.globex.owner.email)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(services.InvitationUnavailable) as raised:
        services.invitation_accept(invitation=invitation, user=world.globex.owner)
    assert raised.value.reason == "expired"
    assert not _member(world.globex.owner.email, world.acme.org)


def test_it_expires_after_the_configured_number_of_days(settings, invite):
    settings.INVITATION_EXPIRY_DAYS = 3
    invitation, _ = invite()
    assert timedelta(days=2, hours=23) < invitation.expires_at - timezone.now() <= timedelta(
        days=3)


def test_it_does_not_html_escape_the_plain_text_parts(world, invite, mailoutbox):
    world.acme.org.name = "R&D <Labs>"
    world.acme.org.save()
    invite()
    message = mailoutbox[0]
    assert "R&D <Labs>" in message.subject and "R&D <Labs>" in message.body
    assert "R&amp;D &lt;Labs&gt;" in message.alternatives[0].content
