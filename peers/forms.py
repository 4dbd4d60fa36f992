from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Sector, SizeBand

SMALL_SELECT = {"class": "form-select form-select-sm"}


class ProgrammeForm(forms.Form):
    enabled = forms.BooleanField(label=_("Benchmark our clients' completed rounds"),
                                 required=False)


class ParticipationForm(forms.Form):
    opted_in = forms.BooleanField(
        label=_("Take part in the benchmark"), required=False,
        help_text=_("Your completed rounds are compared, anonymously, with those of the "
                    "consultancy's other clients that take part. Opting out removes your "
                    "figures from the pool at once."))
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    size_band = forms.ChoiceField(label=_("Size"), choices=SizeBand.choices)


class FilterForm(forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), required=False,
                               choices=[("", _("All sectors")), *Sector.choices],
                               widget=forms.Select(attrs=SMALL_SELECT))
    size_band = forms.ChoiceField(label=_("Size"), required=False,
                                  choices=[("", _("All sizes")), *SizeBand.choices],
                                  widget=forms.Select(attrs=SMALL_SELECT))
