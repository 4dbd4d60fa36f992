from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "peers"
    verbose_name = _("Benchmark")

    def ready(self):
        from assessments.signals import round_status_changed

        from .services import round_moved

        round_status_changed.connect(round_moved, dispatch_uid="peers.round_moved")
