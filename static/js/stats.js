// Patrol statistics: two bar charts drawn from the figures the page carries in a JSON tag
// (#stats-data). The tables below the charts hold the same numbers for screen readers and print.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("stats-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const narrow = () => window.innerWidth < 576;

  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({ aria: { enabled: true }, animation: false, ...option });
    charts.push(chart);
  };

  // A long list of units gets a slider instead of unreadable crowded labels.
  const slider = (count) => (count > 12 ? [{ type: "slider", start: 0, end: Math.round((12 / count) * 100) }] : []);
  const axisLabel = (count) => ({ interval: 0, rotate: count > 6 || narrow() ? 30 : 0, width: 90, overflow: "truncate" });

  draw("chart-categories", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 24, bottom: 64 },
    xAxis: { type: "category", data: data.categories, axisLabel: axisLabel(data.categories.length) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: data.names.findings,
        type: "bar",
        data: data.categoryCounts,
        itemStyle: { color: "#b3261e" },
        label: { show: true, position: "top" },
      },
    ],
  });

  draw("chart-rates", {
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === "-" || v == null ? "—" : `${v}%`) },
    grid: { left: 48, right: 16, top: 24, bottom: data.units.length > 12 ? 96 : 64 },
    xAxis: { type: "category", data: data.units, axisLabel: axisLabel(data.units.length) },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    dataZoom: slider(data.units.length),
    series: [
      {
        name: data.names.rate,
        type: "bar",
        // A unit without findings has no rate: "-" leaves its bar out instead of drawing a zero.
        data: data.rates.map((v) => (v === null ? "-" : v)),
        itemStyle: { color: "#198754" },
        label: { show: data.units.length <= 12, position: "top", formatter: "{c}%" },
      },
    ],
  });

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
});
