"""Interface languages: complete catalogues, and no user-facing text left unmarked.

1. Catalogues. A fresh ``makemessages`` (the command of docs/translations.md, run in a
   copy of the source) must find every msgid translated, and not fuzzy, in each
   committed ``locale/<lang>/LC_MESSAGES/django.po``; the catalogues compile with
   ``msgfmt --check``.
2. Scanners. Text a user reads must go through the translation machinery:
   templates are read with Django's template Lexer and an HTML parser (text
   nodes, and the placeholder/title/aria-label/alt… attributes), Python with
   ``ast`` (messages, ValidationError, form labels and help texts, verbose names,
   choices…). A failure names ``file:line`` and the text. Parametrised by area, so
   each app's owners see their own list (``pytest tests/test_translations.py -k reports``).
3. The result: pages, dates and emails in the reader's language.

A line that holds text which is deliberately not translated can say so with
``{# i18n: ignore #}`` (templates) or ``# i18n: ignore`` (Python).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import DebugLexer, TokenType
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)
LANGUAGES = ("sv", "hu", "nb")
# The same options as the command in docs/translations.md ("Updating the catalogues").
MAKEMESSAGES_OPTIONS = ["--ignore=.venv", "--ignore=var", "--ignore=tests",
                        "--ignore=benchmarks", "--no-location"]
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# Which files belong to whom: a failure of the scanners names the area.
AREAS = {
    "organisations": ["organisations", "maturity_site", "templates/organisations",
                      "templates/registration", "templates/base.html"],
    "models_catalog": ["models_catalog", "templates/models_catalog"],
    "assessments": ["assessments", "templates/assessments"],
    "reports": ["reports", "templates/reports"],
    "improvement": ["improvement", "templates/improvement"],
    "api": ["api", "templates/api"],
}
# Not scanned: migrations, and management commands (their output is for operators).
SKIPPED_PARTS = {"migrations", "management", "__pycache__"}
IGNORE_MARK = "i18n: ignore"

# Text that is the same in every language.
BRAND = "Maturity Desk"
ALLOWED_WORDS = re.compile(
    r"https?://\S+|\S+@\S+\.\S+|/o/\S*"          # addresses and paths
    r"|\b[A-Z][A-Z0-9]{1,5}s?\b"                  # acronyms: PDF, CSV, XLSX, KPIs, UTC, ISO
    r"|\b(?:ISO|KCS|ITIL|SLA|NPS|FCR)\s?\d*\b"
)


def has_words(text: str) -> bool:
    """Whether ``text`` holds a word (two letters or more) that is not brand or code."""
    text = ALLOWED_WORDS.sub(" ", text.replace(BRAND, " "))
    return re.search(r"[^\W\d_]{2,}", text) is not None


# --- The catalogues -----------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None
    msgstr: list[str]
    fuzzy: bool
    obsolete: bool


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C string; Python's rules agree here


def parse_po(path: Path) -> dict[tuple[str | None, str], Entry]:
    """The entries of a PO file, keyed by (msgctxt, msgid); the header under (None, "")."""
    entries: dict[tuple[str | None, str], Entry] = {}
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    for block in blocks:
        lines = [line for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        obsolete = all(line.startswith("#~") for line in lines if not line.startswith("#,"))
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if obsolete:
                line = line[2:].strip() if line.startswith("#~") else line
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$",
                             line)
            if match:
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
        if "msgid" not in fields:
            continue
        msgstr = ([fields["msgstr"]] if "msgstr" in fields else
                  [fields[k] for k in sorted(k for k in fields if k.startswith("msgstr["))])
        key = (fields.get("msgctxt"), fields["msgid"])
        entries[key] = Entry(fields["msgid"], fields.get("msgid_plural"), msgstr, fuzzy,
                             obsolete)
    return entries


@pytest.fixture(scope="module")
def fresh_extraction(tmp_path_factory) -> dict:
    """``makemessages`` run on a copy of the source, with the committed catalogues in it.

    Run in a copy because makemessages writes temporary ``*.html.py`` files next to
    the templates and rewrites the catalogues in place.
    """
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing (apt-get install gettext); scripts/setup.sh "
                    "installs it.")
    copy = tmp_path_factory.mktemp("i18n") / "src"
    shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(
        ".*", "__pycache__", "*.pyc", "*.mo", "var", "tests", "benchmarks", "artifacts",
        "node_modules", "*.egg-info"))
    env = {**os.environ, "VAR_DIR": str(copy.parent / "var"),
           "DJANGO_SETTINGS_MODULE": "maturity_site.settings"}
    args = [sys.executable, "manage.py", "makemessages", *(f"-l{lang}" for lang in LANGUAGES),
            *MAKEMESSAGES_OPTIONS, "--keep-pot"]
    done = subprocess.run(args, cwd=copy, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, f"makemessages failed:\n{done.stdout}\n{done.stderr}"
    return parse_po(copy / "locale" / "django.pot")


def _describe(keys, limit: int = 60) -> str:
    shown = [f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for ctx, msgid in keys]
    more = len(shown) - limit
    return "\n".join(shown[:limit] + ([f"  … and {more} more"] if more > 0 else []))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_it_has_every_extracted_string_translated(lang, fresh_extraction):
    """Every msgid of a fresh makemessages is in the catalogue, translated and not fuzzy."""
    path = BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path.relative_to(BASE_DIR)} is missing"
    catalogue = parse_po(path)
    wanted = [key for key in fresh_extraction if key != (None, "")]
    missing = [key for key in wanted if key not in catalogue or catalogue[key].obsolete]
    untranslated = [key for key in wanted if key in catalogue and not catalogue[key].obsolete
                    and not all(s.strip() for s in catalogue[key].msgstr)]
    fuzzy = [key for key in wanted if key in catalogue and catalogue[key].fuzzy]
    problems = []
    if missing:
        problems.append(f"{len(missing)} msgid(s) missing from {lang}/django.po "
                        f"(run makemessages, see docs/translations.md):\n{_describe(missing)}")
    if untranslated:
        problems.append(f"{len(untranslated)} msgid(s) without a translation in "
                        f"{lang}/django.po:\n{_describe(untranslated)}")
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy msgid(s) in {lang}/django.po (check the "
                        f"translation, then remove the fuzzy flag):\n{_describe(fuzzy)}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_it_keeps_no_stale_or_fuzzy_entries(lang, fresh_extraction):
    """The committed catalogue is the fresh extraction: nothing the code no longer says
    (outside ``#~`` obsolete entries), a complete header, and the language's plurals."""
    catalogue = parse_po(BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po")
    stale = [key for key, entry in catalogue.items()
             if key != (None, "") and not entry.obsolete and key not in fresh_extraction]
    assert not stale, (f"{len(stale)} msgid(s) in {lang}/django.po that the code no longer "
                       f"has; run makemessages:\n{_describe(stale)}")
    header = catalogue[(None, "")]
    assert not header.fuzzy, f"{lang}/django.po: the header is marked fuzzy"
    assert f"Language: {lang}\n" in header.msgstr[0]
    assert f"Plural-Forms: {PLURAL_FORMS}\n" in header.msgstr[0]
    assert not [k for k, e in catalogue.items() if e.fuzzy and not e.obsolete]
    for key, entry in catalogue.items():
        if entry.msgid_plural and not entry.obsolete:
            assert len(entry.msgstr) == 2, f"{lang}: {key[1]!r} needs 2 plural forms"


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory) -> Path:
    """The committed catalogues compiled with ``msgfmt --check`` into a scratch
    directory, so tests need no prior ``compilemessages`` and never write to the tree."""
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt is missing (apt-get install gettext)")
    out = tmp_path_factory.mktemp("locale")
    for lang in LANGUAGES:
        po = BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"
        target = out / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        done = subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(po)],
                               capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"msgfmt --check {po.relative_to(BASE_DIR)}:\n{done.stderr}"
    return out


