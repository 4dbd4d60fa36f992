from django.core.management.base import BaseCommand

from assessments import demo as assessments_demo
from organisations.demo import CONSULTANT_EMAIL, demo_password, seed_organisations


class Command(BaseCommand):
    help = "Create the demo consultancy, clients, people and assessment rounds (idempotent)."

    def handle(self, *args, **options):
        orgs = seed_organisations()
        assessments_demo.seed(orgs)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Sign in as {CONSULTANT_EMAIL} "
            f"(or manager@acme.example, exec@acme.example, manager@globex.example, "
            f"exec@globex.example) with the password: {demo_password()}"
        ))
