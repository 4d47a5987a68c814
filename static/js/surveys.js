// Survey results: the five rates as bars with their 95% intervals as whiskers, and the rates
// across rounds as lines, drawn from the figures the page carries in a JSON tag (#survey-data).
// The cards and tables on the page hold the same numbers for screen readers and print.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("survey-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const narrow = () => window.innerWidth < 576;
  const pct = (v) => (v === null || v === undefined || v === "-" ? "—" : `${v}%`);

  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({ aria: { enabled: true }, animation: false, ...option });
    charts.push(chart);
  };

  // Whiskers for the intervals: a vertical line with short caps at each end, per category.
  const whiskers = data.rates.map((_, i) => [i, data.lows[i], data.highs[i]]).filter((w) => w[1] !== null);
  draw("chart-rates", {
    tooltip: {
      trigger: "axis",
      formatter: (params) => {
        const i = params[0].dataIndex;
        return `${data.rates[i]}: ${pct(data.values[i])}<br>${data.names.interval}: ${pct(data.lows[i])}–${pct(
          data.highs[i],
        )}<br>${data.names.sample}: ${data.samples[i]}`;
      },
    },
    grid: { left: 44, right: 12, top: 20, bottom: 32 },
    xAxis: { type: "category", data: data.rates, axisLabel: { interval: 0, fontSize: narrow() ? 11 : 12 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      {
        name: data.names.rate,
        type: "bar",
        barMaxWidth: 48,
        data: data.values.map((v) => (v === null ? "-" : v)),
        itemStyle: { color: "#b3261e" },
        label: { show: true, position: "insideBottom", color: "#fff", formatter: "{c}%" },
      },
      {
        name: data.names.interval,
        type: "custom",
        data: whiskers,
        z: 10,
        renderItem: (params, api) => {
          const low = api.coord([api.value(0), api.value(1)]);
          const high = api.coord([api.value(0), api.value(2)]);
          const cap = Math.min(12, api.size([1, 0])[0] * 0.2);
          const style = { stroke: "#212529", lineWidth: 1.5 };
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: "line", shape: { x1: low[0] - cap, y1: low[1], x2: low[0] + cap, y2: low[1] }, style },
              { type: "line", shape: { x1: high[0] - cap, y1: high[1], x2: high[0] + cap, y2: high[1] }, style },
            ],
          };
        },
        encode: { x: 0, y: [1, 2] },
        tooltip: { show: false },
      },
    ],
  });

  draw("chart-trend", {
    tooltip: { trigger: "axis", valueFormatter: pct },
    legend: { top: 0, type: "scroll" },
    grid: { left: 44, right: 16, top: 36, bottom: 48 },
    xAxis: {
      type: "category",
      data: data.rounds,
      axisLabel: { interval: 0, rotate: data.rounds.length > 3 || narrow() ? 20 : 0, width: 110, overflow: "truncate" },
    },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: data.trend.map((line) => ({
      name: line.name,
      type: "line",
      connectNulls: false,
      symbolSize: 7,
      // A round without answers has no rate: "-" leaves a gap instead of drawing a zero.
      data: line.values.map((v) => (v === null ? "-" : v)),
    })),
  });

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
});
