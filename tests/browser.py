"""Playwright driving Debian's chromium against pytest-django's live server.

The browser is the machine's own (/usr/bin/chromium, or CHROMIUM_PATH): a test
tool's browser download cannot work here. Screenshots of every step go to
artifacts/e2e/ so a failed CI run can be looked at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("chromium is not installed (Debian package 'chromium'; make test installs it)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls
    # from the test body are still synchronous, so allow them explicitly.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^\w-]+', '-', step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.shots = Shots(request.node.name)
    yield page
    context.close()


def sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
