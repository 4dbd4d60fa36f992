"""The demo's catalogue: the shipped models, and the earlier versions an upgraded
installation has.

An installation that loaded the catalogue before the shipped models' version 2 keeps
version 1 (retired) beside it, with rounds on it; a fresh one has only version 2 (the
number its file gives). The demo adds version 1 of the TOPdesk model from
``demo_versions/`` (the file as it shipped), retired, so that its rounds on version 1
can be followed by rounds on version 2, which carry the answers through version 2's
``carried_from`` mapping. ``assessments.demo`` calls :func:`seed_catalogue` (there is
no ``seed`` here: the catalogue is loaded once, by the demo that needs it).
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from .documents import DocumentError, create_version_from_document, document_hash, parse
from .models import MaturityModel, ModelVersion

EARLIER = Path(__file__).resolve().parent / "demo_versions"
PUBLISHED_DAYS_AGO = 400  # before the demo's oldest rounds


def seed_catalogue() -> None:
    """Load the catalogue (idempotent) and add the earlier versions it lacks."""
    call_command("load_catalog", verbosity=0, stdout=io.StringIO())
    for path in sorted(EARLIER.glob("*.yaml")):
        earlier_version(path)


@transaction.atomic
def earlier_version(path: Path) -> ModelVersion | None:
    """The shipped model's version that ``path`` holds, added as retired if the model
    has a newer version and not this number; None when it cannot be added."""
    data, problems = parse(path.read_bytes(), filename=path.name)
    if problems:
        raise DocumentError(problems)
    number = data["version"]["number"]
    model = (MaturityModel.objects.select_for_update()
             .filter(slug=data["model"]["slug"], owner=None).first())
    if model is None or not model.versions.filter(number__gt=number).exists():
        return None  # nothing newer: it would not be an earlier version
    existing = model.versions.filter(number=number).first()
    if existing is not None:
        return existing
    # Not validated as a new import: it predates the rule that loadings are in [0, 1],
    # as the versions published before that rule do (DESIGN.md, scoring rule 7).
    version = create_version_from_document(model=model, document=data,
                                           status=ModelVersion.Status.RETIRED,
                                           content_hash=document_hash(data), number=number)
    # Retired when the next version was published, as loading it would have done.
    newer = model.versions.filter(number__gt=number).order_by("number").first()
    ModelVersion.objects.filter(pk=version.pk).update(
        published_at=timezone.now() - timedelta(days=PUBLISHED_DAYS_AGO),
        retired_at=newer.published_at or timezone.now())
    version.refresh_from_db()
    return version
