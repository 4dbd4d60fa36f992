"""The glossary's forbidden variants stay out of the shipped models and the interface.

docs/glossary.md ends with a "Forbidden variants" table (language | forbidden | use
instead | where). Each forbidden cell is a regular expression searched, case-insensitively,
in the texts of its language only: a Hungarian rule applies to the ``hu`` texts of a model
file (parsed as YAML, so an English "service desk" next to it is not touched) and to the
``msgstr`` entries of ``locale/hu/LC_MESSAGES/django.po``.
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "models_catalog" / "catalogue"
LANGUAGES = ("en", "sv", "hu", "nb")
WHERE = {"all", "models", "interface"}
# Placeholders are code, not language: "%(email)s" is not the Swedish word "mail".
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{[^}]*\}\}|\{\w*\}")


def forbidden_variants(text: str) -> list[dict]:
    """The rows of the "Forbidden variants" table in the glossary's Markdown."""
    section = text.split("## Forbidden variants", 1)[1]
    rows = []
    for line in section.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        # A "\|" inside a cell is a literal "|" of the regular expression.
        cells = [c.strip().replace("\x00", "|")
                 for c in line.replace("\\|", "\x00").strip("|").split("|")]
        if cells[0] == "language" or set(cells[0]) <= {"-", " "}:
            continue
        language, forbidden, instead, where = cells
        rows.append({"language": language, "pattern": re.compile(forbidden.strip("`"), re.I),
                     "instead": instead, "where": where})
    return rows


def model_texts(document) -> list[tuple[str, str, str]]:
    """(language, path, text) for every translatable text of a model document."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if node and set(node) <= set(LANGUAGES) and all(isinstance(v, str)
                                                            for v in node.values()):
                found.extend((lang, path, text) for lang, text in node.items())
                return
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                label = value.get("key", i) if isinstance(value, dict) else i
                walk(value, f"{path}[{label}]")

    walk(document, "")
    return found


def po_msgstrs(text: str) -> list[str]:
    """Every msgstr (and msgstr[n]) of a .po file, continuation lines joined."""
    found, current, parts = [], None, []

    def flush():
        if current and current.startswith("msgstr"):
            found.append("".join(parts))

    for raw in text.splitlines():
        line = raw.strip()
        keyword = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if keyword:
            flush()
            current, parts = keyword.group(1), [keyword.group(2)]
        elif line.startswith('"') and line.endswith('"') and current:
            parts.append(line[1:-1])
        else:
            flush()
            current, parts = None, []
    flush()
    return found


def violations(rows, language, where, texts):
    """One line per forbidden variant found in (location, text) pairs of a language."""
    found = []
    for row in rows:
        if row["language"] != language or row["where"] not in ("all", where):
            continue
        for location, text in texts:
            match = row["pattern"].search(PLACEHOLDER_RE.sub(" ", text))
            if match:
                start = max(match.start() - 30, 0)
                found.append(f"{location} [{language}]: {match.group(0)!r} in "
                             f"…{text[start:match.end() + 30]}… (use: {row['instead']})")
    return found


def evidence_prefixes(text: str) -> dict[str, str]:
    """The glossary's "Evidence:" row: the words a statement's help starts with, per language."""
    row = next(line for line in text.splitlines() if line.startswith('| "Evidence:"'))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # Columns: English | Swedish | Hungarian | Norwegian; the term is the first quoted text.
    return {lang: re.search(r'"([^"]+)"', cell).group(1)
            for lang, cell in zip(("en", "sv", "hu", "nb"), cells, strict=True)}


ROWS = forbidden_variants(GLOSSARY.read_text(encoding="utf-8"))
EVIDENCE = evidence_prefixes(GLOSSARY.read_text(encoding="utf-8"))
MODEL_FILES = sorted(CATALOGUE.glob("*.yaml"))


def test_the_glossary_forbids_variants_in_every_language():
    assert {row["language"] for row in ROWS} == set(LANGUAGES)
    assert {row["where"] for row in ROWS} <= WHERE
    hungarian = [row for row in ROWS if row["language"] == "hu"]
    assert any(row["pattern"].search("a service desken") for row in hungarian)


def test_a_variant_is_forbidden_only_in_its_own_language():
    document = {"questions": [{"key": "q.2.1", "statement": {
        "en": "The service desk answers every email.",
        "hu": "A service desk minden e-mailre válaszol.",
        "sv": "Servicedesken svarar på varje mail.",
        "nb": "Servicedesken svarer på hver e-post."}}]}
    texts = model_texts(document)
    found = {lang: violations(ROWS, lang, "models",
                              [(path, text) for t_lang, path, text in texts if t_lang == lang])
             for lang in LANGUAGES}
    assert found["en"] == [] and found["nb"] == []
    assert [line.split(":")[0] for line in found["hu"]] == ["questions[q.2.1].statement [hu]"]
    assert len(found["sv"]) == 1


def test_interface_rules_skip_placeholders_and_model_only_rules():
    po = ('msgid "Sent to %(email)s."\nmsgstr "Skickat till %(email)s."\n\n'
          'msgid "Sign in"\nmsgstr ""\n"Du loggar "\n"in."\n')
    strings = po_msgstrs(po)
    assert strings == ["Skickat till %(email)s.", "Du loggar in."]
    assert violations(ROWS, "sv", "interface", [("po", s) for s in strings]) == []
    assert violations(ROWS, "sv", "models", [("yaml", "Innan du svarar")]) != []


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.name)
def test_no_forbidden_variant_in_a_shipped_model(path):
    texts = model_texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    found = []
    for language in LANGUAGES:
        found += violations(ROWS, language, "models",
                            [(path.name + ":" + p, t) for lang, p, t in texts if lang == language])
    assert not found, ("forbidden variants (docs/glossary.md):\n" + "\n".join(found))


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.name)
def test_every_help_text_starts_with_the_evidence_prefix(path):
    assert EVIDENCE == {"en": "Evidence:", "sv": "Belägg:", "hu": "Bizonyíték:", "nb": "Tegn på:"}
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [f"{path.name}:questions[{q['key']}].help [{lang}]: {text[:40]}…"
             for q in document["questions"] for lang, text in (q.get("help") or {}).items()
             if not text.startswith(EVIDENCE[lang])]
    assert not found, ("help texts without the glossary's evidence prefix:\n" + "\n".join(found))


@pytest.mark.parametrize("language", ["sv", "hu", "nb"])
def test_no_forbidden_variant_in_the_interface(language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    strings = po_msgstrs(path.read_text(encoding="utf-8"))
    assert len(strings) > 100
    found = violations(ROWS, language, "interface", [(path.name, s) for s in strings])
    assert not found, ("forbidden variants (docs/glossary.md):\n" + "\n".join(found))
