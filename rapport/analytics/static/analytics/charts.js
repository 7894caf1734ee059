// Draws a report's chart with ECharts from the JSON the page embeds (the same data as the
// tables and the export). Without JavaScript the tables below are the report.
// Bars and lines share an x axis; `kind: "heatmap"` draws x × y cells coloured by value.
(function () {
  "use strict";
  function heatmapOption(data) {
    var values = data.series[0].data.map(function (cell) { return cell[2]; });
    var max = values.length ? Math.max.apply(null, values) : 0;
    return {
      tooltip: { position: "top" },
      grid: { left: 90, right: 20, top: 20, bottom: 80 },
      xAxis: { type: "category", data: data.x, splitArea: { show: true } },
      yAxis: { type: "category", data: data.y, splitArea: { show: true } },
      visualMap: {
        min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 10
      },
      series: data.series.map(function (s) {
        return { name: s.name, type: "heatmap", data: s.data, label: { show: false } };
      })
    };
  }
  function axisOption(data) {
    var twoAxes = data.series.some(function (s) { return s.yAxisIndex === 1; });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: twoAxes ? 60 : 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.x },
      yAxis: twoAxes ? [{ type: "value" }, { type: "value" }] : { type: "value" },
      series: data.series
    };
  }
  function draw() {
    var holder = document.getElementById("report-chart");
    var source = document.getElementById("report-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.x || data.x.length === 0 || !data.series.length) return;
    if (data.kind === "heatmap" && (!data.y || data.y.length === 0)) return;
    holder.style.height = data.kind === "heatmap" ? Math.max(260, 40 + 28 * data.y.length + 80) + "px" : "360px";
    var chart = window.echarts.init(holder);
    chart.setOption(data.kind === "heatmap" ? heatmapOption(data) : axisOption(data));
    holder.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
