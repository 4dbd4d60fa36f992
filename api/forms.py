from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import ApiToken
from .services import EXPIRY_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What the token is for, e.g. “Service desk dashboard”. The audit trail "
                    "names it beside each call."))
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("Read: departments, models, rounds, results and PDF reports. Read and "
                    "write: also import models, start, open and close rounds and invite "
                    "respondents."))
    days = forms.TypedChoiceField(
        label=_("Expires after"), coerce=int, initial=90,
        choices=[(days, ngettext_lazy("%(days)s day", "%(days)s days", days) % {"days": days})
                 for days in EXPIRY_DAYS])
