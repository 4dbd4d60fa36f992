"""HTML to PDF with WeasyPrint, fetching nothing but our own files.

WeasyPrint follows every URL in a document (stylesheets, images, fonts). A report
holds tenant text, so the fetcher is closed by default: it serves the app's static
files by path, the render's own chart SVGs from memory and the organisation's logo
from storage, and refuses everything else (no network, no ``file:`` outside static,
no ``data:``, no redirects).
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from concurrent.futures import Future
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

from organisations import logos

# WeasyPrint logs every layout step at INFO; a worker's log needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

# Documents are rendered with this base URL; the fetcher answers only below it. The
# ``.invalid`` top-level domain can never resolve (RFC 2606), should anything slip.
BASE_URL = "https://report.invalid/"
CHART_PREFIX = "charts/"
CHART_TIMEOUT = 60


class RefusedURL(ValueError):
    pass


def static_file(path: str) -> Path | None:
    """The file a static path (``css/report-pdf.css``) names, from STATICFILES_DIRS or
    the app directories, else from STATIC_ROOT; None for anything outside them."""
    normalised = posixpath.normpath(unquote(path)).lstrip("/")
    if normalised.startswith("..") or "\x00" in normalised or normalised in ("", "."):
        return None
    found = finders.find(normalised)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / normalised).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


ChartSource = bytes | Future


class ReportURLFetcher(URLFetcher):
    """Serves ``BASE_URL + STATIC_URL + path`` from static files,
    ``BASE_URL + charts/<name>`` from ``charts`` and ``BASE_URL + branding/<hash>.<ext>``
    (an organisation's logo, checked when it was uploaded) from storage; refuses every
    other URL.

    A chart may still be being drawn (a future of its SVG): the fetcher waits for it,
    so that the layout of the text runs while the browser draws the charts.
    """

    def __init__(self, charts: dict[str, ChartSource] | None = None):
        # Not URLFetcher.__init__: it builds HTTP(S) handlers and an SSL context (slow,
        # see benchmarks/README.md) that this fetcher never uses: it opens no connection.
        request.OpenerDirector.__init__(self)
        self._timeout = 0
        self._http_headers = {}
        self._allowed_protocols = ("https",)
        self._fail_on_errors = False
        self._request = None
        self.charts = charts or {}
        self.refused: list[str] = []
        self.failed: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query:
            return self._refuse(url)
        path = parts.path.lstrip("/")
        if path.startswith(CHART_PREFIX):
            body = self.charts.get(path[len(CHART_PREFIX):])
            if body is None:
                return self._refuse(url)
            if isinstance(body, Future):
                try:
                    body = body.result(CHART_TIMEOUT)
                except BaseException as exc:
                    self.failed.append(f"{path}: {type(exc).__name__}: {exc}")
                    raise
            return URLFetcherResponse(url, body, {"Content-Type": "image/svg+xml"})
        if logos.LOGO_NAME.fullmatch(path):  # an organisation's logo (reports/pdf/_brand.html)
            body = logos.read(path)
            if body is None:
                return self._refuse(url)
            return URLFetcherResponse(url, body, {"Content-Type": logos.content_type(path)})
        static_prefix = urlsplit(settings.STATIC_URL).path.lstrip("/")
        if not path.startswith(static_prefix):
            return self._refuse(url)
        found = static_file(path[len(static_prefix):])
        if found is None:
            return self._refuse(url)
        content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": content_type})

    def _refuse(self, url: str):
        self.refused.append(url)
        raise RefusedURL(f"report fetcher refused {url[:200]!r}")


class ChartMissing(RuntimeError):
    """A chart the document shows could not be drawn."""


def render_document(html: str, *, charts: dict[str, ChartSource] | None = None):
    """The laid-out WeasyPrint document of ``html`` (its ``pages``, ``write_pdf()``),
    through the closed fetcher; a chart that failed fails it."""
    fetcher = ReportURLFetcher(charts)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    if fetcher.failed:
        raise ChartMissing("; ".join(fetcher.failed)[:500])
    return document


# How every report file is written: tagged (its headings, paragraphs, tables and the
# charts' alternative texts in a structure tree), so that screen readers and "reflow"
# read it in order, as the page it renders is read (WeasyPrint's ``pdf_tags``).
PDF_OPTIONS = {"pdf_tags": True}


def write_pdf(document) -> bytes:
    """The bytes of a laid-out ``render_document``, as every report file is written."""
    return document.write_pdf(**PDF_OPTIONS)


def html_to_pdf(html: str, *, charts: dict[str, ChartSource] | None = None) -> bytes:
    """The PDF of ``html`` (an A4 document styled by static/css/report-pdf.css).

    WeasyPrint leaves out an image it cannot fetch; a report without its charts is
    not one we hand out, so a chart that failed fails the render.
    """
    return write_pdf(render_document(html, charts=charts))
