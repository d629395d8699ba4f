// modelreg's web UI: draws the charts whose data the page carries in <script type="application/json"> blocks.
// No inline scripts anywhere (the Content-Security-Policy forbids them); htmx handles forms by itself.
"use strict";

function drawChart(figure) {
  const block = figure.querySelector("script.chart-data");
  const target = figure.querySelector(".plot");
  if (!block || !target || target.dataset.drawn) return;
  const chart = JSON.parse(block.textContent);
  const production = chart.numbers.map((n, i) => (n === chart.production ? chart.values[i] : null));
  const width = Math.max(240, target.clientWidth || 320);
  const options = {
    width: width,
    height: 200,
    legend: { show: true },
    scales: { x: { time: false } },
    // Versions are whole numbers: ticks at whole steps only, labelled v1, v2, ...
    axes: [{ label: "version", incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, ticks) => ticks.map((t) => "v" + t) }, { size: 60 }],
    series: [
      { label: "version" },
      { label: chart.metric, stroke: "#1f5fbf", width: 2, points: { size: 5 }, spanGaps: true },
      { label: "production", stroke: "#b3261e", width: 0, points: { size: 11, fill: "#b3261e" } },
    ],
  };
  target.dataset.drawn = "1";
  new uPlot(options, [chart.numbers, chart.values, production], target);
}

function drawCharts(root) {
  if (typeof uPlot === "undefined") return;
  root.querySelectorAll("figure.chart").forEach(drawChart);
}

document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSwap", (event) => drawCharts(event.target));