@pytest.fixture
def translated(compiled_locale):
    with override_settings(LOCALE_PATHS=[compiled_locale]):
        yield


def test_it_compiles_every_catalogue_cleanly(compiled_locale):
    for lang in LANGUAGES:
        assert (compiled_locale / lang / "LC_MESSAGES" / "django.mo").stat().st_size > 0


def test_it_has_no_javascript_catalogue_to_keep():
    """The JavaScript reads its texts from data-* attributes and json_script blocks that
    translated templates render; no djangojs catalogue exists to fall behind."""
    marked = [f"{p.relative_to(BASE_DIR)}" for p in (BASE_DIR / "static" / "js").glob("*.js")
              if re.search(r"\b(?:gettext|ngettext|interpolate)\s*\(", p.read_text())]
    assert not marked, (f"{marked} call gettext(): add a djangojs catalogue "
                        "(docs/translations.md) or read the text from the page instead")


# --- Scanner: templates -------------------------------------------------------------

TEXT_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "aria-description",
                   "aria-roledescription", "aria-valuetext", "label", "data-confirm"}
TEXT_DATA_SUFFIXES = ("-label", "-text", "-message", "-title", "-confirm")
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp"}
# Literal arguments of filters that end up on the page.
FILTER_LITERAL = re.compile(r"\|(?:default|default_if_none|yesno):(\"[^\"]*\"|'[^']*')")
# Keyword arguments of {% include … with %} / {% with %} that carry text.
TEXT_KWARGS = {"label", "heading", "lead", "title", "text", "message", "help", "help_text",
               "action_label", "placeholder", "caption", "empty", "empty_text",
               "description", "confirm", "hint", "legend"}
