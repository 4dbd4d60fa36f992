"""The results and report pages in a real browser, on a phone (390 px) and a laptop
(1280 px): every chart fits its container, no label is cut off, and on the phone the
page does not scroll sideways. Screenshots of each page at both widths go to
artifacts/e2e/. The first screen's charts are SVG drawn on the server
(reports/chart_svg.py), held to the same measures."""

import pytest

from assessments.demo import seed as seed_assessments
from assessments.models import Assessment
from organisations.demo import seed_organisations

from .browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-demo-password"
WIDTHS = (390, 1280)

# Every chart's SVG against its container, and every piece of text drawn in it
# against the SVG (a label plotly placed outside the SVG is cut off on screen).
MEASURE = """() => {
  const doc = document.documentElement;
  const charts = [...document.querySelectorAll('[data-chart]')].map(el => {
    const svg = el.querySelector('svg.main-svg');
    if (!svg) return {id: el.dataset.chart, drawn: false};
    const box = el.getBoundingClientRect();
    const area = svg.getBoundingClientRect();
    const cut = [...el.querySelectorAll('svg text')].filter(t => {
      const r = t.getBoundingClientRect();
      if (!r.width || !t.textContent.trim()) return false;
      return r.left < area.left - 2 || r.right > area.right + 2
          || r.top < area.top - 2 || r.bottom > area.bottom + 2;
    }).map(t => t.textContent);
    return {id: el.dataset.chart, drawn: true, container: box.width, svg: area.width, cut};
  });
  // The charts drawn on the server: inside their column, and no text outside the SVG.
  document.querySelectorAll('svg[data-svg-chart]').forEach(svg => {
    const area = svg.getBoundingClientRect();
    const box = svg.parentElement.getBoundingClientRect();
    const cut = [...svg.querySelectorAll('text')].filter(t => {
      const r = t.getBoundingClientRect();
      return r.width && (r.left < area.left - 1 || r.right > area.right + 1
                         || r.top < area.top - 1 || r.bottom > area.bottom + 1);
    }).map(t => t.textContent);
    charts.push({id: svg.dataset.svgChart, drawn: true, container: box.width,
                 svg: area.width, cut});
  });
  // A table box that scrolls sideways can be reached and scrolled with the keyboard.
  const stuck = [...document.querySelectorAll('.table-responsive')]
    .filter(box => box.scrollWidth > box.clientWidth + 1)
    .filter(box => box.getAttribute('tabindex') !== '0' || box.getAttribute('role') !== 'region'
                   || !box.getAttribute('aria-label'))
    .map(box => box.textContent.trim().slice(0, 60));
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, charts, stuck};
}"""


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    orgs = seed_organisations()
    seed_assessments(orgs)
    return orgs


def draw_every_chart(page) -> None:
    """Charts are drawn as they scroll into view: scroll through the page."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height + 400, 400):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
    count = page.locator("[data-chart]").count()
    page.wait_for_function(
        f"document.querySelectorAll('[data-chart] svg.main-svg').length >= {count}")
    page.evaluate("window.scrollTo(0, 0)")


def check_page(page, url: str, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        draw_every_chart(page)
        page.shots(page, f"{name}-{width}")
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= measured["clientWidth"], (name, width, measured)
        assert not measured["stuck"], (name, width, measured["stuck"])
        for chart in measured["charts"]:
            assert chart["drawn"], (name, width, chart)
            assert chart["svg"] <= chart["container"] + 1, (name, width, chart)
            assert not chart["cut"], (name, width, chart)


def test_results_and_reports_fit_a_phone_and_a_laptop(live_server, page, demo):
    sign_in(page, live_server, "manager@acme.example", PASSWORD)
    # A round answered by several people, so that the disagreement chart is drawn.
    round_ = max(Assessment.objects.filter(organisation__slug="acme")
                 .exclude(status="draft").select_related("department"),
                 key=lambda a: (a.responses.filter(submitted_at__isnull=False).count(),
                                a.created_at))
    base = f"{live_server.url}/o/acme"
    check_page(page, f"{base}/assessments/{round_.public_id}/", "round-results")
    check_page(page, f"{base}/reports/assessments/{round_.public_id}/", "assessment-report")
    check_page(page, f"{base}/reports/", "organisation-report")


def test_the_consultancys_portfolio_report_fits_a_phone_and_a_laptop(live_server, page,
                                                                       demo):
    sign_in(page, live_server, "consultant@example.com", PASSWORD)
    check_page(page, f"{live_server.url}/o/northwind/reports/", "portfolio-report")
