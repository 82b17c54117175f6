// The network drawing: feature inputs, one canvas per hidden neuron, links by weight, the formula.
import { BLUE, ORANGE, PALETTE, css } from "./colors.js";
import { featureGrid, paintGrid } from "./plots.js";

const SVG = "http://www.w3.org/2000/svg";
const FEATURE_LABELS = {
  x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂", sinx1: "sin(x₁)", sinx2: "sin(x₂)",
};
const LINK_REDRAW_MS = 100; // large nets: links are redrawn at most ten times a second

function element(tag, attributes = {}, parent = null) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

function fixed(value) {
  const text = Math.abs(value).toFixed(3);
  return value < 0 ? `− ${text}` : `+ ${text}`;
}

export class NetworkView {
  constructor(root, handlers) {
    this.svg = root.querySelector("svg.network");
    this.nodes = root.querySelector(".nodes");
    this.area = root.querySelector(".network-area");
    this.controls = root.querySelector(".layer-controls");
    this.inspector = root.querySelector(".inspector");
    this.count = root.querySelector(".layers-count");
    this.handlers = handlers;
    this.selected = null;
    this.weights = null;
    this.lastLinks = 0;
  }

  // Lay out the network for a "model" message (and the activation list from "hello").
  build(model, activations) {
    this.model = model;
    const settings = model.settings;
    const hidden = settings.layers;
    const width = this.area.clientWidth || 700;
    const height = this.area.clientHeight || 540;
    const columns = hidden.length + 2;
    const left = 80;
    const right = 40;
    const columnX = (c) => left + (c * (width - left - right)) / (columns - 1);
    // node size: the tallest column must fit; the seven inputs keep a readable size of their own
    const fit = (count) => Math.max(6, Math.min(44, Math.floor((height - 10) / (count * 1.28))));
    const size = fit(Math.max(1, ...hidden.map((layer) => layer.units), model.output.units));
    const inputSize = fit(7);
    const place = (count, c, nodeSize = size) => {
      const step = nodeSize * 1.28;
      const top = Math.max(4, Math.min((height - count * step) / 2, 24));
      return Array.from({ length: count }, (_, i) => ({
        x: columnX(c), y: top + i * step + nodeSize / 2, size: nodeSize,
      }));
    };
    this.spacing = columnX(1) - columnX(0);
    this.svg.replaceChildren();
    this.nodes.replaceChildren();
    this.controls.replaceChildren();
    this.count.textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;

    // input features: all seven, the unused ones faded; a click toggles one
    const allFeatures = Object.keys(FEATURE_LABELS);
    const featurePositions = place(allFeatures.length, 0, inputSize);
    this.inputPositions = [];
    allFeatures.forEach((name, i) => {
      const on = settings.features.includes(name);
      const canvas = element("canvas", {
        class: `node feature${on ? "" : " off"}`,
        "data-testid": `feature-${name}`,
        "aria-pressed": String(on),
        role: "button",
        title: `${FEATURE_LABELS[name]}: click to ${on ? "remove" : "use"} this input`,
      }, this.nodes);
      this.position(canvas, featurePositions[i]);
      paintGrid(canvas, featureGrid(name, 20, model.grid.domain), 20, 1, false);
      canvas.addEventListener("click", () => this.handlers.toggleFeature(name));
      const label = element("span", { class: "node-label" }, this.nodes);
      label.textContent = FEATURE_LABELS[name];
      label.style.left = `${featurePositions[i].x - inputSize / 2}px`;
      label.style.top = `${featurePositions[i].y}px`;
      if (on) this.inputPositions.push(featurePositions[i]);
    });

    // hidden neurons: a canvas each (neuron-L-U, both from 1), hover enlarges, click shows the formula
    this.neuronCanvases = [];
    this.columnPositions = [this.inputPositions];
    hidden.forEach((layer, l) => {
      const positions = place(layer.units, l + 1);
      this.columnPositions.push(positions);
      const canvases = positions.map((position, u) => {
        const canvas = element("canvas", {
          class: "node neuron",
          "data-testid": `neuron-${l + 1}-${u + 1}`,
          title: `layer ${l + 1}, neuron ${u + 1}: click for its formula`,
        }, this.nodes);
        this.position(canvas, position);
        canvas.addEventListener("click", () => this.select(l + 1, u));
        return canvas;
      });
      this.neuronCanvases.push(canvases);
      this.layerControl(l, layer, columnX(l + 1), columnX(1) - columnX(0), activations);
    });

    // output units: circles in the class colours (one for two classes and regression)
    const outputs = place(model.output.units, columns - 1, Math.min(fit(model.output.units), 34));
    this.columnPositions.push(outputs);
    this.linkGroup = element("svg:g", {}, this.svg);
    outputs.forEach((position, u) => {
      const colour = model.output.units > 1 ? PALETTE[u] : [29, 36, 48];
      const circle = element("svg:circle", {
        cx: position.x, cy: position.y, r: Math.max(5, position.size / 2.4), fill: css(colour),
        stroke: "white", "stroke-width": 2, "data-testid": `output-${u + 1}`, class: "output-node",
      }, this.svg);
      circle.addEventListener("click", () => this.select(hidden.length + 1, u));
      const label = element("svg:text", { x: position.x + position.size / 2 + 4, y: position.y + 5, "font-size": 13, fill: "#1d2430" }, this.svg);
      label.textContent = model.output.units > 1 ? `class ${u}` : model.settings.problem === "regression" ? "ŷ" : "output";
    });

    // links, one <line> per weight, widths and colours set by update()
    this.links = [];
    for (let k = 0; k < this.columnPositions.length - 1; k++) {
      const sources = this.columnPositions[k];
      const targets = this.columnPositions[k + 1];
      const lines = [];
      for (let i = 0; i < sources.length; i++) {
        for (let j = 0; j < targets.length; j++) {
          const line = element("svg:line", {
            x1: sources[i].x + sources[i].size / 2, y1: sources[i].y,
            x2: targets[j].x - targets[j].size / 2, y2: targets[j].y,
            class: "link", stroke: "#c5cbd3", "stroke-width": 1,
          }, this.linkGroup);
          line.addEventListener("click", () => this.editWeight(k, i, j));
          const title = element("svg:title", {}, line);
          lines.push({ line, title, i, j });
        }
      }
      this.links.push(lines);
    }
    if (this.selected && this.selected.layer > hidden.length + 1) this.selected = null;
    this.renderFormula();
  }

