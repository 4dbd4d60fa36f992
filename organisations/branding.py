"""White label: an organisation's display name, logo, primary colour and footer line.

:func:`effective_branding` is the one home of the rule "a client's own value where it
set one, else its consultancy's, else the product's own", field by field; pages (the
``brand`` of ``context_processors.tenancy``), emails (``emails.send_email``) and PDFs
(the ``branding`` template tag) all read it. The colour rule (WCAG AA contrast where
the colour is used) is :func:`check_colour`, on :func:`contrast_ratio`.

Where the logo is shown from: tenant pages use ``/o/<org>/brand/logo/`` (members only,
like every tenant URL), a respondent's questionnaire its own link's ``logo/`` URL,
emails carry a PNG logo inline (an SVG one is left out: most mail programs show no
SVG) and PDFs read the file from storage (``reports.pdf``). Logo files themselves are
checked and stored by ``organisations.logos``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from . import logos

PRODUCT_NAME = "Maturity Desk"
# The product's own look (Bootstrap's primary): what a page without a colour shows.
DEFAULT_COLOUR = "#0d6efd"
WHITE = "#ffffff"
BODY_TEXT = "#212529"  # Bootstrap's body text colour
# WCAG 2 AA for normal text: https://www.w3.org/TR/WCAG21/#contrast-minimum
MINIMUM_CONTRAST = 4.5
STYLESHEET_VERSION = "v1"  # part of the stylesheet's URL: bump when brand.css changes

_HEX = re.compile(r"#?(?:[0-9a-f]{3}|[0-9a-f]{6})")


# --- Colours -----------------------------------------------------------------------


def normalise_colour(value: str) -> str:
    """``#rrggbb`` in lower case from ``#RGB``, ``#rrggbb`` or the same without ``#``;
    ValueError for anything else."""
    text = (value or "").strip().lower()
    if not _HEX.fullmatch(text):
        raise ValueError(value)
    digits = text.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def rgb(colour: str) -> tuple[int, int, int]:
    digits = normalise_colour(colour)[1:]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, 1 to 21, whichever is lighter."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)),
                         reverse=True)
    return (light + 0.05) / (dark + 0.05)


def shown_ratio(ratio: float) -> str:
    """A ratio as people read it (``4.47``, ``4,47`` in Swedish): cut, never rounded up
    to a pass."""
    return number_format(math.floor(ratio * 100) / 100, 2)


def text_on(colour: str) -> str:
    """The text colour for a button of ``colour``: white or the body text's, the one
    that contrasts more."""
    return max((WHITE, BODY_TEXT), key=lambda text: contrast_ratio(colour, text))


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way towards ``other``."""
    mixed = (round(a + (b - a) * amount) for a, b in zip(rgb(colour), rgb(other),
                                                          strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def check_colour(value: str) -> str:
    """The colour, normalised, if it is readable where the pages use it: as link and
    text colour on white, and as a button with white or dark text (the better one),
    each at WCAG AA (4.5:1). Otherwise ValidationError saying what was measured."""
    try:
        colour = normalise_colour(value)
    except ValueError:
        raise ValidationError(
            _("Enter the colour as a hex code, such as #1f5fa8."), code="format") from None
    as_text = contrast_ratio(colour, WHITE)
    if as_text < MINIMUM_CONTRAST:
        raise ValidationError(
            _("%(colour)s is too light for links and text on white: it reaches "
              "%(ratio)s:1, and WCAG AA needs at least %(needed)s:1. Choose a darker "
              "shade.") % {"colour": colour, "ratio": shown_ratio(as_text),
                           "needed": number_format(MINIMUM_CONTRAST, 1)},
            code="contrast_text")
    label = text_on(colour)
    on_button = contrast_ratio(colour, label)
    if on_button < MINIMUM_CONTRAST:
        raise ValidationError(
            _("%(colour)s as a button background reaches %(ratio)s:1 with %(text)s "
              "text, and WCAG AA needs at least %(needed)s:1.")
            % {"colour": colour, "ratio": shown_ratio(on_button),
               "text": _("white") if label == WHITE else _("dark"),
               "needed": number_format(MINIMUM_CONTRAST, 1)},
            code="contrast_button")
    return colour


def palette(colour: str) -> dict[str, str]:
    """The shades brand.css derives from a checked colour. Darker shades (hover,
    pressed, emphasis) contrast more with white than the colour itself does."""
    r, g, b = rgb(colour)
    return {
        "colour": colour,
        "rgb": f"{r}, {g}, {b}",
        "text": text_on(colour),
        "hover": mix(colour, "#000000", 0.15),
        "active": mix(colour, "#000000", 0.2),
        "emphasis": mix(colour, "#000000", 0.4),
        "subtle": mix(colour, WHITE, 0.85),
        "subtle_border": mix(colour, WHITE, 0.6),
        "focus_border": mix(colour, WHITE, 0.5),
    }


# --- The effective branding ----------------------------------------------------------


@dataclass(frozen=True)
class Branding:
    """What an organisation's pages, emails and PDFs show. Empty ``colour``,
    ``footer`` or ``logo``: the product's own look there."""

    name: str = PRODUCT_NAME
    colour: str = ""
    footer: str = ""
    logo: str = ""  # the logo file's name in storage (organisations.logos)
    logo_url: str = ""  # where this page shows it from (page_branding)

    @property
    def is_default(self) -> bool:
        return (self.name, self.colour, self.footer, self.logo) == (PRODUCT_NAME, "", "", "")

    @property
    def own_name(self) -> bool:
        return self.name != PRODUCT_NAME

    @property
    def accent(self) -> str:
        """The colour of buttons and links: the organisation's, else the product's."""
        return self.colour or DEFAULT_COLOUR

    @property
    def button_text(self) -> str:
        return "#fff" if text_on(self.accent) == WHITE else BODY_TEXT

    @property
    def logo_type(self) -> str:
        if not self.logo:
            return ""
        return "image/svg+xml" if self.logo.endswith(".svg") else "image/png"

    @property
    def logo_version(self) -> str:
        """Changes with the logo's content (its file is named by its hash)."""
        return self.logo.rsplit("/", 1)[-1].split(".", 1)[0][:16]

    @property
    def stylesheet_url(self) -> str:
        """The stylesheet that puts the colour on the page (none for the product's
        own): named by the colour alone, so it holds nothing of the organisation and
        every browser may keep it."""
        if not self.colour:
            return ""
        return reverse("brand_stylesheet", args=[STYLESHEET_VERSION, self.colour[1:]])

    def fingerprint(self) -> list[str]:
        """What a rendered document depends on (reports' input hashes)."""
        return [self.name, self.colour, self.footer, self.logo]


DEFAULT = Branding()
FIELDS = {"name": "brand_name", "colour": "brand_colour", "footer": "brand_footer",
          "logo": "brand_logo"}


def own_values(organisation) -> dict[str, str]:
    """The organisation's own settings (empty where it inherits)."""
    return {key: getattr(organisation, field) for key, field in FIELDS.items()}


def effective_branding(organisation) -> Branding:
    """The organisation's branding: field by field its own value, else its
    consultancy's, else the product's. Reads ``organisation.parent`` (select it with
    the organisation: the access path does)."""
    if organisation is None:
        return DEFAULT
    chain = [organisation]
    if organisation.parent_id is not None:
        chain.append(organisation.parent)
    values = {}
    for key, field in FIELDS.items():
        values[key] = next((getattr(o, field) for o in chain if getattr(o, field)), "")
    return Branding(name=values["name"] or PRODUCT_NAME, colour=values["colour"],
                    footer=values["footer"], logo=values["logo"])


def shared_branding(organisations) -> Branding:
    """The branding all these organisations show (an email about several of them),
    or the product's own if they differ."""
    found = {effective_branding(org) for org in organisations}
    return found.pop() if len(found) == 1 else DEFAULT


def page_branding(organisation, *, logo_url: str | None = None) -> Branding:
    """The organisation's branding with the URL its pages load the logo from: the
    organisation's own logo URL (members only), or ``logo_url`` (a respondent's
    link). The URL changes with the logo, so browsers may keep it."""
    brand = effective_branding(organisation)
    if not brand.logo:
        return brand
    if logo_url is None:
        logo_url = reverse("organisations:brand_logo", args=[organisation.slug])
    return replace(brand, logo_url=f"{logo_url}?v={brand.logo_version}")


def sources(organisation) -> dict[str, str]:
    """Where each field of :func:`effective_branding` comes from: ``own``,
    ``consultancy`` or ``product``."""
    parent = organisation.parent if organisation.parent_id is not None else None
    return {key: "own" if getattr(organisation, field)
            else "consultancy" if parent is not None and getattr(parent, field)
            else "product" for key, field in FIELDS.items()}


# A logo's URL carries its version (page_branding): a browser may keep it this long.
LOGO_BROWSER_CACHE = 30 * 24 * 60 * 60


def logo_response(organisation) -> HttpResponse:
    """The logo ``organisation``'s pages show (its own or its consultancy's) as an image
    response (``logos.logo_response``), or 404 when it shows none."""
    name = effective_branding(organisation).logo
    if not name:
        raise Http404
    return logos.logo_response(name)
