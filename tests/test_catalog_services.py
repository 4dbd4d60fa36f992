"""Services, the published-version guards, the admin, and the scoring spec."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from models_catalog import services
from models_catalog.documents import export_version
from models_catalog.models import (
    Axis,
    Dimension,
    Level,
    MaturityModel,
    ModelVersion,
    PublishedVersionError,
    Question,
    ScaleOption,
    translate,
)
from models_catalog.selectors import model_spec
from organisations.models import AuditEvent
from scoring import ModelSpec, QuestionSpec
from tests.catalog_factories import build_document, make_version
from tests.conftest import access_for, signed_in


def _by(cast, who: str):
    """The acting OrgAccess of ``cast``'s ``who`` (owner, consultant, …)."""
    return access_for(getattr(cast, who), cast.org)


@pytest.fixture
def draft(world):
    return make_version(owner=world.acme.org, slug="acme-model", publish=False,
                        by=world.acme.owner)


@pytest.fixture
def published(world):
    return make_version(owner=world.acme.org, slug="acme-model", publish=True,
                        by=world.acme.owner)


def _snapshot(version: ModelVersion) -> dict:
    version = ModelVersion.objects.get(pk=version.pk)
    return {"document": export_version(version), "status": version.status}


# ------------------------------------------------------------------- translations


def test_it_translates_with_fallback_to_the_default_language_then_english():
    texts = {"en": "People", "sv": "Människor", "hu": ""}
    assert translate(texts, "sv", "en") == "Människor"
    assert translate(texts, "nb", "sv") == "Människor"
    assert translate(texts, "hu", "en") == "People"  # empty text counts as missing
    assert translate({"hu": "Emberek", "en": "People"}, "sv", "de") == "People"
    assert translate({"nb": "Folk"}, "sv", "en") == "Folk"
    assert translate({}, "sv") == ""
    assert translate(None) == ""
    with translation.override("sv"):
        assert translate(texts) == "Människor"


def test_it_names_the_language_of_the_text_it_shows_in_templates():
    from models_catalog.templatetags.catalog import tr, tr_lang

    texts = {"en": "People", "sv": "Människor"}
    with translation.override("sv"):
        assert (tr(texts, "en"), tr_lang(texts, "en")) == ("Människor", "sv")
    with translation.override("nb"):
        assert (tr(texts, "sv"), tr_lang(texts, "sv")) == ("Människor", "sv")
        assert (tr(texts, "hu"), tr_lang(texts, "hu")) == ("People", "en")
        assert tr_lang({}, "en") == ""


# --------------------------------------------------------------------------- copy


def test_it_copies_a_shipped_version_into_a_draft_owned_by_the_organisation(world):
    shipped = make_version(slug="topdesk-test")
    copy = services.model_copy(version=shipped, by=_by(world.acme, "consultant"))
    assert copy.model.slug == "acme-topdesk-test"
    assert copy.model.owner == world.acme.org
    assert (copy.number, copy.status, copy.based_on) == (1, ModelVersion.Status.DRAFT, shipped)
    original, copied = export_version(shipped), export_version(copy)
    assert copied["questions"] == original["questions"]
    assert copied["model"]["name"] == original["model"]["name"]
    assert AuditEvent.objects.filter(organisation=world.acme.org, action="model.copied",
                                     actor=world.acme.consultant).exists()
    again = services.model_copy(version=shipped, by=_by(world.acme, "consultant"))
    assert again.model.slug == "acme-topdesk-test-2"


def test_it_copies_with_a_chosen_slug_and_name(world):
    shipped = make_version(slug="topdesk-test")
    copy = services.model_copy(version=shipped, by=_by(world.acme, "consultant"),
                               slug="acme-semm", name="Acme SEMM")
    assert copy.model.slug == "acme-semm"
    assert copy.name == {"en": "Acme SEMM"} == copy.model.name
    with pytest.raises(ValidationError) as raised:
        services.model_copy(version=shipped, by=_by(world.acme, "consultant"),
                            slug="acme-semm")
    assert raised.value.message_dict == {"slug": ["This short name is already taken."]}


