// Cost and accuracy curves with the vendored uPlot: runs A and B overlaid, train solid and dev dashed.

const COLOURS = { A: "#0877bd", B: "#e8710a" };

function series() {
  const lines = [{ label: "epoch" }];
  for (const slot of ["A", "B"]) {
    lines.push({ label: `${slot} train`, stroke: COLOURS[slot], width: 2, spanGaps: true });
    lines.push({ label: `${slot} dev`, stroke: COLOURS[slot], width: 2, dash: [6, 4], spanGaps: true });
  }
  return lines;
}

export function makeChart(element, yLabel) {
  const options = {
    width: 440, height: 230, series: series(),
    scales: { x: { time: false } },
    axes: [{ label: "epoch" }, { label: yLabel }],
  };
  return new uPlot(options, [[], [], [], [], []], element);
}

// curves[slot] = {epoch: [...], cost: [...], dev_cost: [...], ...}; trainKey/devKey pick the metric.
export function updateChart(chart, curves, trainKey, devKey, showB) {
  for (const index of [3, 4]) if (chart.series[index].show !== showB) chart.setSeries(index, { show: showB });
  const tables = [];
  const slots = ["A", "B"].filter((slot) => curves[slot]);
  for (const slot of slots) {
    const c = curves[slot];
    tables.push([c.epoch, c[trainKey], c[devKey]]);
  }
  if (!tables.length) return;
  const joined = uPlot.join(tables);
  const data = [joined[0]];
  for (const slot of ["A", "B"]) {
    const index = slots.indexOf(slot);
    const empty = joined[0].map(() => null);
    data.push(index < 0 ? empty : joined[1 + 2 * index], index < 0 ? empty : joined[2 + 2 * index]);
  }
  chart.setData(data);
}
