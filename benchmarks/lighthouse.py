"""Lighthouse scores of the report pages (and any other page), signed in as a demo user.

Runs Google's Lighthouse (npm) with Debian's chromium against a running instance,
for example the one `make run` starts:

    PORT=8765 make run                 # in another terminal
    .venv/bin/python benchmarks/lighthouse.py --base-url http://127.0.0.1:8765

`make run` serves the static files uncompressed; the figures that count are those of
the app as deployed (`DJANGO_ENV=production`: whitenoise's compressed, hashed files),
see benchmarks/README.md. Its cookies are marked Secure; this script keeps them over
plain HTTP all the same.

It signs in through the login form, passes the session cookie to Lighthouse, finds the
organisation report and its first assessment report by itself (`--org`, default acme),
and prints, per page and form factor (mobile by default, `--desktop` too), the
performance, accessibility and best-practices scores with the figures behind the
performance score. Lighthouse comes from npm (`npx --yes lighthouse@12`), so the first
run downloads it; CHROME_PATH defaults to /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

CATEGORIES = ("performance", "accessibility", "best-practices")
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "speed-index": "SI",
    "total-blocking-time": "TBT",
    "total-byte-weight": "bytes",
}


class _Cookies(urllib.request.BaseHandler):
    """Keeps every cookie the server sets and sends it back, Secure or not: the app as
    deployed (DJANGO_ENV=production) marks its cookies Secure, and this script talks
    plain HTTP to a local server (http.cookiejar would drop them)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def http_request(self, request):
        if self.cookies:
            request.add_unredirected_header(
                "Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        return request

    def http_response(self, request, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response


def sign_in(base: str, email: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    jar = _Cookies()
    opener = urllib.request.build_opener(jar)
    login = f"{base}/accounts/login/"
    page = opener.open(login).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": email,
                                   "password": password}).encode()
    # The URL is the one given on the command line (http), so S310 does not apply.
    opener.open(urllib.request.Request(login, data=data, headers={"Referer": login}))  # noqa: S310
    if "sessionid" not in jar.cookies:
        sys.exit(f"could not sign in as {email} at {login}")
    return opener, "; ".join(f"{k}={v}" for k, v in jar.cookies.items())


def report_pages(opener, base: str, org: str) -> list[str]:
    report = f"{base}/o/{org}/reports/"
    html = opener.open(report).read().decode()
    found = re.search(rf'href="(/o/{org}/reports/assessments/[0-9a-f-]+/)"', html)
    pages = [report]
    if found:
        pages.append(base + found.group(1))
    return pages


def lighthouse(url: str, cookie: str, desktop: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        command = [
            "npx", "--yes", "lighthouse@12", url, "--quiet", "--output=json",
            f"--output-path={out}", f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
        ]
        if desktop:
            command.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(command, check=True, env=env, timeout=300)  # noqa: S603
        with open(out) as f:
            return json.load(f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="exec@acme.example")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"))
    parser.add_argument("--org", default="acme")
    parser.add_argument("--desktop", action="store_true", help="also the desktop profile")
    parser.add_argument("pages", nargs="*", help="paths to measure (default: the report pages)")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    opener, cookie = sign_in(base, args.email, args.password)
    pages = [base + p for p in args.pages] or report_pages(opener, base, args.org)
    print(f"{'page':<60} {'profile':<8} {'perf':>4} {'a11y':>4} {'bp':>4}  metrics")
    for url in pages:
        for desktop in ([False, True] if args.desktop else [False]):
            result = lighthouse(url, cookie, desktop)
            scores = [round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES]
            audits = result["audits"]
            metrics = ", ".join(
                f"{label} {audits[key]['displayValue']}" for key, label in METRICS.items()
                if audits.get(key, {}).get("displayValue"))
            path = urllib.parse.urlsplit(url).path
            print(f"{path:<60} {'desktop' if desktop else 'mobile':<8} "
                  f"{scores[0]:>4} {scores[1]:>4} {scores[2]:>4}  {metrics}", flush=True)


if __name__ == "__main__":
    main()