INCLUDE_KWARG = re.compile(r"\b(\w+)=(\"[^\"]*\"|'[^']*')")
PLACEHOLDER = "\ue000"  # stands for a tag or variable: not a letter


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}: {self.text!r}"


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            user_facing = (name in TEXT_ATTRIBUTES
                           or (name.startswith("data-") and name.endswith(TEXT_DATA_SUFFIXES))
                           or (name == "value" and tag in ("input", "button")
                               and attributes.get("type") in ("submit", "button", "reset")))
            if user_facing and has_words(value.replace(PLACEHOLDER, " ")):
                self.found.append((line, value, f"attribute {name}= of <{tag}>"))
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_endtag(self, tag):
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data):
        if self.skipping:
            return
        first = self.getpos()[0]
        for offset, line in enumerate(data.split("\n")):  # one finding per source line
            text = " ".join(line.replace(PLACEHOLDER, " ").split())
            if has_words(text):
                self.found.append((first + offset, text, "text"))


def _blank(raw: str) -> str:
    """A placeholder for a tag or variable that keeps the lines where they are."""
    return PLACEHOLDER + "\n" * raw.count("\n")


def scan_template(path: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(BASE_DIR))
    findings: list[Finding] = []
    flat: list[str] = []
    closing: str | None = None  # the end tag of a block whose content is not scanned
    for token in DebugLexer(source).tokenize():
        raw = source[token.position[0]:token.position[1]]
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            flat.append(_blank(raw))
            continue
        if token.token_type == TokenType.TEXT:
            flat.append(raw)
            continue
        # A literal filter argument ({{ x|default:"None" }}) is put where the value goes,
        # so that it counts in a text node or a user-facing attribute and not in class="".
        literals = [lit[1:-1] for lit in FILTER_LITERAL.findall(token.contents)]
        flat.append(" ".join(literals) + _blank(raw) if literals else _blank(raw))
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in ("blocktranslate", "blocktrans"):
                closing = "end" + name
            elif name == "comment":
                closing = "endcomment"
            elif name in ("include", "with"):
                for key, literal in INCLUDE_KWARG.findall(token.contents):
                    if key in TEXT_KWARGS and has_words(literal[1:-1]):
                        findings.append(Finding(rel, token.lineno, literal[1:-1],
                                                f"{{% {name} %}} argument {key}="))
    collector = _TextCollector()
    collector.feed("".join(flat))
    collector.close()
    findings += [Finding(rel, line, text, what) for line, text, what in collector.found]
    lines = source.splitlines()
    return [f for f in findings if IGNORE_MARK not in lines[f.line - 1]]


