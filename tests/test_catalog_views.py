"""The catalogue pages and the editor: access, flows, immutability, languages."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from models_catalog.documents import dump, export_version
from models_catalog.models import MaturityModel, ModelVersion
from organisations.models import Organisation
from tests.catalog_factories import build_document, make_version
from tests.conftest import make_cast, signed_in
from tests.tenant_params import ParamResolver
from tests.tenant_params._urls import changed_tables, db_fingerprint, tenant_routes

ROUTES = [r for r in tenant_routes() if r.name.startswith("models_catalog:")]
M = "/o/{org}/models/"


def _url(org: str, rest: str = "") -> str:
    return M.format(org=org) + rest


@pytest.fixture
def catalog(world):
    """A shipped model, northwind's published and draft-only models, acme's draft and
    globex's published model."""
    return {
        "shipped": make_version(slug="shipped-model"),
        "northwind": make_version(owner=world.northwind.org, slug="nw-model"),
        "northwind_draft": make_version(owner=world.northwind.org, slug="nw-wip",
                                        publish=False),
        "acme": make_version(owner=world.acme.org, slug="acme-model", publish=False),
        "globex": make_version(owner=world.globex.org, slug="globex-model"),
    }


def _snapshot() -> list:
    return [(v.model.slug, v.number, v.status, json.dumps(export_version(v), sort_keys=True))
            for v in ModelVersion.objects.select_related("model").order_by("pk")]


# ----------------------------------------------------------- every catalogue URL


def test_it_routes_the_catalogue_pages_under_the_organisation():
    names = {route.name for route in ROUTES}
    assert {"models_catalog:catalogue", "models_catalog:detail", "models_catalog:version",
            "models_catalog:level", "models_catalog:export", "models_catalog:import",
            "models_catalog:edit_question", "models_catalog:move_option"} <= names


def _filled(world, org: str):
    resolver = ParamResolver(world)
    return [(route, route.url({"org_slug": org, **{k: resolver[k] for k in route.kwargs
                                                   if k != "org_slug"}}))
            for route in ROUTES]


