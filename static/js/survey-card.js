// The dashboard's five-rates card: bars for the rates, whiskers for their 95% intervals, drawn
// from the figures the card carries in #survey-card-data (the table beside it has the same).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("survey-card-data");
  const el = document.getElementById("survey-card-chart");
  if (!source || !el || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(el, null, { renderer: "svg" });
  const whiskers = data.labels.map((_, i) => [i, data.lows[i], data.highs[i]]).filter((w) => w[1] !== null);
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    grid: { left: 44, right: 12, top: 16, bottom: 28 },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { type: "bar", barMaxWidth: 40, data: data.values.map((v) => (v === null ? "-" : v)) },
      {
        type: "custom",
        data: whiskers,
        renderItem: (params, api) => {
          const low = api.coord([api.value(0), api.value(1)]);
          const high = api.coord([api.value(0), api.value(2)]);
          const cap = 6;
          const line = (x1, y1, x2, y2) => ({ type: "line", shape: { x1, y1, x2, y2 }, style: { stroke: "#333" } });
          return {
            type: "group",
            children: [
              line(low[0], low[1], high[0], high[1]),
              line(low[0] - cap, low[1], low[0] + cap, low[1]),
              line(high[0] - cap, high[1], high[0] + cap, high[1]),
            ],
          };
        },
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
});
