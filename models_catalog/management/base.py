from django.core.management.base import BaseCommand


class ModelVersionCommand(BaseCommand):
    """A command with its own ``--version N`` (a model version), which replaces Django's
    ``--version`` (the Django version) instead of clashing with it."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_version_argument(self, parser, help_text: str) -> None:
        parser.add_argument("--version", dest="number", type=int, default=None,
                            metavar="N", help=help_text)
