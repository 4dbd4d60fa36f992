from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        from . import changes
        from .models import Department, Invitation, Membership, Organisation
        from .security import connect_signals

        connect_signals()
        # What an organisation's home page shows (organisations.changes).
        changes.track(Organisation, "id", "parent_id", "clients__id",
                      organisations=changes.organisation_and_relatives)
        for model in (Department, Membership, Invitation):
            changes.track(model, "organisation_id")
