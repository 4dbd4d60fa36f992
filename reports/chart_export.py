"""Plotly figures to SVG through kaleido, with one browser per process.

Kaleido 1.x drives a headless Chromium. Starting it costs seconds, so each process
starts one chart server on first use and keeps it: a chart never starts a browser.
We run kaleido's asynchronous API on a private event loop thread instead of
``kaleido.start_sync_server()``: that server's ``call_function`` waits on a queue
without a timeout, so a browser that failed to start would hang a worker for good,
whereas here every call has a deadline and a dead browser is restarted on next use.

The browser is Debian's Chromium (``BROWSER_PATH``, default ``/usr/bin/chromium``);
plotly.js comes from the plotly package and MathJax is off, so nothing is fetched
from the network (kaleido's default MathJax is a CDN URL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import plotly
import plotly.graph_objects as go

logger = logging.getLogger(__name__)
# kaleido and choreographer log every tab hand-over at INFO; a worker's log needs none.
for _noisy in ("kaleido", "choreographer", "logistro"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
START_TIMEOUT = 60.0
RENDER_TIMEOUT = 30.0
# kaleido reloads its tab after every figure, which takes longer than the render
# itself (benchmarks/README.md, "Figures behind design choices"). Its page already
# purges each plot after export, so we reload only now and then, to bound its memory.
RELOAD_EVERY = 50


class ChartExportError(RuntimeError):
    """A chart could not be exported (no browser, a crash, a timeout)."""


def browser_path() -> str:
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium"


# Chromium flags for a browser that only turns plotly figures into SVG: one renderer,
# no site isolation, no GPU or software rasteriser (SVG export draws nothing), a
# bounded JavaScript heap, so that it takes less memory than kaleido's defaults
# (figures behind such choices: benchmarks/README.md).
LEAN_FLAGS = (
    "--renderer-process-limit=1",
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,Translate,OptimizationHints,MediaRouter,"
    "BackForwardCache",
    "--disable-software-rasterizer",
    "--in-process-gpu",
    "--js-flags=--max-old-space-size=192",
)


def _browser_class():
    from choreographer.browsers.chromium import Chromium

    class LeanChromium(Chromium):
        def get_cli(self):
            return [*super().get_cli(), *LEAN_FLAGS]

    return LeanChromium


def _kaleido_class():
    import kaleido

    class ChartKaleido(kaleido.Kaleido):
        _renders = 0

        async def _return_kaleido_tab(self, tab) -> None:
            self._renders += 1
            if self._renders % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return ChartKaleido


class ChartServer:
    """A headless browser with plotly.js loaded, on its own event loop thread."""

    def __init__(self, *, tabs: int = 1):
        self.tabs = tabs
        self.pid = os.getpid()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chart-server",
                                        daemon=True)
        self._thread.start()
        self._kaleido = None
        try:
            self._kaleido = self._call(self._open(), START_TIMEOUT)
        except BaseException:
            self.close()
            raise

    async def _open(self):
        # browser_cls is choreographer's documented hook for the browser it launches.
        k = _kaleido_class()(n=self.tabs, timeout=RENDER_TIMEOUT, path=browser_path(),
                             plotlyjs=str(PLOTLY_JS), mathjax=False,
                             browser_cls=_browser_class())
        await k.open()
        return k

    def _call(self, coroutine, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout as exc:
            future.cancel()
            raise ChartExportError(f"the chart browser did not answer in {timeout:.0f} s") \
                from exc

    @property
    def alive(self) -> bool:
        return (self._kaleido is not None and self._thread.is_alive()
                and self.pid == os.getpid())

    def svg(self, figure: go.Figure | dict, *, width: int, height: int) -> str:
        spec = figure.to_dict() if isinstance(figure, go.Figure) else figure
        opts = {"format": "svg", "width": width, "height": height}
        return self._call(self._kaleido.calc_fig(spec, opts=opts), RENDER_TIMEOUT + 5) \
            .decode("utf-8")

    def submit(self, figure: go.Figure | dict, *, width: int, height: int) -> Future:
        """Start exporting one figure; the future's result is the SVG as bytes."""
        spec = figure.to_dict() if isinstance(figure, go.Figure) else figure
        opts = {"format": "svg", "width": width, "height": height}
        return asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(spec, opts=opts),
                                                self._loop)

    def close(self) -> None:
        if self._kaleido is not None and self._thread.is_alive():
            try:
                self._call(self._kaleido.close(), 20)
            except Exception:  # noqa: BLE001 - closing is best effort
                logger.warning("The chart browser did not close cleanly", exc_info=True)
        self._kaleido = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)


_server: ChartServer | None = None
_lock = threading.Lock()


def chart_server() -> ChartServer:
    """This process's chart server, started on first use (and after a fork or crash)."""
    global _server
    with _lock:
        if _server is None or not _server.alive:
            if _server is not None and _server.pid == os.getpid():
                _server.close()
            try:
                # One tab: the charts of a PDF are drawn while WeasyPrint lays out the
                # text, so a second tab would save no time and cost a tab's memory.
                _server = ChartServer(tabs=int(os.environ.get("CHART_TABS", "1")))
            except ChartExportError:
                raise
            except Exception as exc:
                raise ChartExportError(f"the chart browser could not start: {exc}") from exc
            logger.info("Chart server started (pid %s, browser %s)", os.getpid(),
                        browser_path())
        return _server


def stop_chart_server() -> None:
    global _server
    with _lock:
        if _server is not None and _server.pid == os.getpid():
            _server.close()
        _server = None


def _render(call):
    """Run ``call(server)``; a browser that died is restarted once and the call retried."""
    try:
        return call(chart_server())
    except ChartExportError:
        raise
    except Exception as exc:  # a dead browser surfaces as choreographer/asyncio errors
        logger.warning("Chart export failed (%s); restarting the chart browser", exc)
        stop_chart_server()
        try:
            return call(chart_server())
        except ChartExportError:
            raise
        except Exception as exc2:
            raise ChartExportError(f"the chart could not be exported: {exc2}") from exc2


def figure_to_svg(figure: go.Figure | dict, *, width: int = 720, height: int | None = None) -> str:
    """One figure as an SVG document (vector: text stays text, shapes stay paths)."""
    height = height or _height(figure)
    return _render(lambda server: server.svg(figure, width=width, height=height))


def submit_figures(figures: list[tuple[go.Figure | dict, int, int | None]]) -> list[Future]:
    """Start exporting several figures and return at once: the browser draws them while
    the caller does other work (the PDF layout), on the machine's other core."""
    server = chart_server()
    return [server.submit(fig, width=width, height=height or _height(fig))
            for fig, width, height in figures]


def _height(figure: go.Figure | dict) -> int:
    if isinstance(figure, go.Figure):
        height = figure.layout.height
    else:
        height = (figure.get("layout") or {}).get("height")
    return int(height or 420)
