from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "improvement"
    verbose_name = _("Action plans")

    def ready(self):
        from organisations import changes
        from organisations.dashboard import Panel, register
        from reports.extensions import RoundSection
        from reports.extensions import register as register_section

        from . import hooks
        from .models import Action

        changes.track(Action, "organisation_id")

        register(Panel(key="overdue_actions", template="improvement/_home_panel.html",
                       context=hooks.overdue_panel, order=-5, wide=True))
        register_section(RoundSection(
            key="actions", template="improvement/_report_actions.html",
            pdf_template="improvement/_pdf_actions.html", context=hooks.report_section,
            fingerprint=hooks.report_fingerprint))
        hooks.connect()
