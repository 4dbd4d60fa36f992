"""The REST API (api/): tokens, the resources, and the answers to bad input."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from api.models import ApiToken
from assessments.models import Assessment
from assessments.presentation import present
from assessments.selectors import assessment_results
from models_catalog.models import ModelVersion
from models_catalog.texts import model_texts
from organisations.models import AuditEvent, Membership, Role
from reports.models import Report
from tests.api_helpers import ApiClient, make_token, token_client
from tests.assessment_factories import make_assessment, respondents_with_answers, version_with
from tests.catalog_factories import build_document

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    return body


# --------------------------------------------------------------------------- tokens


def test_it_stores_only_the_hash_of_a_token(world):
    token, secret = make_token(world.acme)
    assert secret.startswith("mdk_") and len(secret) > 40
    token.refresh_from_db()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.prefix, token.token_hash, token.name}
    assert token.prefix == secret[:12]


@pytest.mark.parametrize("case", ["missing", "unknown", "revoked", "expired", "not bearer",
                                  "huge"])
def test_it_refuses_a_bad_token_with_the_same_401(world, case):
    token, secret = make_token(world.acme)
    if case == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif case == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
    headers = {"missing": {}, "unknown": {"Authorization": "Bearer mdk_nope"},
               "not bearer": {"Authorization": f"Basic {secret}"},
               "huge": {"Authorization": "Bearer " + "x" * 5000}}.get(
        case, {"Authorization": f"Bearer {secret}"})
    client = ApiClient(None)
    response = client.get("/organisations/acme/departments", **headers)
    body = _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    # Nothing about the organisation, nor about why.
    assert "acme" not in response.content.decode().replace("/organisations/acme/", "")
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert not AuditEvent.objects.filter(action="api.called").exists()


def test_a_signed_in_browsers_cookies_open_nothing(world):
    from tests.conftest import signed_in

    browser = signed_in(world.acme.owner)
    _problem(browser.get("/api/v1/organisations/acme"), 401)
    _problem(browser.post("/api/v1/organisations/acme/reports", "{}",
                          content_type="application/json"), 401)
    assert not Report.objects.exists()


def test_it_gives_the_same_answer_for_a_revoked_token_and_an_unknown_one(world):
    token, secret = make_token(world.acme)
    token.revoked_at = timezone.now()
    token.save()
    revoked = ApiClient(secret).get("/organisations")
    unknown = ApiClient("mdk_" + "a" * 43).get("/organisations")
    assert revoked.content == unknown.content


def test_a_token_stops_when_its_creator_loses_access(world):
    client = token_client(world.acme)
    assert client.get("/organisations/acme").status_code == 200
    Membership.objects.filter(user=world.acme.owner, organisation=world.acme.org).delete()
    _problem(client.get("/organisations/acme"), 401)


def test_a_token_never_acts_above_its_creators_role(world):
    token, secret = make_token(world.acme, ApiToken.Scope.WRITE)
    Membership.objects.filter(user=world.acme.owner, organisation=world.acme.org).update(
        role=Role.VIEWER)
    client = ApiClient(secret)
    assert client.get("/organisations/acme").json()["role"] == Role.VIEWER
    version = version_with(slug="capped")
    _problem(client.post("/organisations/acme/rounds", {
        "department": str(world.acme.departments[0].public_id),
        "model_version": str(version.public_id), "name": "Q3"}), 403)


def test_a_read_token_gets_403_on_a_write_route_before_its_body_is_read(world):
    client = token_client(world.acme)
    _problem(client.post("/organisations/acme/rounds", raw="{not json"), 403)
    _problem(client.post("/organisations/acme/models", {}), 403)
    assert not Assessment.objects.exists()


def test_another_organisations_url_is_404_for_every_token(world):
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    for path in ("/organisations/globex", "/organisations/globex/departments",
                 "/organisations/northwind", "/organisations/no-such-org/rounds"):
        _problem(client.get(path), 404)
    _problem(client.post("/organisations/globex/rounds", {}), 404)


def test_another_organisations_object_is_404(world):
    theirs = make_assessment(world, org="globex")
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    _problem(client.get(f"/organisations/acme/rounds/{theirs.public_id}"), 404)
    _problem(client.post(f"/organisations/acme/rounds/{theirs.public_id}/close"), 404)
    _problem(client.get(f"/organisations/acme/departments/"
                        f"{world.globex.departments[0].public_id}"), 404)
    theirs.refresh_from_db()
    assert theirs.status == Assessment.Status.OPEN


def test_it_audits_every_call_with_the_tokens_name(world):
    client = token_client(world.acme, ApiToken.Scope.WRITE, name="Service desk dashboard")
    client.get("/organisations/acme/departments")
    client.get("/organisations/acme/rounds/00000000-0000-0000-0000-000000000000")
    calls = list(AuditEvent.objects.filter(action="api.called").order_by("id"))
    assert [(c.target, c.data["status"]) for c in calls] == [
        ("GET /api/v1/organisations/acme/departments", 200),
        ("GET /api/v1/organisations/acme/rounds/00000000-0000-0000-0000-000000000000", 404)]
    assert all(c.organisation == world.acme.org for c in calls)
    assert all("Service desk dashboard" in c.actor_label for c in calls)
    assert all(c.actor == world.acme.owner for c in calls)


def test_what_a_token_changes_is_audited_with_its_name(world):
    version = version_with(slug="audited")
    client = token_client(world.acme, ApiToken.Scope.WRITE, name="Round robot")
    response = client.post("/organisations/acme/rounds", {
        "department": str(world.acme.departments[0].public_id),
        "model_version": str(version.public_id), "name": "Q3"})
    assert response.status_code == 201
    created = AuditEvent.objects.get(action="assessment.created")
    assert "Round robot" in created.actor_label
    assert created.actor == world.acme.owner


def test_it_notes_the_last_use(world):
    token, secret = make_token(world.acme)
    assert token.last_used_at is None
    ApiClient(secret).get("/organisations")
    token.refresh_from_db()
    assert token.last_used_at is not None


@override_settings(API_THROTTLE_PER_TOKEN=2)
def test_it_throttles_per_token(world):
    first = token_client(world.acme)
    second = token_client(world.acme, name="Another")
    assert first.get("/organisations").status_code == 200
    assert first.get("/organisations").status_code == 200
    response = first.get("/organisations")
    _problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert second.get("/organisations").status_code == 200


# ------------------------------------------------------------------------ resources


def test_it_lists_the_tokens_organisation(world):
    body = token_client(world.acme).get("/organisations").json()
    assert body == [{"id": str(world.acme.org.public_id), "slug": "acme", "name": "Acme",
                     "kind": "organisation", "consultancy": "northwind",
                     "role": "viewer", "scope": "read"}]


def test_it_pages_the_departments(world):
    client = token_client(world.acme)
    body = client.get("/organisations/acme/departments", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    second = client.get("/organisations/acme/departments", {"page_size": 1, "page": 2}).json()
    names = [body["items"][0]["name"], second["items"][0]["name"]]
    assert names == [d.name for d in world.acme.departments]
    department = world.acme.departments[0]
    one = client.get(f"/organisations/acme/departments/{department.public_id}").json()
    assert one["id"] == str(department.public_id)
    assert one["created_at"].startswith(department.created_at.date().isoformat())


def test_it_reads_models_and_versions(world):
    version = version_with(slug="readable")
    client = token_client(world.acme)
    listed = client.get("/organisations/acme/models").json()["items"]
    mine = next(m for m in listed if m["slug"] == "readable")
    assert mine["owner"] == "shipped" and mine["versions"][0]["id"] == str(version.public_id)
    detail = client.get("/organisations/acme/models/readable/versions/1").json()
    assert detail["id"] == str(version.public_id)
    assert [lv["number"] for lv in detail["levels"]] == list(range(1, len(detail["levels"])
                                                                   + 1))
    assert detail["questions"] == version.questions.count()
    document = client.get("/organisations/acme/models/readable/versions/1/document").json()
    assert document["model"]["slug"] == "readable"
    _problem(client.get("/organisations/acme/models/readable/versions/9"), 404)


def test_it_hides_another_organisations_model(world):
    version_with(slug="shared")
    from tests.catalog_factories import make_version

    make_version(owner=world.globex.org, slug="globex-own", by=world.globex.owner)
    client = token_client(world.acme)
    slugs = {m["slug"] for m in client.get("/organisations/acme/models").json()["items"]}
    assert "shared" in slugs and "globex-own" not in slugs
    _problem(client.get("/organisations/acme/models/globex-own"), 404)


def test_it_imports_a_model_document_as_json_and_as_yaml(world):
    import yaml

    client = token_client(world.acme, ApiToken.Scope.WRITE)
    response = client.post("/organisations/acme/models?publish=true",
                           build_document("api-json"))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published"
    yaml_body = yaml.safe_dump(build_document("api-yaml"))
    response = client.post("/organisations/acme/models", raw=yaml_body,
                           content_type="application/yaml")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    owned = set(ModelVersion.objects.filter(model__owner=world.acme.org)
                .values_list("model__slug", flat=True))
    assert {"api-json", "api-yaml"} <= owned


def test_it_refuses_a_bad_model_document_with_the_path_of_each_problem(world):
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    document = build_document("api-bad")
    document["questions"][1]["dimension"] = "nowhere"
    body = _problem(client.post("/organisations/acme/models", document), 400)
    assert any(e["pointer"] == "#/questions/1/dimension" for e in body["errors"])
    assert not ModelVersion.objects.filter(model__slug="api-bad").exists()


def _create_round(client, world, version, **extra):
    return client.post("/organisations/acme/rounds", {
        "department": str(world.acme.departments[0].public_id),
        "model_version": str(version.public_id), "name": "Q3 2027", **extra})


def test_it_runs_a_round(world, mailoutbox):
    version = version_with(slug="run-through")
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    created = _create_round(client, world, version, due_date="2099-01-31")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["due_date"] == "2099-01-31"
    assert body["model"] == {"slug": "run-through", "version": 1,
                             "version_id": str(version.public_id)}
    path = f"/organisations/acme/rounds/{body['id']}"
    invited = client.post(f"{path}/respondents", {"email": "Agent@Acme.Example",
                                                  "name": "Agent"})
    assert invited.status_code == 201 and invited.json()["email"] == "agent@acme.example"
    assert not mailoutbox  # a draft sends nothing yet
    opened = client.post(f"{path}/open")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert opened.json()["respondents"]["total"] == 1
    _problem(client.post(f"{path}/open"), 409)
    closed = client.post(f"{path}/close")
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    body = _problem(client.post(f"{path}/respondents", {"email": "late@acme.example"}), 409)
    assert "closed" in body["detail"]


def test_it_filters_rounds_by_department_status_and_date(world):
    version = version_with(slug="filtered")
    first = make_assessment(world, version=version, name="A", department=0)
    second = make_assessment(world, version=version, name="B", department=1, opened=False)
    Assessment.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=40))
    client = token_client(world.acme)

    def names(**query):
        response = client.get("/organisations/acme/rounds", query)
        assert response.status_code == 200, response.content
        return [r["name"] for r in response.json()["items"]]

    assert names() == ["B", "A"]
    assert names(department=str(world.acme.departments[0].public_id)) == ["A"]
    assert names(status="draft") == ["B"]
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert names(created_after=since) == ["B"]
    assert names(created_before=since) == ["A"]
    _problem(client.get("/organisations/acme/rounds",
                        {"department": str(world.globex.departments[0].public_id)}), 404)
    body = _problem(client.get("/organisations/acme/rounds", {"created_after": "yesterday"}),
                    400)
    assert body["errors"][0]["parameter"] == "created_after"
    assert second.status == Assessment.Status.DRAFT


def test_results_are_the_figures_of_the_round_page(world):
    assessment = make_assessment(world, version=version_with(12, slug="figures"))
    respondents_with_answers(assessment, 3)
    client = token_client(world.acme)
    body = client.get(f"/organisations/acme/rounds/{assessment.public_id}/results").json()
    expected = present(assessment_results(assessment), model_texts(assessment.model_version),
                       target_is_default=True)
    assert body["level"] == expected["level"] and body["index"] == expected["index"]
    assert body["completeness_percent"] == expected["completeness_percent"]
    assert [(d["key"], d["level"], d["percent"]) for d in body["dimensions"]] == [
        (d["key"], d["level"], d["percent"]) for d in expected["dimensions"]]
    assert [s["question"] for s in body["next_steps"]] == [
        s["question"] for s in expected["next_steps"]]
    assert body["respondents"]["submitted"] == 3


def test_an_anonymous_round_of_two_has_no_results_and_no_pdf_yet(world):
    """Its results would give each of the two the other's answers (DESIGN.md): a 409
    saying so, as the round's page does, and no report is made."""
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 2)
    client = token_client(world.acme)
    body = _problem(client.get(f"/organisations/acme/rounds/{assessment.public_id}/results"),
                    409)
    assert body["detail"] == ("Results appear once at least 3 people have submitted: this "
                              "round is anonymous. 2 of 2 submitted so far.")
    _problem(client.post("/organisations/acme/reports", {"round": str(assessment.public_id)}),
             409)
    assert not Report.objects.exists()


