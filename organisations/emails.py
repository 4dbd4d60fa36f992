"""Emails of the tenancy app, each a subject/text/html template triple."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation


def render_plain_text(template_name: str, context: dict) -> str:
    """A template rendered without HTML escaping: a subject or a plain-text body is not
    HTML, so "R&D" must stay "R&D" (not "R&amp;D") whatever the template says."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def render_email(prefix: str, context: dict, *, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``<prefix>_subject.txt`` / ``_body.txt`` / ``_body.html``."""
    return render_email_templates(
        subject=f"{prefix}_subject.txt", text=f"{prefix}_body.txt", html=f"{prefix}_body.html",
        context=context, language=language)


def render_email_templates(*, subject: str, text: str, html: str, context: dict,
                           language: str) -> tuple[str, str, str]:
    """Every email's subject, text and HTML, rendered in ``language`` whatever the
    request's language is: the subject and the text as plain text (not escaped), the
    HTML escaped."""
    with translation.override(language):
        context = {**context, "language": language}
        subject_line = "".join(render_plain_text(subject, context).splitlines()).strip()
        return subject_line, render_plain_text(text, context), render_to_string(html, context)


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


def send_email(*, prefix: str, context: dict, to: str, language: str) -> int:
    """An email of the ``prefix`` triple to one address, in ``language``."""
    subject, text, html = render_email(prefix, {**context, "site_url": settings.SITE_URL},
                                       language=language)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to],
                                     headers={"Content-Language": language})
    message.attach_alternative(html, "text/html")
    return message.send()


def email_language(language: str | None) -> str:
    """``language`` if the interface has it, else the default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def send_signup_verification_email(*, user, payload: str, language: str) -> int:
    """The link that proves the address and creates the account's organisation."""
    return send_email(prefix="organisations/email/signup_verify", to=user.email,
                 language=email_language(language), context={
                     "user": user, "days": settings.SIGNUP_VERIFICATION_DAYS,
                     "verify_url": settings.SITE_URL + reverse("signup_verify",
                                                               args=[payload])})


def send_signup_existing_email(*, user, language: str) -> int:
    """Someone signed up with an address that has an account: its owner is told, and
    how to reset the password if it was them (the sign-up page said nothing)."""
    return send_email(prefix="organisations/email/signup_existing", to=user.email,
                 language=email_language(language), context={
                     "user": user,
                     "login_url": settings.SITE_URL + reverse("login"),
                     "reset_url": settings.SITE_URL + reverse("password_reset")})
