// Settings in the URL hash: a link reproduces the data, the network and its initial weights.
// `schema` is the server's own description of each setting (hello's options.settings).

export function writeHash(s) {
  const parts = Object.keys(s).map((key) => {
    let value = s[key];
    if (key === "layers") value = value.map((layer) => `${layer.units}-${layer.activation}`).join(",");
    else if (key === "features") value = value.join(",");
    else if (typeof value === "boolean") value = value ? 1 : 0;
    return `${key}=${encodeURIComponent(value)}`;
  });
  history.replaceState(null, "", `${location.pathname}${location.search}#${parts.join("&")}`);
}

// Settings from the hash, each checked by the server's schema (a bad one is dropped, not sent:
// the server would close the socket); those equal to the defaults are left out.
export function readHash(schema, defaults) {
  const settings = {};
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, raw] of params) {
    const spec = Object.hasOwn(schema, key) ? schema[key] : null;
    const value = spec ? parse(spec, raw) : undefined;
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(defaults[key])) settings[key] = value;
  }
  return settings;
}

function parse(spec, raw) {
  if (spec.kind === "enum") return spec.values.includes(raw) ? raw : undefined;
  if (spec.kind === "bool") return raw === "1" ? true : raw === "0" ? false : undefined;
  if (spec.kind === "int" || spec.kind === "number") {
    const n = Number(raw);
    const [low, high] = spec.range;
    const ok = raw !== "" && Number.isFinite(n) && n >= low && n <= high
      && (spec.kind === "number" || Number.isInteger(n)) && !(spec.open_low && n === low);
    return ok ? n : undefined;
  }
  if (spec.kind === "features") {
    const names = raw.split(",");
    const ok = names.length > 0 && names.every((name) => spec.values.includes(name)) && new Set(names).size === names.length;
    return ok ? names : undefined;
  }
  if (spec.kind === "layers") {
    const layers = raw === "" ? [] : raw.split(",").map((part) => {
      const [units, activation] = part.split(/-(.*)/s);
      return { units: Number(units), activation };
    });
    const [low, high] = spec.units;
    const ok = layers.length <= spec.max_layers && layers.every((layer) =>
      Number.isInteger(layer.units) && layer.units >= low && layer.units <= high
      && spec.activations.includes(layer.activation));
    return ok ? layers : undefined;
  }
  return undefined;
}
