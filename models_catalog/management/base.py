from django.core.management.base import BaseCommand, CommandError


class ModelVersionCommand(BaseCommand):
    """A command with its own ``--version N`` (a model version), which replaces Django's
    ``--version`` (the Django version) instead of clashing with it."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_owner_argument(self, parser) -> None:
        parser.add_argument(
            "--organisation", metavar="ORG_SLUG", default=None,
            help="the organisation whose own model SLUG names. Model slugs are unique "
                 "per owner; without this option SLUG names the shipped model, or, if no "
                 "shipped model has it, the one organisation's model that does")

    def owner(self, organisation: str | None, *, returncode: int = 1):
        """The Organisation named by ``--organisation``, or None for shipped models."""
        if not organisation:
            return None
        from organisations.models import Organisation

        found = Organisation.objects.filter(slug=organisation).first()
        if found is None:
            raise CommandError(f"unknown organisation {organisation!r}", returncode=returncode)
        return found

    def add_version_argument(self, parser, help_text: str) -> None:
        parser.add_argument("--version", dest="number", type=int, default=None,
                            metavar="N", help=help_text)
