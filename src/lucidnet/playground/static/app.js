// lucidnet playground: the page. Controls send settings over the WebSocket; the server trains
// with lucidnet and sends binary frames (JSON header + float32 grids) that are drawn here.
import { NetworkView } from "./network.js";
import { readHash, writeHash } from "./hash.js";
import { showHealth, showLint, showNan } from "./panels.js";
import { legend, paintChart, paintGrid, paintHistogram, paintPoints } from "./plots.js";

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const token = new URLSearchParams(location.search).get("token") || "";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const SAMPLE_COUNTS = [50, 100, 200, 300, 500, 1000, 2000, 5000];
const BATCH_SIZES = [1, 2, 5, 10, 16, 25, 32, 50, 64, 100, 128, 256, 500];
const HEALTH_EVERY = [1, 2, 5, 10, 20, 50];
const STOP_EPOCHS = [0, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const DATASET_NAMES = {
  circle: "Circle", xor: "Exclusive or", gauss: "Gaussian", spiral: "Spiral", moons: "Moons",
  blobs: "Blobs", plane: "Plane (regression)", multi_gauss: "Multi-Gaussian (regression)",
};

// Lessons: whole settings for the classroom demos (the rest from the defaults, the seed kept).
const tanh = (units) => ({ units, activation: "tanh" });
const relu = (units) => ({ units, activation: "relu" });
const SEEDS_DISPLAY = {
  dataset: "spiral", classes: 3, noise: 20, optimizer: "adam", learning_rate: 0.03, speed: "normal",
};
const PRESETS = {
  "neurons-1": { ...SEEDS_DISPLAY, layers: [tanh(1)] },
  "neurons-2": { ...SEEDS_DISPLAY, layers: [tanh(2)] },
  "neurons-3": { ...SEEDS_DISPLAY, layers: [tanh(3)] },
  spirals: {
    dataset: "spiral", classes: 3, noise: 10, features: ["x1", "x2", "sinx1", "sinx2"],
    layers: [relu(16), relu(8)], optimizer: "adam", learning_rate: 0.01, speed: "fast",
  },
  features: { dataset: "circle", features: ["x1sq", "x2sq"], layers: [], learning_rate: 0.01 },
  "dying-relu": {
    dataset: "spiral", layers: [relu(8), relu(8), relu(8)], learning_rate: 1, health_every: 1, speed: "slow",
  },
  diverging: { dataset: "plane", layers: [tanh(8), tanh(8)], learning_rate: 10, speed: "slow" },
  "deep-sigmoid": {
    dataset: "xor", layers: Array.from({ length: 6 }, () => ({ units: 4, activation: "sigmoid" })),
    learning_rate: 0.1, health_every: 1,
  },
  symmetric: { dataset: "circle", initializer: "zeros", layers: [tanh(4), tanh(4)] },
};

const page = {
  options: null, defaults: null, model: null, settings: null, playing: false,
  history: [], frames: 0, header: null, arrays: null, socket: null, seqs: [],
};
window.lucidnetPlayground = page; // for the browser tests and the curious

const network = new NetworkView(document.querySelector(".network-column"), {
  toggleFeature(name) {
    const features = page.settings.features.includes(name)
      ? page.settings.features.filter((f) => f !== name)
      : [...page.settings.features, name];
    if (features.length === 0) return toast("The network needs at least one input feature.");
    send({ type: "settings", settings: { features } });
  },
  changeUnits(l, delta) {
    const layers = page.settings.layers.map((layer) => ({ ...layer }));
    const units = layers[l].units + delta;
    if (units < 1 || units > page.options.max_units) return;
    layers[l].units = units;
    send({ type: "settings", settings: { layers } });
  },
  changeActivation(l, activation) {
    const layers = page.settings.layers.map((layer) => ({ ...layer }));
    layers[l].activation = activation;
    send({ type: "settings", settings: { layers } });
  },
  setWeight(layer, unit, source, value) {
    send({ type: "set_weight", layer, unit, source, value });
  },
});

// ------------------------------------------------------------------ the socket
function connect() {
  const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.binaryType = "arraybuffer";
  page.socket = socket;
  socket.addEventListener("open", () => status("connected"));
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") onMessage(JSON.parse(event.data));
    else onFrame(event.data);
  });
  socket.addEventListener("close", (event) => {
    page.playing = false;
    showPlaying();
    status(`disconnected (${event.code}${event.reason ? `: ${event.reason}` : ""}) — reload the page to start again`);
  });
  setInterval(() => send({ type: "ping" }), 60000);
}

function send(message) {
  if (!page.socket || page.socket.readyState !== WebSocket.OPEN) return;
  page.socket.send(JSON.stringify(message));
  // optimistic: the next change builds on this one even before the server's answer arrives
  // (the server echoes its settings after an error, which puts them back)
  if (message.type === "settings" && page.settings) page.settings = { ...page.settings, ...message.settings };
}

function status(text) {
  $("connection").textContent = `lucidnet playground · ${text}`;
}

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

