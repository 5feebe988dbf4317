// Seeded randomness for bootstraps, dummy factors and simulations. Same seed, same numbers, on every platform.

// mulberry32 (Tommy Ettinger, public domain; 32-bit state, period 2^32) is shared with the plan sampler.
import { mulberry32, randInt, type Rng } from "../util/random.ts";
export { mulberry32, randInt, type Rng };

/** Derives an independent-looking stream from a seed and a label (e.g. a factor name), so adding a factor
 *  does not shift the draws of the others. FNV-1a over the label, mixed into the seed. */
export function substream(seed: number, label: string): Rng {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mulberry32(h >>> 0);
}

/** Standard normal by Box–Muller (one of the pair; simplicity over speed). */
export function normal(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher–Yates shuffle, in place. */
export function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Binomial(n, p) draw, exact. Inversion (sequential search) when n·min(p, 1 − p) < 10; otherwise Hörmann's
 * BTRS transformed rejection with squeeze (Hörmann 1993, J Stat Comput Simul 46:101), O(1) expected.
 */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const q = 1 - p;
  if (n * p < 10) {
    const s = p / q, a = (n + 1) * s;
    let r = Math.pow(q, n), u = rng(), x = 0;
    while (u > r && x < n) { u -= r; x++; r *= a / x - s; }
    return x;
  }
  const spq = Math.sqrt(n * p * q), b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5, vr = 0.92 - 4.2 / b, alpha = (2.83 + 5.1 / b) * spq, lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p), h = lgammaInt(m) + lgammaInt(n - m);
  for (;;) {
    const u = rng() - 0.5, us = 0.5 - Math.abs(u);
    let v = rng();
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - lgammaInt(k) - lgammaInt(n - k) + (k - m) * lpq) return k;
  }
}

/** log k! (Stirling series beyond a small table; error < 1e-12). */
function lgammaInt(k: number): number {
  if (k < 16) { let s = 0; for (let i = 2; i <= k; i++) s += Math.log(i); return s; }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}
