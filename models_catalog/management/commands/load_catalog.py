from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from models_catalog.documents import (
    DocumentError,
    document_hash,
    import_document,
    parse,
    record_carried_from,
    validate_document,
)
from models_catalog.models import MaturityModel

CATALOGUE = Path(__file__).resolve().parents[2] / "catalogue"


class Command(BaseCommand):
    help = ("Load every catalogue/*.yaml as a shipped, published model. Idempotent: an "
            "unchanged file changes nothing; a changed file becomes a new published "
            "version and the previous one is retired.")

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=CATALOGUE,
                            help="where the catalogue files are (default: %(default)s)")

    @no_translations  # problems are reported in English, whatever LANGUAGE_CODE says
    def handle(self, *args, directory, **options):
        files = sorted(directory.glob("*.yaml"))
        failed = 0
        for path in files:
            data, problems = parse(path.read_bytes(), filename=path.name)
            try:
                if problems:
                    raise DocumentError(problems)
                self.stdout.write(f"{path.name}: {self._load(data)}")
            except DocumentError as error:
                failed += 1
                for problem in error.problems:
                    self.stderr.write(f"{path.name}: {problem}")
        if failed:
            raise CommandError(f"{failed} of {len(files)} catalogue file(s) not loaded",
                               returncode=2)

    @transaction.atomic
    def _load(self, data) -> str:
        problems = validate_document(data)
        if problems:
            raise DocumentError(problems)
        slug = data["model"]["slug"]
        model = MaturityModel.objects.select_for_update().filter(slug=slug,
                                                                  owner=None).first()
        if model is not None:
            # Compared with the newest version whatever its status, so a version that
            # staff retired on purpose is not brought back by the next start-up.
            latest = model.versions.order_by("-number").first()
            if latest is not None and latest.content_hash == document_hash(data):
                if record_carried_from(latest, data):
                    return (f"{slug} unchanged (version {latest.number}, {latest.status}); "
                            "its carried_from mapping recorded")
                return f"{slug} unchanged (version {latest.number}, {latest.status})"
        version = import_document(data, organisation=None, publish=True)
        return f"{slug} version {version.number} published"
