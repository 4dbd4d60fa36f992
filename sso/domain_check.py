"""Proving that an organisation owns an email domain: a TXT record it publishes.

The owner publishes ``maturity-desk-verification=<code>`` as a TXT record at
``_maturity-desk.<domain>``; only someone who runs the domain's DNS can. Resolved with
dnspython through the system's resolver, or the servers in ``SSO_DNS_NAMESERVERS``
("host" or "host:port", which the tests point at a DNS server of their own).
"""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings


class LookupFailed(Exception):
    """The DNS could not be asked (timeout, no server): say so, change nothing."""


def _resolver() -> dns.resolver.Resolver:
    servers = getattr(settings, "SSO_DNS_NAMESERVERS", [])
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [s.rpartition(":")[0] if ":" in s else s for s in servers]
        ports = {s.rpartition(":")[2] for s in servers if ":" in s}
        if ports:
            resolver.port = int(ports.pop())
    resolver.lifetime = 4.0
    return resolver


def txt_values(name: str) -> list[str]:
    """The TXT strings published at ``name`` ([] when there are none)."""
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise LookupFailed(str(exc)) from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
