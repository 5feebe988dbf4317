// The paper's claims (Plaza-del-Arco et al. 2025) as statements checkable on one store, each with our estimate
// and its 95% CI, and a verdict: supported (the CI says so), contradicted (the CI says the opposite) or
// inconclusive (the CI allows both).
//
//  1. ranking — "model and task drive false refusal far more than persona": first-order variance indices of the
//     paper's four factors (of the refusal outcome), ranked by the estimate, with bias-corrected CIs from a bootstrap
//     of all rows (sensitivity.ts debiasedInterval: the percentile CI repeats the estimator's upward bias, which
//     matters for a small index such as persona's; resampling all rows lets level shares vary as between samples).
//     Supported when both the model's and the task's CI lie above the persona's.
//  2. trend — "more capable models are less persona-sensitive": per model, base rate = the control's refusal rate
//     and persona effect = the mean squared persona − control rate difference over its personas, estimated without
//     bias (meanSquaredEffect); the OLS slope of effect on base across models, CI from a parametric bootstrap (each
//     model × persona refusal count redrawn binomially at its observed rate, the same debiased estimator in each
//     draw, the basic interval around the bootstrap world's own truth). Supported when the slope's CI lies above 0.
//     Not mean |Δ̂|: E|Δ̂| > |Δ| by noise that is largest at rates near 0.5, so a model zoo whose high-base models have
//     only null personas showed a positive slope from noise alone.
//  3. effects — "some personas raise refusal in some models": every persona against the control within each model
//     (contrasts.ts, the design's own test), Holm-adjusted over the whole persona × model family at α.
//     Supported when at least one persona raises refusal significantly.
import type { AnalysisRow, Interval, Replication, ReplicationEffect, ReplicationFactor, ReplicationModel, Verdict } from "./types.ts";
import { percentiles, personaContrasts } from "./contrasts.ts";
import { debiasedInterval, debiasedVariance, sensitivityIndices } from "./sensitivity.ts";
import { holm } from "./multiple.ts";
import { binomial, substream } from "./random.ts";

/** The paper's four factors, in the order ties are broken. */
export const PAPER_FACTORS = ["model", "task", "paraphrase", "persona"] as const;
/** Fewest models that make a trend across models worth stating. */
export const MIN_TREND_MODELS = 3;

export interface ReplicationOptions { control: string; alpha?: number; bootstrap?: number; seed?: number }

/** Ordinary least-squares line y = a + b·x (slope NaN when x does not vary). */
export function olsSlope(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const n = x.length, mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slope, intercept: my - slope * mx };
}

const verdictAbove = (ci: Interval, than: number | Interval): Verdict => {
  const [lo, hi] = typeof than === "number" ? [than, than] : than;
  return ci[0] > hi ? "supported" : ci[1] < lo ? "contradicted" : "inconclusive";
};

export interface Count { n: number; k: number }

/**
 * Unbiased estimate of the variance p(1 − p)/n of a binomial proportion k/n: p̂(1 − p̂)/(n − 1). A cell with n ≤ 1
 * has no such estimate; it contributes no correction (0), so its term keeps its (upward) bias.
 */
export function proportionVariance(c: Count): number {
  if (c.n <= 1) return 0;
  const p = c.k / c.n;
  return (p * (1 - p)) / (c.n - 1);
}

/**
 * Mean squared persona effect of one model, mean_j Δ_j² with Δ_j = p_j − p_control, estimated without bias from
 * independent binomial counts: E[(p̂_j − p̂_c)²] = Δ_j² + Var p̂_j + Var p̂_c, so each term subtracts the two unbiased
 * variance estimates. It can be negative (a model without persona effects averages 0). 0 without personas.
 */
export function meanSquaredEffect(control: Count, personas: readonly Count[]): number {
  if (!personas.length) return 0;
  const pc = control.k / control.n, vc = proportionVariance(control);
  return personas.reduce((s, c) => s + (c.k / c.n - pc) ** 2 - proportionVariance(c) - vc, 0) / personas.length;
}

/** The same measure without the correction: what the bootstrap world (rates = the observed ones) holds as its truth. */
export function plugInMeanSquaredEffect(control: Count, personas: readonly Count[]): number {
  if (!personas.length) return 0;
  const pc = control.k / control.n;
  return personas.reduce((s, c) => s + (c.k / c.n - pc) ** 2, 0) / personas.length;
}

export interface TrendCell extends Count { model: string; persona: string }

export interface TrendFit {
  models: ReplicationModel[];
  slope: number;
  intercept: number;
  /** Slope of the plug-in measure on the observed rates: the truth of the parametric bootstrap's world. */
  worldSlope: number;
  /** The debiased slope in each bootstrap draw (finite ones). */
  draws: number[];
}

/**
 * The trend's estimate and its parametric bootstrap: counts redrawn Binomial(n, k/n) per model × persona cell, the
 * debiased slope recomputed in each draw. In that world the true rates are the observed ones, so its true slope is
 * the plug-in one (worldSlope), and draws − worldSlope mimic estimate − truth.
 */