# -------------------------------------------------------------------------- reports


def test_it_requests_polls_and_downloads_a_pdf(world, django_capture_on_commit_callbacks,
                                               monkeypatch):
    from reports import services as report_services

    sent = []
    monkeypatch.setattr(report_services, "enqueue", lambda pk, **kw: sent.append(pk))
    assessment = make_assessment(world)
    respondents_with_answers(assessment, 3)  # anonymous: fewer, and there is no PDF (409)
    client = token_client(world.acme)  # a read token may ask for a PDF, as executives may
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/organisations/acme/reports",
                               {"round": str(assessment.public_id), "language": "sv"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["download"] is None
    assert body["round"] == str(assessment.public_id) and body["language"] == "sv"
    report = Report.objects.get(public_id=body["id"])
    assert sent == [report.pk]
    again = client.post("/organisations/acme/reports",
                        {"round": str(assessment.public_id), "language": "sv"})
    assert again.json()["id"] == body["id"]
    path = f"/organisations/acme/reports/{report.public_id}"
    _problem(client.get(f"{path}/pdf"), 409)

    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.READY, file=report.file.name)
    polled = client.get(path).json()
    assert polled["status"] == "ready" and polled["download"].endswith(f"{path}/pdf")
    download = client.get(f"{path}/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    listed = client.get("/organisations/acme/reports").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


def test_a_report_of_another_organisations_round_is_404(world):
    theirs = make_assessment(world, org="globex")
    client = token_client(world.acme)
    _problem(client.post("/organisations/acme/reports", {"round": str(theirs.public_id)}),
             404)
    assert not Report.objects.exists()


# ------------------------------------------------------------------------ bad input


def test_malformed_json_is_a_400(world):
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    body = _problem(client.post("/organisations/acme/rounds", raw='{"name": '), 400)
    assert "parse" in body["detail"]


def test_unknown_fields_are_a_400_naming_the_field(world):
    version = version_with(slug="strict")
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    body = _problem(_create_round(client, world, version, colour="blue"), 400)
    assert {"pointer": "#/colour", "detail": "Extra inputs are not permitted"} in [
        {k: e[k] for k in ("pointer", "detail")} for e in body["errors"]]
    assert not Assessment.objects.exists()


def test_invalid_fields_are_a_400_with_their_path(world):
    version = version_with(slug="invalid")
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    body = _problem(_create_round(client, world, version, due_date="2001-01-01"), 400)
    assert [e["pointer"] for e in body["errors"]] == ["#/due_date"]
    body = _problem(_create_round(client, world, version, target_level=99), 400)
    assert [e["pointer"] for e in body["errors"]] == ["#/target_level"]
    body = _problem(client.post("/organisations/acme/rounds", {"name": ""}), 400)
    assert {"#/department", "#/model_version", "#/name"} <= {
        e["pointer"] for e in body["errors"]}
    body = _problem(_create_round(client, world, version, name="   "), 400)
    assert [e["pointer"] for e in body["errors"]] == ["#/name"]
    body = _problem(_create_round(client, world, version, name="Q\x003"), 400)
    assert [e["pointer"] for e in body["errors"]] == ["#/name"]
    body = _problem(client.post("/organisations/acme/rounds", [1, 2]), 400)
    other = version_with(slug="theirs-department")
    body = _problem(client.post("/organisations/acme/rounds", {
        "department": str(world.globex.departments[0].public_id),
        "model_version": str(other.public_id), "name": "x"}), 400)
    assert [e["pointer"] for e in body["errors"]] == ["#/department"]
    assert not Assessment.objects.exists()


@override_settings(MAX_UPLOAD_BYTES=1000)
def test_a_huge_body_is_a_413_before_it_is_read(world):
    client = token_client(world.acme, ApiToken.Scope.WRITE)
    _problem(client.post("/organisations/acme/rounds", {"name": "x" * 2000}), 413)
    _problem(client.post("/organisations/acme/models", raw="a: " + "b" * 5000,
                         content_type="application/yaml"), 413)


def test_unknown_paths_and_methods_are_problems_too(world):
    client = token_client(world.acme)
    _problem(client.get("/organisations/acme/nothing-here"), 404)
    _problem(client.get("/organisations/acme/rounds/not-a-uuid"), 404)
    response = client.client.delete("/api/v1/organisations/acme", headers=client.headers)
    _problem(response, 405)
    assert "GET" in response["Allow"]
    _problem(ApiClient(None).get("/../v2/"), 404)
