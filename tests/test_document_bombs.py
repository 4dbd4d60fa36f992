"""Model documents built to cost time or memory: alias ("billion laughs"), merge-key,
nesting and width bombs in YAML and JSON.

Each is refused while it is read, before a single Python object of the document is
built (the constructor, or ``json.loads``, is never reached), with a clear problem,
and reading it peaks far below what a web process can spare. A 314 KB document of
8,000 chained ``<<: *previous`` merges used to hold a process for 91 s and 1.3 GB.
"""

from __future__ import annotations

import tracemalloc
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from models_catalog import documents
from models_catalog.documents import MAX_DEPTH, MAX_NODES, dump, parse
from tests.catalog_factories import build_document
from tests.fuzzing import fuzz

PEAK_LIMIT = 50 * 1024 * 1024


def _alias_bomb(levels: int, width: int) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merge_chain(length: int, anchored: bool) -> str:
    if anchored:
        return "a0: &a0 {k0: 1}\n" + "".join(
            f"a{i}: &a{i}\n  <<: *a{i - 1}\n  k{i}: {i}\n" for i in range(1, length))
    # Merge keys need no alias to be refused: nested inline merges.
    return "a: " + "{<<: " * length + "{k: 1}" + "}" * length + "\n"


def _deep(depth: int, kind: str) -> str:
    return {
        "flow list": "[" * depth + "]" * depth,
        "flow mapping": '{"a": ' * depth + "1" + "}" * depth,
        "block list": "- " * depth + "x\n",
        "block mapping": "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth
                         + "v\n",
    }[kind]


def _wide(extra: int, kind: str) -> str:
    count = MAX_NODES + extra
    if kind == "flow list":
        return "[" + ",".join(["1"] * count) + "]"
    if kind == "flow mapping":
        return "{" + ",".join(f'"k{i}": 1' for i in range(count)) + "}"
    return "".join("- 1\n" for _ in range(count))


yaml_bombs = st.one_of(
    st.builds(_alias_bomb, st.integers(2, 9), st.integers(2, 12)),
    st.builds(_merge_chain, st.integers(2, 8_000), st.booleans()),
    st.builds(_deep, st.integers(MAX_DEPTH + 1, 200_000),
              st.sampled_from(["flow list", "flow mapping", "block list"])),
    st.builds(_deep, st.integers(MAX_DEPTH + 1, 1_000), st.just("block mapping")),
    st.builds(_wide, st.integers(1, 50_000), st.sampled_from(["flow list", "flow mapping",
                                                               "block list"])),
)
json_bombs = st.one_of(
    st.builds(_deep, st.integers(MAX_DEPTH + 1, 500_000),
              st.sampled_from(["flow list", "flow mapping"])),
    st.builds(_wide, st.integers(1, 200_000), st.sampled_from(["flow list", "flow mapping"])),
)


def _never_built(*args, **kwargs):
    raise AssertionError("the document was built before it was refused")


def _refused_unbuilt(text: str, fmt: str) -> list[str]:
    """The problems of ``text``, asserting nothing was built and memory stayed low."""
    content = text.encode()
    tracemalloc.start()
    try:
        with mock.patch.object(yaml.constructor.BaseConstructor, "construct_document",
                               _never_built), \
             mock.patch.object(documents.json, "loads", _never_built):
            data, problems = parse(content, fmt=fmt)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data is None
    assert problems and all(p.startswith("(document): ") for p in problems), problems
    assert peak < PEAK_LIMIT, f"reading the bomb peaked at {peak / 2**20:.0f} MiB"
    return problems


@fuzz(12)
@given(text=yaml_bombs)
def test_it_refuses_yaml_bombs_before_building_anything(text):
    _refused_unbuilt(text, "yaml")


@fuzz(8)
@given(text=json_bombs)
def test_it_refuses_json_bombs_before_building_anything(text):
    _refused_unbuilt(text, "json")


@pytest.mark.parametrize(("text", "expected"), [
    (_alias_bomb(9, 9), "YAML anchors (&l0) are not allowed, at line 1"),
    ("a: [1]\nb: *a\n", "YAML aliases (*a) are not allowed, at line 2"),
    (_merge_chain(8_000, anchored=True), "YAML anchors (&a0) are not allowed, at line 1"),
    (_merge_chain(50, anchored=False), "YAML merge keys (<<) are not allowed, at line 1"),
    (_deep(MAX_DEPTH + 1, "block list"), "nested too deeply to read"),
    (_deep(MAX_DEPTH + 1, "block mapping"), "nested too deeply to read"),
    (_wide(1, "block list"), f"the document has more than {MAX_NODES} values"),
], ids=["billion laughs", "alias", "merge chain", "inline merges", "deep list",
        "deep mapping", "wide list"])
def test_it_says_why_a_yaml_bomb_is_refused(text, expected):
    assert _refused_unbuilt(text, "yaml") == [f"(document): {expected}"]


@pytest.mark.parametrize(("text", "expected"), [
    (_deep(MAX_DEPTH + 1, "flow list"), "nested too deeply to read"),
    (_deep(MAX_DEPTH + 1, "flow mapping"), "nested too deeply to read"),
    (_wide(1, "flow list"), f"the document has more than {MAX_NODES} values"),
    (_wide(1, "flow mapping"), f"the document has more than {MAX_NODES} values"),
], ids=["deep list", "deep mapping", "wide list", "wide mapping"])
def test_it_says_why_a_json_bomb_is_refused(text, expected):
    assert _refused_unbuilt(text, "json") == [f"(document): {expected}"]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_limits_leave_room_for_real_documents(fmt):
    """Strings that look like structure ("[{,") do not count, and a document up to the
    limits reads."""
    document = build_document("roomy")
    document["model"]["description"] = {"en": "[{" * MAX_DEPTH + ", " * MAX_NODES}
    data, problems = parse(dump(document, fmt).encode(), fmt=fmt)
    assert problems == []
    assert data["model"]["description"]["en"].startswith("[{[{")
    nested = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    assert parse(nested.encode(), fmt=fmt) == (parse(nested.encode(), fmt="json")[0], [])
    wide = "[" + ",".join(["1"] * (MAX_NODES - 1)) + "]"
    data, problems = parse(wide.encode(), fmt=fmt)
    assert problems == [] and len(data) == MAX_NODES - 1
