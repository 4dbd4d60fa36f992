"""Template helpers of the questionnaire."""

from __future__ import annotations

import html
from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from models_catalog.models import FALLBACK_LANGUAGE, shown_text

register = template.Library()


# --- The statements of a dimension page ------------------------------------------------------
#
# The questionnaire's busiest markup: every statement with every answer option. Built
# here rather than in a template because Django's template engine resolved about a
# thousand variables for it on every page view, more than half of the page's cost.
#
# Escaping, as the template did it: every model text (statements, help, option labels),
# comment and key goes through ``_escape`` (Django's ``escape``) before it is put into
# the markup below; so are translated interface texts, as ``{% translate %}`` escapes
# them (the comment label's translation is trusted, as ``{% blocktranslate %}`` trusts
# it). The pieces are plain strings (``str.format`` with ``SafeString`` arguments is
# several times slower) and the result is marked safe once, whole.
# static/js/questionnaire.js, the tests and the browser test rely on the ids, names,
# classes and data-* attributes: keep them.

_CARD = """
    <div class="card qn-question mb-3{answered}" id="q-{key}">
      <fieldset class="card-body" data-question="{key}"{described_by}>
        <legend class="qn-statement" lang="{statement_lang}">
          <span class="qn-number">{number}.</span> {statement}</legend>{help}
        <div class="qn-scale" style="--qn-options: {option_count}">{options}
        </div>
        <div class="qn-scale qn-scale-extra">{extra_options}
        </div>
        <details class="qn-comment mt-3"{open}>
          <summary>{comment_summary}</summary>
          <label class="visually-hidden" for="c-{key}">{comment_label}</label>
          <textarea class="form-control mt-2" id="c-{key}" name="c-{key}" rows="2"
                    maxlength="5000"{readonly}>{comment}</textarea>
        </details>
        <p class="qn-save-state small mb-0" data-state-for="{key}" aria-hidden="true"></p>{shown}
      </fieldset>
    </div>"""
_DESCRIBED_BY = ' aria-describedby="help-{key}"'
_HELP = """
        <p class="qn-help" id="help-{key}" lang="{lang}">{text}</p>"""
_SOURCE = """
        <p class="qn-source small" lang="{lang}">{label} {text}</p>"""
_OPTION = """
          <div class="qn-option">
            <input class="qn-input" type="radio" name="q-{key}" id="q-{key}-{value}"
                   value="{value}"{checked}{disabled}>
            <label class="qn-label" for="q-{key}-{value}">{label}</label>
          </div>"""


# What the page showed, posted with the form without JavaScript, so that saving the page
# writes only what the person changed on it (questionnaire_views._save_page).
_SHOWN = """
        <input type="hidden" name="s-q-{key}" value="{option}">
        <input type="hidden" name="s-c-{key}" value="{comment}">"""


def _escape(text) -> str:
    """Django's ``escape``, as a plain ``str``."""
    return html.escape(str(text))


@register.simple_tag
def statement_cards(page, options: Sequence, version, readonly: bool = False,
                    numbering_offset: int = 0) -> SafeString:
    """The statements of a dimension page (``selectors.DimensionPage``), numbered from
    ``numbering_offset + 1``, each with the answer scale ``options`` (the version's
    ``ScaleOption``\\ s), "Not applicable", "Don't know" and a comment; disabled when
    ``readonly``."""
    language = get_language() or FALLBACK_LANGUAGE
    default = getattr(version, "default_language", "") or FALLBACK_LANGUAGE
    # The same for every statement: translated and escaped once per page.
    # (option key, its escaped form, escaped label)
    scale = [(option.key, _escape(option.key),
              _escape(shown_text(option.label, language, default)[0])) for option in options]
    # As the template's {% translate %} did: escaped (blocktranslate trusts its text).
    extra = [("na", "na", _escape(gettext("Not applicable"))),
             ("dk", "dk", _escape(gettext("Don't know")))]
    comment_summary = _escape(gettext("Comment or evidence (optional)"))
    source_label = _escape(gettext("Source:"))
    comment_label = gettext("Comment on statement %(number)s")
    option_count = len(scale)
    disabled = " disabled" if readonly else ""

    def choices(key: str, given: str, scale) -> str:
        return "".join(
            _OPTION.format(key=key, value=value, label=label, disabled=disabled,
                           checked=" checked" if given == raw else "")
            for raw, value, label in scale)

    cards = []
    for number, item in enumerate(page.items, start=numbering_offset + 1):
        question = item.question
        key = _escape(question.key)
        statement, statement_lang = shown_text(question.statement, language, default)
        described_by = help_html = ""
        if question.help:
            text, lang = shown_text(question.help, language, default)
            described_by = _DESCRIBED_BY.format(key=key)
            help_html = _HELP.format(key=key, lang=_escape(lang), text=_escape(text))
        if question.source:
            # Where the statement comes from: a small note under the help.
            text, lang = shown_text(question.source, language, default)
            help_html += _SOURCE.format(label=source_label, lang=_escape(lang),
                                        text=_escape(text))
        cards.append(_CARD.format(
            key=key, number=number, statement=_escape(statement),
            statement_lang=_escape(statement_lang), help=help_html,
            answered=" qn-answered" if item.answered else "", described_by=described_by,
            option_count=option_count,
            options=choices(key, item.option, scale),
            extra_options=choices(key, item.option, extra),
            open=" open" if item.comment else "",
            comment_summary=comment_summary,
            comment_label=comment_label % {"number": number},
            readonly=" readonly" if readonly else "",
            comment=_escape(item.comment),
            shown="" if readonly else _SHOWN.format(key=key, option=_escape(item.option),
                                                     comment=_escape(item.comment)),
        ))
    return mark_safe("".join(cards))  # noqa: S308 - every text escaped above
