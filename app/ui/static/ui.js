// modelreg's web UI: draws the charts whose data the page carries in <script type="application/json"> blocks.
// No inline scripts anywhere (the Content-Security-Policy forbids them); htmx handles forms by itself.
"use strict";

const PALETTE = ["#1f5fbf", "#b3261e", "#11713a", "#8a5a00", "#6b3fa0", "#00777a", "#a0446b", "#4a5568"];

// Several series over time (monitoring windows): {title, x: [unix seconds], series: [{label, values}]}.
function timeOptions(chart, width) {
  return {
    width: width,
    height: 220,
    legend: { live: false },
    series: [{ label: "window end" }].concat(
      chart.series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true }))
    ),
  };
}

function drawChart(figure) {
  const block = figure.querySelector("script.chart-data");
  const target = figure.querySelector(".plot");
  if (!block || !target || target.dataset.drawn) return;
  const chart = JSON.parse(block.textContent);
  const width = Math.max(240, target.clientWidth || 320);
  target.dataset.drawn = "1";
  if (chart.series) {
    new uPlot(timeOptions(chart, width), [chart.x].concat(chart.series.map((s) => s.values)), target);
    return;
  }
  const production = chart.numbers.map((n, i) => (n === chart.production ? chart.values[i] : null));
  const options = {
    width: width,
    height: 200,
    legend: { live: false },
    scales: { x: { time: false } },
    // Versions are whole numbers: ticks at whole steps only, labelled v1, v2, ...
    axes: [{ label: "version", incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, ticks) => ticks.map((t) => "v" + t) }, { size: 60 }],
    series: [
      { label: "version" },
      { label: chart.metric, stroke: "#1f5fbf", width: 2, points: { size: 5 }, spanGaps: true },
      { label: "production", stroke: "#b3261e", width: 0, points: { size: 11, fill: "#b3261e" } },
    ],
  };
  new uPlot(options, [chart.numbers, chart.values, production], target);
}

function drawCharts(root) {
  if (typeof uPlot === "undefined") return;
  root.querySelectorAll("figure.chart").forEach(drawChart);
}

document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSwap", (event) => drawCharts(event.target));
