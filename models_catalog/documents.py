"""One model version as one document (format ``maturity-model/1``, docs/model-format.md).

- :func:`export_version` turns a version into the document (a plain dict),
  :func:`dump` writes it as YAML or JSON;
- :func:`parse` reads YAML or JSON text (size-limited; safe YAML without anchors,
  aliases or merge keys; capped in depth and number of values);
- :func:`validate_document` lists every problem, each with its path;
- :func:`import_document` creates a version from a document, atomically, and
  writes nothing when there is any problem.

Export → import → export gives the same document: texts are written in a fixed
language order, loadings in axis order, numbers as floats.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from organisations.access import visible_to_organisation
from organisations.services import audit

from .models import (
    DEFAULT_THRESHOLD,
    KEY_MAX_LENGTH,
    KEY_RE,
    MAX_LEVELS,
    MIN_LEVELS,
    RESERVED_OPTION_KEYS,
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    SLUG_RE,
    SUPPORTED_LANGUAGES,
    TEXT_MAX_LENGTHS,
    Axis,
    Dimension,
    Level,
    MaturityModel,
    ModelVersion,
    Question,
    ScaleOption,
    texts_in_order,
)
from .snapshot import snapshot

FORMAT = "maturity-model/1"
FORMATS = ("yaml", "json")
OVERALL_RULES = tuple(ModelVersion.OverallRule.values)


class DocumentError(Exception):
    """A document that cannot be imported; ``problems`` lists every reason."""

    # Each problem is ``path: message``. The path (``questions[12].dimension``) is the
    # document's own and never translated; the message is translated when the problem
    # is found, so a page shows it in the reader's language and a management command
    # (translations deactivated) in English.

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# ---------------------------------------------------------------------------- export


def export_version(version: ModelVersion) -> dict[str, Any]:
    """The document of one version, in the import format, from its snapshot."""
    model = version.model
    content = snapshot(version)
    axis_order = [axis.key for axis in content.axes]
    return {
        "format": FORMAT,
        "model": {
            "slug": model.slug,
            "name": texts_in_order(version.name),
            "description": texts_in_order(version.description),
            "source": texts_in_order(version.source),
            "default_language": version.default_language,
            "languages": list(version.languages),
        },
        "version": {"number": version.number, "notes": texts_in_order(version.notes)},
        "scoring": {"threshold": float(version.threshold),
                    "overall_rule": version.overall_rule},
        "levels": [
            {"number": level.number, "name": texts_in_order(level.name),
             "description": texts_in_order(level.description)}
            for level in content.levels
        ],
        "dimensions": [
            {"key": d.key, "name": texts_in_order(d.name),
             "description": texts_in_order(d.description)}
            for d in content.dimensions
        ],
        "axes": [
            {"key": a.key, "name": texts_in_order(a.name),
             "low_label": texts_in_order(a.low_label),
             "high_label": texts_in_order(a.high_label)}
            for a in content.axes
        ],
        "scale": [
            {"key": o.key, "label": texts_in_order(o.label), "value": float(o.value)}
            for o in content.options
        ],
        "questions": [
            {
                "key": q.key,
                "dimension": q.dimension.key,
                "level": q.level,
                "weight": float(q.weight),
                "loadings": _loadings_in_order(q.loadings, axis_order),
                "statement": texts_in_order(q.statement),
                "help": texts_in_order(q.help),
                **_source(q.source),
                "recommendation": texts_in_order(q.recommendation),
                **_carried(q.carried_from),
            }
            for q in content.questions
        ],
    }


def _loadings_in_order(loadings: Mapping[str, float], axis_order: list[str]) -> dict:
    known = [key for key in axis_order if key in loadings]
    rest = sorted(key for key in loadings if key not in axis_order)
    return {key: float(loadings[key]) for key in known + rest}


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so exported files read like the shipped ones;
    never anchors and aliases, which :func:`parse` refuses."""

    def ignore_aliases(self, data):
        return True


