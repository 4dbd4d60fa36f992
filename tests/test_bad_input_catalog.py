"""Bad input on the catalogue: model document import (YAML and JSON) and the draft
editor's forms.

The import is fuzzed three ways: arbitrary bytes and text; hostile YAML (aliases and
the billion-laughs bomb, ``!!python/*`` tags, deep nesting, huge numbers, odd
encodings); and valid documents with one part mutated (removed, or replaced by any
JSON value or hostile text). Every answer is below 500; a refused import lists its
problems on the page and writes nothing. The editor's forms get the same treatment.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from models_catalog.documents import dump, parse
from models_catalog.models import MaturityModel
from tests.catalog_factories import build_document, make_version
from tests.conftest import signed_in
from tests.fuzzing import (
    assert_no_server_error,
    assert_rejected,
    assert_unchanged,
    deep,
    form,
    fuzz,
    garbage_bytes,
    json_values,
    nasty_text,
    plausible_text,
    shown_errors,
    snapshot,
)

IMPORT = "/o/acme/models/import/"


def _post_document(client, content: bytes, name: str = "model.yaml", **data):
    return client.post(IMPORT, {"document": SimpleUploadedFile(name, content), **data})


def _imported_or_refused(response, before):
    """A 302 to the new version, or the import page listing problems and no write."""
    assert_no_server_error(response)
    if response.status_code == 302:
        return True
    assert response.status_code in (200, 400), response.status_code
    shown_errors(response)
    assert_unchanged(before)
    return False


@pytest.fixture
def owner(world):
    return signed_in(world.acme.owner)


def test_it_refuses_garbage_documents_and_writes_nothing(world, owner):
    @fuzz(40)
    @given(content=st.one_of(garbage_bytes, st.text(max_size=500).map(str.encode),
                             json_values.map(lambda v: json.dumps(v).encode())),
           name=st.sampled_from(["model.yaml", "model.json", "model.yml", "model.txt",
                                 "MODEL.JSON", "model"]))
    def check(content, name):
        before = snapshot()
        assert not _imported_or_refused(_post_document(owner, content, name), before)

    check()


HOSTILE_YAML = {
    "billion laughs": "\n".join(
        ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
           for i in range(8)]),
    "alias to a mapping": "model: &m {slug: x}\nother: *m\n",
    "merge key": "base: &b {slug: x}\nmodel:\n  <<: *b\n",
    "python object": "!!python/object/apply:os.system ['echo pwned']\n",
    "python name": "format: !!python/name:os.system\n",
    "python module": "format: !!python/module:os\n",
    "custom tag": "format: !evil thing\n",
    "recursive alias": "a: &a [*a]\n",
    "deep flow list": deep(20_000),
    "deep flow mapping": deep(5_000, "mapping"),
    "deep block mapping": "".join("  " * i + f"k{i}:\n" for i in range(3_000)) + "  " * 3_000
                          + "v\n",
    "huge integer": "format: " + "9" * 5_000 + "\n",
    "huge integer weight": dump(build_document("huge")).replace("weight: 2.0",
                                                                 "weight: " + "9" * 5000),
    "big integer weight": dump(build_document("big")).replace("weight: 2.0",
                                                               "weight: " + "9" * 400),
    "huge integer level": dump(build_document("huge")).replace("level: 2", "level: " + "9" * 400,
                                                               1),
    "infinity threshold": dump(build_document("inf")).replace("threshold: 0.75", "threshold: .inf"),
    "nan value": dump(build_document("nan")).replace("value: 0.0", "value: .nan"),
    "timestamp slug": dump(build_document("ts")).replace("slug: ts", "slug: 2027-01-01"),
    "binary text": "format: !!binary aGVsbG8=\n",
    "set": "format: !!set {a, b}\n",
    "complex key": "? [a, b]\n: c\n",
    "duplicate keys": "format: a\nformat: b\n",
    "tab indentation": "model:\n\tslug: x\n",
    "slug with newline": dump(build_document("nl")).replace("slug: nl", 'slug: "nl\\n"'),
    "key with newline": dump(build_document("kn")).replace("key: people.2.1",
                                                           'key: "people.2.1\\n"'),
    "nul in text": dump(build_document("nul")).replace("name:\n    en: Test model",
                                                       'name:\n    en: "Test\\0model"'),
    "nul in key": dump(build_document("nulkey")).replace("key: people.2.1",
                                                         'key: "people.2.1\\0"'),
    "non-string language": dump(build_document("lang")).replace("en: Ad hoc", "1: Ad hoc"),
    "surrogate key": '{"\\ud800": 1}\n',
    "surrogate text": dump(build_document("sur")).replace("en: Ad hoc", 'en: "\\udc00"'),
    "impossible date": "format: 2027-02-30\n",
    "null levels": dump(build_document("nolevels", levels=None)),
    "many documents": "---\na: 1\n---\nb: 2\n",
    "only a comment": "# nothing\n",
    "null": "~\n",
}


@pytest.mark.parametrize("text", HOSTILE_YAML.values(), ids=HOSTILE_YAML.keys())
def test_it_refuses_hostile_yaml_and_writes_nothing(world, owner, text):
    before = snapshot()
    assert not _imported_or_refused(_post_document(owner, text.encode()), before)


@pytest.mark.parametrize("text", [deep(20_000), deep(5_000, "mapping"), deep(100),
                                  "1" + "0" * 5_000, '{"threshold": ' + "9" * 5000 + "}",
                                  '{"\\ud800": 1}', '{"format": "a\\u0000b"}'],
                         ids=["deep list", "deep mapping", "deeper than a document",
                              "huge number", "huge number inside", "surrogate", "nul"])
def test_it_refuses_hostile_json_and_writes_nothing(world, owner, text):
    before = snapshot()
    assert not _imported_or_refused(_post_document(owner, text.encode(), "model.json"), before)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1", "cp1252", "shift_jis"])
def test_it_refuses_or_reads_documents_in_other_encodings(world, owner, encoding):
    text = dump(build_document("encoded")).replace("Människor", "Mänskor")
    before = snapshot()
    content = text.encode(encoding, errors="replace")
    _imported_or_refused(_post_document(owner, content), before)


def test_it_refuses_a_document_over_the_upload_limit(world, owner, settings):
    text = dump(build_document("padded"))
    content = text.encode() + b"#" * (settings.MAX_UPLOAD_BYTES - len(text) + 1) + b"\n"
    assert len(content) > settings.MAX_UPLOAD_BYTES
    before = snapshot()
    response = _post_document(owner, content)
    assert not _imported_or_refused(response, before)
    assert f"limit of {settings.MAX_UPLOAD_BYTES} bytes" in response.content.decode()


def test_it_never_runs_python_tags_in_a_document():
    data, problems = parse("!!python/object/apply:os.system ['touch /tmp/pwned']\n")
    assert data is None and problems and "malformed YAML" in problems[0]


def _paths(value, prefix=()):
    """Every path into a nested document (dict keys and list indices)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


