"""Logo files: checked before anything is stored, stored by their content's hash, and
served only as an image.

A logo is a PNG or an SVG, whatever its name or the browser says: the content
decides. A PNG is opened by Pillow with its dimensions checked before any pixel is
decoded (so a small file cannot unpack into a huge image), then decoded whole. An SVG
is read by expat with handlers that stop at a document type declaration, before any
entity could be declared or expanded, and it is refused (never cleaned up silently)
if it holds anything that could run or fetch: scripts, event handlers,
``foreignObject``, elements of other vocabularies, references that are not to the
drawing itself (``href`` not starting with ``#``, ``url(…)`` elsewhere, ``@import``).

Pages show a logo only through ``<img>``, where nothing in it runs; its own URL
answers with the image's type, ``nosniff`` and a Content Security Policy that
allows nothing (:func:`logo_response`), should someone open it directly.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import warnings
from dataclasses import dataclass
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

MAX_LOGO_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 16, 2048  # pixels of a PNG logo
MAX_SVG_ELEMENTS = 5000
STORAGE_FOLDER = "branding"
LOGO_NAME = re.compile(rf"{STORAGE_FOLDER}/[0-9a-f]{{64}}\.(?:png|svg)")
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# What the logo's own URL allows, should it be opened on its own: nothing but the
# drawing's inline styles, in a sandbox.
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Drawing programs' own notes (Inkscape, Sodipodi, RDF metadata): never rendered.
INERT_NAMESPACES = frozenset({
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://purl.org/dc/elements/1.1/",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
})
# The static drawing elements of SVG: nothing that runs, animates, links or embeds.
SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "metadata", "switch", "view",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "textPath", "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask",
    "marker", "style", "filter", "feBlend", "feColorMatrix", "feComponentTransfer",
    "feComposite", "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap",
    "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
    "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
})
# url(…) in an attribute or a style sheet; what it points at is checked.
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Logo:
    """A checked logo file."""

    data: bytes
    kind: str  # "png" or "svg"

    @property
    def name(self) -> str:
        """Its name in storage: its content's hash (the same file for the same logo)."""
        return f"{STORAGE_FOLDER}/{hashlib.sha256(self.data).hexdigest()}.{self.kind}"


def refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def check_logo(upload) -> Logo:
    """The uploaded file as a :class:`Logo`, or ValidationError saying why not."""
    if upload.size is not None and upload.size > MAX_LOGO_BYTES:
        too_big()
    upload.seek(0)
    data = upload.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        too_big()
    if not data:
        refuse(_("The file is empty."), "empty")
    if data.startswith(PNG_SIGNATURE):
        check_png(data)
        return Logo(data, "png")
    check_svg(data)
    return Logo(data, "svg")


