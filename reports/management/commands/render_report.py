"""Render a PDF report synchronously, through the same service as the worker.

    python manage.py render_report --organisation acme --out acme.pdf
    python manage.py render_report --organisation acme --assessment UUID --out it.pdf --language sv
    python manage.py render_report --organisation acme --summary --out acme-summary.pdf

A ready report of the same inputs is reused (its file is copied); otherwise a report
is created, rendered here and kept, so the web pages can offer it too.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import Assessment
from organisations.access import OrgAccess
from organisations.models import Organisation, Role
from reports import services
from reports.models import Report
from reports.tasks import short_error


class Command(BaseCommand):
    help = ("Render an organisation's (or one assessment's) PDF report, or its one-page "
            "summary, to a file.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument("--assessment", help="an assessment's id (UUID); default: the "
                                                 "organisation report")
        parser.add_argument("--out", required=True, type=Path, help="where to write the PDF")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("--summary", action="store_true",
                            help="the one-page executive summary instead of the full report")

    def handle(self, *args, organisation, assessment, out, language, summary=False,
               **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"unknown organisation {organisation!r}")
        access = OrgAccess(user=None, organisation=org, role=Role.OWNER)
        target = None
        if assessment:
            try:
                public_id = uuid.UUID(assessment)
            except ValueError as exc:
                raise CommandError(f"--assessment must be a UUID, got {assessment!r}") from exc
            target = (Assessment.objects.filter(organisation=org, public_id=public_id)
                      .select_related("department", "model_version__model").first())
            if target is None:
                raise CommandError(f"no assessment {assessment} in {organisation!r}")
        variant = Report.Variant.SUMMARY if summary else Report.Variant.FULL
        requested = services.report_request(by=access, assessment=target, language=language,
                                             variant=variant, send=False)
        report = requested.report
        if not report.is_ready:
            claimed = services.claim_report(report.pk, worker=services.worker_id())
            if claimed is None:
                raise CommandError(f"report {report.public_id} is being rendered by a worker; "
                                   "try again in a moment")
            try:
                report = services.render_report(claimed)
            except Exception as exc:
                # The page shows this reason: in the report's language, like the worker.
                with translation.override(claimed.language):
                    services.fail_report(claimed, reason=_("Rendering failed: %(error)s") % {
                        "error": short_error(exc)})
                raise CommandError(f"rendering failed: {exc}") from exc
            if report.status != Report.Status.READY:
                raise CommandError(f"rendering did not finish: {report.status}")
        out.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(report.file.name, "rb") as source, out.open("wb") as target_file:
            shutil.copyfileobj(source, target_file)
        how = "reused" if requested.reused else "rendered"
        self.stdout.write(f"{out} ({how}, {out.stat().st_size} bytes)")
