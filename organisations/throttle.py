"""Throttles for the pages that email someone without a sign-in (sign-up and password
reset) and for the REST API's tokens (:func:`within_limit`). Each request to those
pages counts against the email address it names and against the client's address
(the login lockout's trusted-proxy rule, ``security.client_ip``), in fixed windows
kept in Django's cache (Redis in production, so every web process shares the counts).

The answer is the same whether or not an account exists for the address, so a
throttled request tells nothing about accounts either.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .security import client_ip, log_security_event

# Tests give each test a prefix of its own, so that counts never carry over.
PREFIX = "throttle"


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def allow(request, *, action: str, email: str) -> bool:
    """Count one request to ``action`` for ``email``; False when over either limit."""
    window = settings.THROTTLE_WINDOW_MINUTES * 60
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    address = client_ip(request) or "-"
    by_email = _count(f"{PREFIX}:{action}:email:{digest}", window)
    by_ip = _count(f"{PREFIX}:{action}:ip:{address}", window)
    allowed = by_email <= settings.THROTTLE_PER_ADDRESS and by_ip <= settings.THROTTLE_PER_IP
    if not allowed:
        log_security_event(f"{action}.throttled", request=request, username=email)
    return allowed


def refusal() -> str:
    return _("Too many requests for this address or from your network. Please try again "
             "later.")


def within_limit(key: str, *, limit: int, window: int) -> tuple[bool, int]:
    """Count one request for ``key`` in the current fixed window of ``window`` seconds:
    whether it is within ``limit``, and the seconds until the window ends (for a
    ``Retry-After``). The REST API counts each token's calls with it."""
    now = time.time()
    start = int(now // window) * window
    count = _count(f"{PREFIX}:{key}:{start}", window)
    return count <= limit, max(1, int(start + window - now + 0.999))