  position(node, { x, y, size }) {
    node.style.left = `${x - size / 2}px`;
    node.style.top = `${y - size / 2}px`;
    node.style.width = `${size}px`;
    node.style.height = `${size}px`;
  }

  layerControl(l, layer, x, spacing, activations) {
    const box = element("div", { class: "layer-control" }, this.controls);
    box.style.left = `${x}px`;
    box.style.width = `${Math.max(48, Math.min(104, spacing - 6))}px`;
    const units = element("div", { class: "units" }, box);
    const add = element("button", { "data-testid": `layer-${l + 1}-add-unit`, title: "Add a neuron" }, units);
    add.textContent = "+";
    const remove = element("button", { "data-testid": `layer-${l + 1}-remove-unit`, title: "Remove a neuron" }, units);
    remove.textContent = "−";
    add.addEventListener("click", () => this.handlers.changeUnits(l, +1));
    remove.addEventListener("click", () => this.handlers.changeUnits(l, -1));
    const count = element("span", { class: "count" }, box);
    count.textContent = spacing > 90 ? `${layer.units} neuron${layer.units === 1 ? "" : "s"}` : String(layer.units);
    const select = element("select", { "data-testid": `layer-${l + 1}-activation`, title: "Activation of this layer" }, box);
    for (const name of activations) {
      const option = element("option", { value: name }, select);
      option.textContent = name;
    }
    select.value = layer.activation;
    select.addEventListener("change", () => this.handlers.changeActivation(l, select.value));
  }

