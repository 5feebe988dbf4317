// A zoo run checked against its planted truth: does each estimated index's CI cover the true index, is the
// estimated factor ranking the true one, and are the Holm-significant persona × model effects exactly the planted
// non-null ones the sample had power for?
import type { AnalysisResult, AnalysisRow, Interval, ReplicationTruthInput } from "../stats/types.ts";
import { normCdf, normQuantile } from "../stats/dist.ts";
import { basicInterval, debiasedInterval, sensitivityIndices } from "../stats/sensitivity.ts";
import { PAPER_FACTORS } from "../stats/replication.ts";
import type { StudyTruth } from "./truth.ts";
import { rankFactors } from "./truth.ts";

/** Power at or above which a planted effect must be found (and below which missing it is no failure). */
export const POWERED = 0.9;

export interface IndexCheck {
  factor: string;
  index: "variance" | "delta" | "wasserstein";
  truth: number;
  estimate: number;
  /** Bias-corrected bootstrap CI at 1 − α/F (Bonferroni over the F factors): all F cover together with ≥ 95%. */
  ci: Interval;
  covered: boolean;
  /** The per-factor 95% CI (what the report shows) and whether it covers. */
  ci95: Interval;
  covered95: boolean;
}

export interface EffectCheck {
  model: string;
  persona: string;
  /** A persona word of this persona is a trigger of this model's law. */
  planted: boolean;
  trueDiff: number;
  estimate: number;
  n: number;
  nControl: number;
  /** Power of the family's test at the Bonferroni level α/m (a lower bound for Holm), normal approximation. */
  power: number;
  significant: boolean;
}

export interface ZooCheck {
  indices: IndexCheck[];
  trueRanking: string[];
  estimatedRanking: string[];
  rankingEqual: boolean;
  effects: EffectCheck[];
  /** Planted effects with power ≥ POWERED that were not significant. */
  missed: EffectCheck[];
  /** Significant effects that were not planted. */
  falsePositives: EffectCheck[];
  trend: { truth: number; estimate: number; ci: Interval; covered: boolean } | null;
}

/**
 * Power of a two-sided test of rate difference Δ = r1 − r0 with n1, n0 trials at level a: the pooled-variance z
 * test's rejection region under the alternative's unpooled variance, Φ((|Δ| − z·SE₀)/SE₁).
 */
export function differencePower(r1: number, n1: number, r0: number, n0: number, a: number): number {
  if (n1 === 0 || n0 === 0) return 0;
  const pbar = (r1 * n1 + r0 * n0) / (n1 + n0);
  const se0 = Math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n0)), se1 = Math.sqrt(r1 * (1 - r1) / n1 + r0 * (1 - r0) / n0);
  if (!(se1 > 0)) return Math.abs(r1 - r0) > 0 ? 1 : 0;
  return normCdf((Math.abs(r1 - r0) - normQuantile(1 - a / 2) * se0) / se1);
}

export interface CheckOptions { alpha?: number; bootstrap?: number; seed?: number }

/**
 * `rows` and `result`: the analysed trials and their analysis (analyze with outcome "refusal"). "Every factor's CI
 * covers its truth" is one statement about F intervals, so it is checked with simultaneous (Bonferroni) intervals:
 * each at 1 − α/F, from a bootstrap of all rows (level shares vary as they do between Monte Carlo samples; the
 * analysis's stratified bootstrap holds them fixed, which made the model factor's interval too narrow on the zoo,
 * where the models differ most).
 */
export function checkZoo(rows: readonly AnalysisRow[], result: AnalysisResult, truth: StudyTruth, opts: CheckOptions = {}): ZooCheck {
  const alpha = opts.alpha ?? 0.05, factors = truth.factors.filter((t) => result.sensitivity.some((x) => x.factor === t.factor));
  const joint = sensitivityIndices(rows.map((r) => r.refusal), factors.map((t) => ({ name: t.factor, labels: rows.map((r) => r[t.factor]) })),
    { bootstrap: opts.bootstrap ?? 400, seed: opts.seed ?? 1, alpha: alpha / factors.length, resample: "rows" });
  const indices: IndexCheck[] = [];
  for (const t of factors) {
    const s = result.sensitivity.find((x) => x.factor === t.factor)!, j = joint.find((x) => x.factor === t.factor)!;
    for (const index of ["variance", "delta", "wasserstein"] as const) {
      // variance: the debiased percentile interval (stats/sensitivity.ts); δ and Wasserstein: the basic interval
      const L = s.levels ?? 2, n = rows.length;
      const ci = index === "variance" ? debiasedInterval(j.ci.variance, L, n) : basicInterval(j[index], j.ci[index]);
      const ci95 = index === "variance" ? debiasedInterval(s.ci.variance, L, n) : basicInterval(s[index], s.ci[index]);
      const covers = (c: Interval) => c[0] <= t[index] && t[index] <= c[1];
      indices.push({ factor: t.factor, index, truth: t[index], estimate: s[index], ci, covered: covers(ci), ci95, covered95: covers(ci95) });
    }
  }
  const trueRanking = rankFactors(truth.factors, (f) => f.variance, PAPER_FACTORS);
  const estimatedRanking = rankFactors(result.sensitivity, (f) => f.variance, PAPER_FACTORS);
  const rep = result.replication;
  const m = rep?.effects.tests ?? 1;
  const trueOf = new Map(truth.personas.map((p) => [`${p.model}\u0000${p.persona}`, p]));
  const effects: EffectCheck[] = (rep?.effects.all ?? []).map((e) => {
    const t = trueOf.get(`${e.model}\u0000${e.persona}`)!;
    const base = truth.models.find((x) => x.model === e.model)!.base;
    return { model: e.model, persona: e.persona, planted: t.plantedEffect, trueDiff: t.diff, estimate: e.diff, n: e.n, nControl: e.nControl, power: differencePower(t.rate, e.n, base, e.nControl, alpha / m), significant: e.significant };
  });
  const trend = rep ? { truth: truth.trend.slope, estimate: rep.trend.slope, ci: rep.trend.ci, covered: rep.trend.ci[0] <= truth.trend.slope && truth.trend.slope <= rep.trend.ci[1] } : null;
  return {
    indices, trueRanking, estimatedRanking, rankingEqual: trueRanking.join() === estimatedRanking.join(), effects,
    missed: effects.filter((e) => e.planted && e.power >= POWERED && !e.significant),
    falsePositives: effects.filter((e) => e.significant && !e.planted),
    trend,
  };
}

/** The truth as the report's replication section shows it. */
export function truthForReport(truth: StudyTruth, source: string): ReplicationTruthInput {
  return {
    source,
    factors: Object.fromEntries(truth.factors.map((f) => [f.factor, f.variance])),
    order: rankFactors(truth.factors, (f) => f.variance, PAPER_FACTORS),
    slope: truth.trend.slope,
    models: truth.models.map((m) => ({ model: m.model, base: m.base, personaEffect: m.personaEffect })),
    personas: truth.personas.filter((p) => p.persona !== truth.control).map((p) => ({ model: p.model, persona: p.persona, diff: p.diff, planted: p.plantedEffect })),
  };
}