# Dates go through the language's formats; ISO 8601 (language-neutral) is allowed too.
DATE_FILTER = re.compile(r"\|(date|time):(\"[^\"]*\"|'[^']*')")
NAMED_FORMATS = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT",
                 "SHORT_DATETIME_FORMAT", "TIME_FORMAT", "YEAR_MONTH_FORMAT",
                 "MONTH_DAY_FORMAT"}
ISO_FORMATS = {"c", "U", "Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "H:i", "H:i:s", "Y"}


def scan_date_formats(path: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(BASE_DIR))
    findings = []
    for token in DebugLexer(source).tokenize():
        if token.token_type not in (TokenType.VAR, TokenType.BLOCK):
            continue
        for _, literal in DATE_FILTER.findall(token.contents):
            fmt = literal[1:-1]
            if fmt not in NAMED_FORMATS | ISO_FORMATS:
                findings.append(Finding(rel, token.lineno, fmt, "date format (use "
                                        "DATE_FORMAT, SHORT_DATETIME_FORMAT… or ISO 8601)"))
    lines = source.splitlines()
    return [f for f in findings if IGNORE_MARK not in lines[f.line - 1]]


# --- Scanner: Python ----------------------------------------------------------------

TRANSLATORS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
               "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop", "_lazy"}
TEXT_KEYWORDS = {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural",
                 "label_suffix", "empty_value_display"}
MESSAGE_FUNCTIONS = {"debug", "info", "success", "warning", "error"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"}
JSON_TEXT_KEYS = {"error", "message", "detail", "label"}


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def untranslated_text(node: ast.AST | None) -> str | None:
    """The literal text of ``node`` when it reaches the user without translation."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if has_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return ast.unparse(node) if has_words(text) else None
    if isinstance(node, ast.BinOp):  # "…%s" % x, "a" + "b"
        return untranslated_text(node.left) or (
            untranslated_text(node.right) if isinstance(node.op, ast.Add) else None)
    if isinstance(node, ast.IfExp):
        return untranslated_text(node.body) or untranslated_text(node.orelse)
    if isinstance(node, ast.BoolOp):
        return next(filter(None, map(untranslated_text, node.values)), None)
    if isinstance(node, ast.Call):
        name = _callee(node)
        if name in TRANSLATORS:
            return None
        if name in ("format", "join") and isinstance(node.func, ast.Attribute):
            return untranslated_text(node.func.value) if name == "format" else None
        if name in ("format_lazy", "format_html", "mark_safe") and node.args:
            return untranslated_text(node.args[0])
    return None


def _choice_labels(node: ast.AST):
    """The label nodes of a literal ``choices`` list (grouped choices included)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
                label = item.elts[1]
                if isinstance(label, (ast.List, ast.Tuple)):
                    yield from _choice_labels(label)
                else:
                    yield label


def _is_choices_class(node: ast.ClassDef) -> bool:
    return any((getattr(base, "attr", None) or getattr(base, "id", "")).endswith("Choices")
               for base in node.bases)


def _is_model_class(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base) in ("models.Model", "Model", "AbstractBaseUser",
                                     "AbstractUser") for base in node.bases)


def _meta_says(node: ast.ClassDef, *names: str) -> bool:
    for statement in node.body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Meta":
            return any(isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
                       and s.targets[0].id in names for s in statement.body)
    return False


