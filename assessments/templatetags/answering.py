"""Template helpers of the questionnaire."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from markupsafe import Markup, escape

from assessments import services
from models_catalog.models import FALLBACK_LANGUAGE, shown_text
from models_catalog.templatetags.catalog import tr, tr_lang
from organisations.templatetags.layout import csrf_field
from scoring import DK, NA

register = template.Library()


# --- A dimension page ------------------------------------------------------------------------
# Its body below the header is one Jinja2 template (autoescaped): the progress, the parts, the
# statement cards (every statement x every option: the page's busiest loop) and the pager.
# Jinja2 because Django's engine spends more per variable and tag (benchmarks/README.md);
# the texts are translated and the model's texts resolved here, so the templates hold
# markup only. The start and review pages show the same progress and parts through
# {% questionnaire_progress %} and {% questionnaire_steps %}.

DIMENSION = "assessments/questionnaire/_dimension.html"
PROGRESS = "assessments/questionnaire/_progress.html"
STEPS = "assessments/questionnaire/_steps.html"


@lru_cache(maxsize=8)
def _template(name: str):
    """A Jinja2 template of the questionnaire, loaded once per process."""
    return engines["jinja2"].get_template(name)


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "TEMPLATES":
        _template.cache_clear()


def _cards(page, options: Sequence, version, readonly: bool, numbering_offset: int) -> dict:
    """What ``_statement_cards.html`` shows: the page's statements numbered from
    ``numbering_offset + 1``, each with the answer scale ``options`` (the version's
    ``ScaleOption``\\ s), "Not applicable", "Don't know" and a comment, disabled when
    ``readonly``; each text's language resolved once (``shown_text``)."""
    language = get_language() or FALLBACK_LANGUAGE
    default = getattr(version, "default_language", "") or FALLBACK_LANGUAGE
    cards = []
    for number, item in enumerate(page.items, start=numbering_offset + 1):
        question = item.question
        statement, statement_lang = shown_text(question.statement, language, default)
        card = {"key": question.key, "key_html": escape(question.key), "number": number,
                "statement": statement, "statement_lang": statement_lang, "option": item.option,
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
    # The option loop repeats each of these for every statement, so they are escaped here,
    # once per page, and the loop outputs them as they are (its ``autoescape false``
    # block holds only these, ``card.key_html`` and constants).
    escaped = [(Markup("qn-scale"), [(escape(key), escape(label)) for key, label in scale]),
               (Markup("qn-scale qn-scale-extra"),
                [(escape(key), escape(label)) for key, label in extra])]
    # Objects, not dicts: Jinja2 reads ``card.key`` as an attribute first, and a dict's
    # missing attribute costs an exception on each of the page's many lookups.
    return {
        "cards": [SimpleNamespace(**card) for card in cards],
        "groups": escaped,
        "max_comment_length": services.MAX_COMMENT_LENGTH,  # what response_answer takes
        "texts": SimpleNamespace(
            source=gettext("Source:"),
            carried=gettext("From last round: %(answer)s. Please confirm."),
            comment_summary=gettext("Comment or evidence (optional)"),
            comment_label=gettext("Comment on statement %(number)s")),
    }


def _progress(q) -> dict:
    return {"text": gettext("%(answered)s of %(total)s answered") % {
        "answered": q.answered, "total": q.total},
        "percent": q.percent, "total": q.total, "answered": q.answered}


def _steps(q, page, version, review_url: str, on_review: bool) -> dict:
    return {
        "label": gettext("Parts of the questionnaire"), "answered_label": gettext("answered:"),
        "review": gettext("Review and submit"), "review_url": review_url,
        "on_review": on_review,
        "pages": [SimpleNamespace(url=p.url, key=p.key, name=tr(p.dimension.name, version),
                                  answered=p.answered, total=p.total,
                                  current=page is not None and p.key == page.key)
                  for p in q.pages]}


def _render(name: str, context: dict, request=None) -> SafeString:
    return mark_safe(_template(name).render(context, request))  # noqa: S308 - autoescaped


@register.simple_tag(takes_context=True)
def questionnaire_progress(context) -> SafeString:
    """The progress bar of the questionnaire ``q``."""
    return _render(PROGRESS, {"progress": _progress(context["q"])})


@register.simple_tag(takes_context=True)
def questionnaire_steps(context) -> SafeString:
    """The questionnaire's parts, the current ``page`` (or the review, ``on_review``)
    marked."""
    return _render(STEPS, {"steps": _steps(context["q"], context.get("page"),
                                           context["version"], context["review_url"],
                                           bool(context.get("on_review")))})


@register.simple_tag(takes_context=True)
def dimension_body(context) -> SafeString:
    """A dimension page below its header (``questionnaire_views.dimension``'s context)."""
    q, page, version = context["q"], context["page"], context["version"]
    readonly = context["readonly"]
    previous_page, next_page = context["previous_page"], context["next_page"]
    dimension = page.dimension
    carried = len(page.carried)
    texts = SimpleNamespace(
        name=tr(dimension.name, version),
        description=(linebreaks_filter(tr(dimension.description, version), autoescape=True)
                     if dimension.description else ""),
        description_lang=tr_lang(dimension.description, version),
        retry=gettext("Try again now"),
        carried=ngettext(
            "%(counter)s statement on this page shows your answer from last round. It counts "
            "only once you confirm it: check it, change it if it no longer holds, then "
            "confirm.",
            "%(counter)s statements on this page show your answers from last round. They "
            "count only once you confirm them: check them, change those that no longer "
            "hold, then confirm.", carried) % {"counter": carried} if carried else "",
        confirm_carried=gettext("Confirm the answers from last round on this page"),
        readonly="true" if readonly else "false",
        save=gettext("Save and continue") if next_page else gettext("Save and review"),
        pager=gettext("Previous and next part"),
        previous=tr(previous_page.dimension.name, version) if previous_page else "",
        overview=gettext("Overview"),
        next=tr(next_page.dimension.name, version) if next_page else "",
        review=gettext("Review and submit"),
        script_messages=json_script(context["i18n"], "qn-i18n"))
    return _render(DIMENSION, {
        **_cards(page, q.options, version, readonly, context["numbering_offset"]),
        "t": texts, "q": q, "page": page, "readonly": readonly, "seat": context["seat"],
        "save_url": context["save_url"], "start_url": context["start_url"],
        "review_url": context["review_url"], "previous_page": previous_page,
        "next_page": next_page, "answered_elsewhere": context["answered_elsewhere"],
        "progress": _progress(q),
        "steps": _steps(q, page, version, context["review_url"], on_review=False),
        "csrf_field": csrf_field(context),
    }, context.get("request"))
