// Assessment pages: the scoring form (take the suggested score, running total, which rows need a
// reason), selecting rows of the worklist, and the charts drawn from the JSON the page carries.
// Handlers are delegated from the document so they keep working after htmx swaps the form.
(() => {
  const number = (value) => {
    const n = Number.parseFloat(value);
    return Number.isFinite(n) ? n : null;
  };

  // --- Scoring form ------------------------------------------------------------------------------
  const rowInput = (row) => row.querySelector("input[name^='score_']");

  const syncRow = (row) => {
    const hint = row.querySelector("[data-reason-hint]");
    const reason = row.querySelector("textarea[name^='reason_']");
    const suggested = number(row.dataset.suggested);
    const value = number(rowInput(row)?.value);
    const needsReason = suggested !== null && value !== null && value !== suggested;
    if (hint) {
      hint.classList.toggle("text-danger", needsReason);
      hint.classList.toggle("text-muted", !needsReason);
    }
    if (reason) reason.classList.toggle("border-warning", needsReason && !reason.value.trim());
  };

  const syncTotal = (form) => {
    const out = form.querySelector("[data-total]");
    if (!out) return;
    let total = 0;
    let any = false;
    form.querySelectorAll("[data-row]").forEach((row) => {
      const value = number(rowInput(row)?.value);
      if (value !== null) {
        total += value;
        any = true;
      }
    });
    out.textContent = any ? total.toFixed(1) : "—";
  };

  const accept = (row) => {
    const input = rowInput(row);
    if (input && row.dataset.suggested !== "") {
      input.value = row.dataset.suggested;
      syncRow(row);
    }
  };

  const initForm = (form) => {
    form.querySelectorAll("[data-row]").forEach(syncRow);
    syncTotal(form);
  };

  document.addEventListener("click", (event) => {
    const one = event.target.closest("[data-accept]");
    const all = event.target.closest("[data-accept-all]");
    const form = event.target.closest("[data-score-form]");
    if (!form || !(one || all)) return;
    if (one) accept(one.closest("[data-row]"));
    if (all) {
      form.querySelectorAll("[data-row]").forEach((row) => {
        if (!rowInput(row)?.value) accept(row);
      });
    }
    syncTotal(form);
  });

  document.addEventListener("input", (event) => {
    const form = event.target.closest("[data-score-form]");
    if (!form) return;
    const row = event.target.closest("[data-row]");
    if (row) syncRow(row);
    syncTotal(form);
  });

  // --- Worklist: select every row of the page ------------------------------------------------------
  document.addEventListener("change", (event) => {
    const master = event.target.closest("[data-select-all]");
    if (!master) return;
    document.querySelectorAll(`[data-select="${master.dataset.selectAll}"]`).forEach((box) => {
      box.checked = master.checked;
    });
  });

  // --- Charts -------------------------------------------------------------------------------------
  const charts = [];
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el || typeof window.echarts === "undefined") return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({ aria: { enabled: true }, animation: false, ...option });
    charts.push(chart);
  };
  const dataOf = (id) => {
    const source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  };

  const drawScorecard = () => {
    const data = dataOf("scorecard-data");
    if (!data) return;
    draw("chart-scorecard", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 32 },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", min: (v) => Math.max(0, Math.floor(v.min / 10) * 10 - 10), max: 110 },
      series: [
        { name: data.names.final, type: "line", data: data.finals, itemStyle: { color: "#b3261e" }, label: { show: true } },
        { name: data.names.rubric, type: "line", data: data.rubric, itemStyle: { color: "#6c757d" }, lineStyle: { type: "dashed" } },
      ],
    });
  };

  const drawRankings = () => {
    const data = dataOf("ranking-data");
    if (!data) return;
    draw("chart-grades", {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 24, bottom: 32 },
      xAxis: { type: "category", data: data.grades },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: data.names.units,
          type: "bar",
          data: data.gradeCounts,
          label: { show: true, position: "top" },
          itemStyle: { color: (p) => ["#198754", "#0d6efd", "#6c757d", "#b3261e"][p.dataIndex] },
        },
      ],
    });
    draw("chart-top", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", max: 110 },
      yAxis: { type: "category", data: data.top, axisLabel: { width: 120, overflow: "truncate" } },
      series: [
        { name: data.names.final, type: "bar", data: data.topScores, itemStyle: { color: "#b3261e" }, label: { show: true, position: "right" } },
      ],
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-score-form]").forEach(initForm);
    drawScorecard();
    drawRankings();
    window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  });
  // After htmx puts back the form with its errors, show the total and hints again.
  document.addEventListener("htmx:load", (event) => {
    const el = event.detail?.elt ?? event.target;
    if (el?.matches?.("[data-score-form]")) initForm(el);
  });
})();