export function trendFit(cells: readonly TrendCell[], control: string, B: number, seed: number): TrendFit {
  const order = [...new Set(cells.map((c) => c.model))];
  const perModel = (count: (c: TrendCell) => Count, measure: typeof meanSquaredEffect): ReplicationModel[] => order.flatMap((m) => {
    const mine = cells.filter((c) => c.model === m), ctl = mine.find((c) => c.persona === control);
    if (!ctl) return [];
    const cc = count(ctl);
    return [{ model: m, n: mine.reduce((s, c) => s + c.n, 0), base: cc.k / cc.n, personaEffect: measure(cc, mine.filter((c) => c !== ctl).map(count)) }];
  });
  const fit = (ms: ReplicationModel[]) => olsSlope(ms.map((x) => x.base), ms.map((x) => x.personaEffect));
  const models = perModel((c) => c, meanSquaredEffect);
  const line = fit(models);
  const worldSlope = fit(perModel((c) => c, plugInMeanSquaredEffect)).slope;
  const rng = substream(seed, "(replication trend)");
  const draws: number[] = [];
  for (let b = 0; b < B; b++) {
    const draw = new Map(cells.map((c) => [c, { n: c.n, k: binomial(rng, c.n, c.k / c.n) }]));
    const s = fit(perModel((c) => draw.get(c)!, meanSquaredEffect)).slope;
    if (Number.isFinite(s)) draws.push(s);
  }
  return { models, ...line, worldSlope, draws };
}

/**
 * Basic bootstrap interval of the trend: [T − (q_hi − θ*), T − (q_lo − θ*)] with θ* the bootstrap world's true
 * slope. The percentile interval [q_lo, q_hi] would be centred on θ*, i.e. on the plug-in slope, and repeat its bias.
 */
export function trendInterval(f: TrendFit, alpha: number): Interval {
  if (!f.draws.length || !Number.isFinite(f.worldSlope)) return [f.slope, f.slope];
  const [lo, hi] = percentiles(f.draws, alpha);
  return [f.slope - (hi - f.worldSlope), f.slope - (lo - f.worldSlope)];
}

/** null when the rows cannot carry the claims: fewer than MIN_TREND_MODELS models, or no control. */
export function replication(rows: readonly AnalysisRow[], opts: ReplicationOptions): Replication | null {
  const alpha = opts.alpha ?? 0.05, B = opts.bootstrap ?? 200, seed = opts.seed ?? 1;
  const byModel = new Map<string, AnalysisRow[]>();
  for (const r of rows) { const xs = byModel.get(r.model); if (xs) xs.push(r); else byModel.set(r.model, [r]); }
  if (byModel.size < MIN_TREND_MODELS || !rows.some((r) => r.persona === opts.control)) return null;

  // the indices of the refusal outcome, CIs from a bootstrap of all rows (level shares vary as between samples)
  const sensitivity = sensitivityIndices(rows.map((r) => r.refusal), PAPER_FACTORS.map((f) => ({ name: f, labels: rows.map((r) => r[f]) })), { bootstrap: B, seed, alpha, resample: "rows" });
  const factors = PAPER_FACTORS.map((f) => sensitivity.find((s) => s.factor === f)).filter((s) => s !== undefined)
    .map((s): ReplicationFactor => {
      const L = s.levels ?? new Set(rows.map((r) => r[s.factor as keyof AnalysisRow] as string)).size;
      return { factor: s.factor, variance: s.variance, debiased: debiasedVariance(s.variance, L, rows.length), ci: debiasedInterval(s.ci.variance, L, rows.length), percentileCi: s.ci.variance };
    });
  const order = factors.map((f, i) => ({ f, i })).sort((a, b) => b.f.variance - a.f.variance || a.i - b.i).map((x) => x.f.factor);
  const ci = (f: string) => factors.find((x) => x.factor === f)?.ci;
  const persona = ci("persona"), model = ci("model"), task = ci("task");
  const rankVerdict: Verdict = !persona || !model || !task ? "inconclusive"
    : verdictAbove(model, persona) === "supported" && verdictAbove(task, persona) === "supported" ? "supported"
    : verdictAbove(model, persona) === "contradicted" || verdictAbove(task, persona) === "contradicted" ? "contradicted" : "inconclusive";

  // persona × model contrasts, one family
  const raw: Omit<ReplicationEffect, "pHolm" | "significant">[] = [];
  const cellCounts: { model: string; persona: string; n: number; k: number }[] = [];
  for (const [m, mine] of byModel) {
    if (!mine.some((r) => r.persona === opts.control)) continue;
    for (const c of personaContrasts(mine, { control: opts.control, alpha, bootstrap: 0, seed })) {
      raw.push({ model: m, persona: c.persona, diff: c.diff, ci: c.ci, p: c.p, n: c.n, nControl: c.nControl, test: c.test });
    }
    const counts = new Map<string, { n: number; k: number }>();
    for (const r of mine) { const c = counts.get(r.persona) ?? { n: 0, k: 0 }; c.n++; c.k += r.refusal; counts.set(r.persona, c); }
    for (const [p, c] of counts) cellCounts.push({ model: m, persona: p, ...c });
  }
  const ph = holm(raw.map((r) => r.p));
  const all = raw.map((r, i) => ({ ...r, pHolm: ph[i], significant: ph[i] < alpha }));
  const significant = all.filter((e) => e.significant).sort((a, b) => a.pHolm - b.pHolm);

  // trend of the debiased mean squared persona effect on base rate across models
  const fitted = trendFit(cellCounts, opts.control, B, seed);
  const line = { slope: fitted.slope, intercept: fitted.intercept }, models = fitted.models;
  const slopeCi = trendInterval(fitted, alpha);

  return {
    alpha,
    ranking: { order, factors, claim: "model and task drive false refusal more than persona (first-order variance index)", verdict: rankVerdict },
    trend: { models, ...line, ci: slopeCi, claim: "models with a higher base rate are more persona-sensitive (slope of the mean squared persona − control difference, debiased, on the control's rate > 0)", verdict: Number.isFinite(line.slope) ? verdictAbove(slopeCi, 0) : "inconclusive" },
    effects: { tests: all.length, significant, all, claim: `some personas raise refusal in some models (Holm over ${all.length} persona × model tests, α = ${alpha})`, verdict: significant.some((e) => e.diff > 0) ? "supported" : "inconclusive" },
  };
}