def test_it_gives_outsiders_404_on_every_catalogue_url_and_changes_nothing(world):
    urls = _filled(world, "acme") + _filled(world, "globex")
    clients = {"outsider": signed_in(world.outsider), "globex owner": signed_in(
        world.globex.owner), "northwind manager": signed_in(world.northwind.manager)}
    before = db_fingerprint()
    failures = []
    for route, url in urls:
        for who, client in clients.items():
            own = who == "globex owner" and url.startswith("/o/globex/")
            if own and route.kwargs == ("org_slug",):
                continue  # globex's own catalogue and import page
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                # In its own organisation, a page that only shows may refuse the method
                # before looking anything up: the same answer for every id.
                if status != 404 and not (own and method == "post" and status == 405):
                    failures.append(f"{method} {url} as {who}: {status}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


def test_it_renders_every_catalogue_page_for_the_owner(world):
    client = signed_in(world.acme.owner)
    failures = []
    for route, url in _filled(world, "acme"):
        status = client.get(url).status_code
        expected = (405,) if route.name.startswith("models_catalog:move_") else (200,)
        if status not in expected:
            failures.append(f"GET {url} [{route.name}]: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_it_refuses_managers_and_viewers_every_change(world, role):
    urls = _filled(world, "acme")
    client = signed_in(world.acme.member(role))
    before = db_fingerprint()
    failures = []
    for route, url in urls:
        reading = route.name in {"models_catalog:catalogue", "models_catalog:detail",
                                 "models_catalog:version", "models_catalog:level",
                                 "models_catalog:preview", "models_catalog:export"}
        status = client.post(url, {"name_en": "x", "key": "x", "value": "0.5"}).status_code
        # A viewer may not post anywhere (403); a manager's post to a page that only
        # shows is refused as a method (405).
        if status != (405 if reading and role == "manager" else 403):
            failures.append(f"POST {url} [{route.name}]: {status}")
        get = client.get(url).status_code
        if get != (200 if reading else 403):
            failures.append(f"GET {url} [{route.name}]: {get}")
    assert not failures, "\n".join(failures)
    assert not changed_tables(before, db_fingerprint())


# ------------------------------------------------------------------- visibility


def test_it_lists_shipped_own_and_consultancy_models(world, catalog):
    page = signed_in(world.acme.viewer).get(_url("acme"))
    assert page.status_code == 200
    groups = page.context["groups"]
    assert [m.slug for m in groups["own"]] == ["acme-model"]
    assert [m.slug for m in groups["consultancy"]] == ["nw-model"]
    assert [m.slug for m in groups["shipped"]] == ["shipped-model"]
    content = page.content.decode()
    assert "globex-model" not in content and "nw-wip" not in content


def test_it_hides_sibling_clients_models(world, catalog):
    client = signed_in(world.globex.owner)
    assert client.get(_url("globex", "acme-model/")).status_code == 404
    assert client.get(_url("globex", "acme-model/v1/")).status_code == 404
    assert client.get(_url("globex", "acme-model/v1/export/")).status_code == 404
    assert client.post(_url("globex", "acme-model/v1/copy/")).status_code == 404


def test_it_hides_a_consultancys_models_from_another_consultancys_clients(world, catalog):
    contoso = Organisation.objects.create(name="Contoso", slug="contoso",
                                          kind=Organisation.Kind.CONSULTANCY)
    initech = Organisation.objects.create(name="Initech", slug="initech", parent=contoso)
    cast = make_cast(initech)
    client = signed_in(cast.owner)
    for path in ("nw-model/", "nw-model/v1/", "nw-model/v1/levels/2/", "nw-model/v1/preview/",
                 "nw-model/v1/export/", "nw-model/v1/copy/"):
        assert client.get(_url("initech", path)).status_code == 404, path
    page = client.get(_url("initech"))
    assert "nw-model" not in page.content.decode()
    assert [m.slug for m in page.context["groups"]["shipped"]] == ["shipped-model"]


def test_it_shows_a_client_its_consultancys_models_read_only(world, catalog):
    client = signed_in(world.acme.owner)
    detail = client.get(_url("acme", "nw-model/"))
    assert detail.status_code == 200
    assert detail.context["can_edit"] is False
    assert b"/nw-model/v1/edit/" not in detail.content
    for path in ("nw-model/v1/edit/", "nw-model/v1/new-draft/", "nw-model/v1/retire/",
                 "nw-model/v1/edit/questions/people.2.1/"):
        assert client.get(_url("acme", path)).status_code == 403, path
        assert client.post(_url("acme", path)).status_code == 403, path
    # Its consultancy's drafts are work in progress, not shown to clients.
    assert client.get(_url("acme", "nw-wip/")).status_code == 404
    # The consultancy edits them in its own organisation.
    consultant = signed_in(world.northwind.consultant)
    assert consultant.get(_url("northwind", "nw-wip/v1/edit/")).status_code == 200


def test_it_keeps_shipped_models_read_only_for_tenants(world, catalog):
    client = signed_in(world.acme.owner)
    assert client.get(_url("acme", "shipped-model/v1/")).status_code == 200
    assert client.post(_url("acme", "shipped-model/v1/retire/")).status_code == 403
    assert client.post(_url("acme", "shipped-model/v1/new-draft/")).status_code == 403


# ------------------------------------------------------------------------ flows


@pytest.mark.parametrize("role", ["owner", "consultant"])
def test_it_copies_edits_publishes_and_redrafts_through_the_pages(world, catalog, role):
    client = signed_in(world.acme.member(role))
    response = client.post(_url("acme", "shipped-model/v1/copy/"),
                           {"slug": "", "name": "Acme tailored"})
    assert response.status_code == 302
    assert response["Location"] == _url("acme", "acme-shipped-model/v1/edit/")
    base = _url("acme", "acme-shipped-model/v1/")

    assert client.post(base + "edit/metadata/", {
        "name_en": "Acme tailored", "name_sv": "Acme skräddarsydd", "description_en": "Ours",
        "default_language": "en", "languages": ["en", "sv"]}).status_code == 302
    assert client.post(base + "edit/scoring/", {
        "threshold": "0.7", "overall_rule": "weakest_dimension"}).status_code == 302
    assert client.post(base + "edit/add-dimension/", {
        "key": "finance", "name_en": "Finance"}).status_code == 302
    refused = client.post(base + "edit/add-question/", {
        "key": "finance.2.1", "dimension": "finance", "level": "2", "weight": "1.5",
        "loading__focus": "-0.5", "statement_en": "We know our costs.",
        "recommendation_en": "Count them."})
    assert refused.status_code == 400 and "loading__focus" in refused.context["form"].errors
    assert client.post(base + "edit/add-question/", {
        "key": "finance.2.1", "dimension": "finance", "level": "2", "weight": "1.5",
        "loading__focus": "0.5", "loading__mindset": "",
        "statement_en": "We know our costs.", "recommendation_en": "Count them.",
        "source_en": "Good practice"}
    ).status_code == 302
    assert client.post(base + "edit/questions/people.3.1/", {
        "dimension": "people", "level": "3", "weight": "1", "statement_en": "Edited",
        "statement_sv": "Redigerad", "recommendation_en": "R"}).status_code == 302
    assert client.post(base + "edit/questions/customers.3.1/move/",
                       {"direction": "up"}).status_code == 302
    assert client.post(base + "edit/scale/partly/", {
        "label_en": "Somewhat", "value": "0.4"}).status_code == 302
    assert client.post(base + "edit/axes/mindset/delete/").status_code == 302
    assert client.post(base + "edit/dimensions/finance/move/",
                       {"direction": "up"}).status_code == 302

    version = ModelVersion.objects.get(model__slug="acme-shipped-model")
    document = export_version(version)
    assert document["model"]["name"] == {"en": "Acme tailored", "sv": "Acme skräddarsydd"}
    assert document["scoring"] == {"threshold": 0.7, "overall_rule": "weakest_dimension"}
    assert [d["key"] for d in document["dimensions"]] == ["people", "finance", "customers"]
    assert [a["key"] for a in document["axes"]] == ["focus"]
    question = next(q for q in document["questions"] if q["key"] == "finance.2.1")
    assert question["loadings"] == {"focus": 0.5} and question["weight"] == 1.5
    assert question["source"] == {"en": "Good practice"}
    assert document["scale"][1]["label"] == {"en": "Somewhat"}

    confirm = client.get(base + "publish/")
    assert confirm.status_code == 200 and confirm.context["problems"] == []
    assert client.post(base + "publish/").status_code == 302
    version.refresh_from_db()
    assert version.status == "published" and version.published_by == world.acme.member(role)

    response = client.post(base + "new-draft/")
    assert response.status_code == 302
    assert response["Location"] == _url("acme", "acme-shipped-model/v2/edit/")
    assert client.post(_url("acme", "acme-shipped-model/v2/publish/")).status_code == 302
    version.refresh_from_db()
    assert version.status == "retired"
    assert client.post(_url("acme", "acme-shipped-model/v2/retire/")).status_code == 302
    assert ModelVersion.objects.get(model__slug="acme-shipped-model", number=2).status == \
        "retired"


def test_it_lists_a_drafts_problems_and_refuses_to_publish_it(world, catalog):
    client = signed_in(world.acme.owner)
    base = _url("acme", "acme-model/v1/")
    assert client.post(base + "edit/levels/3/", {"name_sv": "Bara svenska"}).status_code == 400
    from models_catalog.models import Level

    Level.objects.filter(version=catalog["acme"], number=3).update(name={"sv": "Svenska"})
    page = client.get(base + "publish/")
    assert page.context["problems"] == [
        "levels[2].name: missing text in the default language 'en'"]
    assert b"levels[2].name: missing text in the default language" in page.content
    response = client.post(base + "publish/")
    assert response.status_code == 400
    assert ModelVersion.objects.get(pk=catalog["acme"].pk).status == "draft"


def test_it_shows_form_errors_from_the_services(world, catalog):
    client = signed_in(world.acme.owner)
    base = _url("acme", "acme-model/v1/")
    response = client.post(base + "edit/add-question/", {
        "key": "people.2.1", "dimension": "people", "level": "2", "weight": "1",
        "statement_en": "S", "recommendation_en": "R"})
    assert response.status_code == 400
    assert "already has a question with the key" in response.content.decode()
    response = client.post(base + "edit/add-option/", {"key": "na", "label_en": "NA",
                                                      "value": "0"})
    assert response.status_code == 400 and "reserved" in response.content.decode()
    response = client.post(base + "edit/dimensions/people/delete/")
    assert response.status_code == 400 and "still has 3" in response.content.decode()


@pytest.mark.parametrize("path, data", [
    ("edit/metadata/", {"name_en": "X", "default_language": "en", "languages": ["en"]}),
    ("edit/questions/people.2.1/delete/", {}),
    ("edit/scale/partly/move/", {"direction": "down"}),
    ("discard/", {}),
])
def test_a_version_published_while_its_page_was_open_is_refused_by_the_service(
        world, catalog, monkeypatch, path, data):
    """The page saw a draft; another owner published it before the service locked it:
    the service's PublishedVersionError is the same 409 page, with no message."""
    from models_catalog import selectors

    seen = selectors.get_editable_version

    def published_meanwhile(*args, **kwargs):
        version = seen(*args, **kwargs)
        ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.PUBLISHED)
        return version

    monkeypatch.setattr(selectors, "get_editable_version", published_meanwhile)
    client = signed_in(world.acme.owner)
    contents = [(slug, number, document) for slug, number, _status, document in _snapshot()]
    response = client.post(_url("acme", "acme-model/v1/") + path, data)
    assert response.status_code == 409
    assert "is published and cannot be changed" in response.content.decode()
    assert not list(response.context["messages"])
    assert [(slug, number, document) for slug, number, _status, document in _snapshot()] \
        == contents


def test_it_refuses_to_edit_a_published_version_with_a_clear_message(world, catalog):
    published = make_version(owner=world.acme.org, slug="acme-live")
    client = signed_in(world.acme.owner)
    base = _url("acme", "acme-live/v1/")
    before = _snapshot()
    for path, data in [
        ("edit/", {}), ("edit/metadata/", {"name_en": "X", "default_language": "en",
                                           "languages": ["en"]}),
        ("edit/scoring/", {"threshold": "0.5", "overall_rule": "aggregate"}),
        ("edit/questions/people.2.1/", {"dimension": "people", "level": "2", "weight": "1",
                                        "statement_en": "X", "recommendation_en": "Y"}),
        ("edit/questions/people.2.1/delete/", {}), ("edit/scale/partly/move/", {}),
        ("edit/add-dimension/", {"key": "x", "name_en": "X"}), ("publish/", {}),
        ("discard/", {}),
    ]:
        response = client.post(base + path, data)
        assert response.status_code == 409, path
        assert "is published and cannot be changed" in response.content.decode(), path
    assert client.get(base + "edit/questions/people.2.1/").status_code == 409
    assert _snapshot() == before
    assert published.model.versions.count() == 1


# ---------------------------------------------------------------- export / import


@pytest.mark.parametrize("fmt, loader", [("yaml", yaml.safe_load), ("json", json.loads)])
def test_it_downloads_a_version_as_a_document(world, catalog, fmt, loader):
    response = signed_in(world.acme.viewer).get(_url("acme", f"nw-model/v1/export/?format={fmt}"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="nw-model-v1.{fmt}"'
    assert response["Content-Type"].startswith(f"application/{fmt}")
    assert loader(response.content.decode()) == export_version(catalog["northwind"])


def _upload(text: str, name: str = "model.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def test_it_imports_an_uploaded_document_as_a_draft(world, catalog):
    client = signed_in(world.acme.consultant)
    response = client.post(_url("acme", "import/"),
                           {"document": _upload(dump(build_document("uploaded")))})
    assert response.status_code == 302
    version = ModelVersion.objects.get(model__slug="uploaded")
    assert version.model.owner == world.acme.org and version.status == "draft"
    response = client.post(_url("acme", "import/"), {
        "document": _upload(dump(build_document("shipped-model"), "json"), "x.json"),
        "publish": "on"})
    assert response.status_code == 302
    version = ModelVersion.objects.get(model__slug="acme-shipped-model")
    assert version.status == "published"


def test_it_lists_every_problem_of_an_upload_and_writes_nothing(world, catalog):
    document = build_document("broken")
    document["questions"][2]["dimension"] = "custmer"
    document["questions"][3]["loadings"] = {"focus": 3}
    client = signed_in(world.acme.owner)
    before = db_fingerprint()
    response = client.post(_url("acme", "import/"), {"document": _upload(dump(document))})
    assert response.status_code == 400
    content = response.content.decode()
    assert "questions[2].dimension: unknown dimension &#x27;custmer&#x27;" in content
    assert "questions[3].loadings.focus: loading must be between 0 and 1, got 3" in content
    assert "Nothing was imported" in content
    response = client.post(_url("acme", "import/"),
                           {"document": _upload("format: [oops\n")})
    assert response.status_code == 400
    assert "malformed YAML at line 2" in response.content.decode()
    assert not changed_tables(before, db_fingerprint())


@override_settings(MAX_UPLOAD_BYTES=1000)
def test_it_refuses_an_upload_above_the_size_limit(world, catalog):
    client = signed_in(world.acme.owner)
    response = client.post(_url("acme", "import/"),
                           {"document": _upload(dump(build_document("big")))})
    assert response.status_code == 200
    assert "larger than the limit of 1000 bytes" in response.content.decode()
    assert not MaturityModel.objects.filter(slug__endswith="big").exists()


# ------------------------------------------------------------- pages and languages


@pytest.mark.parametrize("language, statement, level, interface", [
    ("sv", "Påstående people.3.1", "Kontrollerad", 'lang="sv"'),
    ("hu", "Állítás people.3.1", "Controlled", 'lang="hu"'),  # hu only where translated
    ("nb", "Statement people.3.1", "Controlled", 'lang="nb"'),  # falls back to English
    ("en", "Statement people.3.1", "Controlled", 'lang="en"'),
])
def test_it_shows_model_content_in_the_users_language_with_fallback(
        world, language, statement, level, interface):
    document = build_document("multilingual")
    document["questions"][1]["statement"]["hu"] = "Állítás people.3.1"
    make_version(owner=world.acme.org, slug="multilingual", document=document)
    user = world.acme.viewer
    user.language = language
    user.save()
    client = signed_in(user)
    for path in ("", "multilingual/", "multilingual/v1/", "multilingual/v1/levels/3/",
                 "multilingual/v1/preview/"):
        page = client.get(_url("acme", path))
        assert page.status_code == 200, path
        assert interface in page.content.decode(), path
    content = client.get(_url("acme", "multilingual/v1/")).content.decode()
    assert statement in content
    assert level in content


def test_it_shows_a_level_with_its_description_and_practices(world, catalog):
    page = signed_in(world.acme.manager).get(_url("acme", "nw-model/v1/levels/3/"))
    content = page.content.decode()
    assert "Proactive" in content and "Level 3 described" in content
    assert "Statement people.3.1" in content and "Statement people.2.1" not in content
    assert signed_in(world.acme.manager).get(
        _url("acme", "nw-model/v1/levels/9/")).status_code == 404


def test_it_previews_the_questionnaire_with_the_reserved_options(world, catalog):
    content = signed_in(world.acme.viewer).get(
        _url("acme", "nw-model/v1/preview/")).content.decode()
    assert "Statement customers.4.1" in content and "Help for people.2.1" in content
    assert "Not applicable" in content and "Don't know" in content
    assert "<script>" not in content.split("</main>")[0]


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_renders_the_catalogue_in_a_constant_number_of_queries(world, catalog):
    client = signed_in(world.acme.owner)
    few = _query_count(client, _url("acme"))
    for n in range(5):
        make_version(slug=f"more-{n}")
        make_version(owner=world.acme.org, slug=f"acme-more-{n}", publish=False)
    assert _query_count(client, _url("acme")) == few


def test_it_renders_a_version_in_a_constant_number_of_queries(world):
    client = signed_in(world.acme.owner)
    make_version(slug="small")
    document = build_document()
    document["questions"] = [{**document["questions"][i % 6], "key": f"q.{i}"}
                             for i in range(60)]
    make_version(slug="large", document=document)
    counts = {slug: [_query_count(client, _url("acme", f"{slug}/v1/{page}"))
                     for page in ("", "preview/", "levels/2/")] for slug in ("small", "large")}
    assert counts["small"] == counts["large"]
    make_version(owner=world.acme.org, slug="acme-small", publish=False)
    make_version(owner=world.acme.org, slug="acme-large", publish=False, document=document)
    assert (_query_count(client, _url("acme", "acme-small/v1/edit/"))
            == _query_count(client, _url("acme", "acme-large/v1/edit/")))


def test_it_shows_each_statements_source_in_the_users_language(world):
    document = build_document("sourced")
    document["questions"][0]["source"] = {"en": "TOPdesk SEMM, level 2 description",
                                          "sv": "TOPdesk SEMM, beskrivningen av nivå 2"}
    make_version(owner=world.acme.org, slug="sourced", document=document)
    user = world.acme.viewer
    user.language = "sv"
    user.save()
    content = signed_in(user).get(_url("acme", "sourced/v1/")).content.decode()
    assert "Källa: TOPdesk SEMM, beskrivningen av nivå 2" in content
    user.language = "nb"
    user.save()
    content = signed_in(user).get(_url("acme", "sourced/v1/")).content.decode()
    assert "TOPdesk SEMM, level 2 description" in content  # falls back to English


class _Languages(HTMLParser):
    """The language of each text in a page's body: the ``lang`` of its nearest element
    that has one, as a browser and a screen reader take it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        # The page's <title> (base.html) mixes the interface's and the model's words.
        if data.strip() and "title" not in (tag for tag, _ in self.stack):
            lang = next((lang for _, lang in reversed(self.stack) if lang is not None), None)
            self.texts.append((data.strip(), lang))


def _lang_of(html: str, text: str) -> set[str | None]:
    parser = _Languages()
    parser.feed(html)
    found = {lang for data, lang in parser.texts if text in data}
    assert found, text
    return found


def test_a_swedish_reader_gets_english_fallback_text_marked_as_english(world):
    document = build_document("half-swedish")
    del document["model"]["description"]["sv"]  # the model's description: English only
    del document["levels"][2]["name"]["sv"]  # level 3's name: English only
    del document["questions"][1]["statement"]["sv"]  # people.3.1: English only
    make_version(owner=world.acme.org, slug="half-swedish", document=document)
    user = world.acme.viewer
    user.language = "sv"
    user.save()
    client = signed_in(user)
    pages = {path: client.get(_url("acme", path)).content.decode()
             for path in ("", "half-swedish/", "half-swedish/v1/",
                          "half-swedish/v1/levels/3/", "half-swedish/v1/preview/")}
    assert _lang_of(pages[""], "A model for tests.") == {"en"}
    assert _lang_of(pages["half-swedish/"], "A model for tests.") == {"en"}
    for path in ("", "half-swedish/"):
        assert _lang_of(pages[path], "Testmodell") == {"sv"}
    assert _lang_of(pages["half-swedish/v1/"], "Statement people.3.1") == {"en"}
    assert _lang_of(pages["half-swedish/v1/"], "Proactive") == {"en"}
    assert _lang_of(pages["half-swedish/v1/"], "Påstående people.2.1") == {"sv"}
    assert _lang_of(pages["half-swedish/v1/"], "Kontrollerad") == {"sv"}
    assert _lang_of(pages["half-swedish/v1/"], "Människor") == {"sv"}
    assert _lang_of(pages["half-swedish/v1/levels/3/"], "Proactive") == {"en"}
    assert _lang_of(pages["half-swedish/v1/levels/3/"], "Statement people.3.1") == {"en"}
    assert _lang_of(pages["half-swedish/v1/levels/3/"], "Nivå 3 beskriven") == {"sv"}
    assert _lang_of(pages["half-swedish/v1/preview/"], "Statement people.3.1") == {"en"}
    assert _lang_of(pages["half-swedish/v1/preview/"], "Help for people.2.1") == {"en"}
    assert _lang_of(pages["half-swedish/v1/preview/"], "Till stor del") == {"sv"}


def test_it_shows_the_default_threshold_as_two_thirds(world):
    document = build_document("two-thirds")
    del document["scoring"]["threshold"]
    make_version(owner=world.acme.org, slug="two-thirds", document=document)
    make_version(owner=world.acme.org, slug="three-quarters")
    client = signed_in(world.acme.viewer)
    assert "θ = 2/3." in client.get(_url("acme", "two-thirds/v1/")).content.decode()
    assert "θ = 0.75." in client.get(_url("acme", "three-quarters/v1/")).content.decode()
