from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from models_catalog.models import translate
from models_catalog.snapshot import snapshot

from .models import Assessment, Response


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        return _("%(model)s, version %(number)s") % {
            "model": translate(version.name, None, version.default_language)
            or version.model.slug,
            "number": version.number}


class TargetLevelField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Target level"), required=False, coerce=int, empty_value=None,
            choices=[("", _("One level above the current level (default)"))]
            + [(n, str(n)) for n in range(1, 6)],
            help_text=_("The level the department aims for; next steps lead there."),
            **kwargs)


class AssessmentForm(forms.Form):
    department = forms.ModelChoiceField(queryset=None, label=_("Department"),
                                        empty_label=None)
    model_version = VersionChoiceField(queryset=None, label=_("Maturity model"),
                                       empty_label=_("Choose a maturity model…"),
                                       help_text=_("The round keeps this version for good, "
                                                   "so later edits to the model never "
                                                   "change its result. Preselected: the "
                                                   "model of the department's latest "
                                                   "round, else of the organisation's, "
                                                   "else a shipped model."))
    name = forms.CharField(label=_("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": _("Q1 2027")}))
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    target_level = TargetLevelField()
    # Not required: a form posted without a choice gets the safe default.
    anonymity = forms.TypedChoiceField(
        label=_("Answers"), choices=Assessment.Anonymity.choices, required=False,
        empty_value=Assessment.Anonymity.ANONYMOUS,
        initial=Assessment.Anonymity.ANONYMOUS, widget=forms.RadioSelect,
        help_text=Assessment._meta.get_field("anonymity").help_text
        + " " + _("Respondents are told before they answer; it cannot be changed once "
                  "the round is open."))

    def __init__(self, *args, departments, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["model_version"].queryset = versions
        # The browser's date picker offers no past day (the service refuses one anyway).
        self.fields["due_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean(self):
        data = super().clean()
        version, target = data.get("model_version"), data.get("target_level")
        levels = snapshot(version).top if version is not None else None
        if levels is not None and target is not None and target > levels:
            self.add_error("target_level", _("This model has only %(n)s levels.")
                           % {"n": levels})
        return data


class AssessmentEditForm(forms.ModelForm):
    target_level = TargetLevelField()

    class Meta:
        model = Assessment
        fields = ["name", "due_date", "target_level", "anonymity"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "anonymity": forms.RadioSelect}

    def __init__(self, *args, levels: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_level"].choices = self.fields["target_level"].choices[:levels + 1]
        self.fields["anonymity"].required = False  # not posted: unchanged
        if not self.instance.is_draft:
            # Respondents were told when they started: the edit page shows it read-only.
            del self.fields["anonymity"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language of the email and questionnaire"),
                                 choices=settings.LANGUAGES)


class MembersForm(forms.Form):
    users = forms.MultipleChoiceField(label=_("Members"), widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Each gets an email with a link to the "
                                                  "questionnaire when the round is open."))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(user.pk): user for user in members}
        self.fields["users"].choices = [
            (str(user.pk), f"{user.get_full_name()} <{user.email}>"
             if user.full_name else user.email) for user in members]

    def clean_users(self):
        return [self.members[pk] for pk in self.cleaned_data["users"]]


class OfflineUploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in answer sheet (CSV or XLSX)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
    respondent = forms.ChoiceField(label=_("Whose answers"))
    new_name = forms.CharField(label=_("Name of the new respondent"), max_length=150,
                               required=False)
    submit = forms.BooleanField(label=_("Mark these answers as submitted"), required=False,
                                initial=False,
                                help_text=_("Submitted answers count in the results and "
                                            "cannot be changed afterwards. You confirm it, "
                                            "with the respondent's name, before anything is "
                                            "saved."))

    NEW = "new"

    def __init__(self, *args, responses: list[Response], **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = {str(r.public_id): r for r in responses if not r.is_submitted}
        self.fields["respondent"].choices = [(self.NEW, _("A new respondent (name below)"))] + [
            (key, r.display_name) for key, r in self.responses.items()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(max)s bytes.")
                                        % {"max": settings.MAX_UPLOAD_BYTES})
        return upload

    def clean(self):
        data = super().clean()
        if data.get("respondent") == self.NEW and not data.get("new_name", "").strip():
            self.add_error("new_name", _("Give the new respondent a name."))
        return data

    @property
    def response(self) -> Response | None:
        key = self.cleaned_data.get("respondent")
        return None if key == self.NEW else self.responses.get(key)
