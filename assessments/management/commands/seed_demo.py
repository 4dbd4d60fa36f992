from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from organisations import changes
from organisations.demo import CONSULTANT_EMAIL, demo_password, seed_organisations
from organisations.models import Organisation


def demo_steps():
    """Each installed app's ``demo.seed(orgs)``, in INSTALLED_APPS order (so an app's
    demo runs after the demos of the apps it builds on). A step may return lines worth
    printing after the login (e.g. a respondent's link)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if find_spec(config.name) and find_spec(name):
            seed = getattr(import_module(name), "seed", None)
            if callable(seed):
                yield seed


class Command(BaseCommand):
    help = "Create the demo consultancy, clients, people and assessment rounds (idempotent)."

    def handle(self, *args, **options):
        orgs = seed_organisations()
        notes = []
        for seed in demo_steps():
            notes.extend(seed(orgs) or ())
        # Some demo answers are written in bulk, which organisations.changes does not
        # follow: every organisation's pages are rendered afresh.
        changes.replace(Organisation.objects.values_list("pk", flat=True))
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Sign in as {CONSULTANT_EMAIL} "
            f"(or manager@acme.example, exec@acme.example, manager@globex.example, "
            f"exec@globex.example) with the password: {demo_password()}"
        ))
        for note in notes:
            self.stdout.write(note)
