// The diagnosis panels: health (HealthMonitor), lint (ln.lint / ln.preflight) and the NaN banner.

// The health table for one epoch of figures (null: nothing measured yet).
export function showHealth(body, health) {
  if (!health) {
    body.innerHTML = "";
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = "Press play or step: lucidnet's HealthMonitor reports after the first epoch.";
    body.append(note);
    return;
  }
  const percent = (v) => (v === undefined || v === null ? "–" : `${(100 * v).toFixed(0)}%`);
  const small = (v) => (v === undefined || v === null ? "–" : v.toExponential(1));
  const table = document.createElement("table");
  const head = table.insertRow();
  for (const title of ["layer", "activation", "dead", "saturated", "gradient norm", "update ratio"]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const notes = document.createElement("ul");
  notes.className = "notes";
  for (const row of health.layers) {
    const tr = table.insertRow();
    const cells = [row.layer, row.activation, percent(row.dead_fraction), percent(row.saturation_fraction),
      small(row.grad_norm), small(row.update_ratio)];
    cells.forEach((text, i) => {
      const td = tr.insertCell();
      td.textContent = text;
      const flagged = (i === 2 && row.dead_fraction > 0.5) || (i === 3 && row.saturation_fraction > 0.5);
      if (flagged) td.className = health.learning_well ? "note" : "problem";
    });
    for (const note of row.notes) {
      const li = document.createElement("li");
      li.textContent = `${row.layer}: ${note}`;
      notes.append(li);
    }
  }
  const caption = document.createElement("p");
  caption.className = notes.children.length ? "" : "ok";
  if (notes.children.length && health.learning_well) notes.classList.add("info");
  caption.textContent = !notes.children.length
    ? `At epoch ${health.epoch}: every layer looks healthy.`
    : health.learning_well
      ? `At epoch ${health.epoch} (the network learns well, so these are notes, not alarms):`
      : `At epoch ${health.epoch}:`;
  body.replaceChildren(table, caption, notes);
}

// One box per piece of advice, errors first as the server sends them; `apply` when the page
// can make the remedy itself. `page` holds settings and options; `send` sends a message.
export function showLint(body, advice, page, send) {
  body.replaceChildren();
  if (!advice || advice.length === 0) {
    const ok = document.createElement("p");
    ok.className = "ok";
    ok.textContent = "No problems found in this network and loss.";
    body.append(ok);
    return;
  }
  for (const item of advice) {
    const box = document.createElement("div");
    box.className = `advice ${item.severity}`;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = `${item.severity} ${item.code ?? ""}`;
    const text = document.createElement("span");
    text.textContent = `${item.where && item.where !== "model" ? `${item.where}: ` : ""}${item.message}`;
    box.append(badge, text);
    if (item.fix) {
      const fix = document.createElement("div");
      fix.className = "fix";
      fix.textContent = `Fix: ${item.fix}`;
      const change = remedySettings(item.remedy, page);
      if (change) {
        const apply = document.createElement("button");
        apply.className = "apply";
        apply.dataset.testid = `lint-apply-${body.children.length + 1}`;
        apply.textContent = "apply";
        apply.addEventListener("click", () => send({ type: "settings", settings: change }));
        fix.append(" ", apply);
      }
      box.append(fix);
    }
    body.append(box);
  }
}

// An ln.Advice remedy as a settings change the page can make (null when it cannot).
export function remedySettings(remedy, page) {
  if (!remedy || !page.settings) return null;
  const o = page.options;
  const s = page.settings;
  const rate = (value, low, high) => typeof value === "number" && value > low && value <= high;
  const hidden = (name) => (/^hidden_\d+$/.test(name) ? Number(name.slice(7)) - 1 : -1);
  switch (remedy.action) {
    case "set_lr":
      return rate(remedy.value, 0, 10) ? { learning_rate: remedy.value } : null;
    case "set_optimizer":
      if (!o.optimizers.includes(remedy.name)) return null;
      return rate(remedy.lr, 0, 10) ? { optimizer: remedy.name, learning_rate: remedy.lr } : { optimizer: remedy.name };
    case "set_initializer":
      return o.initializers.includes(remedy.kernel) ? { initializer: remedy.kernel } : null;
    case "set_loss": {
      const allowed = s.problem === "regression" ? o.regression_losses : o.classification_losses;
      return allowed.includes(remedy.name) ? { loss: remedy.name } : null;
    }
    case "set_regularizer":
      if (rate(remedy.l2, -1e-12, 10)) return { regularization: remedy.l2 > 0 ? "l2" : "none", regularization_rate: remedy.l2 };
      if (rate(remedy.l1, -1e-12, 10)) return { regularization: remedy.l1 > 0 ? "l1" : "none", regularization_rate: remedy.l1 };
      return null;
    case "set_activation": {
      if (!o.activations.includes(remedy.name)) return null;
      const layers = s.layers.map((layer) => ({ ...layer }));
      let changed = false;
      for (const name of remedy.layers || []) {
        const index = hidden(name);
        if (index >= 0 && index < layers.length) { layers[index].activation = remedy.name; changed = true; }
      }
      return changed ? { layers } : null;
    }
    default:
      return null;
  }
}

// The NaN banner: the guard's message and fix, and the fix as a button when the page can make it.
let shownNan = null;
export function showNan(banner, nan, page, send) {
  if (!nan) {
    banner.hidden = true;
    shownNan = null;
    return;
  }
  if (shownNan === nan.epoch && !banner.hidden) return;
  shownNan = nan.epoch;
  banner.querySelector(".nan-message").textContent = nan.message;
  banner.querySelector(".nan-fix-text").textContent = nan.fix ?? "";
  const apply = banner.querySelector("[data-testid=nan-apply]");
  const change = remedySettings(nan.remedy, page);
  apply.hidden = !change;
  apply.onclick = () => {
    send({ type: "settings", settings: change });
    banner.hidden = true;
  };
  banner.hidden = false;
}
