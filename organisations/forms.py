import logging

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import login_policy
from .emails import render_email_templates
from .models import Department, Invitation, Organisation, Role, User

logger = logging.getLogger(__name__)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form (fields ``username`` and ``password``) labelled as email."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if message := login_policy.refusal(user):
            raise forms.ValidationError(message, code="password_refused")


class LocalizedPasswordResetForm(PasswordResetForm):
    """Sends the reset email in the account's saved language; without one, in the
    language of the page the request came from."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        # Rendered like every other email, not by Django's default, which HTML-escapes
        # the subject and the text.
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        subject, text, html = render_email_templates(
            subject=subject_template_name, text=email_template_name,
            html=html_email_template_name, context=context, language=language)
        message = EmailMultiAlternatives(subject, text, from_email, [to_email],
                                         headers={"Content-Language": language})
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # as Django's: the page does not tell whether the address exists
            logger.exception("Failed to send password reset email to %s", context["user"].pk)


def _new_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


def _slug_field(label, help_text) -> forms.SlugField:
    return forms.SlugField(
        label=label, max_length=60, required=False, help_text=help_text,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )


class OrganisationSlugMixin:
    """Validates the ``slug`` field: free, or left blank to derive one from the name."""

    slug_field_name = "slug"

    def clean_slug_value(self, slug: str) -> str:
        slug = (slug or "").lower()
        if slug and Organisation.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This short name is taken; choose another one."))
        return slug


class SignupForm(OrganisationSlugMixin, forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email address"),
                             max_length=User._meta.get_field("email").max_length,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _new_password_field()
    kind = forms.ChoiceField(
        label=_("What are you setting up?"), widget=forms.RadioSelect,
        choices=[
            (Organisation.Kind.ORGANISATION,
             _("A single organisation — we assess our own service departments")),
            (Organisation.Kind.CONSULTANCY,
             _("A consultancy — we run assessments for client organisations")),
        ],
        initial=Organisation.Kind.ORGANISATION,
    )
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    organisation_slug = _slug_field(
        _("Short name (optional)"),
        _("Used in web addresses, e.g. /o/acme/. Letters, digits and hyphens; "
          "left blank, one is made from the name."),
    )

    def clean_email(self):
        # Whether the address has an account is not said here (the email says it):
        # sign-up must not tell anyone which addresses have accounts.
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean_organisation_slug(self):
        return self.clean_slug_value(self.cleaned_data.get("organisation_slug"))

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            user = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser prefers"))] + list(settings.LANGUAGES),
        required=False,
        help_text=_("The language of the interface, emails and reports."),
    )


class InvitationSignupForm(forms.Form):
    """Sign-up through an invitation: the email address is the invitation's."""

    email = forms.EmailField(label=_("Email address"), disabled=True, required=False,
                             help_text=_("The address this invitation was sent to."))
    full_name = forms.CharField(label=_("Your name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = _new_password_field()

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["email"].initial = invitation.email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            user = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ClientForm(OrganisationSlugMixin, forms.Form):
    name = forms.CharField(label=_("Client name"), max_length=200)
    slug = _slug_field(
        _("Short name (optional)"),
        _("Used in web addresses, e.g. /o/acme/. Left blank, one is made from the name."),
    )

    def clean_slug(self):
        return self.clean_slug_value(self.cleaned_data.get("slug"))


class DepartmentForm(forms.Form):
    """Name and description; uniqueness in the organisation is the service's check."""

    name = forms.CharField(
        label=_("Name"), max_length=Department._meta.get_field("name").max_length,
        help_text=_("For example “IT Service Desk”, “HR Services”, “Facilities”."),
    )
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


def _role_choices(roles):
    return [(role, Role(role).label) for role in roles]


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"),
                             max_length=Invitation._meta.get_field("email").max_length,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label=_("Role"),
        help_text=_("Owners manage everything; consultants manage members, departments and "
                    "assessments; service managers run assessments; executives only read."),
    )
    language = forms.ChoiceField(label=_("Language of the email"), choices=settings.LANGUAGES)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)
        self.fields["role"].initial = Role.MANAGER

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class BrandingForm(forms.Form):
    """An organisation's own branding; what it means and what is checked is the
    service's (``services.branding_update``). An empty field inherits."""

    name = forms.CharField(
        label=_("Display name"), max_length=60, required=False,
        help_text=_("Shown instead of “Maturity Desk” in the navigation bar, the "
                    "emails and the PDF reports, e.g. “Northwind Maturity Check”."))
    logo = forms.FileField(
        label=_("Logo"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/svg+xml,.png,.svg"}),
        help_text=_("A PNG (16 to 2048 pixels wide and high) or an SVG, at most 512 KB. "
                    "An SVG may hold no script, link or reference to another file. PNG "
                    "logos also appear in emails; most mail programs show no SVG."))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    colour = forms.CharField(
        label=_("Primary colour"), max_length=7, required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
        help_text=_("A hex code for buttons and links. It must reach a contrast of 4.5:1 "
                    "(WCAG AA) as text on white and with the text of a button."))
    footer = forms.CharField(
        label=_("Footer line"), max_length=200, required=False,
        help_text=_("One line at the foot of every page, email and PDF page, e.g. your "
                    "address or telephone number."))

    def __init__(self, *args, has_logo: bool = False, inherited=None, **kwargs):
        """``inherited``: the Branding an empty field shows (the consultancy's, or the
        product's), given as each field's placeholder."""
        super().__init__(*args, **kwargs)
        if not has_logo:
            del self.fields["remove_logo"]
        if inherited is not None:
            for field, value in (("name", inherited.name), ("colour", inherited.accent),
                                 ("footer", inherited.footer)):
                self.fields[field].widget.attrs["placeholder"] = value
