// Refusal rates corrected for detector misclassification (Rogan & Gladen 1978, Am J Epidemiol 107:71).
//
// A detector with sensitivity Se = P(flagged | refusal) and specificity Sp = P(not flagged | not refusal)
// flags a share p = Se·π + (1 − Sp)·(1 − π) of trials whose true refusal rate is π, so
//     π = (p + Sp − 1) / (Se + Sp − 1),
// clipped to [0, 1] (p below the false-positive floor 1 − Sp gives a negative value, above Se a value > 1).
// Undefined when Se + Sp ≤ 1: such a detector is no better than a coin and the flags carry no information on π.
//
// Uncertainty (parametric bootstrap, percentile interval; seeded): each draw takes
//   Se* ~ Beta(tp + ½, fn + ½), Sp* ~ Beta(tn + ½, fp + ½)  — the Jeffreys posteriors of the validation counts
//       (never degenerate at tp = 0 or fn = 0, unlike a binomial redraw of Se = 1);
//   the observed share p* of every group from ONE resample of the trials: item clusters (task + item) drawn with
//       replacement when there are at least MIN_CLUSTERS of them (keeps item clustering and the persona/control
//       pairing of blocked designs, so differences are joint), else p* ~ Beta(k + ½, n − k + ½) per group,
//       independent across groups (conservative for paired differences);
// and computes π* per group with the same (Se*, Sp*). Differences persona − control are differences of π*
// within a draw. The CI is the (α/2, 1 − α/2) percentile of the draws; draws with Se* + Sp* ≤ 1 are undefined,
// left out and counted. Comparable to the Bayesian intervals of Flor et al. (2020, Stat Med 39:1513); the closed
// form delta-method variance (Rogan & Gladen) is used only in tests, as an independent check.
import type { AnalysisRow, Interval } from "./types.ts";
import { DataError } from "../errors.ts";
import { FACTORS, levelsOf } from "./rates.ts";
import { mulberry32, normal, randInt, type Rng } from "./random.ts";

/** Validation counts of the detector (as `frh detect-eval --json` prints them). */
export interface DetectorErrorCounts {
  detector?: string | null;
  sensitivity: { tp: number; fn: number };
  specificity: { tn: number; fp: number };
}

export interface CorrectedRate {
  level: string;
  n: number;
  /** Share flagged by the detector. */
  observed: number;
  /** Rogan–Gladen estimate from the point values of Se and Sp, clipped to [0, 1]. */
  corrected: number;
  ci: Interval;
  /** The unclipped estimate fell outside [0, 1]. */
  clipped: boolean;
}

export interface CorrectedContrast {
  persona: string;
  rate: number;
  controlRate: number;
  diff: number;
  ci: Interval;
}

export interface CorrectedResult {
  detector: string | null;
  sensitivity: { value: number; tp: number; fn: number };
  specificity: { value: number; tn: number; fp: number };
  /** How p* was drawn: "item-cluster bootstrap" or "Jeffreys beta per group". */
  resampling: string;
  bootstrap: number;
  /** Draws left out because Se* + Sp* ≤ 1. */
  undefinedDraws: number;
  overall: CorrectedRate;
  byFactor: Record<string, CorrectedRate[]>;
  personaVsControl: CorrectedContrast[];
}

/** Item clusters needed for the cluster bootstrap of the observed shares. */
export const MIN_CLUSTERS = 20;

/** Rogan–Gladen estimate, unclipped; NaN when Se + Sp ≤ 1. */
export function roganGladenRaw(p: number, se: number, sp: number): number {
  const j = se + sp - 1;
  return j > 0 ? (p + sp - 1) / j : NaN;
}

