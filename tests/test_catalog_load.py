"""The shipped catalogue (load_catalog) and the import/export commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from models_catalog.documents import (
    document_hash,
    dump,
    export_version,
    import_document,
    normalise,
    parse,
    validate_document,
)
from models_catalog.models import MaturityModel, ModelVersion
from models_catalog.services import draft_discard, version_retire
from organisations.models import AuditEvent
from tests.catalog_factories import build_document, make_version

CATALOGUE = Path(settings.BASE_DIR) / "models_catalog" / "catalogue"
SHIPPED = sorted(CATALOGUE.glob("*.yaml"))


def _state() -> list[tuple]:
    return list(ModelVersion.objects.order_by("pk").values_list(
        "pk", "model__slug", "number", "status", "content_hash", "published_at"))


def _load(directory: Path | None = None) -> str:
    out = StringIO()
    args = ["--directory", str(directory)] if directory else []
    call_command("load_catalog", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def catalogue(tmp_path) -> Path:
    """A catalogue directory of our own: two built documents."""
    for slug in ("alpha", "beta"):
        (tmp_path / f"{slug}.yaml").write_text(dump(build_document(slug)))
    return tmp_path


def test_it_loads_the_catalogue_as_published_shipped_models(db, catalogue):
    output = _load(catalogue)
    assert "alpha version 1 published" in output
    for slug in ("alpha", "beta"):
        model = MaturityModel.objects.get(slug=slug)
        assert model.owner is None and model.name["en"] == "Test model"
        version = model.versions.get()
        assert version.status == "published" and version.published_at is not None
        assert version.content_hash == document_hash(build_document(slug))


def test_it_changes_nothing_when_loading_twice(db, catalogue):
    _load(catalogue)
    before, audits = _state(), AuditEvent.objects.count()
    output = _load(catalogue)
    assert "alpha unchanged (version 1, published)" in output
    assert _state() == before
    assert AuditEvent.objects.count() == audits


def test_it_ignores_comments_and_layout_changes(db, catalogue):
    _load(catalogue)
    before = _state()
    path = catalogue / "alpha.yaml"
    data = yaml.safe_load(path.read_text())
    path.write_text("# A comment\n" + json.dumps(data, indent=4))
    _load(catalogue)
    assert _state() == before


def test_it_makes_a_changed_file_a_new_version_and_retires_the_old(db, catalogue):
    _load(catalogue)
    document = build_document("alpha")
    document["questions"][0]["statement"]["en"] = "A better statement"
    (catalogue / "alpha.yaml").write_text(dump(document))
    output = _load(catalogue)
    assert "alpha version 2 published" in output
    assert "beta unchanged" in output
    v1, v2 = ModelVersion.objects.filter(model__slug="alpha").order_by("number")
    assert (v1.status, v2.status) == ("retired", "published")
    assert v1.retired_at is not None
    assert export_version(v1)["questions"][0]["statement"]["en"] == "Statement people.2.1"
    assert export_version(v2)["questions"][0]["statement"]["en"] == "A better statement"
    assert v2.content_hash == document_hash(document)
    _load(catalogue)
    assert ModelVersion.objects.filter(model__slug="alpha").count() == 2


def test_it_does_not_bring_back_a_version_that_staff_retired(db, catalogue):
    _load(catalogue)
    version_retire(version=ModelVersion.objects.get(model__slug="alpha"), by=None)
    _load(catalogue)
    assert list(ModelVersion.objects.filter(model__slug="alpha")
                .values_list("status", flat=True)) == ["retired"]


def test_it_loads_the_good_files_and_reports_the_bad_ones(db, catalogue):
    broken = build_document("gamma")
    broken["questions"][0]["dimension"] = "custmer"
    broken["scale"][0]["value"] = 2
    (catalogue / "gamma.yaml").write_text(dump(broken))
    (catalogue / "delta.yaml").write_text("format: [unclosed\n")
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", "--directory", str(catalogue), stdout=StringIO(),
                     stderr=err)
    assert raised.value.returncode != 0
    assert "2 of 4 catalogue file(s) not loaded" in str(raised.value)
    lines = err.getvalue().splitlines()
    assert "gamma.yaml: questions[0].dimension: unknown dimension 'custmer'" in lines
    assert "gamma.yaml: scale[0].value: must be between 0 and 1, got 2" in lines
    assert any(line.startswith("delta.yaml: (document): malformed YAML at line")
               for line in lines)
    assert set(MaturityModel.objects.values_list("slug", flat=True)) == {"alpha", "beta"}


# ---------------------------------------------------------------- the shipped files


@pytest.mark.skipif(not SHIPPED, reason="no catalogue file yet")
def test_it_loads_every_shipped_file_twice_without_change(db):
    _load()
    assert MaturityModel.objects.filter(owner__isnull=True).count() == len(SHIPPED)
    before = _state()
    _load()
    assert _state() == before


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_it_finds_no_problem_in_a_shipped_file(path):
    data, problems = parse(path.read_bytes(), filename=path.name)
    assert problems == []
    assert validate_document(data) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_it_round_trips_a_shipped_file(world, path, fmt):
    data, _problems = parse(path.read_bytes(), filename=path.name)
    first = export_version(import_document(data, publish=True))
    assert first == normalise(data)  # a shipped version keeps its file's number
    text = dump(first, fmt)
    # Import the export as a tenant's draft, discard it, import its export again.
    again, _problems = parse(text.encode(), fmt=fmt)
    draft = import_document(again, organisation=world.acme.org, publish=False)
    second = export_version(draft)
    draft_discard(version=draft, by=None)
    third_data, _problems = parse(dump(second, fmt).encode(), fmt=fmt)
    third = export_version(import_document(third_data, organisation=world.acme.org,
                                           publish=False))
    assert second["model"]["slug"] == third["model"]["slug"] == f"acme-{data['model']['slug']}"
    assert second == third
    assert dump(second, fmt) == dump(third, fmt)
    # A tenant's copy is numbered within the tenant's own model.
    assert second["version"]["number"] == 1
    assert {**second, "model": first["model"], "version": first["version"]} == first


def test_it_numbers_a_shipped_version_as_its_file_does_on_every_installation(world):
    document = build_document("alpha")
    document["version"]["number"] = 3
    assert import_document(document, publish=True).number == 3  # a fresh installation
    document["scoring"]["threshold"] = 0.8
    assert import_document(document, publish=True).number == 4  # never a number twice
    copy = import_document(build_document("alpha"), organisation=world.acme.org,
                           publish=False)
    assert copy.number == 1


# ------------------------------------------------------------------------ commands


def test_it_exports_the_latest_published_version_by_default(db, catalogue):
    _load(catalogue)
    document = build_document("alpha")
    document["scoring"]["threshold"] = 0.8
    (catalogue / "alpha.yaml").write_text(dump(document))
    _load(catalogue)
    out = StringIO()
    call_command("export_model", "alpha", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    assert exported["version"]["number"] == 2
    assert exported["scoring"]["threshold"] == 0.8
    out = StringIO()
    call_command("export_model", "alpha", "--version", "1", "--format", "json", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported["version"]["number"] == 1
    assert exported == export_version(ModelVersion.objects.get(model__slug="alpha", number=1))


def test_commands_pick_the_shipped_model_unless_an_organisation_is_named(world, catalogue):
    """Slugs are unique per owner: ``--organisation`` picks a tenant's model."""
    document = build_document("alpha")
    document["scoring"]["threshold"] = 0.6
    make_version(slug="alpha", owner=world.acme.org, document=document)
    make_version(slug="alpha", owner=world.globex.org)
    with pytest.raises(CommandError, match="several organisations have a model 'alpha' "
                                           "\\('acme', 'globex'\\); name one"):
        call_command("export_model", "alpha", stdout=StringIO())
    _load(catalogue)  # a shipped model with the same slug, added later
    out = StringIO()
    call_command("export_model", "alpha", stdout=out)
    assert yaml.safe_load(out.getvalue())["scoring"]["threshold"] != 0.6
    out = StringIO()
    call_command("export_model", "alpha", "--organisation", "acme", stdout=out)
    assert yaml.safe_load(out.getvalue())["scoring"]["threshold"] == 0.6
    with pytest.raises(CommandError, match="unknown model 'alpha' of organisation 'northwind'"):
        call_command("export_model", "alpha", "--organisation", "northwind",
                     stdout=StringIO())
    with pytest.raises(CommandError, match="unknown organisation 'nope'"):
        call_command("export_model", "alpha", "--organisation", "nope", stdout=StringIO())


