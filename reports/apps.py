from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from organisations import changes
        from organisations.dashboard import Panel, register

        from .models import Report
        from .views import overview_panel

        changes.track(Report, "organisation_id")
        register(Panel(key="overview", template="reports/_overview_panel.html",
                       context=overview_panel, order=0, wide=True))