function onMessage(message) {
  if (message.type === "hello") {
    page.options = message.options;
    page.defaults = message.defaults;
    fillSelects();
    const fromHash = readHash(page.options.settings, page.defaults);
    if (Object.keys(fromHash).length) send({ type: "settings", settings: fromHash });
  } else if (message.type === "model") {
    page.model = message;
    page.settings = message.settings;
    page.history = message.history.slice();
    page.header = null;
    showSettings();
    network.build(message, page.options.activations);
    showPoints();
    showLint(document.querySelector(".lint-body"), message.lint, page, send);
    paintHistogram($("init-histogram"), message.init_histogram);
    document.querySelector(".init-caption").textContent =
      `initial weights of all layers: ${message.init_histogram.initializer}, std ${message.init_histogram.std.toPrecision(3)}`;
    legend(document.querySelector(".legend"), message.classes, message.settings.problem === "regression");
    showHealth(document.querySelector(".health-body"), null);
    paintChart($("loss-chart"), page.history);
  } else if (message.type === "settings") {
    page.settings = message.settings;
    if (page.model) page.model.settings = message.settings;
    showSettings();
    showLint(document.querySelector(".lint-body"), message.lint, page, send);
    showPoints();
    if (page.header) drawFrame();
  } else if (message.type === "status") {
    page.playing = message.playing;
    showPlaying();
  } else if (message.type === "error") {
    toast(message.message);
    if (page.settings) showSettings(); // put the controls back to what the server has
  }
}

function parseFrame(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const values = new Float32Array(buffer, 4 + length);
  const arrays = {};
  for (const { name, shape, offset } of header.arrays) {
    const size = shape.reduce((a, b) => a * b, 1);
    arrays[name] = { shape, data: values.subarray(offset, offset + size) };
  }
  return { header, arrays };
}

function onFrame(buffer) {
  const { header, arrays } = parseFrame(buffer);
  if (!page.model || header.version !== page.model.version) return; // drawn for an older network
  page.frames += 1;
  page.header = header;
  page.arrays = arrays;
  page.seqs.push(header.seq);
  if (page.seqs.length > 1000) page.seqs.shift();
  if (header.epoch === 0) page.history = []; // a frame of the untrained net may carry epoch 1
  for (const entry of header.history) page.history.push(entry);
  if (page.history.length > 20000) page.history.splice(0, page.history.length - 20000);
  drawFrame();
}

function drawFrame() {
  const { header, arrays } = page;
  const discretize = page.settings.discretize;
  const output = arrays.output;
  paintGrid($("heatmap"), output.data, output.shape[0], output.shape[2], discretize);
  network.update(header, arrays, discretize);
  $("epoch").textContent = header.epoch.toLocaleString("en-US");
  $("ms-per-epoch").textContent = header.ms_per_epoch ? header.ms_per_epoch.toFixed(2) : "–";
  $("loss-train").textContent = number(header.loss_train);
  $("loss-test").textContent = number(header.loss_test);
  const regression = header.metric === "r2";
  document.querySelector(".metric-name").textContent = regression ? "Test R²" : "Test accuracy";
  $("accuracy-test").textContent = header.metric_test === null ? "–"
    : regression ? header.metric_test.toFixed(3) : `${(100 * header.metric_test).toFixed(1)}%`;
  paintChart($("loss-chart"), page.history);
  showHealth(document.querySelector(".health-body"), header.health);
  showNan($("nan-banner"), header.nan, page, send);
  status(`connected · frame ${header.seq} · ${page.frames} drawn`);
}

function number(value) {
  return value === null || value === undefined ? "–" : value.toFixed(3);
}

// ------------------------------------------------------------------ controls
function fillSelects() {
  const o = page.options;
  options($("learning-rate"), LEARNING_RATES);
  options($("regularization-rate"), REGULARIZATION_RATES);
  options($("n-samples"), SAMPLE_COUNTS);
  options($("batch-size"), BATCH_SIZES);
  options($("health-every"), HEALTH_EVERY);
  options($("stop-epoch"), STOP_EPOCHS, { 0: "never" });
  options($("optimizer"), o.optimizers);
  options($("initializer"), o.initializers);
}

function options(select, values, labels = {}) {
  const wanted = values.map(String);
  const current = [...select.options].map((option) => option.value);
  if (wanted.join("|") === current.join("|")) return;
  select.replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = labels[value] ?? String(value);
    return option;
  }));
}

function setSelect(select, value) {
  const text = String(value);
  if (![...select.options].some((option) => option.value === text)) {
    const option = document.createElement("option");
    option.value = text;
    option.textContent = text;
    select.append(option);
  }
  select.value = text;
}