BASE = build_document("mutant")
PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutants(draw):
    """A valid document with one part removed or replaced by something else."""
    document = copy.deepcopy(BASE)
    path = draw(st.sampled_from(PATHS))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = draw(st.one_of(json_values, nasty_text,
                                      st.integers(min_value=10**300, max_value=10**400)))
    return document


def test_it_imports_or_cleanly_refuses_mutated_documents(world, owner):
    count = iter(range(10**6))

    @fuzz(50)
    @given(document=mutants(), fmt=st.sampled_from(["yaml", "json"]))
    def check(document, fmt):
        if isinstance(document.get("model"), dict) and document["model"].get("slug") == "mutant":
            # A fresh model each time: a second draft of one model is refused for that alone.
            document["model"]["slug"] = f"mutant-{next(count)}"
        try:
            text = dump(document, fmt)
        except (ValueError, yaml.YAMLError):
            return  # not representable in this format
        before = snapshot()
        response = _post_document(owner, text.encode("utf-8", errors="surrogatepass"),
                                  f"model.{fmt}")
        if _imported_or_refused(response, before):
            assert owner.get(response["Location"]).status_code == 200

    check()


# --- The editor ---------------------------------------------------------------------------


texts = st.one_of(nasty_text, plausible_text)
numbers = st.one_of(nasty_text, st.floats().map(repr), st.integers().map(str),
                    st.sampled_from(["1e400", "-1e400", "nan", "inf", "0", "1", "0.5", "-0.0",
                                     "1,5", "9" * 400]))