def test_copying_never_tells_whether_another_tenant_uses_a_slug(world):
    """Issue 12, item 9: "already taken" used to answer for every owner's models."""
    shipped = make_version(slug="topdesk-test")
    make_version(slug="globex-plan", owner=world.globex.org)
    copy = services.model_copy(version=shipped, by=_by(world.acme, "consultant"),
                               slug="globex-plan")
    assert (copy.model.slug, copy.model.owner) == ("globex-plan", world.acme.org)
    # Slugs the organisation sees itself are still refused: shipped, its consultancy's.
    make_version(slug="nw-plan", owner=world.northwind.org)
    for taken in ("topdesk-test", "nw-plan"):
        with pytest.raises(ValidationError):
            services.model_copy(version=shipped, by=_by(world.acme, "consultant"),
                                slug=taken)
    # A consultancy does not take a slug one of its clients uses (they would see both).
    with pytest.raises(ValidationError):
        services.model_copy(version=shipped, by=_by(world.northwind, "consultant"),
                            slug="globex-plan")


def test_it_refuses_to_copy_another_owners_draft(world):
    theirs = make_version(owner=world.northwind.org, slug="nw-draft", publish=False)
    with pytest.raises(ValidationError):
        services.model_copy(version=theirs, by=_by(world.acme, "consultant"))


# ------------------------------------------------------------------ version cycle


def test_it_starts_a_new_draft_from_a_published_version(published, world):
    draft = services.draft_create(version=published, by=_by(world.acme, "owner"))
    assert (draft.number, draft.status, draft.based_on) == (2, "draft", published)
    questions = export_version(draft)["questions"]
    # Each statement carries the answers of the one it copies (docs/model-format.md).
    assert [q.pop("carried_from") for q in questions] == [[q["key"]] for q in questions]
    assert questions == export_version(published)["questions"]
    with pytest.raises(ValidationError, match="already a draft"):
        services.draft_create(version=published, by=_by(world.acme, "owner"))


def test_it_refuses_a_new_draft_of_a_shipped_model(db):
    shipped = make_version(slug="shipped")
    with pytest.raises(ValidationError, match="copy it to your organisation"):
        services.draft_create(version=shipped, by=None)


def test_it_publishes_a_valid_draft_and_retires_the_previous_version(published, world):
    draft = services.draft_create(version=published, by=_by(world.acme, "owner"))
    services.question_update(question=draft.questions.get(key="people.2.1"),
                             by=_by(world.acme, "owner"), dimension="people", level=2,
                             statement={"en": "Changed", "sv": "Ändrad"},
                             recommendation={"en": "Do it"})
    result = services.version_publish(version=draft, by=_by(world.acme, "owner"))
    published.refresh_from_db()
    assert result.status == "published" and result.published_by == world.acme.owner
    assert result.published_at is not None and len(result.content_hash) == 64
    assert published.status == "retired" and published.retired_at is not None
    assert result.model.name == result.name
    event = AuditEvent.objects.get(action="model.published")
    assert event.organisation == world.acme.org and event.data["retired"] == [1]


