"""The model document: validation messages, parsing, export → import → export."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import override_settings

from models_catalog.documents import (
    DocumentError,
    document_hash,
    dump,
    export_version,
    import_document,
    parse,
    validate_document,
)
from models_catalog.models import MaturityModel, ModelVersion, Question
from models_catalog.services import draft_discard
from organisations.models import AuditEvent
from tests.catalog_factories import build_document, make_version
from tests.conftest import signed_in


def _broken(change) -> dict:
    document = build_document()
    change(document)
    return document


def _counts() -> tuple[int, int, int, int]:
    return (MaturityModel.objects.count(), ModelVersion.objects.count(),
            Question.objects.count(), AuditEvent.objects.count())


def test_it_accepts_the_built_document():
    assert validate_document(build_document()) == []


# Each kind of bad document has its own message, with its path.
BAD_DOCUMENTS = {
    "unknown dimension": (
        lambda d: d["questions"][3].update(dimension="custmer"),
        "questions[3].dimension: unknown dimension 'custmer'"),
    "level out of range": (
        lambda d: d["questions"][0].update(level=5),
        "questions[0].level: level out of range: must be between 2 and 4, got 5"),
    "level 1 is not a question level": (
        lambda d: d["questions"][0].update(level=1),
        "questions[0].level: level out of range: must be between 2 and 4, got 1"),
    "weight zero": (
        lambda d: d["questions"][1].update(weight=0),
        "questions[1].weight: must be greater than 0, got 0"),
    "negative weight": (
        lambda d: d["questions"][1].update(weight=-1.5),
        "questions[1].weight: must be greater than 0, got -1.5"),
    "loading above 1": (
        lambda d: d["questions"][0]["loadings"].update(focus=1.5),
        "questions[0].loadings.focus: loading must be between 0 and 1, got 1.5"),
    "negative loading": (
        lambda d: d["questions"][3]["loadings"].update(mindset=-0.25),
        "questions[3].loadings.mindset: loading must be between 0 and 1, got -0.25"),
    "source not a text mapping": (
        lambda d: d["questions"][1].update(source="TOPdesk SEMM"),
        "questions[1].source: must be a mapping of language code to text, got text"),
    "source without default-language text": (
        lambda d: d["questions"][1].update(source={"sv": "God praxis"}),
        "questions[1].source: missing text in the default language 'en'"),
    "unknown axis in loadings": (
        lambda d: d["questions"][0]["loadings"].update(fokus=0.5),
        "questions[0].loadings.fokus: unknown axis 'fokus'"),
    "duplicate question key": (
        lambda d: d["questions"][4].update(key="people.2.1"),
        "questions[4].key: duplicate question key 'people.2.1' (also questions[0])"),
    "duplicate dimension key": (
        lambda d: d["dimensions"][1].update(key="people"),
        "dimensions[1].key: duplicate dimension key 'people' (also dimensions[0])"),
    "duplicate axis key": (
        lambda d: d["axes"][1].update(key="focus"),
        "axes[1].key: duplicate axis key 'focus' (also axes[0])"),
    "duplicate option key": (
        lambda d: d["scale"][2].update(key="partly"),
        "scale[2].key: duplicate option key 'partly' (also scale[1])"),
    "missing default-language text": (
        lambda d: d["questions"][2]["statement"].pop("en"),
        "questions[2].statement: missing text in the default language 'en'"),
    "empty default-language text": (
        lambda d: d["levels"][1]["name"].update(en="  "),
        "levels[1].name: missing text in the default language 'en'"),
    "wrong type of weight": (
        lambda d: d["questions"][0].update(weight="heavy"),
        "questions[0].weight: must be a number, got text"),
    "wrong type of text": (
        lambda d: d["dimensions"][0].update(name="People"),
        "dimensions[0].name: must be a mapping of language code to text, got text"),
    "wrong type of list": (
        lambda d: d.update(levels={"1": "x"}),
        "levels: must be a list, got a mapping"),
    "boolean is not a number": (
        lambda d: d["scale"][0].update(value=True),
        "scale[0].value: must be a number, got true/false"),
    "no questions": (
        lambda d: d.update(questions=[]),
        "questions: a model needs at least one question"),
    "option value above 1": (
        lambda d: d["scale"][3].update(value=1.5),
        "scale[3].value: must be between 0 and 1, got 1.5"),
    "option value below 0": (
        lambda d: d["scale"][0].update(value=-0.1),
        "scale[0].value: must be between 0 and 1, got -0.1"),
    "reserved option key na": (
        lambda d: d["scale"][0].update(key="na"),
        "scale[0].key: 'na' is reserved: 'na' (not applicable) and 'dk' (don't know) are "
        "always offered"),
    "reserved option key dk": (
        lambda d: d["scale"].append({"key": "dk", "label": {"en": "?"}, "value": 0.5}),
        "scale[4].key: 'dk' is reserved: 'na' (not applicable) and 'dk' (don't know) are "
        "always offered"),
    "wrong format string": (
        lambda d: d.update(format="maturity-model/2"),
        "format: expected 'maturity-model/1', got 'maturity-model/2'"),
    "missing format": (
        lambda d: d.pop("format"),
        "format: required"),
    "unknown field": (
        lambda d: d["questions"][0].update(statment={"en": "typo"}),
        "questions[0].statment: unknown field (expected: key, dimension, level, weight, "
        "statement, recommendation, loadings, help, source, carried_from)"),
    "unknown language": (
        lambda d: d["dimensions"][0]["name"].update(de="Leute"),
        "dimensions[0].name.de: unknown language 'de' (supported: en, sv, hu, nb)"),
    "default language not among the languages": (
        lambda d: d["model"].update(default_language="hu"),
        "model.default_language: 'hu' must be one of model.languages"),
    "levels not numbered in order": (
        lambda d: d["levels"][2].update(number=4),
        "levels[2].number: levels are numbered 1..K in order: expected 3, got 4"),
    "too few levels": (
        lambda d: d.update(levels=d["levels"][:3]),
        "levels: a model has 4 to 5 levels, got 3"),
    "threshold out of range": (
        lambda d: d["scoring"].update(threshold=0),
        "scoring.threshold: must be greater than 0 and at most 1, got 0"),
    "unknown overall rule": (
        lambda d: d["scoring"].update(overall_rule="average"),
        "scoring.overall_rule: must be one of aggregate, weakest_dimension, got 'average'"),
    "bad slug": (
        lambda d: d["model"].update(slug="Not A Slug"),
        "model.slug: 'Not A Slug' is not a valid slug (lowercase letters, digits and '-', "
        "at most 80 characters)"),
    "bad question key": (
        lambda d: d["questions"][0].update(key="People 2"),
        "questions[0].key: 'People 2' is not a valid key (lowercase letters, digits, '.', "
        "'-' and '_', at most 64 characters)"),
    "no dimensions": (
        lambda d: d.update(dimensions=[], questions=d["questions"][:0]),
        "dimensions: a model needs at least 1 dimension"),
}


@pytest.mark.parametrize("kind", BAD_DOCUMENTS)
def test_it_reports_each_kind_of_bad_document_with_its_path(kind):
    change, message = BAD_DOCUMENTS[kind]
    problems = validate_document(_broken(change))
    assert message in problems, problems


def test_it_gives_each_kind_of_bad_document_its_own_message():
    messages = [message for _change, message in BAD_DOCUMENTS.values()]
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize("kind", BAD_DOCUMENTS)
def test_it_imports_nothing_from_a_bad_document(db, kind):
    change, message = BAD_DOCUMENTS[kind]
    before = _counts()
    with pytest.raises(DocumentError) as raised:
        import_document(_broken(change), publish=True)
    assert message in raised.value.problems
    assert _counts() == before


def test_it_reports_every_problem_at_once():
    document = build_document()
    document["questions"][0]["dimension"] = "custmer"
    document["questions"][1]["weight"] = 0
    document["scale"][0]["key"] = "na"
    document["format"] = "x"
    problems = validate_document(document)
    assert len(problems) == 4
    assert "questions[0].dimension: unknown dimension 'custmer'" in problems


def test_it_refuses_a_document_that_is_not_a_mapping():
    assert validate_document(["a", "list"]) == ["(document): must be a mapping, got a list"]
    assert validate_document(None) == ["(document): must be a mapping, got nothing"]


def test_it_reports_malformed_yaml_with_its_line():
    data, problems = parse(b"format: maturity-model/1\nmodel:\n  slug: [unclosed\n")
    assert data is None
    assert len(problems) == 1
    assert problems[0].startswith("(document): malformed YAML at line ")
    assert "line 4" in problems[0] or "line 3" in problems[0]


def test_it_reports_malformed_json_with_its_line():
    data, problems = parse(b'{\n  "format": "x",\n  oops\n}', filename="model.json")
    assert problems == ["(document): malformed JSON at line 3, column 3: "
                        "Expecting property name enclosed in double quotes"]


def test_it_refuses_yaml_anchors_aliases_and_merge_keys():
    assert parse(b"a: &x [1, 2]\nb: *x\n")[1] == [
        "(document): YAML anchors (&x) are not allowed, at line 1"]
    assert parse(b"a: [1, 2]\nb: *x\n")[1] == [
        "(document): YAML aliases (*x) are not allowed, at line 2"]
    assert parse(b"a: 1\nb:\n  <<: {c: 1}\n")[1] == [
        "(document): YAML merge keys (<<) are not allowed, at line 3"]


def test_it_never_constructs_python_objects_from_yaml():
    _data, problems = parse(b"format: !!python/object/apply:os.system ['true']\n")
    assert problems and "malformed YAML" in problems[0]


@override_settings(MAX_UPLOAD_BYTES=100)
def test_it_refuses_documents_above_the_size_limit():
    _data, problems = parse(b"x" * 101)
    assert problems == ["(document): the document is larger than the limit of 100 bytes"]


def test_it_refuses_text_that_is_not_utf8():
    _data, problems = parse(b"format: \xff\xfe\n")
    assert problems[0].startswith("(document): not UTF-8 text")


# --------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_it_exports_imports_and_exports_the_same_document(db, fmt):
    first = export_version(make_version(slug="round-trip", publish=False))
    text = dump(first, fmt)
    draft_discard(version=ModelVersion.objects.get(model__slug="round-trip"), by=None)
    assert not MaturityModel.objects.filter(slug="round-trip").exists()

    data, problems = parse(text.encode(), fmt=fmt)
    assert problems == []
    second = export_version(import_document(data, publish=False))
    assert second == first
    assert dump(second, fmt) == text


def test_it_exports_what_the_document_said(db):
    document = build_document()
    exported = export_version(make_version(document=document))
    assert exported["questions"][0]["loadings"] == {"focus": 0.5}
    assert exported["questions"][2]["help"] == {}
    assert exported["scale"][1]["value"] == 1 / 3
    assert exported["model"]["languages"] == ["en", "sv"]
    assert document_hash(exported) == document_hash(document)


def test_it_ignores_layout_and_number_types_in_the_content_hash():
    document = build_document()
    same = copy.deepcopy(document)
    same["questions"][0]["weight"] = 1  # int instead of 1.0
    same["levels"][0]["name"] = {"sv": "Ad hoc", "en": "Ad hoc"}  # another key order
    same["version"]["number"] = 7  # informational
    assert document_hash(same) == document_hash(document)
    changed = copy.deepcopy(document)
    changed["questions"][0]["statement"]["sv"] = "Nytt"
    assert document_hash(changed) != document_hash(document)


def test_it_numbers_an_imported_version_after_the_existing_ones(db):
    first = make_version(slug="numbered")
    second = make_version(slug="numbered")
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    assert second.status == ModelVersion.Status.PUBLISHED
    assert export_version(second) | {"version": None} == export_version(first) | {
        "version": None}


def test_it_gives_a_tenant_import_its_own_slug_when_the_slug_is_taken(world):
    make_version(slug="taken")
    version = make_version(slug="taken", owner=world.acme.org, publish=False)
    assert version.model.slug == "acme-taken"
    assert version.model.owner == world.acme.org
    # Importing the export of acme's model again makes a new version of it.
    again = import_document(export_version(version) | {}, organisation=world.acme.org,
                            publish=True)
    assert again.model == version.model
    assert again.number == 2


def test_a_shipped_import_and_a_tenants_model_may_share_a_slug(world):
    """Slugs are unique per owner (issue 12, item 9): the shipped model is another."""
    own = make_version(slug="acme-only", owner=world.acme.org)
    shipped = make_version(slug="acme-only")
    assert shipped.model != own.model and shipped.model.owner is None
    # Each tenant's catalogue link finds one model: acme's own first.
    assert signed_in(world.acme.owner).get("/o/acme/models/acme-only/").context[
        "model"] == own.model
    assert signed_in(world.globex.owner).get("/o/globex/models/acme-only/").context[
        "model"] == shipped.model


def test_a_tenant_import_never_learns_another_tenants_slugs(world):
    theirs = make_version(slug="globex-secret", owner=world.globex.org)
    mine = make_version(slug="globex-secret", owner=world.acme.org)
    assert (mine.model.slug, mine.model.owner) == ("globex-secret", world.acme.org)
    assert mine.model != theirs.model


def test_it_writes_json_that_json_reads(db):
    text = dump(export_version(make_version()), "json")
    assert json.loads(text)["format"] == "maturity-model/1"


# ------------------------------------------------------- sources, θ, loadings (issue 11)


def test_it_keeps_a_statements_source_through_export_and_import(db):
    document = build_document()
    document["questions"][0]["source"] = {"en": "TOPdesk SEMM, level 2 description",
                                          "sv": "TOPdesk SEMM, beskrivningen av nivå 2"}
    version = make_version(document=document)
    assert version.questions.get(key="people.2.1").source == document["questions"][0]["source"]
    exported = export_version(version)
    assert exported["questions"][0]["source"] == document["questions"][0]["source"]
    # A statement without a source has none in the export, so that a document written
    # before sources existed keeps its content hash.
    assert "source" not in exported["questions"][1]
    assert document_hash(exported) == document_hash(document)
    assert document_hash(exported) != document_hash(build_document())


def test_it_defaults_the_threshold_to_exactly_two_thirds(db):
    document = build_document()
    del document["scoring"]["threshold"]
    assert validate_document(document) == []
    version = make_version(document=document)
    version.refresh_from_db()
    assert version.threshold == 2 / 3  # the float 2/3, not 0.6667
    assert export_version(version)["scoring"]["threshold"] == 2 / 3
    # Saying 2/3 or leaving it out is the same content.
    document["scoring"]["threshold"] = 2 / 3
    assert document_hash(document) == document_hash(export_version(version))


def test_it_accepts_loadings_from_0_to_1():
    document = build_document()
    document["questions"][0]["loadings"] = {"focus": 0, "mindset": 1}
    assert validate_document(document) == []
