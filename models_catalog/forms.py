"""Forms of the model editor. They collect input; the services validate and write.

Translatable text is edited as one input per language: the model's languages plus
any language that already has text, the default language first and required.
"""

from __future__ import annotations

from collections.abc import Mapping

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import (
    SLUG_MAX_LENGTH,
    SUPPORTED_LANGUAGES,
    TEXT_MAX_LENGTHS,
    ModelVersion,
    language_order,
)

LANGUAGE_NAMES = dict(settings.LANGUAGES)


class TranslatedForm(forms.Form):
    """A form with translatable fields named ``<field>_<language>``.

    ``translated`` lists (field, label, required, multiline); subclasses declare their
    other fields as usual. ``initial_texts`` gives the current mapping per field.
    """

    translated: tuple[tuple[str, str, bool, bool], ...] = ()

    def __init__(self, *args, version: ModelVersion, initial_texts: Mapping | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        initial_texts = initial_texts or {}
        present = {code for texts in initial_texts.values() for code in (texts or {})}
        languages = sorted(set(version.languages or [version.default_language]) |
                           (present & set(SUPPORTED_LANGUAGES)) | {version.default_language},
                           key=lambda code: (code != version.default_language,
                                             language_order(code)))
        self.languages = languages
        plain = list(self.fields)
        fieldsets = []
        for name, label, required, multiline in self.translated:
            names = []
            for code in languages:
                field_name = f"{name}_{code}"
                widget = (forms.Textarea(attrs={"rows": 3, "lang": code}) if multiline
                          else forms.TextInput(attrs={"lang": code}))
                self.fields[field_name] = forms.CharField(
                    label=f"{LANGUAGE_NAMES.get(code, code)} ({code})", widget=widget,
                    max_length=TEXT_MAX_LENGTHS[name],
                    required=required and code == version.default_language,
                    initial=(initial_texts.get(name) or {}).get(code, ""), strip=True)
                names.append(field_name)
            fieldsets.append(Fieldset(label, *names))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*plain, *fieldsets)

    def texts(self, name: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{name}_{code}", "") for code in self.languages
                if self.cleaned_data.get(f"{name}_{code}")}

    def field_for(self, name: str) -> str | None:
        """The form field that shows a service's error about ``name``."""
        if name in self.fields:
            return name
        default = f"{name}_{self.version.default_language}"
        return default if default in self.fields else None


# ---------------------------------------------------------------------------- forms


class MetadataForm(TranslatedForm):
    translated = (("name", _("Name"), True, False),
                  ("description", _("Description"), False, True),
                  ("source", _("Source"), False, True),
                  ("notes", _("Change notes"), False, True))

    default_language = forms.ChoiceField(label=_("Default language"),
                                         choices=settings.LANGUAGES)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the content is complete in. Text missing in the user's "
                    "language is shown in the default language."))

    def clean(self):
        cleaned = super().clean()
        default, languages = cleaned.get("default_language"), cleaned.get("languages") or []
        if default and languages and default not in languages:
            self.add_error("default_language",
                           _("The default language must be one of the languages."))
        return cleaned


