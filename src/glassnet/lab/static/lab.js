// The lab page: controls → settings → the server's runs A (and B); the event stream → the drawings.
// The access token travels in an HttpOnly cookie set when the page was opened with ?token=...

import { drawBoundary, drawDigits, drawUnits } from "./draw.js";
import { makeChart, updateChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 0]; // 0 = the full batch
const state = { session: null, presets: [], views: {}, hidden: [8], uploadName: null, timer: null };
window.labState = state; // for the browser tests and the curious

async function api(path, body) {
  const options = body === undefined ? { method: "POST" } : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || `${response.status}`);
  return answer;
}

function showMessage(text) { $("message").textContent = text || ""; }

// ---------------------------------------------------------------- settings from and to the controls
const logValue = (id) => Math.pow(10, Number($(id).value));
const optionalNumber = (id) => ($(id).value === "" ? null : Number($(id).value));

function settingsA() {
  const l2 = Number($("l2").value) <= -5 ? 0 : logValue("l2");
  return {
    data: $("data").value, noise: $("noise-default").checked ? null : Number($("noise").value),
    samples: Number($("samples").value), train_fraction: Number($("train-fraction").value),
    hidden: state.hidden.slice(), activation: $("activation").value, initializer: $("initializer").value,
    optimizer: $("optimizer").value, learning_rate: Number(logValue("learning-rate").toPrecision(3)),
    beta1: optionalNumber("beta1"), beta2: optionalNumber("beta2"), decay: $("decay").value, decay_rate: optionalNumber("decay-rate"),
    batch_size: BATCH_SIZES[Number($("batch-size").value)], l2: Number(l2.toPrecision(3)),
    keep_prob: Number($("keep-prob").value), batchnorm: $("batchnorm").checked, seed: Number($("seed").value),
    human_error: optionalNumber("human-error"),
  };
}

function settingsB() {
  const l2 = Number($("b-l2").value) <= -5 ? 0 : logValue("b-l2");
  return { ...settingsA(), optimizer: $("b-optimizer").value, initializer: $("b-initializer").value,
    learning_rate: Number(logValue("b-learning-rate").toPrecision(3)), l2: Number(l2.toPrecision(3)) };
}

function applySettings(settings) {
  const set = (id, value) => { if (value !== undefined && value !== null) $(id).value = value; };
  set("data", settings.data); set("samples", settings.samples); set("train-fraction", settings.train_fraction);
  set("activation", settings.activation); set("initializer", settings.initializer); set("optimizer", settings.optimizer);
  set("decay", settings.decay); set("keep-prob", settings.keep_prob); set("seed", settings.seed);
  $("noise-default").checked = settings.noise === undefined || settings.noise === null;
  if (!$("noise-default").checked) $("noise").value = settings.noise;
  $("beta1").value = settings.beta1 ?? ""; $("beta2").value = settings.beta2 ?? ""; $("decay-rate").value = settings.decay_rate ?? "";
  $("batchnorm").checked = Boolean(settings.batchnorm);
  if (settings.learning_rate) $("learning-rate").value = Math.log10(settings.learning_rate);
  $("l2").value = settings.l2 ? Math.log10(settings.l2) : -5;
  if (settings.batch_size !== undefined) $("batch-size").value = Math.max(0, BATCH_SIZES.indexOf(settings.batch_size));
  if (settings.hidden) state.hidden = settings.hidden.slice();
  renderLayers();
}

function applyComparison(overrides) {
  $("compare").checked = Boolean(overrides);
  $("compare-controls").hidden = $("figure-B").hidden = !overrides;
  if (!overrides) return;
  const merged = { ...settingsA(), ...overrides };
  $("b-optimizer").value = merged.optimizer; $("b-initializer").value = merged.initializer;
  $("b-learning-rate").value = Math.log10(merged.learning_rate);
  $("b-l2").value = merged.l2 ? Math.log10(merged.l2) : -5;
}

