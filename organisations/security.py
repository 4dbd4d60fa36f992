"""Security logging: sign-ins, sign-outs, failures, lockouts, denied access, downloads.

Every line goes to the ``maturity.security`` logger with the organisation, the
user, the action, the UTC time and the client's address, as key=value pairs that
log shippers can parse. A value that is not plain (spaces, ``=``, quotes, line
breaks, anything outside ASCII) is written as a JSON string, so whatever a client
sends (an email address, a path, a header) cannot add pairs or lines.

:func:`client_ip` is the one rule for the client's address: the login lockout
(django-axes, ``AXES_CLIENT_IP_CALLABLE``), this log and the audit trail use it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("maturity.security")


def axes_username(request, credentials) -> str:
    """Count failures per account whatever the letter case of the email."""
    username = (credentials or {}).get("username") or ""
    if not username and request is not None:
        username = request.POST.get("username", "")
    return username.strip().lower()


def client_ip(request) -> str | None:
    """The client's address, or None if there is no valid one.

    ``REMOTE_ADDR``, unless ``settings.PROXY_COUNT`` proxies stand in front of the app:
    each appends the address it was connected from to ``X-Forwarded-For``, so the
    client is the PROXY_COUNT-th entry from the right (the one the outermost proxy
    saw). Entries further left came from the client and prove nothing.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    count = settings.PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count:
            address = hops[-count]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


_PLAIN = re.compile(r"[\w.,:;@/+\-]+", re.ASCII)


def _logged(value) -> str:
    text = str(value)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def log_security_event(action: str, *, request=None, user=None, organisation=None,
                       **details) -> None:
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
    logger.info(" ".join(f"{key}={_logged(value)}" for key, value in fields.items()))


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