class ScoringForm(forms.Form):
    threshold = forms.FloatField(
        label=_("Threshold θ"), min_value=0.01, max_value=1.0,
        help_text=_("A level counts as reached when the weighted fulfilment of its "
                    "practices is at least θ (the default 2/3: “largely in place” counts "
                    "as met)."),
        widget=forms.NumberInput(attrs={"step": "any"}))
    overall_rule = forms.ChoiceField(label=_("Overall level"),
                                     choices=ModelVersion.OverallRule.choices,
                                     widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class LevelForm(TranslatedForm):
    translated = (("name", _("Name"), True, False),
                  ("description", _("Description"), False, True))


class KeyedForm(TranslatedForm):
    """A part with a key: the key is chosen when adding and stays fixed afterwards, as
    answers and results refer to it."""

    key = forms.CharField(label=_("Key"), max_length=64,
                          help_text=_("Lowercase letters, digits, '.', '-' and '_'. It cannot "
                                      "be changed later."))

    def __init__(self, *args, adding: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not adding:
            del self.fields["key"]
            self.helper.layout = Layout(*[f for f in self.helper.layout.fields if f != "key"])


class DimensionForm(KeyedForm):
    translated = (("name", _("Name"), True, False),
                  ("description", _("Description"), False, True))


class AxisForm(KeyedForm):
    translated = (("name", _("Name"), True, False),
                  ("low_label", _("Low pole (position −1)"), True, False),
                  ("high_label", _("High pole (position +1)"), True, False))


class OptionForm(KeyedForm):
    translated = (("label", _("Label"), True, False),)

    value = forms.FloatField(label=_("Value"), min_value=0.0, max_value=1.0,
                             help_text=_("From 0 (not in place) to 1 (fully in place)."),
                             widget=forms.NumberInput(attrs={"step": "any"}))

    def clean_key(self):
        key = self.cleaned_data["key"].strip()
        if key in ("na", "dk"):
            raise ValidationError(_("“na” and “dk” are reserved: not applicable and don't know "
                                    "are always offered."))
        return key


class QuestionForm(KeyedForm):
    translated = (("statement", _("Statement"), True, True),
                  ("help", _("Help"), False, True),
                  ("source", _("Source"), False, True),
                  ("recommendation", _("Recommendation when the practice is missing"), True,
                   True))

    dimension = forms.ChoiceField(label=_("Dimension"))
    level = forms.TypedChoiceField(label=_("Level"), coerce=int,
                                   help_text=_("The level whose practice the statement "
                                               "evidences."))
    weight = forms.FloatField(label=_("Weight"), initial=1.0, min_value=0.0,
                              widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args, dimensions=(), levels=(), axes=(), loadings=None,
                 needs_review=(), **kwargs):
        super().__init__(*args, **kwargs)
        from .models import translate

        version = self.version
        default_name = LANGUAGE_NAMES.get(version.default_language, version.default_language)
        stale = [code for code in needs_review if code in self.languages]
        for code in stale:
            for name, *_rest in self.translated:
                self.fields[f"{name}_{code}"].help_text = _(
                    "Needs review: the %(language)s text changed since this one was "
                    "written.") % {"language": default_name}
        if stale:
            self.fields["confirm_review"] = forms.MultipleChoiceField(
                label=_("Translations to review"), required=False,
                choices=[(code, LANGUAGE_NAMES.get(code, code)) for code in stale],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Tick a language whose texts still say the same as the "
                            "%(language)s ones, to clear its mark. Editing its texts "
                            "clears it too.") % {"language": default_name})
        self.fields["dimension"].choices = [
            (d.key, translate(d.name, None, version.default_language) or d.key)
            for d in dimensions]
        self.fields["level"].choices = [
            (lv.number, f"{lv.number}. {translate(lv.name, None, version.default_language)}")
            for lv in levels if lv.number >= 2]
        self.axis_keys = []
        loading_names = []
        for axis in axes:
            name = f"loading__{axis.key}"
            low = translate(axis.low_label, None, version.default_language)
            high = translate(axis.high_label, None, version.default_language)
            self.fields[name] = forms.FloatField(
                label=translate(axis.name, None, version.default_language) or axis.key,
                required=False, min_value=0.0, max_value=1.0,
                initial=(loadings or {}).get(axis.key),
                help_text=_("From 0 (says nothing about the axis) to 1 (shows “%(high)s” "
                            "strongly, rather than “%(low)s”); empty: 0.")
                % {"low": low, "high": high},
                widget=forms.NumberInput(attrs={"step": "any"}))
            self.axis_keys.append(axis.key)
            loading_names.append(name)
        head = [f for f in ("key", "dimension", "level", "weight") if f in self.fields]
        fieldsets = [f for f in self.helper.layout.fields if isinstance(f, Fieldset)]
        parts = [*head, *fieldsets]
        if loading_names:
            parts.append(Fieldset(_("Axis loadings"), *loading_names))
        if stale:
            parts.insert(0, "confirm_review")
        self.helper.layout = Layout(*parts)

    def confirmed(self) -> dict:
        """The service's ``confirmed`` argument, when this form asks for it."""
        if "confirm_review" not in self.fields:
            return {}
        return {"confirmed": self.cleaned_data.get("confirm_review") or []}

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight <= 0:
            raise ValidationError(_("The weight must be greater than 0."))
        return weight

    def loadings(self) -> dict[str, float]:
        values = {key: self.cleaned_data.get(f"loading__{key}") for key in self.axis_keys}
        return {key: value for key, value in values.items() if value}

    def field_for(self, name: str) -> str | None:
        if name == "loadings":
            return None
        return super().field_for(name)


class CopyForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name"), max_length=SLUG_MAX_LENGTH, required=False,
        help_text=_("Used in links and exports. Leave empty for one made from your "
                    "organisation's short name."))
    name = forms.CharField(label=_("Name"), max_length=TEXT_MAX_LENGTHS["name"], required=False,
                           help_text=_("Leave empty to keep the name."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ImportForm(forms.Form):
    document = forms.FileField(
        label=_("Model document"),
        help_text=_("A maturity-model/1 document in YAML or JSON, as the export gives."),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.json"}))
    publish = forms.BooleanField(
        label=_("Publish right away"), required=False,
        help_text=_("Otherwise the model is imported as a draft to review and publish."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than the limit of %(limit)s bytes."),
                params={"limit": settings.MAX_UPLOAD_BYTES})
        return upload