function renderLayers() {
  const container = $("layers");
  container.replaceChildren();
  state.hidden.forEach((units, index) => {
    const input = Object.assign(document.createElement("input"), { type: "number", min: 1, max: 256, value: units, title: `units of hidden layer ${index + 1}` });
    input.addEventListener("change", () => { state.hidden[index] = Math.max(1, Math.min(256, Number(input.value) || 1)); changed(); });
    container.append(input);
  });
  if (!state.hidden.length) container.textContent = "no hidden layer (logistic/softmax regression)";
}

function renderOutputs() {
  $("noise-value").textContent = $("noise-default").checked ? "default" : $("noise").value;
  $("train-fraction-value").textContent = $("train-fraction").value;
  $("keep-prob-value").textContent = $("keep-prob").value;
  $("learning-rate-value").textContent = logValue("learning-rate").toPrecision(2);
  $("b-learning-rate-value").textContent = logValue("b-learning-rate").toPrecision(2);
  const size = BATCH_SIZES[Number($("batch-size").value)];
  $("batch-size-value").textContent = size === 0 ? "full batch" : size;
  $("l2-value").textContent = Number($("l2").value) <= -5 ? "0" : logValue("l2").toPrecision(2);
  $("b-l2-value").textContent = Number($("b-l2").value) <= -5 ? "0" : logValue("b-l2").toPrecision(2);
}

// ---------------------------------------------------------------- talking to the runs
const comparing = () => $("compare").checked;

async function act(action) {
  showMessage("");
  try {
    if (!comparing() && state.views.B) { // comparison switched off (by the box or a preset): forget run B
      delete state.views.B;
      await api("/api/drop", { session: state.session, slot: "B" });
    }
    await api("/api/run", { session: state.session, slot: "A", action, settings: settingsA() });
    if (comparing()) await api("/api/run", { session: state.session, slot: "B", action, settings: settingsB() });
  } catch (error) { showMessage(error.message); }
}

function saveToUrl() {
  history.replaceState(null, "", `${location.pathname}#${encodeURIComponent(JSON.stringify({ A: settingsA(), B: comparing() ? settingsB() : null }))}`);
}

function changed() {
  renderOutputs();
  saveToUrl();
  clearTimeout(state.timer);
  state.timer = setTimeout(() => act("update"), 150);
}