class _PythonScanner(ast.NodeVisitor):
    def __init__(self, rel: str):
        self.rel = rel
        self.findings: list[Finding] = []

    def flag(self, node: ast.AST, text: str | None, what: str) -> None:
        if text:
            self.findings.append(Finding(self.rel, node.lineno, text, what))

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        owner_name = getattr(owner, "id", None) or getattr(owner, "attr", None)
        if owner_name == "messages" and name in MESSAGE_FUNCTIONS and len(node.args) >= 2:
            self.flag(node, untranslated_text(node.args[1]), f"messages.{name}()")
        elif owner_name == "messages" and name == "add_message" and len(node.args) >= 3:
            self.flag(node, untranslated_text(node.args[2]), "messages.add_message()")
        if name in ("ValidationError", "DocumentError"):  # a model import's problems
            message = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == "message"), None)
            for part in (message.values if isinstance(message, ast.Dict)
                         else message.elts if isinstance(message, (ast.List, ast.Tuple))
                         else [message]):
                self.flag(node, untranslated_text(part), f"{name}()")
        if name == "add_error" and len(node.args) >= 2:
            self.flag(node, untranslated_text(node.args[1]), "add_error()")
        if name == "add" and len(node.args) == 2 and not node.keywords:
            # problems.add(where, message): a validator collecting messages for the user
            self.flag(node, untranslated_text(node.args[1]), "problem message")
        if name.endswith("Field") and name not in RELATION_FIELDS and owner_name == "models" \
                and node.args:
            self.flag(node, untranslated_text(node.args[0]), "model field verbose name")
        if name in ("display", "action") and owner_name == "admin":
            for keyword in node.keywords:
                if keyword.arg == "description":
                    self.flag(node, untranslated_text(keyword.value), "admin description=")
        if name == "JsonResponse" and node.args and isinstance(node.args[0], ast.Dict):
            for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
                if isinstance(key, ast.Constant) and key.value in JSON_TEXT_KEYS:
                    self.flag(node, untranslated_text(value), f"JSON {key.value!r} text")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                self.flag(keyword.value, untranslated_text(keyword.value), f"{keyword.arg}=")
            elif keyword.arg == "choices":
                for label in _choice_labels(keyword.value):
                    self.flag(label, untranslated_text(label), "choice label")
            elif keyword.arg == "attrs" and isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in TEXT_ATTRIBUTES:
                        self.flag(value, untranslated_text(value), f"widget {key.value}=")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if _is_model_class(node) and not _meta_says(node, "verbose_name", "abstract"):
            self.flag(node, f"class {node.name}", "model without Meta.verbose_name "
                      "(Django derives an English name for the admin and messages)")
        choices = _is_choices_class(node)
        for statement in node.body:
            if not isinstance(statement, ast.Assign):
                continue
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if any(t in ("verbose_name", "verbose_name_plural", "help_text") for t in targets):
                self.flag(statement, untranslated_text(statement.value), f"{targets[0]} =")
            elif any(t.endswith("_CHOICES") or t == "choices" for t in targets):
                for label in _choice_labels(statement.value):
                    self.flag(label, untranslated_text(label), "choice label")
            elif choices and targets and not targets[0].startswith("_"):
                value = statement.value
                if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                    self.flag(statement, untranslated_text(value.elts[-1]), "choice label")
                elif isinstance(value, ast.Constant):
                    self.flag(statement, f"{targets[0]} = {value.value!r}",
                              "choice without a label (Django derives an English one)")
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        # ``return value, [problem, …]``: a parser handing its problems to the page
        if isinstance(node.value, ast.Tuple) and node.value.elts \
                and isinstance(node.value.elts[-1], ast.List):
            for item in node.value.elts[-1].elts:
                text = untranslated_text(item)
                if text and " " in text:
                    self.flag(item, text, "returned problem message")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in ("label", "help_text",
                                                                      "empty_label"):
                self.flag(node, untranslated_text(node.value), f".{target.attr} =")
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                    and target.slice.value in ("placeholder", "title", "aria-label"):
                self.flag(node, untranslated_text(node.value), f"[{target.slice.value!r}] =")
        self.generic_visit(node)