function showSettings() {
  const s = page.settings;
  const o = page.options;
  const regression = s.problem === "regression";
  $("problem").value = s.problem;
  options($("dataset"), regression ? o.regression_sets : o.classification_sets, DATASET_NAMES);
  $("dataset").value = s.dataset;
  $("classes").value = String(s.classes);
  $("classes").disabled = !o.multiclass_sets.includes(s.dataset);
  $("classes").closest("label").hidden = regression;
  const binaryOnly = o.multiclass_sets.includes(s.dataset) && s.classes > 2;
  options($("loss"), regression ? o.regression_losses
    : o.classification_losses.filter((name) => !(binaryOnly && o.binary_only_losses.includes(name))));
  setSelect($("loss"), s.loss);
  $("noise").value = String(s.noise);
  $("train-ratio").value = String(s.train_ratio);
  for (const key of ["noise", "train-ratio"]) {
    document.querySelector(`[data-for="${key}"]`).textContent = $(key).value;
  }
  setSelect($("n-samples"), s.n_samples);
  setSelect($("batch-size"), s.batch_size);
  setSelect($("learning-rate"), s.learning_rate);
  setSelect($("regularization-rate"), s.regularization_rate);
  setSelect($("health-every"), s.health_every);
  setSelect($("stop-epoch"), s.stop_epoch);
  $("optimizer").value = s.optimizer;
  $("regularization").value = s.regularization;
  $("initializer").value = s.initializer;
  $("speed").value = s.speed;
  $("show-test-data").checked = s.show_test_data;
  $("discretize").checked = s.discretize;
  $("add-layer").disabled = s.layers.length >= o.max_hidden_layers;
  $("remove-layer").disabled = s.layers.length === 0;
  writeHash(page.settings);
}

function showPlaying() {
  $("play").hidden = page.playing;
  $("pause").hidden = !page.playing;
}

function showPoints() {
  if (!page.model) return;
  const canvas = document.querySelector("canvas.points");
  paintPoints(canvas, page.model.points, page.model.grid.domain, {
    regression: page.settings.problem === "regression",
    showTest: page.settings.show_test_data,
    radius: page.model.points.train.x.length > 1500 ? 4 : 6,
  });
}

function bind(id, key, convert = (v) => v) {
  $(id).addEventListener("change", (event) => {
    const target = event.target;
    const value = target.type === "checkbox" ? target.checked : convert(target.value);
    send({ type: "settings", settings: { [key]: value } });
  });
}

bind("learning-rate", "learning_rate", Number);
bind("regularization-rate", "regularization_rate", Number);
bind("regularization", "regularization");
bind("optimizer", "optimizer");
bind("speed", "speed");
bind("dataset", "dataset");
bind("classes", "classes", Number);
bind("noise", "noise", Number);
bind("train-ratio", "train_ratio", Number);
bind("n-samples", "n_samples", Number);
bind("batch-size", "batch_size", Number);
bind("loss", "loss");
bind("initializer", "initializer");
bind("health-every", "health_every", Number);
bind("stop-epoch", "stop_epoch", Number);
bind("show-test-data", "show_test_data");
bind("discretize", "discretize");
for (const key of ["noise", "train-ratio"]) {
  $(key).addEventListener("input", () => {
    document.querySelector(`[data-for="${key}"]`).textContent = $(key).value;
  });
}
$("problem").addEventListener("change", (event) => {
  const problem = event.target.value;
  const dataset = problem === "regression" ? page.options.regression_sets[0] : page.options.classification_sets[0];
  send({ type: "settings", settings: { problem, dataset } });
});
$("preset").addEventListener("change", (event) => {
  const preset = PRESETS[event.target.value];
  if (!preset) return;
  const settings = { ...page.defaults, seed: page.settings.seed, ...preset };
  settings.problem = page.options.regression_sets.includes(settings.dataset) ? "regression" : "classification";
  settings.loss = settings.problem === "regression" ? "mse" : "softmax_cross_entropy";
  if (page.playing) send({ type: "pause" });
  send({ type: "settings", settings });
  event.target.value = "";
});
$("add-layer").addEventListener("click", () => {
  const layers = page.settings.layers.map((layer) => ({ ...layer }));
  if (layers.length >= page.options.max_hidden_layers) return;
  const last = layers[layers.length - 1];
  layers.push({ units: last ? last.units : 4, activation: last ? last.activation : "tanh" });
  send({ type: "settings", settings: { layers } });
});
$("remove-layer").addEventListener("click", () => {
  if (page.settings.layers.length === 0) return;
  send({ type: "settings", settings: { layers: page.settings.layers.slice(0, -1) } });
});
$("play").addEventListener("click", () => { showNan($("nan-banner"), null, page, send); send({ type: "play" }); });
$("nan-dismiss").addEventListener("click", () => { $("nan-banner").hidden = true; });
$("pause").addEventListener("click", () => send({ type: "pause" }));
$("step").addEventListener("click", () => send({ type: "step" }));
$("reset").addEventListener("click", () => send({ type: "reset", keep_init: $("keep-init").checked }));
$("regenerate").addEventListener("click", () => send({ type: "regenerate" }));
$("export-python").href = `/export/model.py?token=${encodeURIComponent(token)}`;
$("export-model").href = `/export/model.safetensors?token=${encodeURIComponent(token)}`;
document.addEventListener("keydown", (event) => {
  if (event.code !== "Space" || ["SELECT", "INPUT", "BUTTON"].includes(event.target.tagName)) return;
  event.preventDefault();
  send({ type: page.playing ? "pause" : "play" });
});

showPlaying();
connect();