def too_big():
    refuse(_("The logo is larger than %(size)s KB; save it smaller (a logo needs no "
             "more than a few hundred pixels).") % {"size": MAX_LOGO_BYTES // 1024},
           "too_big")


def check_png(data: bytes) -> None:
    from PIL import Image  # Pillow: imported where a PNG is looked at

    damaged = _("The PNG file is damaged or incomplete.")
    if not data.endswith(PNG_END):
        refuse(_("The PNG file has data after its end, or no end: save it again from "
                 "your drawing program."), "png_trailing")
    # The size from the header chunk, which comes first: a few bytes can claim a huge
    # image (a decompression bomb), so it is checked before Pillow decodes anything.
    if data[12:16] != b"IHDR":
        refuse(damaged, "png_damaged")
    width, height = struct.unpack(">II", data[16:24])
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        refuse(_("The logo is %(width)s × %(height)s pixels; it must be between %(min)s "
                 "and %(max)s pixels wide and high.")
               % {"width": width, "height": height, "min": MIN_SIDE, "max": MAX_SIDE},
               "png_size")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                if image.size != (width, height):
                    refuse(damaged, "png_damaged")
                image.verify()  # every chunk's checksum
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                image.load()  # every pixel, with Pillow's limits on text chunks
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse(damaged, "png_bomb")
    except Exception:  # Pillow reports a broken file in many ways (OSError, SyntaxError…)
        refuse(damaged, "png_damaged")


class _Refused(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def _split(name: str) -> tuple[str, str]:
    """(namespace, local name) of an expat name parsed with a space separator."""
    namespace, _sep, local = name.rpartition(" ")
    return namespace, local


def _check_references(text: str, *, in_style: bool) -> None:
    """url(…) must point inside the drawing; style sheets may import nothing."""
    for _quote, target in _URL.findall(text):
        if not target.strip().startswith("#"):
            raise _Refused(_("The SVG refers to something outside itself (%(what)s); a "
                             "logo must hold all it shows.")
                           % {"what": f"url({target.strip()[:60]})"}, "svg_external")
    if in_style:
        lowered = text.lower()
        if "\\" in text:
            raise _Refused(_("The SVG's styles contain escaped characters (\\), which "
                             "could hide a reference to another file."), "svg_escape")
        if "@import" in lowered or "image-set(" in lowered:
            raise _Refused(_("The SVG's styles load another file (@import or "
                             "image-set); a logo must hold all it shows."), "svg_import")


def check_svg(data: bytes) -> None:
    """Refuse an SVG that could run, fetch or expand anything (see the module)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"elements": 0, "root": None, "style": 0}

    def doctype(*args):
        raise _Refused(_("The SVG has a document type declaration (DOCTYPE), which can "
                         "define entities; save it as plain SVG without one."),
                       "svg_doctype")

    def entity(*args):
        raise _Refused(_("The SVG declares entities; save it as plain SVG without "
                         "them."), "svg_entity")

    def instruction(target, data):
        raise _Refused(_("The SVG holds a processing instruction (<?%(target)s?>), "
                         "which can load a style sheet; remove it.")
                       % {"target": target[:40]}, "svg_instruction")

    def start(name, attributes):
        namespace, local = _split(name)
        state["elements"] += 1
        if state["elements"] > MAX_SVG_ELEMENTS:
            raise _Refused(_("The SVG has more than %(count)s elements; simplify it or "
                             "upload a PNG.") % {"count": MAX_SVG_ELEMENTS}, "svg_large")
        if state["root"] is None:
            state["root"] = (namespace, local)
            if (namespace, local) != (SVG_NS, "svg"):
                raise _Refused(_("The file is not an SVG drawing (its first element is "
                                 "<%(name)s>).") % {"name": local[:40]}, "svg_root")
        # What an element refers to first: the message then names the reference.
        for attribute, value in attributes.items():
            _attr_ns, attr = _split(attribute)
            if attr.lower().startswith("on"):
                raise _Refused(_("The SVG has an event handler (%(name)s), which runs "
                                 "code; remove it.") % {"name": attr[:40]}, "svg_handler")
            if attr == "href" and not value.strip().startswith("#"):
                raise _Refused(_("The SVG refers to something outside itself "
                                 "(%(what)s); a logo must hold all it shows.")
                               % {"what": value.strip()[:60]}, "svg_external")
            _check_references(value, in_style=attr == "style")
        if namespace in INERT_NAMESPACES:
            pass
        elif namespace != SVG_NS:
            raise _Refused(_("The SVG contains <%(name)s>, which is not part of SVG; "
                             "remove it.") % {"name": local[:40]}, "svg_foreign")
        elif local == "script":
            raise _Refused(_("The SVG contains a script, which a logo must not have; "
                             "remove it."), "svg_script")
        elif local == "foreignObject":
            raise _Refused(_("The SVG contains embedded foreign content "
                             "(foreignObject), which a logo must not have; remove it."),
                           "svg_foreign_object")
        elif local not in SVG_ELEMENTS:
            raise _Refused(_("The SVG contains <%(name)s>, which a logo does not need: it "
                             "can link, animate or embed other content. Remove it.")
                           % {"name": local[:40]}, "svg_element")
        if local == "style":
            state["style"] += 1

    def end(name):
        if _split(name)[1] == "style" and state["style"]:
            state["style"] -= 1

    def text(content):
        if state["style"]:
            _check_references(content, in_style=True)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = entity
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True  # a style sheet's text in one piece
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        refuse(refused.message, refused.code)
    except (expat.ExpatError, ValueError):
        refuse(_("The file is neither a PNG image nor an SVG drawing that can be read. "
                 "Upload a PNG or an SVG file."), "not_an_image")
    if state["root"] is None:
        refuse(_("The file is neither a PNG image nor an SVG drawing that can be read. "
                 "Upload a PNG or an SVG file."), "not_an_image")


# --- Storage and serving ---------------------------------------------------------------


def store(logo: Logo) -> str:
    """Save the logo (once: the same content has the same name) and return its name."""
    name = logo.name
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(logo.data))
        if saved != name:  # saved meanwhile by someone else, under another name
            default_storage.delete(saved)
    return name


def read(name: str) -> bytes | None:
    """The stored logo's bytes, or None (no such file, or not a logo's name)."""
    if not LOGO_NAME.fullmatch(name or ""):
        return None
    try:
        with default_storage.open(name, "rb") as file:
            return file.read(MAX_LOGO_BYTES + 1)
    except (FileNotFoundError, OSError):
        return None


def forget(name: str) -> None:
    """Delete a logo file no organisation uses any more (called after commit)."""
    from .models import Organisation

    if LOGO_NAME.fullmatch(name or "") and not Organisation.objects.filter(
            brand_logo=name).exists():
        default_storage.delete(name)


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[-1]]


def logo_response(name: str) -> HttpResponse:
    """The stored logo as an image that nothing can run: its own type, never sniffed,
    a Content Security Policy that allows no script and no fetch."""
    data = read(name)
    if data is None:
        raise Http404
    kind = name.rsplit(".", 1)[-1]
    response = HttpResponse(data, content_type=content_type(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = LOGO_CSP
    response["Content-Disposition"] = f'inline; filename="logo.{kind}"'
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