def scan_python(path: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    scanner = _PythonScanner(str(path.relative_to(BASE_DIR)))
    scanner.visit(ast.parse(source, filename=str(path)))
    lines = source.splitlines()
    return [f for f in scanner.findings if IGNORE_MARK not in lines[f.line - 1]]


# --- The scanners, by area ----------------------------------------------------------


def _area_files(area: str) -> tuple[list[Path], list[Path]]:
    templates, python = [], []
    for entry in AREAS[area]:
        root = BASE_DIR / entry
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if SKIPPED_PARTS & set(path.relative_to(BASE_DIR).parts) or not path.is_file():
                continue
            if path.suffix == ".py":
                python.append(path)
            elif entry.startswith("templates") and path.suffix in (".html", ".txt"):
                templates.append(path)
    return templates, python


def _unclaimed_templates() -> list[Path]:
    claimed = {p for area in AREAS for p in _area_files(area)[0]}
    return [p for p in sorted((BASE_DIR / "templates").rglob("*"))
            if p.suffix in (".html", ".txt") and p not in claimed]


def _report(findings: list[Finding], area: str) -> str:
    return (f"{len(findings)} user-facing string(s) in {area} are not marked for translation "
            "(wrap them in {% translate %}/{% blocktranslate %} or gettext/gettext_lazy; "
            "see docs/translations.md):\n" + "\n".join(f"  {f}" for f in findings))


@pytest.mark.parametrize("area", AREAS)
def test_templates_mark_user_facing_text(area):
    findings = [f for path in _area_files(area)[0] for f in scan_template(path)]
    assert not findings, _report(findings, area)


@pytest.mark.parametrize("area", AREAS)
def test_python_marks_user_facing_text(area):
    findings = [f for path in _area_files(area)[1] for f in scan_python(path)]
    assert not findings, _report(findings, area)


@pytest.mark.parametrize("area", AREAS)
def test_templates_format_dates_for_the_reader(area):
    findings = [f for path in _area_files(area)[0] for f in scan_date_formats(path)]
    assert not findings, "\n".join(f"  {f}" for f in findings)


def test_other_templates_mark_user_facing_text():
    findings = [f for path in _unclaimed_templates() for f in scan_template(path)]
    assert not findings, _report(findings, "templates outside the apps' folders")


# The scanners themselves: what they catch and what they let through.


def test_the_template_scanner_finds_unmarked_text_and_attributes(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "BASE_DIR", tmp_path)
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Fine" %} · Maturity Desk</h1>\n'
        '<p>Plain English</p>\n'
        '<input placeholder="Search here" name="q" value="{{ q }}">\n'
        '<a title="{% translate \'Fine\' %}" class="btn btn-primary" href="/o/x/">{{ x }}</a>\n'
        '{% blocktranslate %}Also {{ fine }}{% endblocktranslate %}{# a comment #}\n'
        '<script>const fine = "not scanned";</script><code>score_answers</code> PDF · CSV\n'
        '{{ value|default:"Nothing" }}{% include "x.html" with heading="Hello there" %}\n'
        '<p>Deliberate</p>{# i18n: ignore #}\n'
        '{% comment %}Not shown{% endcomment %}<span class="a{% if x %} b{% endif %}">'
        '{% if x %}Shown{% endif %}</span>\n'
        '<button aria-label="Close it"></button><img alt="{{ alt }}">\n')
    found = {(f.line, f.text) for f in scan_template(page)}
    assert found == {(2, "Plain English"), (3, "Search here"), (7, "Nothing"),
                     (7, "Hello there"), (9, "Shown"), (10, "Close it")}


