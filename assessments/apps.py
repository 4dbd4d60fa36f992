from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from organisations import changes
        from organisations.dashboard import Panel, register

        from .models import Assessment, Response
        from .selectors import waiting_for_member

        # What an organisation's home page shows (organisations.changes).
        changes.track(Assessment, "organisation_id")
        changes.track(Response, "assessment__organisation_id")

        def waiting(access):
            responses = waiting_for_member(access)
            return {"responses": responses} if responses else None

        # Above the overview: what a member came to do.
        register(Panel(key="waiting", template="assessments/_waiting_panel.html",
                       context=waiting, order=-10, wide=True))
