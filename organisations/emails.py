"""Emails of the tenancy app, each a subject/text/html template triple, and the one
way every app sends an email (:func:`send_email`): in the recipient's language, under
the branding of the organisation it is about (``organisations.branding``)."""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from . import logos
from .branding import DEFAULT, Branding, effective_branding
from .models import Invitation

# The Content-ID of a PNG logo carried inside an email (the HTML shows cid:brand-logo).
LOGO_CID = "brand-logo"


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
    """The invitation's link, sent by the worker (``services.invitation_emails_send``)."""
    inviter = invitation.invited_by
    return send_email(prefix="organisations/email/invitation", to=invitation.email,
                      language=invitation.language, organisation=invitation.organisation,
                      context={
                          "invitation": invitation,
                          "organisation": invitation.organisation,
                          "inviter_name": inviter.get_full_name() if inviter else "",
                          "role": invitation.get_role_display,  # in the email's language
                          "accept_url": settings.SITE_URL + reverse("invitation_accept",
                                                                    args=[token]),
                          "expires_at": invitation.expires_at,
                      })


class BrandedEmail(EmailMultiAlternatives):
    """An email whose HTML part carries the logo as an inline image (multipart/related),
    so that mail programs show it without loading anything from the internet."""

    def __init__(self, *args, logo: bytes | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.logo = logo

    def _add_bodies(self, msg):
        msg = super()._add_bodies(msg)
        if self.logo:
            for part in msg.walk():
                if part.get_content_type() == "text/html":
                    part.add_related(self.logo, "image", "png", cid=f"<{LOGO_CID}>",
                                     disposition="inline", filename="logo.png")
                    break
        return msg


def sender(brand: Branding) -> str:
    """DEFAULT_FROM_EMAIL, under the organisation's display name if it has one."""
    if not brand.own_name:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((brand.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def send_email(*, prefix: str, context: dict, to: str, language: str, organisation=None,
               brand: Branding | None = None) -> int:
    """An email of the ``prefix`` triple to one address, in ``language``, branded as
    ``organisation`` (its parent read: select it with it) or as ``brand``; neither:
    the product's own."""
    if brand is None:
        brand = effective_branding(organisation) if organisation is not None else DEFAULT
    # Only a PNG goes inline: most mail programs show no SVG (the name stands alone).
    logo = logos.read(brand.logo) if brand.logo_type == "image/png" else None
    subject, text, html = render_email(prefix, {
        **context, "site_url": settings.SITE_URL, "brand": brand,
        "brand_logo": f"cid:{LOGO_CID}" if logo else ""}, language=language)
    message = BrandedEmail(subject=subject, body=text, to=[to], from_email=sender(brand),
                           headers={"Content-Language": language}, logo=logo)
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
