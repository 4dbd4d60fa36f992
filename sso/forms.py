from django import forms
from django.utils.translation import gettext_lazy as _

from .models import JOIN_ROLES


class ProviderForm(forms.Form):
    issuer = forms.URLField(label=_("Issuer"), max_length=300, assume_scheme="https",
                            help_text=_("For example https://login.example.com/realms/staff "
                                        "— exactly as the provider's discovery document "
                                        "states it."))
    client_id = forms.CharField(label=_("Client ID"), max_length=200)
    client_secret = forms.CharField(
        label=_("Client secret"), max_length=500, required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored, never shown again. Leave it blank to keep the stored one."))
    join_role = forms.ChoiceField(label=_("Role of people who join through it"),
                                  choices=JOIN_ROLES)
    enabled = forms.BooleanField(label=_("Sign-in through the identity provider is on"),
                                 required=False)
    sso_only = forms.BooleanField(
        label=_("SSO only"), required=False,
        help_text=_("Members whose only organisation is this one must sign in through the "
                    "identity provider. Consultants who belong to several organisations "
                    "keep their password."))


class DomainForm(forms.Form):
    domain = forms.CharField(label=_("Email domain"), max_length=260,
                             widget=forms.TextInput(attrs={"placeholder": "example.com"}))


class StartForm(forms.Form):
    email = forms.EmailField(label=_("Your work email address"), widget=forms.EmailInput(
        attrs={"autofocus": True, "autocomplete": "email"}))
