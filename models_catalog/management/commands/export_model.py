from django.core.management.base import CommandError

from models_catalog.documents import FORMATS, dump, export_version
from models_catalog.management.base import ModelVersionCommand
from models_catalog.selectors import find_version


class Command(ModelVersionCommand):
    help = ("Print one version of a maturity model as a maturity-model/1 document "
            "(default: the latest published version).")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        self.add_version_argument(parser, "the version number (default: the latest "
                                          "published one)")
        parser.add_argument("--format", choices=FORMATS, default="yaml")
        self.add_owner_argument(parser)

    def handle(self, *args, slug, number, format, organisation, **options):
        try:
            version = find_version(slug, number, organisation=self.owner(organisation))
        except LookupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(dump(export_version(version), format), ending="")
