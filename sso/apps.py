from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from organisations.login_policy import register

        from .policy import password_sign_in_refusal

        register(password_sign_in_refusal)
