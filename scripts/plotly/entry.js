// Maturity Desk's plotly.js: only the traces the product draws (reports/charts.py).
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/scatterpolar')]);
module.exports = Plotly;