def test_it_names_a_missing_model_or_version_on_export(db, catalogue):
    _load(catalogue)
    with pytest.raises(CommandError, match="unknown model 'nope'"):
        call_command("export_model", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="model 'alpha' has no version 7"):
        call_command("export_model", "alpha", "--version", "7", stdout=StringIO())


def test_it_imports_a_file_as_a_shipped_model(db, tmp_path):
    path = tmp_path / "model.json"
    path.write_text(dump(build_document("imported"), "json"))
    out = StringIO()
    call_command("import_model", str(path), stdout=out)
    assert out.getvalue().strip() == "imported version 1 (published)"
    assert MaturityModel.objects.get(slug="imported").owner is None


def test_it_imports_a_file_for_an_organisation(world, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(dump(build_document("tailored")))
    out = StringIO()
    call_command("import_model", str(path), "--organisation", "acme", "--draft", stdout=out)
    assert out.getvalue().strip() == "tailored version 1 (draft)"
    assert MaturityModel.objects.get(slug="tailored").owner == world.acme.org
    with pytest.raises(CommandError, match="unknown organisation 'nope'"):
        call_command("import_model", str(path), "--organisation", "nope", stdout=StringIO())


def test_it_lists_every_problem_on_stderr_and_imports_nothing(db, tmp_path):
    document = build_document("bad")
    document["questions"][0]["weight"] = 0
    document["axes"].append(dict(document["axes"][0]))
    path = tmp_path / "bad.yaml"
    path.write_text(dump(document))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_model", str(path), stdout=StringIO(), stderr=err)
    assert raised.value.returncode != 0
    assert err.getvalue().splitlines() == [
        f"{path}: axes[2].key: duplicate axis key 'focus' (also axes[0])",
        f"{path}: questions[0].weight: must be greater than 0, got 0",
    ]
    assert not MaturityModel.objects.exists()


def test_it_exits_non_zero_from_the_command_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("format: maturity-model/1\nmodel: [unclosed\n")
    env = {**os.environ, "VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_model", str(path)],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode != 0
    assert result.stdout == ""
    assert f"{path}: (document): malformed YAML at line" in result.stderr


@pytest.mark.skipif(not SHIPPED, reason="no catalogue file yet")
def test_it_loads_the_catalogue_from_its_own_directory(tmp_path, db):
    for path in SHIPPED:
        shutil.copy(path, tmp_path / path.name)
    _load(tmp_path)
    assert sorted(MaturityModel.objects.values_list("slug", flat=True)) == sorted(
        yaml.safe_load(p.read_text())["model"]["slug"] for p in SHIPPED)