def test_it_refuses_to_publish_a_draft_with_problems_listing_them(draft, world):
    for question in list(draft.questions.all()):
        services.question_delete(question=question, by=None)
    Level.objects.filter(version=draft, number=3).update(name={"sv": "Bara svenska"})
    with pytest.raises(ValidationError) as raised:
        services.version_publish(version=draft, by=_by(world.acme, "owner"))
    assert raised.value.messages == [
        "levels[2].name: missing text in the default language 'en'",
        "questions: a model needs at least one question",
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_it_retires_a_published_version(published, world):
    services.version_retire(version=published, by=_by(world.acme, "owner"))
    published.refresh_from_db()
    assert published.status == "retired"
    with pytest.raises(ValidationError, match="Only a published version"):
        services.version_retire(version=published, by=_by(world.acme, "owner"))


def test_it_discards_a_draft_and_a_model_left_empty(draft):
    services.draft_discard(version=draft, by=None)
    assert not MaturityModel.objects.filter(slug="acme-model").exists()


def test_it_keeps_the_model_when_discarding_a_later_draft(published):
    new = services.draft_create(version=published, by=None)
    services.draft_discard(version=new, by=None)
    assert list(published.model.versions.values_list("number", flat=True)) == [1]


# ------------------------------------------------------------------------ editing


def test_it_edits_every_part_of_a_draft(draft, world):
    by = _by(world.acme, "consultant")
    services.version_update(version=draft, by=by, name={"en": "Renamed", "sv": "Omdöpt"},
                            description={"en": "New", "sv": "Ny"}, default_language="sv",
                            languages=["sv", "en", "nb"])
    services.scoring_update(version=draft, by=by, threshold=0.6,
                            overall_rule="weakest_dimension")
    services.level_update(level=draft.levels.get(number=2), by=by, name={"sv": "Två"})
    level = services.level_add(version=draft, by=by, name={"sv": "Fem"})
    dimension = services.dimension_add(version=draft, by=by, key="finance",
                                       name={"sv": "Ekonomi"})
    services.dimension_move(dimension=dimension, by=by, direction="up")
    services.axis_add(version=draft, by=by, key="scope", name={"sv": "Räckvidd"},
                      low_label={"sv": "Lokal"}, high_label={"sv": "Global"})
    option = services.option_add(version=draft, by=by, key="mostly", label={"sv": "Mest"},
                                 value=0.8)
    services.option_move(option=option, by=by, direction="up")
    question = services.question_add(
        version=draft, by=by, key="finance.5.1", dimension="finance", level=5, weight=2,
        loadings={"scope": 0.5}, statement={"sv": "Budget"}, recommendation={"sv": "Gör"},
        source={"sv": "God praxis"})
    doc = export_version(ModelVersion.objects.get(pk=draft.pk))
    assert doc["model"]["name"] == {"en": "Renamed", "sv": "Omdöpt"}
    assert doc["model"]["default_language"] == "sv"
    assert doc["model"]["languages"] == ["en", "sv", "nb"]
    assert doc["scoring"] == {"threshold": 0.6, "overall_rule": "weakest_dimension"}
    assert doc["levels"][1]["name"] == {"sv": "Två"}
    assert level.number == 5 and len(doc["levels"]) == 5
    assert [d["key"] for d in doc["dimensions"]] == ["people", "finance", "customers"]
    assert [a["key"] for a in doc["axes"]] == ["focus", "mindset", "scope"]
    assert [o["key"] for o in doc["scale"]][-2:] == ["mostly", "fully"]
    assert doc["questions"][-1] == {
        "key": "finance.5.1", "dimension": "finance", "level": 5, "weight": 2.0,
        "loadings": {"scope": 0.5}, "statement": {"sv": "Budget"}, "help": {},
        "source": {"sv": "God praxis"}, "recommendation": {"sv": "Gör"}}
    assert question.position == 6
    actions = set(AuditEvent.objects.filter(actor=by.user).values_list("action", flat=True))
    assert {"model.metadata_edited", "model.scoring_edited", "model.level_edited",
            "model.level_added", "model.dimension_added", "model.dimension_moved",
            "model.axis_added", "model.option_added", "model.option_moved",
            "model.question_added"} <= actions


def test_it_reorders_questions_within_their_dimension_and_level(draft):
    services.question_add(version=draft, by=None, key="people.2.2", dimension="people",
                          level=2, statement={"en": "B"}, recommendation={"en": "b"})
    moved = draft.questions.get(key="people.2.2")
    services.question_move(question=moved, by=None, direction="up")
    keys = [q.key for q in draft.questions.filter(dimension__key="people", level=2)]
    assert keys == ["people.2.2", "people.2.1"]
    services.question_move(question=moved, by=None, direction="up")  # already first
    assert [q.key for q in draft.questions.filter(dimension__key="people", level=2)] == keys


def test_it_deletes_parts_and_keeps_the_draft_consistent(draft):
    people = draft.dimensions.get(key="people")
    with pytest.raises(ValidationError, match="still has 3 question"):
        services.dimension_delete(dimension=people, by=None)
    for question in list(people.questions.all()):
        services.question_delete(question=question, by=None)
    services.dimension_delete(dimension=people, by=None)
    assert services.axis_delete(axis=draft.axes.get(key="focus"), by=None) == 2
    assert not [q for q in draft.questions.all() if "focus" in q.loadings]
    services.option_delete(option=draft.scale_options.get(key="partly"), by=None)
    with pytest.raises(ValidationError, match="at least 4 levels"):
        services.level_remove(version=draft, by=None)
    assert services.version_problems(draft) == []


@pytest.mark.parametrize("change, field, message", [
    (dict(key="people.2.1"), "key", "already has a question with the key"),
    (dict(key="Bad Key"), "key", "Use lowercase letters"),
    (dict(dimension="custmer"), "dimension", "Unknown dimension"),
    (dict(level=1), "level", "between 2 and 4"),
    (dict(level=5), "level", "between 2 and 4"),
    (dict(weight=0), "weight", "greater than 0"),
    (dict(loadings={"focus": 2}), "loadings", "“focus” must be a number between 0 and 1"),
    (dict(loadings={"mindset": -0.5}), "loadings",
     "“mindset” must be a number between 0 and 1"),
    (dict(source={"sv": "Bara svenska"}), "source", "default language"),
    (dict(loadings={"fokus": 0.5}), "loadings", "Unknown axis"),
    (dict(statement={"sv": "Bara svenska"}), "statement", "default language"),
])
def test_it_refuses_a_bad_question(draft, change, field, message):
    values = dict(key="new.2.1", dimension="people", level=2, weight=1.0, loadings={},
                  statement={"en": "S"}, recommendation={"en": "R"}) | change
    with pytest.raises(ValidationError) as raised:
        services.question_add(version=draft, by=None, **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert draft.questions.count() == 6


def test_it_refuses_reserved_and_out_of_range_options(draft):
    with pytest.raises(ValidationError, match="reserved"):
        services.option_add(version=draft, by=None, key="na", label={"en": "NA"}, value=0)
    with pytest.raises(ValidationError, match="between 0 and 1"):
        services.option_add(version=draft, by=None, key="more", label={"en": "M"}, value=1.2)


# ----------------------------------------------- a published version never changes


def _edits(version: ModelVersion) -> dict:
    q = version.questions.first()
    d = version.dimensions.first()
    a = version.axes.first()
    o = version.scale_options.first()
    lv = version.levels.get(number=2)
    texts = {"en": "x"}
    return {
        "version_update": lambda: services.version_update(version=version, by=None,
                                                          name=texts),
        "scoring_update": lambda: services.scoring_update(version=version, by=None,
                                                          threshold=0.5,
                                                          overall_rule="aggregate"),
        "level_update": lambda: services.level_update(level=lv, by=None, name=texts),
        "level_add": lambda: services.level_add(version=version, by=None, name=texts),
        "level_remove": lambda: services.level_remove(version=version, by=None),
        "dimension_add": lambda: services.dimension_add(version=version, by=None, key="n",
                                                        name=texts),
        "dimension_update": lambda: services.dimension_update(dimension=d, by=None,
                                                              name=texts),
        "dimension_delete": lambda: services.dimension_delete(dimension=d, by=None),
        "dimension_move": lambda: services.dimension_move(dimension=d, by=None,
                                                          direction="down"),
        "axis_add": lambda: services.axis_add(version=version, by=None, key="n", name=texts,
                                              low_label=texts, high_label=texts),
        "axis_update": lambda: services.axis_update(axis=a, by=None, name=texts,
                                                    low_label=texts, high_label=texts),
        "axis_delete": lambda: services.axis_delete(axis=a, by=None),
        "axis_move": lambda: services.axis_move(axis=a, by=None, direction="down"),
        "option_add": lambda: services.option_add(version=version, by=None, key="n",
                                                  label=texts, value=0.5),
        "option_update": lambda: services.option_update(option=o, by=None, label=texts,
                                                        value=0.5),
        "option_delete": lambda: services.option_delete(option=o, by=None),
        "option_move": lambda: services.option_move(option=o, by=None, direction="down"),
        "question_add": lambda: services.question_add(
            version=version, by=None, key="n.2", dimension=d.key, level=2, statement=texts,
            recommendation=texts),
        "question_update": lambda: services.question_update(
            question=q, by=None, dimension=d.key, level=2, statement=texts,
            recommendation=texts),
        "question_delete": lambda: services.question_delete(question=q, by=None),
        "question_move": lambda: services.question_move(question=q, by=None,
                                                        direction="down"),
        "version_publish": lambda: services.version_publish(version=version, by=None),
        "draft_discard": lambda: services.draft_discard(version=version, by=None),
    }


EDITS = [
    "version_update", "scoring_update", "level_update", "level_add", "level_remove",
    "dimension_add", "dimension_update", "dimension_delete", "dimension_move", "axis_add",
    "axis_update", "axis_delete", "axis_move", "option_add", "option_update",
    "option_delete", "option_move", "question_add", "question_update", "question_delete",
    "question_move", "version_publish", "draft_discard"]


@pytest.mark.parametrize("status", ["published", "retired"])
@pytest.mark.parametrize("edit", EDITS)
def test_it_refuses_every_edit_of_a_published_or_retired_version(published, edit, status):
    if status == "retired":
        services.version_retire(version=published, by=None)
    before = _snapshot(published)
    with pytest.raises(PublishedVersionError) as raised:
        _edits(ModelVersion.objects.get(pk=published.pk))[edit]()
    assert f"is {status} and cannot be changed" in raised.value.messages[0]
    assert "Start a new draft" in raised.value.messages[0]
    assert _snapshot(published) == before


def test_it_lists_every_editing_service_in_the_immutability_test():
    public = {name for name in dir(services) if not name.startswith("_")
              and callable(getattr(services, name))
              and name.split("_")[-1] in {"update", "add", "remove", "delete", "move",
                                          "publish", "discard"}}
    assert public == set(EDITS)


def test_it_refuses_changes_to_a_published_versions_parts_outside_the_services(published):
    before = _snapshot(published)
    question = Question.objects.filter(version=published).first()
    question.weight = 3
    for attempt in (
        question.save,
        Question.objects.filter(version=published).first().delete,
        Dimension.objects.filter(version=published).first().delete,
        lambda: Level(version=published, number=5, name={"en": "Five"}).save(),
        lambda: Axis.objects.filter(version=published).update(key="x"),
        lambda: ScaleOption.objects.filter(version=published).delete(),
        published.delete,
    ):
        with pytest.raises(PublishedVersionError):
            attempt()
    assert _snapshot(published) == before


def test_it_refuses_changes_to_a_published_versions_scoring_fields(published):
    for field, value in [("threshold", 0.5), ("overall_rule", "weakest_dimension"),
                         ("number", 9), ("default_language", "sv"),
                         ("name", {"en": "Other"}), ("status", "draft")]:
        version = ModelVersion.objects.get(pk=published.pk)
        setattr(version, field, value)
        with pytest.raises(PublishedVersionError):
            version.save()
    version = ModelVersion.objects.get(pk=published.pk)
    assert (version.threshold, version.status) == (0.75, "published")
    with pytest.raises(PublishedVersionError):
        MaturityModel.objects.get(pk=published.model_id).delete()


def test_it_refuses_to_move_a_part_into_a_published_version(published, draft):
    dimension = draft.dimensions.first()
    dimension.version = published
    with pytest.raises(PublishedVersionError):
        dimension.save()


# ------------------------------------------------------------------------- admin


@pytest.fixture
def staff(db):
    from organisations.models import User

    return User.objects.create_superuser(email="staff@example.test", password="x")


def test_it_shows_a_published_version_read_only_in_the_admin(published, staff):
    client = signed_in(staff)
    url = f"/admin/models_catalog/modelversion/{published.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    before = _snapshot(published)
    response = client.post(url, {"threshold": "0.5", "overall_rule": "aggregate",
                                 "name": '{"en": "Hacked"}', "languages": '["en"]',
                                 "default_language": "en"})
    assert response.status_code == 403
    delete = client.post(f"/admin/models_catalog/modelversion/{published.pk}/delete/",
                         {"post": "yes"})
    assert delete.status_code == 403
    assert _snapshot(published) == before


def test_it_lets_staff_edit_a_draft_and_publish_it_in_the_admin(draft, staff):
    client = signed_in(staff)
    url = f"/admin/models_catalog/modelversion/{draft.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' in page.content
    response = client.post("/admin/models_catalog/modelversion/", {
        "action": "publish", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_the_admins_actions_say_each_versions_refusal_or_success(draft, published, staff):
    # One model: draft v1 and published v2; only v2 can be retired.
    response = signed_in(staff).post("/admin/models_catalog/modelversion/", {
        "action": "retire", "_selected_action": [draft.pk, published.pk]}, follow=True)
    said = sorted((m.level_tag, m.message) for m in response.context["messages"])
    assert said == [
        ("error", "acme-model v1 (draft): Only a published version can be retired."),
        ("success", "acme-model v2 (published): retired")]
    assert list(ModelVersion.objects.order_by("number").values_list("status", flat=True)) \
        == ["draft", "retired"]


def test_it_keeps_published_versions_through_the_admins_bulk_delete(draft, published, staff):
    # One model: draft v1 and published v2.
    client = signed_in(staff)
    url = "/admin/models_catalog/modelversion/"
    response = client.post(url, {"action": "delete_selected", "post": "yes",
                                 "_selected_action": [draft.pk, published.pk]})
    assert response.status_code == 403
    assert ModelVersion.objects.count() == 2
    response = client.post(url, {"action": "delete_selected", "post": "yes",
                                 "_selected_action": [draft.pk]})
    assert response.status_code == 302
    assert list(ModelVersion.objects.values_list("number", "status")) == [(2, "published")]
    response = client.post("/admin/models_catalog/maturitymodel/", {
        "action": "delete_selected", "_selected_action": [published.model_id], "post": "yes"})
    assert response.status_code == 403
    assert MaturityModel.objects.filter(pk=published.model_id).exists()


# ------------------------------------------------------------------- scoring spec


def test_it_builds_the_scoring_spec_of_a_version(published):
    with translation.override("sv"):
        spec = model_spec(published)
    assert isinstance(spec, ModelSpec)
    assert spec.levels == 4
    assert spec.dimensions == ("people", "customers")
    assert spec.axes == ("focus", "mindset")
    assert list(spec.options) == ["not_in_place", "partly", "largely", "fully"]
    assert spec.options["partly"] == 1 / 3
    assert spec.threshold == 0.75 and spec.overall_rule == "aggregate"
    assert spec.questions[1] == QuestionSpec(key="people.3.1", dimension="people", level=3,
                                             weight=2.0, loadings={"mindset": 0.5},
                                             recommendation="Gör people.3.1")


def test_it_builds_the_spec_in_a_constant_number_of_queries(db):
    small = make_version(slug="small")
    document = build_document()
    document["questions"] = [
        {**document["questions"][i % 6], "key": f"q.{i}"} for i in range(60)]
    large = make_version(slug="large", document=document)
    counts = []
    for version in (small, large):
        with CaptureQueriesContext(connection) as queries:
            model_spec(version)
        counts.append(len(queries))
    assert counts == [5, 5]


# ------------------------------------------------------------------ who may


def test_only_owners_and_consultants_of_the_owning_organisation_change_a_model(world, draft):
    """Issue 13, item 7: the services check permission themselves, not only the views."""
    for by in (_by(world.acme, "viewer"), _by(world.acme, "manager"),
               _by(world.globex, "owner")):
        with pytest.raises(PermissionDenied):
            services.option_add(version=draft, by=by, key="mostly", label={"en": "Mostly"},
                                 value=0.8)
        with pytest.raises(PermissionDenied):
            services.version_publish(version=draft, by=by)
    assert not draft.scale_options.filter(key="mostly").exists()
    assert ModelVersion.objects.get(pk=draft.pk).status == ModelVersion.Status.DRAFT
    services.option_add(version=draft, by=_by(world.acme, "consultant"), key="mostly",
                        label={"en": "Mostly"}, value=0.8)


def test_a_model_is_copied_only_by_those_who_manage_models_and_see_it(world):
    theirs = make_version(owner=world.globex.org, slug="globex-plan")
    with pytest.raises(PermissionDenied):
        services.model_copy(version=theirs, by=_by(world.acme, "consultant"))
    shipped = make_version(slug="topdesk-test")
    with pytest.raises(PermissionDenied):
        services.model_copy(version=shipped, by=_by(world.acme, "viewer"))
    assert not MaturityModel.objects.filter(owner=world.acme.org).exists()
