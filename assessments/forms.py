from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from models_catalog.models import translate
from models_catalog.snapshot import snapshot

from .anonymity import MIN_GROUP_SIZE
from .models import MAX_GROUP_LENGTH, Assessment, Response, SharedLink
from .services import MAX_SHARED_CAP


def version_label(version) -> str:
    """"TOPdesk …, version 2" in the reader's language."""
    return _("%(model)s, version %(number)s") % {
        "model": translate(version.name, None, version.default_language) or version.model.slug,
        "number": version.number}


# What choosing "anonymous" means for the results (assessments.anonymity.results_hidden).
ANONYMOUS_RESULTS_HELP = lazy(lambda: ngettext(
    "An anonymous round shows its results once at least %(min)s person has submitted.",
    "An anonymous round shows its results once at least %(min)s people have submitted.",
    MIN_GROUP_SIZE) % {"min": MIN_GROUP_SIZE}, str)()


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        return version_label(version)


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
        help_text=format_lazy("{} {} {}", Assessment._meta.get_field("anonymity").help_text,
                              ANONYMOUS_RESULTS_HELP,
                              _("Respondents are told before they answer; it cannot be "
                                "changed once the round is open.")))

    def __init__(self, *args, departments, versions, suggested=None, **kwargs):
        """``suggested``: the version preselected for each department (by id), which
        static/js/round-form.js selects when the department changes; it also offers only
        the chosen version's levels as target levels."""
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["model_version"].queryset = versions
        # The browser's date picker offers no past day (the service refuses one anyway).
        self.fields["due_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.fields["department"].widget.attrs["data-suggested-versions"] = json.dumps({
            str(department): str(version.pk) for department, version in (suggested or {}).items()
            if department is not None and version is not None})
        self.fields["model_version"].widget.attrs.update({
            "data-levels": json.dumps({str(pk): top for pk, top in versions.annotate(
                top=Count("levels")).values_list("pk", "top")}),
            "data-target-level": self["target_level"].auto_id})

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
        fields = ["name", "due_date", "target_level", "anonymity", "opens_on",
                  "remind_every_days"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "anonymity": forms.RadioSelect}

    def __init__(self, *args, levels: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_level"].choices = self.fields["target_level"].choices[:levels + 1]
        self.fields["anonymity"].required = False  # not posted: unchanged
        self.fields["anonymity"].help_text = format_lazy(
            "{} {}", self.fields["anonymity"].help_text, ANONYMOUS_RESULTS_HELP)
        self.fields["remind_every_days"].widget.attrs.update(min=1, max=365)
        if not self.instance.is_draft:
            # Respondents were told when they started: the edit page shows it read-only.
            del self.fields["anonymity"]
            del self.fields["opens_on"]  # it has opened


class NextRoundForm(forms.Form):
    """"Start the next round" of a closed round (``followup.assessment_start_next``)."""

    name = forms.CharField(label=_("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": _("Q1 2027")}))
    model_choice = forms.ChoiceField(label=_("Maturity model"), widget=forms.RadioSelect)
    carry_answers = forms.BooleanField(
        label=_("Start from each respondent's answers of this round"), required=False,
        initial=True,
        help_text=_("Their submitted answers are shown as “from last round, please "
                    "confirm”: they count only once the respondent confirms them, and those "
                    "not confirmed are left out when the respondent submits. On a newer "
                    "version, only statements the version maps from earlier ones are "
                    "carried."))
    opens_on = forms.DateField(
        label=_("Opens on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=Assessment._meta.get_field("opens_on").help_text)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    remind_every_days = forms.IntegerField(
        label=_("Remind every (days)"), required=False, min_value=1, max_value=365,
        help_text=Assessment._meta.get_field("remind_every_days").help_text)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_choice"].choices = choices
        self.fields["model_choice"].initial = choices[-1][0]
        today = timezone.localdate().isoformat()
        self.fields["opens_on"].widget.attrs["min"] = today
        self.fields["due_date"].widget.attrs["min"] = today


GROUP_SUGGESTIONS = "group-suggestions"  # the id of the page's <datalist> of group names


def group_field(**kwargs) -> forms.CharField:
    """A respondent group: a free name, with the page's suggestions (``_group_list.html``)."""
    kwargs.setdefault("label", _("Group"))
    return forms.CharField(
        max_length=MAX_GROUP_LENGTH, required=False,
        widget=forms.TextInput(attrs={"list": GROUP_SUGGESTIONS, "autocomplete": "off"}),
        **kwargs)


GROUP_HELP = lazy(lambda: gettext(
    "Optional. Results show each group beside the whole round; a group with fewer than "
    "%(min)s submitted respondents is never shown on its own.") % {"min": MIN_GROUP_SIZE},
    str)()


# A language's label among a round's respondent languages where the round's model is not
# translated into it: the email and the page are, the model's texts fall back to its
# default language (ModelVersion.fallback_language). One text per fallback language.
FALLS_BACK_TO = {
    "en": _("%(language)s (the model's statements in English)"),
    "sv": _("%(language)s (the model's statements in Swedish)"),
    "hu": _("%(language)s (the model's statements in Hungarian)"),
    "nb": _("%(language)s (the model's statements in Norwegian)"),
}


def respondent_languages(assessment: Assessment) -> list[tuple[str, str]]:
    """The languages a respondent can be asked in, each saying where the round's model
    shows its statements in another language."""
    version = assessment.model_version
    choices = []
    for code, name in settings.LANGUAGES:
        fallback = version.fallback_language(code)
        label = FALLS_BACK_TO.get(fallback) if fallback else None
        choices.append((code, label % {"language": name} if label else name))
    return choices


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"),
                             max_length=Response._meta.get_field("email").max_length)
    name = forms.CharField(label=_("Name"), max_length=Response._meta.get_field("name").max_length,
                           required=False)
    language = forms.ChoiceField(label=_("Language of the email and questionnaire"),
                                 choices=settings.LANGUAGES)
    group = group_field(help_text=GROUP_HELP)

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        language.choices = respondent_languages(assessment)
        if any(assessment.model_version.fallback_language(code)
               for code, _name in settings.LANGUAGES):
            language.help_text = _("Where the model has no text in a language, its "
                                   "statements are shown in the language in brackets.")


