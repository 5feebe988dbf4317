// The planted law's item noise, defined on tokens of the planted vocabulary so the model can compute it exactly.
//
// Each counted token t (every prompt token except BOS, control tokens and trigger tokens) carries an integer
// unit u(t) in [-24, 24]: 4 × (sum of 12 uniforms − 6), rounded, drawn from a generator seeded by the law's seed
// and the token's piece text. For a prompt with counted tokens t1..tn:
//
//   noise = itemNoise × K × (u(t1) + … + u(tn)) / (128 + n),    K = 2·√128 / σu,  σu² = 16 + 1/12
//
// The division by 128 + n is what one attention head computes with BOS as a sink of weight 1 and each counted
// token of weight 2^-7. Over items the noise is approximately Normal(0, s²) with s = itemNoise × 2√(128 n)/(128 + n):
// s/itemNoise = 0.78 at n = 30, 1 at n = 128, 0.92 at n = 300, 0.63 at n = 1000. Exact as a function, approximate
// in distribution.

export const NOISE_PRIOR = 128;
export const NOISE_SIGMA_U = Math.sqrt(16 + 1 / 12);
export const NOISE_SCALE = (2 * Math.sqrt(NOISE_PRIOR)) / NOISE_SIGMA_U;
/** |u| never exceeds this (12 uniforms, each < 1, scaled by 4). */
export const NOISE_UNIT_MAX = 24;

/** mulberry32 (a frozen copy: the noise definition must not change when shared utilities do). */
function rng32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(bytes: Uint8Array, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The integer noise unit of a token, from the law's seed and the token's piece text (as stored in the vocabulary). */
export function noiseUnit(seed: number, piece: string): number {
  const next = rng32(fnv1a(Buffer.from(piece, "utf8"), seed));
  let s = 0;
  for (let i = 0; i < 12; i++) s += next();
  return Math.round(4 * (s - 6));
}

/** The noise term for the counted tokens' units. */
export function noiseFromUnits(itemNoise: number, units: readonly number[]): number {
  if (itemNoise === 0 || units.length === 0) return 0;
  let sum = 0;
  for (const u of units) sum += u;
  return (itemNoise * NOISE_SCALE * sum) / (NOISE_PRIOR + units.length);
}
