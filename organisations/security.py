"""Security logging: sign-ins, sign-outs, failures, lockouts, denied access, downloads.

Every line goes to the ``maturity.security`` logger with the organisation, the
user, the action, the UTC time and the client's address, as key=value pairs that
log shippers can parse.
"""

from __future__ import annotations

import logging

from django.utils import timezone

logger = logging.getLogger("maturity.security")


def axes_username(request, credentials) -> str:
    """Count failures per account whatever the letter case of the email."""
    username = (credentials or {}).get("username") or ""
    if not username and request is not None:
        username = request.POST.get("username", "")
    return username.strip().lower()


def client_address(request) -> str | None:
    """The client's address by the login lockout's trusted-proxy rule (django-axes with
    ``PROXY_COUNT``): a forwarded header counts only behind the configured proxies."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


def log_security_event(action: str, *, request=None, user=None, organisation=None,
                       **details) -> None:
    from .services import client_ip

    if user is None and request is not None:
        user = getattr(request, "user", None)
    who = getattr(user, "email", None) if getattr(user, "is_authenticated", False) else None
    fields = {
        "action": action,
        "time": timezone.now().isoformat(timespec="seconds"),
        "user": who or details.pop("username", None) or "-",
        "organisation": getattr(organisation, "slug", organisation) or "-",
        "address": client_ip(request) or "-",
        **details,
    }
    logger.info(" ".join(f"{key}={value}" for key, value in fields.items()))


def _logged_in(sender, request, user, **kwargs):
    log_security_event("auth.login", request=request, user=user)


def _logged_out(sender, request, user, **kwargs):
    log_security_event("auth.logout", request=request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    log_security_event("auth.login_failed", request=request,
                       username=axes_username(request, credentials) or "-")


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log_security_event("auth.locked_out", request=request, username=username or "-")


def connect_signals() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(_logged_in, dispatch_uid="security-login")
    user_logged_out.connect(_logged_out, dispatch_uid="security-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="security-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="security-locked-out")