def test_the_python_scanner_finds_unmarked_text(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "BASE_DIR", tmp_path)
    module = tmp_path / "mod.py"
    module.write_text(
        "from django.contrib import messages\n"
        "from django.db import models\n"
        "from django.utils.translation import gettext as _\n"
        "messages.success(request, 'Saved.')\n"
        "messages.info(request, _('Saved.'))\n"
        "raise ValidationError({'name': 'Taken.'})\n"
        "raise ValidationError(_('Taken %(x)s.') % {'x': 1}, code='taken')\n"
        "name = forms.CharField(label='Name', help_text=_('Fine'))\n"
        "kind = forms.ChoiceField(choices=[('a', 'Apple'), ('b', _('Pear'))])\n"
        "title = models.CharField('title', max_length=3)\n"
        "class Status(models.TextChoices):\n"
        "    DRAFT = 'draft', _('Draft')\n"
        "    DONE = 'done'\n"
        "class Meta:\n"
        "    verbose_name = 'thing'\n"
        "messages.error(request, f'Cannot {x}')\n"
        "messages.error(request, 'Deliberate')  # i18n: ignore\n"
        "messages.warning(request, ' '.join(errors))\n"
        "problems.add('model.slug', 'is reserved'); seen.add(key)\n"
        "def parse(x):\n"
        "    return None, [f'malformed YAML at line {x}']\n")
    found = {(f.line, f.text) for f in scan_python(module)}
    assert found == {(4, "Saved."), (6, "Taken."), (8, "Name"), (9, "Apple"), (10, "title"),
                     (13, "DONE = 'done'"), (15, "thing"), (16, "f'Cannot {x}'"),
                     (19, "is reserved"), (21, "f'malformed YAML at line {x}'")}


# --- Pages, dates, numbers and emails in the reader's language ------------------------


def test_it_offers_the_language_switcher_on_every_page(world, client):
    from tests.conftest import signed_in

    owner = signed_in(world.acme.owner)
    pages = [(client, "/accounts/login/"), (client, "/accounts/signup/"),
             (client, "/accounts/password-reset/"), (owner, "/accounts/profile/"),
             (owner, "/o/acme/"), (owner, "/o/acme/members/"), (owner, "/o/acme/audit/"),
             (owner, "/o/acme/invitations/"), (owner, "/o/acme/departments/")]
    for who, url in pages:
        html = who.get(url).content.decode()
        assert 'action="/i18n/setlang/"' in html, url
        for code in ("en", "sv", "hu", "nb"):
            assert f'<option value="{code}"' in html, (url, code)


@pytest.mark.parametrize(("lang", "heading"), [("sv", "Logga in"), ("hu", "Bejelentkezés"),
                                                ("nb", "Logg inn")])
def test_it_shows_pages_in_the_browsers_language(lang, heading, client, db, translated):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f'<html lang="{lang}"' in html
    assert f">{heading}</h1>" in html


def test_it_translates_help_texts_joined_when_the_form_class_is_defined(translated):
    # A lazy text joined with "+" is translated once, at import, in English.
    from django.utils import translation

    from assessments.forms import AssessmentForm

    with translation.override("sv"):
        help_text = str(AssessmentForm.base_fields["anonymity"].help_text)
    assert help_text.startswith("Anonyma: ingen, inte ens ägaren"), help_text
    assert "Respondents are told" not in help_text


def test_it_shows_audit_dates_in_the_readers_format(world, translated):
    from organisations import services
    from organisations.models import AuditEvent
    from tests.conftest import signed_in

    event = services.audit(organisation=world.acme.org, actor=world.acme.owner,
                           action="department.created", target="Service desk")
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
    owner = world.acme.owner
    for lang, shown, label in (("nb", "14.03.2026 15:09", "Avdeling lagt til"),
                               ("sv", "2026-03-14 15:09", "Avdelning tillagd"),
                               ("hu", "2026.03.14. 15:09", "Részleg hozzáadva"),
                               ("en", "14 Mar 2026, 15:09", "Department added")):
        owner.language = lang
        owner.save(update_fields=["language"])
        html = signed_in(owner).get("/o/acme/audit/").content.decode()
        assert f">{shown}</time>" in html and label in html, lang
        assert 'title="2026-03-14 15:09:26 UTC"' in html  # the exact time, on hover