def _represent_str(dumper: yaml.SafeDumper, text: str):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(document: Mapping[str, Any], fmt: str = "yaml") -> str:
    """The document as YAML or JSON text."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100, default_flow_style=False)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the normalised document, without the informational version number.

    Comments, layout, key order and 1 versus 1.0 do not change it; any content does.
    """
    normal = normalise(document)
    normal["version"].pop("number", None)
    for question in normal["questions"]:  # how answers carry over is not content
        question.pop("carried_from", None)
    canonical = json.dumps(normal, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def normalise(document: Mapping[str, Any]) -> dict[str, Any]:
    """A valid document in exactly the shape :func:`export_version` gives after import."""
    model = document["model"]
    axis_order = [a["key"] for a in document.get("axes") or []]
    version = document.get("version") or {}
    return {
        "format": FORMAT,
        "model": {
            "slug": model["slug"],
            "name": _texts(model["name"]),
            "description": _texts(model.get("description")),
            "source": _texts(model.get("source")),
            "default_language": model["default_language"],
            "languages": list(model["languages"]),
        },
        "version": {"number": version.get("number", 1), "notes": _texts(version.get("notes"))},
        "scoring": {"threshold": float(document["scoring"].get("threshold",
                                                               DEFAULT_THRESHOLD)),
                    "overall_rule": document["scoring"]["overall_rule"]},
        "levels": [{"number": lv["number"], "name": _texts(lv["name"]),
                    "description": _texts(lv.get("description"))}
                   for lv in document["levels"]],
        "dimensions": [{"key": d["key"], "name": _texts(d["name"]),
                        "description": _texts(d.get("description"))}
                       for d in document["dimensions"]],
        "axes": [{"key": a["key"], "name": _texts(a["name"]),
                  "low_label": _texts(a["low_label"]), "high_label": _texts(a["high_label"])}
                 for a in document.get("axes") or []],
        "scale": [{"key": o["key"], "label": _texts(o["label"]), "value": float(o["value"])}
                  for o in document["scale"]],
        "questions": [
            {
                "key": q["key"],
                "dimension": q["dimension"],
                "level": q["level"],
                "weight": float(q["weight"]),
                "loadings": _loadings_in_order(q.get("loadings") or {}, axis_order),
                "statement": _texts(q["statement"]),
                "help": _texts(q.get("help")),
                **_source(q.get("source")),
                "recommendation": _texts(q["recommendation"]),
                **_carried(q.get("carried_from")),
            }
            for q in document["questions"]
        ],
    }


def _texts(value: Mapping[str, str] | None) -> dict[str, str]:
    return texts_in_order({code: text for code, text in (value or {}).items()})


def _source(value: Mapping[str, str] | None) -> dict[str, dict[str, str]]:
    """A question's ``source`` entry: only when it has text, so that a document written
    before sources existed keeps its content hash (and load_catalog does not take it
    for a new version)."""
    texts = _texts(value)
    return {"source": texts} if texts else {}


def _carried(value: list[str] | None) -> dict[str, list[str]]:
    """A question's ``carried_from`` entry: only when it maps something, so that the
    documents written before mappings existed look as they did."""
    return {"carried_from": list(value)} if value else {}


def _at(path: str, message: str) -> str:
    """One problem: the untranslated path in the document, then the translated message."""
    return f"{path}: {message}"


# ----------------------------------------------------------------------------- parse


def parse(content: bytes | str, *, fmt: str | None = None,
          filename: str = "") -> tuple[Any, list[str]]:
    """The data of a YAML or JSON document and the problems reading it.

    ``fmt`` None guesses from the file name (``.json``), else YAML, which also reads
    JSON. Anything larger than ``settings.MAX_UPLOAD_BYTES`` is refused unread.
    """
    limit = settings.MAX_UPLOAD_BYTES
    if len(content) > limit:
        return None, [_at("(document)", _(
            "the document is larger than the limit of %(limit)s bytes") % {"limit": limit})]
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return None, [_at("(document)", _("not UTF-8 text (byte %(position)s)")
                              % {"position": error.start})]
    if fmt is None:
        fmt = "json" if filename.lower().endswith(".json") else "yaml"
    if fmt == "json":
        refused = _json_refused(content)
        if refused:
            return None, [refused]
        try:
            return json.loads(content), []
        except json.JSONDecodeError as error:
            return None, [_at("(document)", _(
                "malformed JSON at line %(line)s, column %(column)s: %(error)s")
                % {"line": error.lineno, "column": error.colno, "error": error.msg})]
        except (RecursionError, ValueError) as error:
            return None, [_unreadable(error)]
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}")
    loader = _DocumentLoader(content)
    try:
        return loader.get_single_data(), []
    except _Refused as refused:
        return None, [_at("(document)", refused.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(filter(None, [error.context, error.problem]))
        if mark:
            message = _("malformed YAML at line %(line)s, column %(column)s: %(error)s") % {
                "line": mark.line + 1, "column": mark.column + 1, "error": what}
        else:
            message = _("malformed YAML: %(error)s") % {"error": what}
        return None, [_at("(document)", message)]
    except yaml.YAMLError as error:
        return None, [_at("(document)", _("malformed YAML: %(error)s") % {"error": error})]
    except (RecursionError, ValueError) as error:
        return None, [_unreadable(error)]
    finally:
        loader.dispose()


def _unreadable(error: Exception) -> str:
    """A document the parser gives up on: nested thousands deep (RecursionError), or a
    value Python will not build (an integer of thousands of digits, a date like
    2027-02-30: ValueError)."""
    if isinstance(error, RecursionError):
        return _at("(document)", _("nested too deeply to read"))
    return _at("(document)", _("a value cannot be read: a number is too long or a date "
                               "does not exist"))


# Our documents nest five deep; anything far deeper is not one, and would only make
# later code that walks it recurse.
MAX_DEPTH = 32
# The shipped models have 2,600 to 4,000 values; six times the largest is still a model,
# and far fewer than a 2 MiB upload could otherwise hold (each value read costs a few
# hundred bytes of memory and some microseconds before anything is checked).
MAX_NODES = 25_000


class _Refused(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _too_many_values() -> _Refused:
    return _Refused(_("the document has more than %(limit)s values") % {"limit": MAX_NODES})


try:  # libyaml, which PyYAML's wheels include: its parser is C, the fallback pure Python
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _DocumentLoader(yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor,
                      yaml.resolver.Resolver):
    """``yaml.SafeLoader`` without anchors, aliases and merge keys, capped in values and
    depth. Each is refused while the document is read, before any Python object is
    built: an alias or a chain of ``<<: *previous`` merges lets a small file expand
    into gigabytes (quadratically, for merges), and our documents never need them.
    (The composer is PyYAML's Python one, also on top of libyaml's parser, so that
    every node passes :meth:`compose_node`.)"""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._values = 0
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(_("YAML aliases (*%(anchor)s) are not allowed, at line %(line)s")
                           % {"anchor": event.anchor, "line": line})
        if event.anchor is not None:
            raise _Refused(_("YAML anchors (&%(anchor)s) are not allowed, at line %(line)s")
                           % {"anchor": event.anchor, "line": line})
        self._values += 1
        if self._values > MAX_NODES:
            raise _too_many_values()
        if self._depth >= MAX_DEPTH:
            raise _Refused(_("nested too deeply to read"))
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if index is None and isinstance(parent, yaml.MappingNode) \
                and node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(_("YAML merge keys (<<) are not allowed, at line %(line)s")
                           % {"line": line})
        return node


# A JSON string, or one of the characters that open, close or separate values.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


def _json_refused(text: str) -> str | None:
    """Why a JSON text is refused unread: nested deeper than MAX_DEPTH, or more than
    MAX_NODES values (counted by their separators), found in one pass over the text
    before ``json.loads`` builds anything."""
    depth = values = 0
    for match in _JSON_TOKEN.finditer(text):
        piece = match.group()
        if piece in "[{":
            depth += 1
            values += 1
            if depth > MAX_DEPTH:
                return _at("(document)", _("nested too deeply to read"))
        elif piece in "]}":
            depth -= 1
        elif piece == ",":
            values += 1
        else:
            continue
        if values > MAX_NODES:
            return _at("(document)", _too_many_values().message)
    return None


# -------------------------------------------------------------------------- validate


def _type_name(value: Any) -> str:
    """What a value is, shown after "got" (translators put it after a colon)."""
    if value is None:
        return pgettext("the type of a value in a model document", "nothing")
    if isinstance(value, bool):
        return pgettext("the type of a value in a model document", "true/false")
    if isinstance(value, int | float):
        return pgettext("the type of a value in a model document", "a number")
    if isinstance(value, str):
        return pgettext("the type of a value in a model document", "text")
    if isinstance(value, Mapping):
        return pgettext("the type of a value in a model document", "a mapping")
    if isinstance(value, list):
        return pgettext("the type of a value in a model document", "a list")
    return type(value).__name__  # a YAML date or time: the type's own name


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float: no weight or value can be one
        return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


@dataclass
class _Validator:
    problems: list[str]
    default_language: str | None = None

    def add(self, path: str, message: str) -> None:
        self.problems.append(_at(path, message))

    def mapping(self, value: Any, path: str, *, required: Iterable[str],
                optional: Iterable[str] = ()) -> bool:
        """Check that value is a mapping with these fields; False if it is not one."""
        if not isinstance(value, Mapping):
            self.add(path, _("must be a mapping, got %(type)s") % {"type": _type_name(value)})
            return False
        required, optional = tuple(required), tuple(optional)
        for name in required:
            if name not in value:
                self.add(f"{path}.{name}" if path else name,
                         pgettext("a field of a model document", "required"))
        for name in value:
            if name not in required and name not in optional:
                self.add(f"{path}.{name}" if path else str(name),
                         _("unknown field (expected: %(fields)s)")
                         % {"fields": ", ".join(required + optional)})
        return True

    def items(self, value: Any, path: str, *, at_least: int = 0, what: str = "entry") -> list:
        if value is None and at_least == 0:
            return []
        if not isinstance(value, list):
            self.add(path, _("must be a list, got %(type)s") % {"type": _type_name(value)})
            return []
        if len(value) < at_least:
            if what == "dimension":
                message = ngettext("a model needs at least %(count)s dimension",
                                   "a model needs at least %(count)s dimensions", at_least)
            elif what == "answer option":
                message = ngettext("a model needs at least %(count)s answer option",
                                   "a model needs at least %(count)s answer options", at_least)
            else:
                message = ngettext("a model needs at least %(count)s entry",
                                   "a model needs at least %(count)s entries", at_least)
            self.add(path, message % {"count": at_least})
        return value

    def texts(self, value: Any, path: str, *, required: bool = True) -> None:
        """A mapping of language code to text containing the default language, each text
        at most as long as TEXT_MAX_LENGTHS allows the field (the last part of ``path``)."""
        limit = TEXT_MAX_LENGTHS[path.rsplit(".", 1)[-1]]
        if value is None and not required:
            return
        if not isinstance(value, Mapping):
            self.add(path, _("must be a mapping of language code to text, got %(type)s")
                     % {"type": _type_name(value)})
            return
        if not value and not required:
            return
        for code, text in value.items():
            if code not in SUPPORTED_LANGUAGES:
                self.add(f"{path}.{code}", _unknown_language(code))
            elif not isinstance(text, str):
                self.add(f"{path}.{code}", _("must be text, got %(type)s")
                         % {"type": _type_name(text)})
            elif len(text) > limit:
                self.add(f"{path}.{code}", _("longer than %(max)s characters (it has "
                                             "%(count)s)") % {"max": limit, "count": len(text)})
        language = self.default_language
        if language and not (isinstance(value.get(language), str) and value[language].strip()):
            self.add(path, _("missing text in the default language %(language)s")
                     % {"language": _show(language)})

    def key(self, value: Any, path: str, seen: dict[str, int], what: str, listing: str,
            index: int) -> str | None:
        if isinstance(value, bool):
            self.add(path, _("must be text, got true/false (quote it: YAML reads "
                             "yes/no/on/off as true/false)"))
            return None
        if not isinstance(value, str):
            self.add(path, _("must be text, got %(type)s") % {"type": _type_name(value)})
            return None
        if not KEY_RE.fullmatch(value) or len(value) > KEY_MAX_LENGTH:
            self.add(path, _("%(key)s is not a valid key (lowercase letters, digits, '.', '-' "
                             "and '_', at most %(max)s characters)")
                     % {"key": _show(value), "max": KEY_MAX_LENGTH})
        if value in seen:
            if what == "dimension":
                message = _("duplicate dimension key %(key)s (also %(other)s)")
            elif what == "axis":
                message = _("duplicate axis key %(key)s (also %(other)s)")
            elif what == "option":
                message = _("duplicate option key %(key)s (also %(other)s)")
            else:
                message = _("duplicate question key %(key)s (also %(other)s)")
            self.add(path, message % {"key": _show(value),
                                      "other": f"{listing}[{seen[value]}]"})
        else:
            seen[value] = index
        return value

    def number(self, value: Any, path: str) -> bool:
        if not _is_number(value):
            self.add(path, _("must be a number, got %(type)s") % {"type": _type_name(value)})
            return False
        return True


def _unknown_language(code: Any) -> str:
    return _("unknown language %(code)s (supported: %(languages)s)") % {
        "code": _show(code), "languages": ", ".join(SUPPORTED_LANGUAGES)}


# NUL, which PostgreSQL cannot store in text or jsonb, and unpaired surrogates (from
# escapes like "\ud800"), which are not Unicode text and cannot even be encoded.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(data: Any, limit: int = 20) -> list[str]:
    """Text no database can store and nesting deeper than MAX_DEPTH, with their paths
    (at most ``limit``). Iterative, and each container is visited once."""
    problems: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and len(problems) < limit:
        item, path, depth = stack.pop()
        where = path or "(document)"
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                problems.append(_at(where, _("contains a character that cannot be stored "
                                             "(NUL or an unpaired surrogate)")))
            continue
        if not isinstance(item, dict | list) or id(item) in seen:
            continue
        seen.add(id(item))
        if depth >= MAX_DEPTH:
            problems.append(_at(where, _("nested too deeply")))
            continue
        if isinstance(item, list):
            children = [(value, f"{path}[{i}]") for i, value in enumerate(item)]
        else:
            children = []
            for key, value in item.items():
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    problems.append(_at(where, _("a field name contains a character that "
                                                 "cannot be stored (NUL or an unpaired "
                                                 "surrogate)")))
                    continue
                children.append((value, f"{path}.{key}" if path else str(key)))
        stack.extend((value, child, depth + 1) for value, child in reversed(children))
    return problems


def validate_document(data: Any) -> list[str]:
    """Every problem with the document, as ``path: message`` lines; [] if none.

    The messages are in the active language (English in management commands)."""
    if not isinstance(data, Mapping):
        return [_at("(document)", _("must be a mapping, got %(type)s")
                    % {"type": _type_name(data)})]
    unstorable = _unstorable(data)
    if unstorable:
        return unstorable
    v = _Validator(problems=[])
    v.mapping(data, "", required=("format", "model", "scoring", "levels", "dimensions",
                                  "scale", "questions"),
              optional=("version", "axes"))
    fmt = data.get("format")
    if "format" in data and fmt != FORMAT:
        v.add("format", _("expected %(expected)s, got %(value)s")
              % {"expected": _show(FORMAT), "value": _show(fmt)})
    if "model" in data:
        _check_model(v, data["model"])
    if data.get("version") is not None:
        _check_version(v, data["version"])
    if "scoring" in data:
        _check_scoring(v, data["scoring"])
    top = _check_levels(v, data)
    dimension_keys = _check_dimensions(v, data)
    axis_keys = _check_axes(v, data)
    _check_scale(v, data)
    _check_questions(v, data, top=top, dimension_keys=dimension_keys, axis_keys=axis_keys)
    return v.problems


def _check_model(v: _Validator, model: Any) -> None:
    """``model``: slug, languages, default language, texts. Sets the validator's default
    language, which the texts of every later section must have."""
    if not v.mapping(model, "model", required=("slug", "name", "default_language", "languages"),
                     optional=("description", "source")):
        return
    slug = model.get("slug")
    if "slug" in model and (not isinstance(slug, str) or not SLUG_RE.fullmatch(slug)
                            or len(slug) > SLUG_MAX_LENGTH):
        v.add("model.slug", _("%(slug)s is not a valid slug (lowercase letters, digits "
                              "and '-', at most %(max)s characters)")
              % {"slug": _show(slug), "max": SLUG_MAX_LENGTH})
    elif slug in RESERVED_SLUGS:
        v.add("model.slug", _("%(slug)s is reserved") % {"slug": _show(slug)})
    languages = model.get("languages")
    valid_languages: list[str] = []
    if "languages" in model:
        if not isinstance(languages, list) or not languages:
            v.add("model.languages", _("must be a non-empty list of language codes, "
                                       "got %(type)s") % {"type": _type_name(languages)})
        else:
            for i, code in enumerate(languages):
                if code not in SUPPORTED_LANGUAGES:
                    v.add(f"model.languages[{i}]", _unknown_language(code))
                elif code in valid_languages:
                    v.add(f"model.languages[{i}]", _("duplicate language %(code)s")
                          % {"code": _show(code)})
                else:
                    valid_languages.append(code)
    default = model.get("default_language")
    if "default_language" in model:
        if not isinstance(default, str) or default not in SUPPORTED_LANGUAGES:
            v.add("model.default_language", _unknown_language(default))
        else:
            if valid_languages and default not in valid_languages:
                v.add("model.default_language",
                      _("%(code)s must be one of model.languages") % {"code": _show(default)})
            v.default_language = default
    if "name" in model:
        v.texts(model["name"], "model.name")
    v.texts(model.get("description"), "model.description", required=False)
    v.texts(model.get("source"), "model.source", required=False)


def _check_version(v: _Validator, version: Any) -> None:
    if not v.mapping(version, "version", required=(), optional=("number", "notes")):
        return
    number = version.get("number")
    if "number" in version and (not _is_int(number) or number < 1):
        v.add("version.number", _("must be a whole number from 1, got %(value)s")
              % {"value": _show(number)})
    v.texts(version.get("notes"), "version.notes", required=False)


def _check_scoring(v: _Validator, scoring: Any) -> None:
    if not v.mapping(scoring, "scoring", required=("overall_rule",), optional=("threshold",)):
        return
    threshold = scoring.get("threshold")
    if "threshold" in scoring and v.number(threshold, "scoring.threshold") and not (
            0 < threshold <= 1):
        v.add("scoring.threshold", _("must be greater than 0 and at most 1, got %(value)s")
              % {"value": _show(threshold)})
    rule = scoring.get("overall_rule")
    if "overall_rule" in scoring and rule not in OVERALL_RULES:
        v.add("scoring.overall_rule", _("must be one of %(choices)s, got %(value)s")
              % {"choices": ", ".join(OVERALL_RULES), "value": _show(rule)})


def _check_levels(v: _Validator, data: Mapping[str, Any]) -> int | None:
    """``levels``; the number of levels (the top), or None if they are unusable."""
    if "levels" in data and data["levels"] is None:  # items() would take it for none
        v.add("levels", _("must be a list, got %(type)s") % {"type": _type_name(None)})
    levels = v.items(data.get("levels"), "levels") if "levels" in data else []
    top = None
    if "levels" in data and isinstance(data.get("levels"), list):
        if not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
            v.add("levels", _("a model has %(min)s to %(max)s levels, got %(count)s")
                  % {"min": MIN_LEVELS, "max": MAX_LEVELS, "count": len(levels)})
        else:
            top = len(levels)
    for i, level in enumerate(levels):
        path = f"levels[{i}]"
        if not v.mapping(level, path, required=("number", "name"), optional=("description",)):
            continue
        number = level.get("number")
        if "number" in level and (not _is_int(number) or number != i + 1):
            v.add(f"{path}.number", _("levels are numbered 1..K in order: expected "
                                      "%(expected)s, got %(value)s")
                  % {"expected": i + 1, "value": _show(number)})
        if "name" in level:
            v.texts(level["name"], f"{path}.name")
        v.texts(level.get("description"), f"{path}.description", required=False)
    return top


def _check_dimensions(v: _Validator, data: Mapping[str, Any]) -> dict[str, int]:
    """``dimensions``; their keys, each with its position."""
    dimension_keys: dict[str, int] = {}
    for i, dimension in enumerate(v.items(data.get("dimensions"), "dimensions", at_least=1,
                                          what="dimension")
                                  if "dimensions" in data else []):
        path = f"dimensions[{i}]"
        if not v.mapping(dimension, path, required=("key", "name"), optional=("description",)):
            continue
        if "key" in dimension:
            v.key(dimension["key"], f"{path}.key", dimension_keys, "dimension", "dimensions", i)
        if "name" in dimension:
            v.texts(dimension["name"], f"{path}.name")
        v.texts(dimension.get("description"), f"{path}.description", required=False)
    return dimension_keys


def _check_axes(v: _Validator, data: Mapping[str, Any]) -> dict[str, int]:
    """``axes``; their keys, each with its position."""
    axis_keys: dict[str, int] = {}
    for i, axis in enumerate(v.items(data.get("axes"), "axes")):
        path = f"axes[{i}]"
        if not v.mapping(axis, path, required=("key", "name", "low_label", "high_label")):
            continue
        if "key" in axis:
            v.key(axis["key"], f"{path}.key", axis_keys, "axis", "axes", i)
        for field in ("name", "low_label", "high_label"):
            if field in axis:
                v.texts(axis[field], f"{path}.{field}")
    return axis_keys


def _check_scale(v: _Validator, data: Mapping[str, Any]) -> None:
    """``scale``: the answer options (na and dk are the engine's, never the model's)."""
    option_keys: dict[str, int] = {}
    for i, option in enumerate(v.items(data.get("scale"), "scale", at_least=1,
                                       what="answer option")
                               if "scale" in data else []):
        path = f"scale[{i}]"
        if not v.mapping(option, path, required=("key", "label", "value")):
            continue
        if "key" in option:
            key = option["key"]
            if key in RESERVED_OPTION_KEYS:
                v.add(f"{path}.key", _("%(key)s is reserved: 'na' (not applicable) and 'dk' "
                                       "(don't know) are always offered") % {"key": _show(key)})
            else:
                v.key(key, f"{path}.key", option_keys, "option", "scale", i)
        value = option.get("value")
        if "value" in option and v.number(value, f"{path}.value") and not 0 <= value <= 1:
            v.add(f"{path}.value", _("must be between 0 and 1, got %(value)s")
                  % {"value": _show(value)})
        if "label" in option:
            v.texts(option["label"], f"{path}.label")


def _check_questions(v: _Validator, data: Mapping[str, Any], *, top: int | None,
                     dimension_keys: Mapping[str, int], axis_keys: Mapping[str, int]) -> None:
    """``questions``, against the levels, dimensions and axes checked before."""
    question_keys: dict[str, int] = {}
    questions: list = []
    if "questions" in data:
        if data["questions"] is None or data["questions"] == []:
            v.add("questions", _("a model needs at least one question"))
        else:
            questions = v.items(data["questions"], "questions")
    usable_dimensions = dimension_keys if isinstance(data.get("dimensions"), list) else None
    carried: dict[str, str] = {}
    for i, question in enumerate(questions):
        _check_question(v, question, i, question_keys=question_keys, top=top,
                        dimension_keys=usable_dimensions, axis_keys=axis_keys,
                        carried=carried)


def _check_question(v: _Validator, question: Any, i: int, *, question_keys: dict[str, int],
                    top: int | None, dimension_keys: Mapping[str, int] | None,
                    axis_keys: Mapping[str, int], carried: dict[str, str]) -> None:
    """``questions[i]``. ``question_keys`` collects the keys seen so far (duplicates are
    problems); ``dimension_keys`` is None when the dimensions could not be read."""
    path = f"questions[{i}]"
    if not v.mapping(question, path,
                     required=("key", "dimension", "level", "weight", "statement",
                               "recommendation"),
                     optional=("loadings", "help", "source", "carried_from")):
        return
    if "key" in question:
        v.key(question["key"], f"{path}.key", question_keys, "question", "questions", i)
    dimension = question.get("dimension")
    if "dimension" in question and dimension_keys is not None:
        if not isinstance(dimension, str):
            v.add(f"{path}.dimension", _("must be a dimension key, got %(type)s")
                  % {"type": _type_name(dimension)})
        elif dimension not in dimension_keys:
            v.add(f"{path}.dimension", _("unknown dimension %(key)s")
                  % {"key": _show(dimension)})
    level = question.get("level")
    if "level" in question:
        highest = top if top is not None else MAX_LEVELS
        if not _is_int(level):
            v.add(f"{path}.level", _("must be a whole number, got %(type)s")
                  % {"type": _type_name(level)})
        elif not 2 <= level <= highest:
            v.add(f"{path}.level", _("level out of range: must be between 2 and "
                                     "%(top)s, got %(level)s")
                  % {"top": highest, "level": level})
    weight = question.get("weight")
    if "weight" in question and v.number(weight, f"{path}.weight") and not weight > 0:
        v.add(f"{path}.weight", _("must be greater than 0, got %(value)s")
              % {"value": _show(weight)})
    loadings = question.get("loadings")
    if loadings is not None:
        if not isinstance(loadings, Mapping):
            v.add(f"{path}.loadings", _("must be a mapping of axis key to a number, "
                                        "got %(type)s") % {"type": _type_name(loadings)})
        else:
            for axis, loading in loadings.items():
                where = f"{path}.loadings.{axis}"
                if axis not in axis_keys:
                    v.add(where, _("unknown axis %(key)s") % {"key": _show(axis)})
                # Versions published before loadings were restricted to [0, 1] keep
                # their negative ones (the engine scores them by DESIGN rule 7);
                # a new document cannot have one.
                if v.number(loading, where) and not 0 <= loading <= 1:
                    v.add(where, _("loading must be between 0 and 1, got %(value)s")
                          % {"value": _show(loading)})
    for field in ("statement", "recommendation"):
        if field in question:
            v.texts(question[field], f"{path}.{field}")
    v.texts(question.get("help"), f"{path}.help", required=False)
    v.texts(question.get("source"), f"{path}.source", required=False)
    _check_carried_from(v, question.get("carried_from"), path, carried=carried)


def _check_carried_from(v: _Validator, value: Any, path: str, *,
                        carried: dict[str, str]) -> None:
    """``carried_from``: a list of earlier statements' keys, each mapped once in the whole
    document (``carried`` collects where each was mapped). Whether an earlier version
    has them is checked on import (``check_carried_from``)."""
    if value is None:
        return
    if not isinstance(value, list):
        v.add(f"{path}.carried_from", _("must be a list of statement keys, got %(type)s")
              % {"type": _type_name(value)})
        return
    for j, old in enumerate(value):
        where = f"{path}.carried_from[{j}]"
        if not isinstance(old, str) or not KEY_RE.fullmatch(old) or len(old) > KEY_MAX_LENGTH:
            v.add(where, _("%(key)s is not a valid statement key") % {"key": _show(old)})
        elif old in carried:
            v.add(where, _("%(key)s is already carried to %(other)s: an earlier statement's "
                           "answer can carry to one statement only")
                  % {"key": _show(old), "other": carried[old]})
        else:
            carried[old] = where


def check_carried_from(document: Mapping[str, Any], earlier_keys: Iterable[str] | None
                       ) -> list[str]:
    """The problems of a valid document's ``carried_from`` keys against the statement
    keys of the model's earlier versions (None: the model has none here, as a fresh
    installation loading a shipped version 2: nothing to check against)."""
    if earlier_keys is None:
        return []
    known = set(earlier_keys)
    problems = []
    for i, question in enumerate(document["questions"]):
        for j, old in enumerate(question.get("carried_from") or []):
            if old not in known:
                problems.append(_at(f"questions[{i}].carried_from[{j}]", _(
                    "unknown statement %(key)s: no earlier version of this model has it")
                    % {"key": _show(old)}))
    return problems


# ---------------------------------------------------------------------------- import


def import_document(data: Any, *, organisation=None, by=None, publish: bool = True,
                    request=None) -> ModelVersion:
    """Create a version from a document; raise DocumentError and write nothing on any
    problem.

    The model is found by the document's slug among the models of ``organisation``
    (None: shipped models), and the document becomes its next version. Otherwise the
    document becomes a new model; for a tenant, a slug that a model it sees already
    has (``slugs_in_use``: a shipped one, its consultancy's, its clients') is
    prefixed with the organisation's slug (``acme-topdesk-semm``). Other tenants'
    slugs play no part, so one tenant never learns about another's models. A
    published import retires the model's previously published version.
    """
    problems = validate_document(data)
    if problems:
        raise DocumentError(problems)
    with transaction.atomic():
        slug = data["model"]["slug"]
        owned = MaturityModel.objects.select_for_update().filter(owner=organisation)
        model = owned.filter(slug=slug).first()
        if model is None and organisation is not None \
                and slugs_in_use(organisation).filter(slug=slug).exists():
            model = owned.filter(slug=f"{organisation.slug}-{slug}").first()
            if model is None:
                slug = unique_slug(f"{organisation.slug}-{slug}", organisation)
        if model is None:
            model = MaturityModel(slug=slug, owner=organisation)
            _set_model_texts(model, data["model"])
        elif not publish and model.versions.filter(status=ModelVersion.Status.DRAFT).exists():
            raise DocumentError([_at("model.slug", _(
                "%(slug)s already has a draft; publish or discard it before importing "
                "another") % {"slug": repr(model.slug)})])
        problems = check_carried_from(data, _earlier_keys(model))
        if problems:
            raise DocumentError(problems)
        status = ModelVersion.Status.PUBLISHED if publish else ModelVersion.Status.DRAFT
        version = create_version_from_document(
            model=model, document=data, status=status, by=by,
            content_hash=document_hash(data))
        if publish:
            retire_others(version)
            _set_model_texts(model, data["model"])
        audit(organisation=organisation, actor=by, action="model.imported",
              target=f"{model.slug} v{version.number}",
              data={"slug": model.slug, "version": version.number, "status": status,
                    "content_hash": version.content_hash}, request=request)
    return version


def _earlier_keys(model: MaturityModel) -> set[str] | None:
    """The statement keys of every version the model has here; None for a new model."""
    if model.pk is None or not model.versions.exists():
        return None
    return set(Question.objects.filter(version__model=model).values_list("key", flat=True))


def record_carried_from(version: ModelVersion, document: Mapping[str, Any]) -> bool:
    """Give ``version`` the ``carried_from`` mapping of ``document``, the same content
    (same ``document_hash``) with a mapping declared after it was loaded: the mapping
    is not content, so this is not a new version. True if anything changed; raises
    DocumentError for keys no earlier version has."""
    earlier = set(Question.objects.filter(version__model_id=version.model_id,
                                          version__number__lt=version.number)
                  .values_list("key", flat=True))
    problems = check_carried_from(document, earlier or None)
    if problems:
        raise DocumentError(problems)
    declared = {q["key"]: list(q.get("carried_from") or []) for q in document["questions"]}
    changed = {q.pk: declared.get(q.key, []) for q in version.questions.all()
               if q.carried_from != declared.get(q.key, [])}
    Question.objects.record_carried_from(changed)
    return bool(changed)


def slugs_in_use(organisation) -> QuerySet[MaturityModel]:
    """The models whose slugs a new model of ``organisation`` must not reuse: those it
    sees (shipped, its own, its consultancy's) and, for a consultancy, its clients'
    (who see its models). Slugs are unique per owner in the database; this keeps them
    unique within every catalogue a tenant sees, without looking at other tenants'."""
    if organisation is None:
        return MaturityModel.objects.filter(owner__isnull=True)
    return MaturityModel.objects.filter(visible_to_organisation(organisation)
                                        | Q(owner__parent=organisation))


def unique_slug(base: str, organisation) -> str:
    """``base``, or ``base-2``, ``base-3``… if a model in ``slugs_in_use`` has it."""
    base = base[:SLUG_MAX_LENGTH].strip("-")
    taken = set(slugs_in_use(organisation).filter(slug__startswith=base)
                .values_list("slug", flat=True))
    if base not in taken:
        return base
    for n in range(2, 10_000):
        candidate = f"{base[:SLUG_MAX_LENGTH - len(str(n)) - 1]}-{n}"
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free slug")  # pragma: no cover


def _set_model_texts(model: MaturityModel, meta: Mapping[str, Any]) -> None:
    model.name = _texts(meta["name"])
    model.description = _texts(meta.get("description"))
    model.source = _texts(meta.get("source"))
    model.default_language = meta["default_language"]
    model.languages = list(meta["languages"])
    model.save()


def retire_others(version: ModelVersion) -> None:
    """Retire the model's other published versions (one current version per model)."""
    now = timezone.now()
    for other in (ModelVersion.objects.filter(model_id=version.model_id,
                                              status=ModelVersion.Status.PUBLISHED)
                  .exclude(pk=version.pk)):
        other.status = ModelVersion.Status.RETIRED
        other.retired_at = now
        other.save(update_fields=["status", "retired_at"])


def create_version_from_document(*, model: MaturityModel, document: Mapping[str, Any],
                                 status: str, by=None, content_hash: str = "",
                                 based_on: ModelVersion | None = None,
                                 number: int | None = None) -> ModelVersion:
    """Write a validated document as the model's next version (bulk inserts).

    A shipped model's version keeps the number its catalogue file gives, when that is
    above the model's newest one, so that every installation calls the same content
    ``topdesk-semm`` version 2 (``score_answers --version 2`` means the same thing
    everywhere), even one that never had version 1. Tenants' versions are numbered on.
    ``number`` gives a free number explicitly: the demo adds the version 1 that such an
    installation never had (``models_catalog.demo``).
    """
    if number is None:
        number = (model.versions.order_by("-number").values_list("number", flat=True)
                  .first() or 0) + 1
        stated = (document.get("version") or {}).get("number")
        if model.owner_id is None and isinstance(stated, int) and stated > number:
            number = stated
    doc = normalise(document)
    meta, now = doc["model"], timezone.now()
    published = status == ModelVersion.Status.PUBLISHED
    version = ModelVersion.objects.create(
        model=model, number=number, status=status, name=meta["name"],
        description=meta["description"], source=meta["source"],
        default_language=meta["default_language"], languages=meta["languages"],
        notes=doc["version"]["notes"], threshold=doc["scoring"]["threshold"],
        overall_rule=doc["scoring"]["overall_rule"], content_hash=content_hash,
        created_by=by, based_on=based_on,
        published_at=now if published else None, published_by=by if published else None,
    )
    Level.objects.bulk_create(
        Level(version=version, number=lv["number"], name=lv["name"],
              description=lv["description"]) for lv in doc["levels"])
    dimensions = Dimension.objects.bulk_create(
        Dimension(version=version, key=d["key"], name=d["name"], description=d["description"],
                  position=i) for i, d in enumerate(doc["dimensions"]))
    Axis.objects.bulk_create(
        Axis(version=version, key=a["key"], name=a["name"], low_label=a["low_label"],
             high_label=a["high_label"], position=i) for i, a in enumerate(doc["axes"]))
    ScaleOption.objects.bulk_create(
        ScaleOption(version=version, key=o["key"], label=o["label"], value=o["value"],
                    position=i) for i, o in enumerate(doc["scale"]))
    by_key = {d.key: d for d in dimensions}
    Question.objects.bulk_create(
        Question(version=version, key=q["key"], dimension=by_key[q["dimension"]],
                 level=q["level"], weight=q["weight"], loadings=q["loadings"],
                 statement=q["statement"], help=q["help"], source=q.get("source", {}),
                 recommendation=q["recommendation"], carried_from=q.get("carried_from", []),
                 position=i)
        for i, q in enumerate(doc["questions"]))
    return version
