"""Template helpers of the questionnaire."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from assessments import services
from models_catalog.models import FALLBACK_LANGUAGE, shown_text
from scoring import DK, NA

register = template.Library()


# --- The statements of a dimension page ------------------------------------------------------


@lru_cache(maxsize=1)
def _cards_template():
    """The cards' template (Jinja2), loaded once per process."""
    return engines["jinja2"].get_template("assessments/questionnaire/_statement_cards.html")


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "TEMPLATES":
        _cards_template.cache_clear()


@register.simple_tag
def statement_cards(page, options: Sequence, version, readonly: bool = False,
                    numbering_offset: int = 0) -> SafeString:
    """The statements of a dimension page (``selectors.DimensionPage``), numbered from
    ``numbering_offset + 1``, each with the answer scale ``options`` (the version's
    ``ScaleOption``\\ s), "Not applicable", "Don't know" and a comment; disabled when
    ``readonly``. The markup is the Jinja2 template ``_statement_cards.html``
    (autoescaped); each text's language is resolved here once (``shown_text``)."""
    language = get_language() or FALLBACK_LANGUAGE
    default = getattr(version, "default_language", "") or FALLBACK_LANGUAGE
    cards = []
    for number, item in enumerate(page.items, start=numbering_offset + 1):
        question = item.question
        statement, statement_lang = shown_text(question.statement, language, default)
        card = {"key": question.key, "number": number, "statement": statement,
                "statement_lang": statement_lang, "option": item.option,
                "comment": item.comment, "help": "", "source": "", "carried": item.carried}
        if question.help:
            card["help"], card["help_lang"] = shown_text(question.help, language, default)
        if question.source:
            card["source"], card["source_lang"] = shown_text(question.source, language, default)
        cards.append(card)
    scale = [(option.key, shown_text(option.label, language, default)[0]) for option in options]
    extra = [(NA, gettext("Not applicable")), (DK, gettext("Don't know"))]
    labels = dict(scale + extra)
    for card in cards:
        if card["carried"]:
            card["carried_label"] = labels.get(card["carried"], card["carried"])
    # Objects, not dicts: Jinja2 reads ``card.key`` as an attribute first, and a dict's
    # missing attribute costs an exception on each of the page's many lookups.
    html = _cards_template().render({
        "cards": [SimpleNamespace(**card) for card in cards], "readonly": readonly,
        "scale": scale, "extra": extra,
        "groups": (("qn-scale", scale), ("qn-scale qn-scale-extra", extra)),
        "max_comment_length": services.MAX_COMMENT_LENGTH,  # what response_answer takes
        "texts": SimpleNamespace(
            source=gettext("Source:"),
            carried=gettext("From last round: %(answer)s. Please confirm."),
            comment_summary=gettext("Comment or evidence (optional)"),
            comment_label=gettext("Comment on statement %(number)s")),
    })
    return mark_safe(html)  # noqa: S308 - an autoescaped template's output
