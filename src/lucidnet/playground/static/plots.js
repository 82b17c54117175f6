// Canvas drawings: the output heatmap, the data points, neuron and feature grids, loss chart, histogram.
import { BLUE, MID, ORANGE, PALETTE, classColour, css, diverging, mix } from "./colors.js";

// A grid of values (rows from the top, x2 high) into an RGBA canvas of the grid's own size.
// `channels` = 1: diverging map of each value; > 1: class colours of each probability vector.
export function paintGrid(canvas, values, size, channels, discretize) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  const pixels = image.data;
  const probabilities = new Array(channels);
  for (let cell = 0; cell < size * size; cell++) {
    let rgb;
    if (channels === 1) {
      rgb = diverging(values[cell], discretize);
    } else {
      for (let c = 0; c < channels; c++) probabilities[c] = values[cell * channels + c];
      rgb = classColour(probabilities, discretize);
    }
    pixels[4 * cell] = rgb[0];
    pixels[4 * cell + 1] = rgb[1];
    pixels[4 * cell + 2] = rgb[2];
    pixels[4 * cell + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

// Data points over the heatmap, on a larger transparent canvas; test points hollow.
export function paintPoints(canvas, points, domain, options) {
  const context = canvas.getContext("2d");
  const size = canvas.width;
  context.clearRect(0, 0, size, size);
  const toPixel = (v) => ((v + domain) / (2 * domain)) * size;
  const draw = (set, hollow) => {
    for (let i = 0; i < set.x.length; i++) {
      const [x1, x2] = set.x[i];
      const label = set.y[i];
      const colour = options.regression ? fullDiverging(label) : PALETTE[label];
      context.beginPath();
      context.arc(toPixel(x1), size - toPixel(x2), options.radius, 0, 2 * Math.PI);
      if (hollow) {
        context.fillStyle = "rgba(255, 255, 255, 0.85)";
        context.fill();
        context.lineWidth = 3;
        context.strokeStyle = css(colour);
        context.stroke();
      } else {
        context.fillStyle = css(colour);
        context.fill();
        context.lineWidth = 1.5;
        context.strokeStyle = "white";
        context.stroke();
      }
    }
  };
  draw(points.train, false);
  if (options.showTest) draw(points.test, true);
  // axes ticks for orientation
  context.fillStyle = "rgba(29, 36, 48, 0.65)";
  context.font = `${Math.round(size / 34)}px DejaVu Sans, sans-serif`;
  for (const tick of [-domain, 0, domain]) {
    const at = toPixel(tick);
    context.fillText(String(tick), Math.min(Math.max(at - 6, 2), size - 22), size - 6);
    context.fillText(String(tick), 4, Math.min(Math.max(size - at + 6, 16), size - 20));
  }
}

// Point colours in full strength (the heatmap uses HEAT of it).
function fullDiverging(t) {
  t = Math.max(-1, Math.min(1, t));
  return t < 0 ? mix(MID, ORANGE, -t) : mix(MID, BLUE, t);
}

// Feature thumbnails: the feature over the plane, scaled by its largest |value|.
export const FEATURE_FUNCTIONS = {
  x1: (a) => a,
  x2: (a, b) => b,
  x1sq: (a) => a * a,
  x2sq: (a, b) => b * b,
  x1x2: (a, b) => a * b,
  sinx1: (a) => Math.sin(a),
  sinx2: (a, b) => Math.sin(b),
};

export function featureGrid(name, size, domain) {
  const values = new Float32Array(size * size);
  let largest = 0;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const x1 = -domain + ((col + 0.5) * 2 * domain) / size;
      const x2 = domain - ((row + 0.5) * 2 * domain) / size;
      const v = FEATURE_FUNCTIONS[name](x1, x2);
      values[row * size + col] = v;
      largest = Math.max(largest, Math.abs(v));
    }
  }
  return values.map((v) => v / (largest || 1));
}

// Loss curves: training (dark) and test (grey) over the whole run (every k-th epoch of a long one).
export function paintChart(canvas, history) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = "#d5dae1";
  context.strokeRect(0.5, 0.5, width - 1, height - 1);
  const stride = Math.ceil(history.length / (2 * width));
  const shown = stride > 1 ? history.filter((_, i) => i % stride === 0 || i === history.length - 1) : history;
  if (shown.length < 2) return;
  let top = 0;
  for (const entry of shown) top = Math.max(top, entry[1] ?? 0, entry[2] ?? 0);
  top = top || 1;
  const x = (i) => 2 + (i / (shown.length - 1)) * (width - 4);
  const y = (v) => height - 3 - (Math.min(v, top) / top) * (height - 8);
  for (const [column, colour] of [[2, "#9aa3ad"], [1, "#1d2430"]]) {
    context.beginPath();
    shown.forEach((entry, i) => {
      const value = entry[column];
      if (value === null || value === undefined) return;
      if (i === 0) context.moveTo(x(i), y(value)); else context.lineTo(x(i), y(value));
    });
    context.lineWidth = 2;
    context.strokeStyle = colour;
    context.stroke();
  }
  context.fillStyle = "#5b6573";
  context.font = "12px DejaVu Sans, sans-serif";
  context.fillText(`max ${top.toPrecision(3)}`, 6, 14);
  context.fillStyle = "#1d2430";
  context.fillText("— train", width - 110, 14);
  context.fillStyle = "#9aa3ad";
  context.fillText("— test", width - 52, 14);
}

// Histogram of the initial weights (bars), with its range on the axis.
export function paintHistogram(canvas, histogram) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const counts = histogram.counts;
  const tallest = Math.max(...counts, 1);
  const bar = width / counts.length;
  context.fillStyle = "#0877bd";
  counts.forEach((count, i) => {
    const h = (count / tallest) * (height - 18);
    context.fillRect(i * bar + 1, height - 14 - h, bar - 2, h);
  });
  context.fillStyle = "#5b6573";
  context.font = "11px DejaVu Sans, sans-serif";
  const edges = histogram.edges;
  context.fillText(edges[0].toPrecision(2), 0, height - 2);
  const last = edges[edges.length - 1].toPrecision(2);
  context.fillText(last, width - context.measureText(last).width, height - 2);
}

export function legend(element, classes, regression) {
  element.replaceChildren();
  if (regression || classes === 2) {
    const ramp = document.createElement("canvas");
    ramp.width = 64;
    ramp.height = 1;
    ramp.className = "ramp";
    const values = Float32Array.from({ length: 64 }, (_, i) => -1 + (2 * i) / 63);
    const context = ramp.getContext("2d");
    const image = context.createImageData(64, 1);
    values.forEach((v, i) => {
      const rgb = diverging(v);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    });
    context.putImageData(image, 0, 0);
    const low = document.createElement("span");
    low.textContent = regression ? "−1" : "class 0";
    const high = document.createElement("span");
    high.textContent = regression ? "+1" : "class 1";
    element.append(low, ramp, high);
    return;
  }
  for (let c = 0; c < classes; c++) {
    const item = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = css(PALETTE[c]);
    item.append(swatch, `class ${c}`);
    element.append(item);
  }
}

export { BLUE, ORANGE };
