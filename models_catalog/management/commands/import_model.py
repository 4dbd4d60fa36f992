import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from models_catalog.documents import DocumentError, import_document, parse
from organisations.models import Organisation


class Command(BaseCommand):
    help = ("Import a maturity-model/1 document (YAML or JSON) as a new version. Without "
            "--organisation the model is shipped (global, read-only to tenants).")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the document; '-' reads standard input")
        parser.add_argument("--organisation", metavar="SLUG", default=None,
                            help="the organisation that owns the model")
        parser.add_argument("--draft", action="store_true",
                            help="import as a draft instead of a published version")

    @no_translations  # problems are reported in English, whatever LANGUAGE_CODE says
    def handle(self, *args, file, organisation, draft, **options):
        organisation_obj = None
        if organisation:
            organisation_obj = Organisation.objects.filter(slug=organisation).first()
            if organisation_obj is None:
                raise CommandError(f"unknown organisation {organisation!r}")
        try:
            content = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        data, problems = parse(content, filename=file)
        try:
            if problems:
                raise DocumentError(problems)
            version = import_document(data, organisation=organisation_obj, publish=not draft,
                                      by=None)
        except DocumentError as error:
            for problem in error.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{file}: not imported, {len(error.problems)} problem(s)",
                               returncode=2) from None
        self.stdout.write(f"{version.model.slug} version {version.number} ({version.status})")
