// Draws a report's chart with ECharts from the JSON the page embeds (the same data as the
// tables and the export). Without JavaScript the tables below are the report.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("report-chart");
    var source = document.getElementById("report-chart-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.x || data.x.length === 0) return;
    holder.style.height = "360px";
    var twoAxes = data.series.some(function (s) { return s.yAxisIndex === 1; });
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: twoAxes ? 60 : 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.x },
      yAxis: twoAxes ? [{ type: "value" }, { type: "value" }] : { type: "value" },
      series: data.series
    });
    holder.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
