// Draws the page's charts with Plotly from the JSON data block (no inline script: CSP script-src 'self').
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("chart-data");
  if (!block || typeof Plotly === "undefined") { return; }
  var charts = JSON.parse(block.textContent);
  charts.forEach(function (chart) {
    var element = document.getElementById(chart.id);
    if (!element) { return; }
    if (!chart.traces.length) {
      element.classList.add("empty");
      element.textContent = "nothing in this range";
      return;
    }
    var layout = Object.assign({autosize: true, font: {family: "system-ui, sans-serif", size: 12}}, chart.layout);
    Plotly.newPlot(element, chart.traces, layout, {displaylogo: false, responsive: true})
      .then(function () { element.setAttribute("data-rendered", "true"); });
  });
});