def test_english_dates_are_day_month_year_and_times_24_hour(
        world, translated, mailoutbox, django_capture_on_commit_callbacks):
    """maturity_site/formats/en: our readers are European, so English dates are
    "1 May 2036" (or "1 May 2036, 14:05"), never "May 1, 2036", "05/01/2036" or "2:05 p.m."."""
    from django.utils import translation

    from organisations import services
    from organisations.models import Invitation, Role
    from tests.conftest import access_for, signed_in

    access = access_for(world.acme.owner, world.acme.org)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(by=access, email="new@acme.test", role=Role.MANAGER,
                                   language="en")
    sent = Invitation.objects.get(email="new@acme.test").expires_at.date()
    # The email: "The link is personal, works once and expires on 17 December 2026."
    assert f"expires on {sent.day} {sent:%B %Y}." in mailoutbox[0].body
    Invitation.objects.filter(email="new@acme.test").update(
        created_at=datetime(2036, 4, 17, 14, 5, tzinfo=UTC),
        expires_at=datetime(2036, 5, 1, 14, 5, tzinfo=UTC))
    owner = world.acme.owner
    owner.language = "en"
    owner.save(update_fields=["language"])
    html = signed_in(owner).get("/o/acme/invitations/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "until 1 May 2036" in text and "17 April 2036" in text
    assert not re.search(r"\b(May 1|Apr(il|\.)? 17),? 2036|\d\d/\d\d/2036|[ap]\.m\.", text)


def test_it_shows_invitation_dates_and_counts_in_the_readers_language(world, translated):
    from organisations.models import Invitation
    from tests.conftest import signed_in

    Invitation.objects.create(organisation=world.acme.org, email="ny@acme.test",
                              role="manager", language="sv", token_hash="x" * 64,
                              invited_by=world.acme.owner,
                              expires_at=datetime(2036, 5, 1, 12, tzinfo=UTC))
    owner = world.acme.owner
    owner.language = "hu"
    owner.save(update_fields=["language"])
    html = signed_in(owner).get("/o/acme/invitations/").content.decode()
    assert "2036. május 1." in html
    assert "Meghívók" in html
    html = signed_in(owner).get("/o/acme/").content.decode()
    assert "4 tag" in html and "1 függőben lévő meghívó" in html


def test_it_sends_the_invitation_in_the_recipients_language(
        world, translated, mailoutbox, django_capture_on_commit_callbacks):
    from django.utils import translation

    from organisations import services
    from organisations.models import Role
    from tests.conftest import access_for

    access = access_for(world.acme.owner, world.acme.org)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(by=access, email="ny@acme.test", role=Role.MANAGER,
                                   language="sv")
    message = mailoutbox[0]
    assert message.subject == "Du är inbjuden till Acme i Maturity Desk"
    assert message.extra_headers["Content-Language"] == "sv"
    html = message.alternatives[0].content
    assert "bjuder in dig att gå med i Acme i Maturity Desk som Servicechef." in message.body
    assert "som <strong>Servicechef</strong>" in html
    for body in (message.body, html):
        assert "Acceptera inbjudan" in body and "invites you" not in body
    assert '<html lang="sv">' in html


def test_it_sends_the_password_reset_in_the_recipients_language(world, client, mailoutbox,
                                                                 translated):
    manager = world.acme.manager
    manager.language = "sv"
    manager.save(update_fields=["language"])
    client.post("/accounts/password-reset/", {"email": manager.email},
                HTTP_ACCEPT_LANGUAGE="hu")
    message = mailoutbox[0]
    assert message.subject == "Återställ ditt lösenord för Maturity Desk"
    assert "Välj ett nytt lösenord" in message.body
    assert '<html lang="sv">' in message.alternatives[0].content
    # Someone without a saved language gets the language of the page they asked from.
    world.acme.viewer.language = ""
    world.acme.viewer.save(update_fields=["language"])
    client.post("/accounts/password-reset/", {"email": world.acme.viewer.email},
                HTTP_ACCEPT_LANGUAGE="nb")
    assert mailoutbox[1].subject == "Tilbakestill passordet ditt for Maturity Desk"
