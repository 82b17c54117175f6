// Colour maps. The browser tests recompute them in Python: keep the formulas simple and exact.
//
// diverging(t), t in [-1, 1]: MID at 0, towards ORANGE (t < 0) or BLUE (t > 0) by s = HEAT |t|;
// channel = floor(a + (b - a) * s + 0.5). Class c of several: mix(MID, PALETTE[c], HEAT s) with
// s = (p_max - 1/C) / (1 - 1/C). Discretized: s = 1 (and t -> sign(t), 0 counting as +).
// HEAT < 1 keeps the plane lighter than the data points drawn on it in full colour.

export const MID = [232, 234, 235];
export const ORANGE = [245, 147, 34];
export const BLUE = [8, 119, 189];
export const PALETTE = [ORANGE, BLUE, [44, 160, 44], [148, 103, 189], [214, 39, 40]];
export const HEAT = 0.7;

export function mix(a, b, s) {
  return [0, 1, 2].map((i) => Math.floor(a[i] + (b[i] - a[i]) * s + 0.5));
}

export function diverging(t, discretize = false) {
  if (!Number.isFinite(t)) t = 0;
  if (discretize) return mix(MID, t >= 0 ? BLUE : ORANGE, HEAT);
  t = Math.max(-1, Math.min(1, t));
  return t < 0 ? mix(MID, ORANGE, -t * HEAT) : mix(MID, BLUE, t * HEAT);
}

export function classColour(probabilities, discretize = false) {
  const count = probabilities.length;
  let best = 0;
  for (let c = 1; c < count; c++) if (probabilities[c] > probabilities[best]) best = c;
  const s = discretize ? 1 : Math.max(0, Math.min(1, (probabilities[best] - 1 / count) / (1 - 1 / count)));
  return mix(MID, PALETTE[best], s * HEAT);
}

export function css(rgb, alpha = 1) {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}