async function upload(file) {
  $("upload-error").textContent = "";
  const response = await fetch(`/api/upload?session=${state.session}&name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
  const answer = await response.json();
  if (answer.error) { $("upload-error").textContent = answer.error; return; }
  let option = $("data").querySelector("option[value=upload]");
  option.textContent = `your file: ${answer.name} (${answer.rows} rows, ${answer.classes.length} classes)`;
  $("data").value = "upload";
  changed();
}

// ---------------------------------------------------------------- drawing what the stream sends
const percent = (value) => `${(100 * value).toFixed(1)}%`;

function render(slot, view) {
  if (slot === "B" && !comparing()) return;
  state.views[slot] = view;
  const m = view.metrics;
  $(`metrics-${slot}`).textContent = `epoch ${view.epochs} · train ${percent(m.train_accuracy)} · dev ${percent(m.dev_accuracy)}`;
  $(`metrics-${slot}`).dataset.devAccuracy = m.dev_accuracy;
  drawBoundary($(`boundary-${slot}`), view);
  if (view.status === "diverged" || view.status === "failed") showMessage(`${slot}: ${view.message}`);
  const curves = { A: state.views.A?.curves, B: comparing() ? state.views.B?.curves : undefined };
  updateChart(state.charts.cost, curves, "cost", "dev_cost", comparing());
  updateChart(state.charts.accuracy, curves, "accuracy", "dev_accuracy", comparing());
  const training = Object.values(state.views).some((v) => v.status === "training");
  $("play").textContent = training ? "❚❚ pause" : "▶ play";
  $("status").textContent = Object.entries(state.views).map(([s, v]) => `${s}: ${v.status}, ${v.seconds}s`).join(" · ");
  if (slot !== "A") return;
  drawUnits($("units"), view.units);
  drawDigits($("digits"), view.misclassified);
  renderTable($("norms"), ["layer", "‖W‖", "‖dW‖"], view.norms.map((n, i) => [i + 1, n.weight.toPrecision(3), n.gradient.toExponential(2)]));
  renderTable($("confusion"), null, view.confusion);
  renderAdvice(view.advice);
  $("download-model").href = `/api/model?session=${state.session}&slot=A`;
  $("download-config").href = `/api/config?session=${state.session}&slot=A`;
}

function renderTable(table, header, rows) {
  table.replaceChildren();
  if (header) table.insertRow().append(...header.map((text) => Object.assign(document.createElement("th"), { textContent: text })));
  for (const row of rows) {
    const tr = table.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
}

function renderAdvice(advice) {
  const box = $("advice");
  box.replaceChildren();
  const verdict = Object.assign(document.createElement("p"), { textContent: advice.verdict });
  const gaps = Object.assign(document.createElement("p"), {
    textContent: `avoidable bias ${advice.avoidable_bias?.toFixed(3) ?? "n/a"} · variance ${advice.variance?.toFixed(3) ?? "n/a"}` });
  const list = document.createElement("ol");
  for (const items of Object.values(advice.remedies)) for (const item of items.slice(0, 2)) list.append(Object.assign(document.createElement("li"), { textContent: item }));
  box.append(verdict, gaps, list);
}

// ---------------------------------------------------------------- start
function fillSelect(id, values) { $(id).replaceChildren(...values.map((value) => new Option(value, value))); }

async function start() {
  const answer = await api("/api/session");
  state.session = answer.session;
  state.presets = answer.presets;
  state.defaults = answer.defaults;
  for (const [name, values] of Object.entries(answer.choices)) fillSelect(name, values);
  $("data").querySelector("option[value=upload]").textContent = "your file (upload first)";
  fillSelect("b-optimizer", answer.choices.optimizer); fillSelect("b-initializer", answer.choices.initializer);
  for (const preset of answer.presets) $("preset").append(new Option(preset.title, preset.id));
  state.charts = { cost: makeChart($("cost-chart"), "cost"), accuracy: makeChart($("accuracy-chart"), "accuracy") };
  const shared = location.hash.length > 1 ? JSON.parse(decodeURIComponent(location.hash.slice(1))) : null;
  for (const slot of ["A", "B"]) if (shared?.[slot]?.data === "upload") shared[slot].data = answer.defaults.data; // a new tab has no file
  applySettings(shared?.A || answer.defaults);
  applyComparison(shared?.B ? shared.B : null);
  wire();
  renderOutputs();
  saveToUrl(); // also drops the token from the address bar: the cookie carries it now
  const stream = new EventSource(`/api/stream?session=${state.session}`);
  stream.onmessage = (event) => { const { slot, view } = JSON.parse(event.data); render(slot, view); };
  await act("update");
}

function wire() {
  for (const element of document.querySelectorAll("#controls input, #controls select, #human-error")) {
    if (element.id !== "upload") element.addEventListener("input", changed);
  }
  $("upload").addEventListener("change", () => $("upload").files[0] && upload($("upload").files[0]));
  $("add-layer").addEventListener("click", () => { if (state.hidden.length < 6) state.hidden.push(4); renderLayers(); changed(); });
  $("remove-layer").addEventListener("click", () => { state.hidden.pop(); renderLayers(); changed(); });
  $("compare").addEventListener("change", () => applyComparison(comparing() ? {} : null)); // its input event updates the runs
  $("play").addEventListener("click", () => act(Object.values(state.views).some((v) => v.status === "training") ? "pause" : "play"));
  $("step").addEventListener("click", () => act("step"));
  $("step-batch").addEventListener("click", () => act("batch"));
  $("reset").addEventListener("click", () => act("reset"));
  $("preset").addEventListener("change", () => {
    const preset = state.presets.find((p) => p.id === $("preset").value);
    if (!preset) return;
    applySettings({ ...state.defaults, ...preset.settings });
    applyComparison(preset.compare || null);
    $("look-for").textContent = preset.look_for;
    changed();
  });
}

start().catch((error) => showMessage(error.message));
