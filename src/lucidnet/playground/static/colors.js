// Colour maps. The browser tests recompute them in Python: keep the formulas simple and exact.
//
// diverging(t), t in [-1, 1]: MID at 0, ORANGE at -1, BLUE at +1, linear in between;
// channel = floor(a + (b - a) * s + 0.5). Class c of several: mix(MID, PALETTE[c], s) with
// s = (p_max - 1/C) / (1 - 1/C). Discretized: s = 1 (and t -> sign(t), 0 counting as +).

export const MID = [232, 234, 235];
export const ORANGE = [245, 147, 34];
export const BLUE = [8, 119, 189];
export const PALETTE = [ORANGE, BLUE, [44, 160, 44], [148, 103, 189], [214, 39, 40]];

export function mix(a, b, s) {
  return [0, 1, 2].map((i) => Math.floor(a[i] + (b[i] - a[i]) * s + 0.5));
}

export function diverging(t, discretize = false) {
  if (!Number.isFinite(t)) t = 0;
  if (discretize) return t >= 0 ? BLUE.slice() : ORANGE.slice();
  t = Math.max(-1, Math.min(1, t));
  return t < 0 ? mix(MID, ORANGE, -t) : mix(MID, BLUE, t);
}

export function classColour(probabilities, discretize = false) {
  const count = probabilities.length;
  let best = 0;
  for (let c = 1; c < count; c++) if (probabilities[c] > probabilities[best]) best = c;
  const s = discretize ? 1 : Math.max(0, Math.min(1, (probabilities[best] - 1 / count) / (1 - 1 / count)));
  return mix(MID, PALETTE[best], s);
}

export function css(rgb, alpha = 1) {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}
