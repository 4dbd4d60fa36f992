#!/usr/bin/env bash
# Rebuilds static/vendor/plotly/plotly.min.js: plotly.js with only the trace types the
# product draws (entry.js), about a quarter of the full bundle. The result is committed,
# so neither `make run`, CI nor the Docker image needs Node.js; run this after changing
# entry.js or the plotly.js version in package.json (needs node and npm).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
version=$(node -p "require('plotly.js/package.json').version")
banner="/* plotly.js $version - Copyright 2012-2026 Plotly, Inc. - MIT license."
banner="$banner Traces: bar, scatter, scatterpolar (scripts/plotly/entry.js). */"
# plotly.js refers to `global` (a Node.js name); in the browser that is `window`. Its
# stylesheets are for map traces, which the product does not draw.
npx esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --loader:.css=empty --legal-comments=eof --banner:js="$banner" \
  --outfile=../../static/vendor/plotly/plotly.min.js --log-level=warning
ls -l ../../static/vendor/plotly/plotly.min.js
