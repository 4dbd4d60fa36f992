// Report pages: draw the plotly charts from their JSON data blocks, and follow a PDF's
// progress by polling its status endpoint. No inline script anywhere (strict CSP).
(function () {
  "use strict";

  // plotly.js is loaded only when the first chart comes near the viewport, and each chart
  // is drawn as it scrolls into view: the page's text is readable and usable at once,
  // and a phone does not parse and draw charts nobody has scrolled to yet.
  var PLOTLY_SRC = document.currentScript && document.currentScript.dataset.plotly;
  var plotlyLoading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = PLOTLY_SRC;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // Nested objects are merged, anything else (arrays included) replaced.
  function merge(target, patch) {
    Object.keys(patch).forEach(function (key) {
      target[key] = isObject(patch[key]) && isObject(target[key])
        ? merge(Object.assign({}, target[key]), patch[key]) : patch[key];
    });
    return target;
  }

  // The figure for a container this wide: reports/charts.py puts a phone's variant
  // (shorter labels, smaller fonts, legends below) in layout.meta.narrow.
  function variant(fig, width) {
    var layout = Object.assign({}, fig.layout || {});
    var data = (fig.data || []).map(function (trace) { return Object.assign({}, trace); });
    var meta = layout.meta || {};
    var narrow = meta.narrow;
    delete layout.meta;
    var isNarrow = !!narrow && width < narrow.width;
    if (isNarrow) {
      merge(layout, narrow.layout || {});
      (narrow.data || []).forEach(function (patch, i) { if (patch && data[i]) merge(data[i], patch); });
    }
    // A chart that prints its values is drawn static (no hover, no event layers):
    // cheaper on a phone's main thread.
    var isStatic = meta.static === true || (meta.static === "wide" && !isNarrow);
    return { data: data, layout: layout, narrow: isNarrow, isStatic: isStatic };
  }

  // Returns a promise that settles when the chart is drawn (or could not be).
  function draw(el, Plotly) {
    var data = document.getElementById(el.dataset.chart);
    if (!data) return Promise.resolve();
    var fig;
    try { fig = JSON.parse(data.textContent); } catch (e) { return Promise.resolve(); }
    // Decimal comma and a space between thousands in sv/hu/nb, as the page's text.
    var lang = (document.documentElement.lang || "en").slice(0, 2);
    var separators = lang === "en" ? ".," : ", ";
    var shown = variant(fig, el.clientWidth || window.innerWidth);
    var layout = Object.assign(shown.layout, { autosize: true, separators: separators });
    delete layout.width;
    el.dataset.narrow = shown.narrow ? "1" : "0";
    el.chartFigure = fig;
    // No mode bar: its tooltips are English-only, and the page offers CSV, XLSX and PDF.
    return Promise.resolve(Plotly.newPlot(el, shown.data, layout, {
      responsive: true, displaylogo: false, displayModeBar: false, staticPlot: shown.isStatic,
    })).catch(function () {});
  }

  // One chart at a time, each in its own task once the browser is idle: parsing
  // plotly.js and drawing each chart are separate tasks, so a tap or a scroll is never
  // blocked behind several charts drawn in one go.
  var queue = [];
  var pumping = false;

  function whenIdle(fn) {
    if ("requestIdleCallback" in window) window.requestIdleCallback(fn, { timeout: 300 });
    else setTimeout(fn, 16);
  }

  function pump() {
    if (pumping || !queue.length) return;
    pumping = true;
    loadPlotly().then(function (Plotly) {
      function next() {
        var el = queue.shift();
        if (!el) { pumping = false; return; }
        draw(el, Plotly).then(function () { whenIdle(next); });
      }
      whenIdle(next);
    }, function () { pumping = false; });
  }

  function enqueue(el) { queue.push(el); pump(); }

  // A phone turned sideways (or a window resized) past the narrow width: redraw the
  // charts already drawn in the other variant; plotly's own resizing does the rest.
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll("[data-chart][data-narrow]").forEach(function (el) {
        if (!el.chartFigure || !window.Plotly) return;
        var shown = variant(el.chartFigure, el.clientWidth);
        if ((shown.narrow ? "1" : "0") !== el.dataset.narrow) enqueue(el);
      });
    }, 250);
  });

  function drawCharts() {
    var charts = document.querySelectorAll("[data-chart]");
    if (!("IntersectionObserver" in window)) { charts.forEach(enqueue); return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        enqueue(entry.target);
      });
    }, { rootMargin: "200px 0px" });
    charts.forEach(function (el) { observer.observe(el); });
  }

  var BADGES = { queued: "text-bg-info", rendering: "text-bg-info", ready: "text-bg-success", failed: "text-bg-danger" };

  function show(el, visible) { if (el) el.classList.toggle("d-none", !visible); }

  function update(panel, state) {
    var label = panel.querySelector("[data-role=label]");
    if (label) {
      label.textContent = state.label;
      label.className = "badge " + (BADGES[state.status] || "text-bg-secondary");
    }
    show(panel.querySelector("[data-role=progress]"), !state.done);
    var error = panel.querySelector("[data-role=error]");
    if (error) { error.textContent = state.error || ""; show(error, state.status === "failed"); }
    var download = panel.querySelector("[data-role=download]");
    if (download) {
      if (state.download_url) download.href = state.download_url;
      show(download, state.ready);
    }
    var retry = panel.querySelector("[data-role=retry]");
    if (retry) {
      if (state.retry_url) retry.action = state.retry_url;
      show(retry, state.status === "failed");
    }
    panel.dataset.status = state.status;
  }

  function follow(panel) {
    var url = panel.dataset.statusUrl;
    var delay = 1000;
    var stopped = false;
    function poll() {
      if (stopped) return;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (state) {
          update(panel, state);
          if (!state.done) { delay = Math.min(delay * 1.3, 5000); setTimeout(poll, delay); }
        })
        .catch(function () { delay = Math.min(delay * 2, 15000); setTimeout(poll, delay); });
    }
    if (panel.dataset.status === "queued" || panel.dataset.status === "rendering") setTimeout(poll, delay);
    var retry = panel.querySelector("[data-role=retry]");
    if (retry) {
      retry.addEventListener("submit", function (event) {
        event.preventDefault();
        fetch(retry.action, {
          method: "POST", body: new FormData(retry), credentials: "same-origin",
          headers: { Accept: "application/json" },
        }).then(function (r) { return r.json(); }).then(function (state) {
          update(panel, state);
          if (state.id && state.download_url === null && !state.done) {
            panel.dataset.statusUrl = url = url.replace(/files\/[^/]+\//, "files/" + state.id + "/");
          }
          delay = 1000; setTimeout(poll, delay);
        }).catch(function () { retry.submit(); });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    document.querySelectorAll("[data-report-status]").forEach(follow);
  });
})();
