"""One snapshot of a model version (models_catalog/snapshot.py): read once per process
for a released version, afresh for a draft, and the one source of the structure, the
scoring spec and the texts that every page, export and command reads."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from models_catalog import services as catalog_services
from models_catalog.documents import export_version
from models_catalog.models import ModelVersion
from models_catalog.selectors import get_level, get_part, model_spec, version_structure
from models_catalog.snapshot import snapshot
from models_catalog.texts import model_texts
from tests.catalog_factories import make_version


def test_a_released_versions_structure_spec_and_texts_come_from_one_read(db):
    version = make_version(slug="snap-once")
    with CaptureQueriesContext(connection) as first:
        content = snapshot(version)
    with CaptureQueriesContext(connection) as after:
        assert snapshot(version) is content
        assert version_structure(version) is content.structure
        assert model_spec(version, "sv") is content.spec("sv")
        assert model_texts(version, "sv") is content.texts("sv")
        assert model_texts(version, "en") is content.texts("en")
        export_version(version)
    assert len(first) == 5  # levels, dimensions, axes, options, questions
    assert len(after) == 0
    # Another instance of the same row (as each request reads it) finds it too.
    with CaptureQueriesContext(connection) as again:
        assert snapshot(ModelVersion.objects.select_related("model").get(pk=version.pk)) \
            is content
    assert len(again) == 1  # the version itself


def test_the_snapshot_says_the_same_in_every_form(db):
    version = make_version(slug="snap-same")
    content = snapshot(version)
    spec, texts = content.spec("sv"), content.texts("sv")
    assert [q.key for q in spec.questions] == [q.key for q in content.structure.questions] \
        == list(texts.questions)
    assert spec.levels == content.top == texts.top == 4
    assert spec.dimensions == tuple(d.key for d in texts.dimensions) == ("people", "customers")
    assert spec.options == {"not_in_place": 0.0, "partly": 1 / 3, "largely": 2 / 3,
                            "fully": 1.0}
    assert texts.option_labels()["partly"] == "Delvis"
    assert texts.question("people.3.1").statement == "Påstående people.3.1"
    assert spec.questions[1].recommendation == texts.question("people.3.1").recommendation \
        == "Gör people.3.1"
    assert (texts.level_name(2), texts.dimension_name("people")) == ("Kontrollerad", "Människor")
    assert texts.name == "Testmodell" and texts.slug == "snap-same"
    assert content.structure.option_keys == set(spec.options)


def test_a_draft_is_never_served_stale(db):
    draft = make_version(slug="snap-draft", publish=False)
    assert draft.status == ModelVersion.Status.DRAFT
    before = snapshot(draft)
    assert before.texts("en").level_name(2) == "Controlled"
    level = catalog_services.level_update(level=get_level(draft, 2), by=None,
                                          name={"en": "Managed", "sv": "Styrd"})
    catalog_services.scoring_update(version=draft, by=None, threshold=0.5,
                                    overall_rule="weakest_dimension")
    draft.refresh_from_db()
    after = snapshot(draft)
    assert after is not before
    assert model_texts(draft, "en").level_name(2) == "Managed" == level.name["en"]
    assert model_spec(draft).threshold == 0.5
    assert model_spec(draft).overall_rule == "weakest_dimension"
    # Published, it is kept from then on, with what the draft said last.
    published = catalog_services.version_publish(version=draft, by=None)
    assert snapshot(published) is snapshot(published)
    assert model_texts(published, "sv").level_name(2) == "Styrd"


def test_the_draft_editor_gets_a_copy_of_a_part(db):
    draft = make_version(slug="snap-part", publish=False)
    question = get_part(draft, "question", "people.3.1")
    assert question.dimension.key == "people" and question.version is draft
    assert get_part(draft, "question", "people.3.1") is not question