/** Rogan–Gladen estimate clipped to [0, 1]; NaN when Se + Sp ≤ 1. */
export function roganGladen(p: number, se: number, sp: number): number {
  const v = roganGladenRaw(p, se, sp);
  return Number.isNaN(v) ? v : Math.min(1, Math.max(0, v));
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000, ACM TOMS 26:363); shape < 1 via the boost U^(1/shape). */
export function gammaDraw(rng: Rng, shape: number): number {
  if (shape < 1) {
    let u = rng();
    while (u === 0) u = rng();
    return gammaDraw(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do { x = normal(rng); v = 1 + c * x; } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as G_a / (G_a + G_b). */
export function betaDraw(rng: Rng, a: number, b: number): number {
  const x = gammaDraw(rng, a), y = gammaDraw(rng, b);
  return x / (x + y);
}

/** Percentile interval of finite draws (linear interpolation between order statistics). */
function percentile(xs: number[], alpha: number): Interval {
  const s = xs.slice().sort((a, b) => a - b);
  const q = (t: number) => { const h = (s.length - 1) * t, lo = Math.floor(h); return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]); };
  return s.length ? [q(alpha / 2), q(1 - alpha / 2)] : [NaN, NaN];
}

/** Point values of Se and Sp; throws when the counts are empty or Se + Sp ≤ 1. */
export function checkCounts(c: DetectorErrorCounts, where = "detector error"): { se: number; sp: number } {
  const m1 = c.sensitivity.tp + c.sensitivity.fn, m0 = c.specificity.tn + c.specificity.fp;
  if (m1 <= 0) throw new DataError(where, "sensitivity has no validation responses (tp + fn = 0)", "give the counts from `frh detect-eval --json` on labelled data that contains refusals");
  if (m0 <= 0) throw new DataError(where, "specificity has no validation responses (tn + fp = 0)", "give the counts from `frh detect-eval --json` on labelled data that contains non-refusals");
  const se = c.sensitivity.tp / m1, sp = c.specificity.tn / m0;
  if (se + sp <= 1) {
    throw new DataError(where, `sensitivity + specificity = ${(se + sp).toFixed(3)} ≤ 1, so the Rogan–Gladen correction is undefined (the detector's flags carry no information on the true rate)`,
      "check that the counts belong to this detector and are not swapped (tp/fn are the human-labelled refusals, tn/fp the non-refusals)");
  }
  return { se, sp };
}

/** One proportion k/n corrected, with the Jeffreys-beta draws for p* (the module's fallback path). */
export function correctProportion(k: number, n: number, c: DetectorErrorCounts, opts: { bootstrap?: number; seed?: number; alpha?: number } = {}): { estimate: number; ci: Interval; undefinedDraws: number } {
  const { se, sp } = checkCounts(c);
  const B = opts.bootstrap ?? 1000, rng = mulberry32(opts.seed ?? 1), draws: number[] = [];
  let undef = 0;
  for (let b = 0; b < B; b++) {
    const [se1, sp1] = drawSeSp(rng, c);
    const pi = roganGladen(betaDraw(rng, k + 0.5, n - k + 0.5), se1, sp1);
    if (Number.isNaN(pi)) undef++; else draws.push(pi);
  }
  return { estimate: roganGladen(k / n, se, sp), ci: percentile(draws, opts.alpha ?? 0.05), undefinedDraws: undef };
}

function drawSeSp(rng: Rng, c: DetectorErrorCounts): [number, number] {
  return [betaDraw(rng, c.sensitivity.tp + 0.5, c.sensitivity.fn + 0.5), betaDraw(rng, c.specificity.tn + 0.5, c.specificity.fp + 0.5)];
}

/**
 * Corrected overall rate, per level of every factor, and persona − control differences, from one joint bootstrap
 * (see the file comment). `rows[i].refusal` is the detector's flag.
 */
export function correctAnalysis(rows: readonly AnalysisRow[], c: DetectorErrorCounts, opts: { control: string; alpha?: number; bootstrap?: number; seed?: number }): CorrectedResult {
  const { se, sp } = checkCounts(c);
  const alpha = opts.alpha ?? 0.05, B = opts.bootstrap ?? 1000, rng = mulberry32(opts.seed ?? 1);
  // Groups: 0 = overall, then factor levels.
  const groups: { factor: string | null; level: string }[] = [{ factor: null, level: "all" }];
  const index = new Map<string, number>();
  for (const f of FACTORS) {
    for (const level of levelsOf(rows.map((r) => r[f]), f === "persona" ? opts.control : undefined)) {
      index.set(`${f}\u0000${level}`, groups.length);
      groups.push({ factor: f, level });
    }
  }
  const G = groups.length, k = new Float64Array(G), n = new Float64Array(G);
  // Per cluster: counts per group (sparse), for the cluster bootstrap.
  const clusters = new Map<string, Map<number, [number, number]>>();
  for (const r of rows) {
    const key = `${r.task}\u0000${r.item}`;
    let cl = clusters.get(key);
    if (!cl) clusters.set(key, (cl = new Map()));
    const gs = [0, ...FACTORS.map((f) => index.get(`${f}\u0000${r[f]}`)!)];
    for (const g of gs) {
      k[g] += r.refusal; n[g]++;
      const e = cl.get(g) ?? [0, 0];
      e[0] += r.refusal; e[1]++;
      cl.set(g, e);
    }
  }
  const clusterList = [...clusters.values()].map((m) => [...m.entries()].map(([g, [kk, nn]]) => [g, kk, nn] as const));
  const useClusters = clusterList.length >= MIN_CLUSTERS;
  const personaIdx = groups.map((g, i) => (g.factor === "persona" ? i : -1)).filter((i) => i >= 0);
  const controlIdx = index.get(`persona\u0000${opts.control}`);
  const contrastIdx = controlIdx === undefined ? [] : personaIdx.filter((i) => i !== controlIdx);

  const draws: number[][] = Array.from({ length: G }, () => []), diffDraws: number[][] = contrastIdx.map(() => []);
  let undef = 0;
  const kb = new Float64Array(G), nb = new Float64Array(G), pi = new Float64Array(G);
  for (let b = 0; b < B; b++) {
    const [se1, sp1] = drawSeSp(rng, c);
    if (se1 + sp1 <= 1) { undef++; continue; }
    if (useClusters) {
      kb.fill(0); nb.fill(0);
      for (let j = 0; j < clusterList.length; j++) for (const [g, kk, nn] of clusterList[randInt(rng, clusterList.length)]) { kb[g] += kk; nb[g] += nn; }
    }
    for (let g = 0; g < G; g++) {
      const p = useClusters ? (nb[g] > 0 ? kb[g] / nb[g] : NaN) : betaDraw(rng, k[g] + 0.5, n[g] - k[g] + 0.5);
      pi[g] = Number.isNaN(p) ? NaN : roganGladen(p, se1, sp1);
      if (!Number.isNaN(pi[g])) draws[g].push(pi[g]);
    }
    contrastIdx.forEach((g, j) => { const d = pi[g] - pi[controlIdx!]; if (!Number.isNaN(d)) diffDraws[j].push(d); });
  }

  const rate = (g: number): CorrectedRate => {
    const obs = k[g] / n[g], raw = roganGladenRaw(obs, se, sp);
    return { level: groups[g].level, n: n[g], observed: obs, corrected: Math.min(1, Math.max(0, raw)), ci: percentile(draws[g], alpha), clipped: raw < 0 || raw > 1 };
  };
  const byFactor: Record<string, CorrectedRate[]> = {};
  groups.forEach((grp, g) => { if (grp.factor) (byFactor[grp.factor] ??= []).push(rate(g)); });
  return {
    detector: c.detector ?? null,
    sensitivity: { value: se, tp: c.sensitivity.tp, fn: c.sensitivity.fn },
    specificity: { value: sp, tn: c.specificity.tn, fp: c.specificity.fp },
    resampling: useClusters ? `item-cluster bootstrap (${clusterList.length} items)` : `Jeffreys beta per group (${clusterList.length} items < ${MIN_CLUSTERS}: independent draws, conservative for paired differences)`,
    bootstrap: B, undefinedDraws: undef,
    overall: rate(0), byFactor,
    personaVsControl: contrastIdx.map((g, j) => {
      const a = rate(g), ctl = rate(controlIdx!);
      return { persona: groups[g].level, rate: a.corrected, controlRate: ctl.corrected, diff: a.corrected - ctl.corrected, ci: percentile(diffDraws[j], alpha) };
    }),
  };
}
