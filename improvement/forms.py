from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Action, Webhook


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    statements = forms.MultipleChoiceField(
        label=_("Statements addressed"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The next round's report shows whether these moved."))
    owner = forms.ChoiceField(label=_("Owner"), required=False,
                              help_text=_("A member, or someone without an account: leave "
                                          "this empty and give a name and an email address."))
    owner_name = forms.CharField(label=_("Owner's name"), max_length=150, required=False)
    owner_email = forms.EmailField(
        label=_("Owner's email address"), required=False,
        max_length=Action._meta.get_field("owner_email").max_length)
    due_date = forms.DateField(label=pgettext_lazy("action", "Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"},
                                                      format="%Y-%m-%d"))
    done_when = forms.CharField(label=_("Done when"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=Action._meta.get_field("done_when").help_text)

    def __init__(self, *args, owners, statements, department_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody yet, or someone without an account"))] \
            + owners
        if statements:
            self.fields["statements"].choices = statements
        else:
            del self.fields["statements"]
        if department_choices is not None:
            self.fields = {"department": forms.ChoiceField(
                label=_("Department"), choices=department_choices), **self.fields}
        self.fields["due_date"].widget.attrs["min"] = timezone.localdate().isoformat()


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Endpoint URL"), max_length=500, assume_scheme="https",
                         help_text=_("Each event is sent there as a JSON POST, signed in "
                                     "the X-MaturityDesk-Signature header."))
    events = forms.MultipleChoiceField(label=_("Events"), choices=Webhook.Event.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       initial=Webhook.Event.values)
