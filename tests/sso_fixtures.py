"""A real OpenID Connect provider and a real DNS server for tests/test_sso.py.

The provider is node-oidc-provider (tests/oidc_idp/idp.mjs), run by Node.js as a child
process; `make test` installs it with npm (scripts/test.sh). Without Node.js the SSO
tests are skipped, except where REQUIRE_OIDC_PROVIDER=1 (CI) makes that a failure.
The DNS server is dnslib's, answering the TXT records a test publishes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

IDP_DIR = Path(__file__).resolve().parent / "oidc_idp"
CLIENT_ID = "maturity-desk"
CLIENT_SECRET = "test-client-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_OIDC_PROVIDER") == "1":
        pytest.fail(f"the OpenID Connect test provider cannot run: {reason}")
    pytest.skip(f"the OpenID Connect test provider cannot run: {reason}")


class Provider:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(live_url: str, slugs=("acme",), misbehave: str = "") -> Provider:
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is not installed")
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        _unavailable("run `npm ci` in tests/oidc_idp (make test does)")
    port = free_port()
    clients = [{
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{live_url}/accounts/sso/{slug}/login/callback/" for slug in slugs],
        "post_logout_redirect_uris": [f"{live_url}/accounts/login/"],
    }]
    env = {**os.environ, "PORT": str(port), "CLIENTS": json.dumps(clients),
           "MISBEHAVE": misbehave, "DEBUG": ""}
    process = subprocess.Popen([node, str(IDP_DIR / "idp.mjs")], cwd=IDP_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    provider = Provider(process, port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{provider.issuer}/.well-known/openid-configuration",
                            timeout=1).ok:
                return provider
        except requests.RequestException:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    provider.stop()
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    pytest.fail(f"the OpenID Connect test provider did not start:\n{output}")


# --- A DNS server ----------------------------------------------------------------------


class DNS:
    """TXT records the tests publish, served over UDP on 127.0.0.1."""

    def __init__(self):
        from dnslib import QTYPE, RCODE, RR, TXT
        from dnslib.server import BaseResolver, DNSServer

        records = self.records = {}

        class Resolver(BaseResolver):
            def resolve(self, request, handler):
                reply = request.reply()
                name = str(request.q.qname).rstrip(".").lower()
                if name not in records:
                    reply.header.rcode = RCODE.NXDOMAIN
                elif request.q.qtype == QTYPE.TXT:
                    for value in records[name]:
                        reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value),
                                            ttl=60))
                return reply

        self.port = free_port()
        self.server = DNSServer(Resolver(), port=self.port, address="127.0.0.1")
        self.server.start_thread()

    def publish(self, name: str, value: str) -> None:
        self.records.setdefault(name.lower(), []).append(value)

    def stop(self) -> None:
        self.server.stop()


# --- Following a sign-in as a browser without JavaScript would ------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "",
                               "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        elif (tag in ("input", "button") and self.forms and attrs.get("name")
              and (attrs.get("type") not in ("submit", "checkbox") or "checked" in attrs)):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Visitor:
    """A requests session that submits a page's POST forms, like a person clicking."""

    def __init__(self):
        self.session = requests.Session()
        self.response: requests.Response | None = None

    def get(self, url: str) -> requests.Response:
        self.response = self.session.get(url, timeout=15)
        return self.response

    def submit(self, values: dict | None = None, *, action: str | None = None
               ) -> requests.Response:
        """Submit the page's POST form (the one posting to ``action`` if given; the
        language picker in the navigation bar is never the one)."""
        assert self.response is not None
        forms = [f for f in forms_of(self.response.text) if f["method"] == "post"
                 and not f["action"].endswith("/i18n/setlang/")
                 and (action is None or f["action"] == action)]
        assert forms, f"no form on {self.response.url}:\n{self.response.text[:2000]}"
        form = forms[0]
        self.response = self.session.post(urljoin(self.response.url, form["action"]),
                                          data={**form["fields"], **(values or {})},
                                          timeout=15)
        return self.response

    def sign_in_through(self, live_url: str, email: str) -> requests.Response:
        """The whole journey: our start page, the provider's login and consent pages,
        back to the app."""
        self.get(f"{live_url}/accounts/sso/")
        self.submit({"email": email})          # which organisation: the continue page
        assert self.response.ok, self.response.text[:2000]
        self.submit()                          # to the provider's login page
        if "/interaction/" not in self.response.url:
            return self.response               # refused before the provider
        self.submit({"login": email, "password": "anything"})
        while "/interaction/" in self.response.url:  # consent
            self.submit()
        return self.response