keys = st.one_of(nasty_text, st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,70}\Z"),
                 st.sampled_from(["people", "na", "dk", "focus", "fully", "people.2.1",
                                  "new-key\n", " new-key "]))
LANGS = ("en", "sv", "hu", "nb")


def _texts(*names):
    return {f"{name}_{code}": texts for name in names for code in LANGS}


EDITOR_FORMS = {
    "edit/metadata/": _texts("name", "description", "source", "notes") | {
        "default_language": st.one_of(nasty_text, st.sampled_from(LANGS)),
        "languages": st.one_of(nasty_text, st.sampled_from(LANGS))},
    "edit/scoring/": {"threshold": numbers,
                      "overall_rule": st.one_of(nasty_text, st.sampled_from(
                          ["aggregate", "weakest_dimension"]))},
    "edit/levels/2/": _texts("name", "description"),
    "edit/add-level/": _texts("name", "description"),
    "edit/add-dimension/": {"key": keys} | _texts("name", "description"),
    "edit/dimensions/people/": _texts("name", "description"),
    "edit/add-axis/": {"key": keys} | _texts("name", "low_label", "high_label"),
    "edit/axes/focus/": _texts("name", "low_label", "high_label"),
    "edit/add-option/": {"key": keys, "value": numbers} | _texts("label"),
    "edit/scale/partly/": {"value": numbers} | _texts("label"),
    "edit/add-question/": {"key": keys, "dimension": keys,
                           "level": st.one_of(numbers, st.sampled_from(["2", "3", "4", "5"])),
                           "weight": numbers, "loading__focus": numbers,
                           "loading__mindset": numbers, "loading__unknown": numbers}
                          | _texts("statement", "help", "recommendation"),
    "edit/questions/people.2.1/": {"dimension": keys, "level": numbers, "weight": numbers,
                                   "loading__focus": numbers}
                                  | _texts("statement", "help", "recommendation"),
    "edit/dimensions/customers/move/": {"direction": st.one_of(
        nasty_text, st.sampled_from(["up", "down"]))},
    "copy/": {"slug": st.one_of(keys, st.just("acme-tailored")), "name": texts},
}


@pytest.mark.parametrize("path", EDITOR_FORMS, ids=[p.strip("/") for p in EDITOR_FORMS])
def test_it_refuses_bad_editor_input_and_writes_nothing(world, path):
    draft = make_version(owner=world.acme.org, slug="acme-tailored", publish=False,
                         by=world.acme.owner)
    client = signed_in(world.acme.consultant)
    url = f"/o/acme/models/{draft.model.slug}/v{draft.number}/{path}"

    @fuzz(25)
    @given(data=form(EDITOR_FORMS[path]))
    def check(data):
        before = snapshot()
        response = client.post(url, data)
        assert_no_server_error(response)
        if response.status_code == 302:
            page = client.get(response["Location"])
            assert page.status_code == 200
            return
        assert_rejected(response, before)

    check()


def test_it_refuses_a_slug_the_catalogue_could_not_link_to(world, owner):
    """A slug matched by ``^…$`` with a trailing newline; the import's redirect (and
    every page of the model) would then fail to build its URL."""
    before = snapshot()
    content = dump(build_document("nl")).replace("slug: nl", 'slug: "nl\\n"').encode()
    response = _post_document(owner, content)
    assert response.status_code == 400
    assert "not a valid slug" in response.content.decode()
    assert_unchanged(before)
    assert not MaturityModel.objects.filter(slug__startswith="nl").exists()


def test_it_refuses_keys_with_a_trailing_newline(world, owner):
    before = snapshot()
    content = dump(build_document("kn")).replace("key: people.2.1",
                                                 'key: "people.2.1\\n"').encode()
    response = _post_document(owner, content)
    assert response.status_code == 400
    assert "not a valid key" in response.content.decode()
    assert_unchanged(before)