  // A frame: neuron pictures, health borders, links by weight, the open formula.
  update(header, arrays, discretize) {
    const neurons = arrays.neurons.data;
    const res = this.model.neuron_resolution;
    let index = 0;
    this.neuronCanvases.forEach((canvases, l) => {
      canvases.forEach((canvas, u) => {
        paintGrid(canvas, neurons.subarray(index * res * res, (index + 1) * res * res), res, 1, discretize);
        index += 1;
        const verdict = header.neuron_health?.[l]?.[u] ?? "ok";
        canvas.classList.toggle("dead", verdict === "dead");
        canvas.classList.toggle("saturated", verdict === "saturated");
      });
    });
    this.weights = this.links.map((_, k) => ({ kernel: arrays[`W${k + 1}`], bias: arrays[`b${k + 1}`] }));
    const total = this.links.reduce((n, lines) => n + lines.length, 0);
    const now = performance.now();
    if (total < 1500 || now - this.lastLinks > LINK_REDRAW_MS) {
      this.lastLinks = now;
      this.links.forEach((lines, k) => {
        const { kernel } = this.weights[k];
        const outs = kernel.shape[1];
        for (const { line, title, i, j } of lines) {
          const w = kernel.data[i * outs + j];
          const size = Math.min(Math.abs(w), 4);
          line.setAttribute("stroke-width", (0.4 + size * 2).toFixed(2));
          line.setAttribute("stroke", css(w < 0 ? ORANGE : BLUE, 0.3 + 0.6 * Math.min(size, 1)));
          title.textContent = `weight ${w.toFixed(4)} (click to edit)`;
        }
      });
    }
    this.renderFormula();
  }

  select(layer, unit) {
    this.selected = { layer, unit };
    this.nodes.querySelectorAll(".selected").forEach((node) => node.classList.remove("selected"));
    this.neuronCanvases[layer - 1]?.[unit]?.classList.add("selected");
    this.renderFormula();
  }

  inputName(layer, i) {
    if (layer === 1) return FEATURE_LABELS[this.model.settings.features[i]];
    return `h${layer - 1},${i + 1}`;
  }

  renderFormula() {
    if (!this.selected || !this.weights) {
      this.inspector.hidden = true;
      return;
    }
    const { layer, unit } = this.selected;
    const weights = this.weights[layer - 1];
    if (!weights) { this.inspector.hidden = true; return; }
    const outs = weights.kernel.shape[1];
    const ins = weights.kernel.shape[0];
    const hidden = this.model.settings.layers;
    const isOutput = layer === hidden.length + 1;
    const activation = isOutput ? this.model.output.activation : hidden[layer - 1].activation;
    const name = isOutput ? (outs > 1 ? `z${unit}` : "ŷ") : `h${layer},${unit + 1}`;
    this.inspector.replaceChildren();
    const head = element("span", { class: "name" }, this.inspector);
    head.textContent = `${name} = ${activation === "identity" ? "" : activation}(`;
    for (let i = 0; i < ins; i++) {
      const w = weights.kernel.data[i * outs + unit];
      const term = element("span", { class: w < 0 ? "neg" : "pos" }, this.inspector);
      term.textContent = ` ${fixed(w)}·${this.inputName(layer, i)}`;
    }
    const b = weights.bias.data[unit];
    const bias = element("span", { class: b < 0 ? "neg" : "pos" }, this.inspector);
    bias.textContent = ` ${fixed(b)}`;
    const tail = element("span", { class: "name" }, this.inspector);
    tail.textContent = " )";
    this.inspector.hidden = false;
  }

  editWeight(k, i, j) {
    const weights = this.weights?.[k];
    if (!weights) return;
    const current = weights.kernel.data[i * weights.kernel.shape[1] + j];
    const answer = window.prompt(`New value of this weight (now ${current.toFixed(4)})`, current.toFixed(4));
    if (answer === null) return;
    const value = Number(answer);
    if (Number.isFinite(value) && Math.abs(value) <= 100) this.handlers.setWeight(k, j, i, value);
  }
}