class GroupsForm(forms.Form):
    """Every respondent's group on one page: a field per response, named by its id."""

    def __init__(self, *args, responses: list[Response], **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = responses
        for response in responses:
            self.fields[f"group-{response.public_id}"] = group_field(
                initial=response.group, label=response.display_name)

    def groups(self) -> dict[str, str]:
        return {name.removeprefix("group-"): value
                for name, value in self.cleaned_data.items()}


class SharedLinkForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=100,
                            help_text=SharedLink._meta.get_field("label").help_text)
    group = group_field(help_text=_("Optional: the group everyone who answers through this "
                                    "link belongs to."))
    cap = forms.IntegerField(label=_("Maximum number of responses"), min_value=1,
                             max_value=MAX_SHARED_CAP,
                             help_text=_("The link stops taking new respondents after this "
                                         "many."))
    expires_on = forms.DateField(label=_("Works until"),
                                 widget=forms.DateInput(attrs={"type": "date"},
                                                        format="%Y-%m-%d"),
                                 help_text=_("Never before the round's due date; it moves "
                                             "with a later due date."))
    language = forms.ChoiceField(label=_("Language of the questionnaire"),
                                 choices=settings.LANGUAGES,
                                 help_text=_("Each person can switch to another language on "
                                             "the page."))

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        self.fields["language"].choices = respondent_languages(assessment)
        floor = assessment.due_date or timezone.localdate()
        self.fields["expires_on"].widget.attrs["min"] = max(
            floor, timezone.localdate()).isoformat()


class MembersForm(forms.Form):
    users = forms.MultipleChoiceField(label=_("Members"), widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Each gets an email with a link to the "
                                                  "questionnaire when the round is open."))
    group = group_field(help_text=GROUP_HELP)

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
