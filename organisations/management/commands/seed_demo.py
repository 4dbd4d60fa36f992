from importlib import import_module

from django.core.management.base import BaseCommand

from organisations.demo import CONSULTANT_EMAIL, demo_password, seed_organisations

# Each app that has demo data of its own exposes ``demo.seed(orgs)``; they run in order.
DEMO_STEPS = ("models_catalog.demo", "assessments.demo", "reports.demo")


class Command(BaseCommand):
    help = "Create the demo consultancy, clients, people and data (idempotent)."

    def handle(self, *args, **options):
        orgs = seed_organisations()
        for module_name in DEMO_STEPS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.seed(orgs)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Sign in as {CONSULTANT_EMAIL} "
            f"(or manager@acme.example, exec@acme.example, manager@globex.example, "
            f"exec@globex.example) with the password: {demo_password()}"
        ))
