"""Emails of the tenancy app, each a subject/text/html template triple."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation


def render_email(prefix: str, context: dict, *, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``<prefix>_subject.txt`` / ``_body.txt`` / ``_body.html``,
    rendered in ``language`` whatever the request's language is."""
    with translation.override(language):
        context = {**context, "language": language}
        subject = "".join(render_to_string(f"{prefix}_subject.txt", context).splitlines())
        text = render_to_string(f"{prefix}_body.txt", context)
        html = render_to_string(f"{prefix}_body.html", context)
    return subject.strip(), text, html


def send_invitation_email(*, invitation: Invitation, token: str) -> int:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter_name": inviter.get_full_name() if inviter else "",
        "role": invitation.get_role_display,  # evaluated in the email's language
        "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[token]),
        "expires_at": invitation.expires_at,
        "site_url": settings.SITE_URL,
    }
    subject, text, html = render_email("organisations/email/invitation", context,
                                       language=invitation.language)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email],
                                     headers={"Content-Language": invitation.language})
    message.attach_alternative(html, "text/html")
    return message.send()
