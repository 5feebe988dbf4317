// The replication section (the paper's claims, stats/replication.ts) as tables both renderers print: claims with
// our estimate, CI and verdict, then the numbers behind each claim. With a planted truth (a zoo run) every table
// gets the true value beside the estimate.
import type { Replication } from "../stats/types.ts";
import { fixed, interval, pct, pval } from "./format.ts";
import type { ReplicationTruthInput, ReportInput } from "./types.ts";

export interface PlainTable { head: string[]; rows: string[][]; numeric: number[]; caption: string }

export interface ReplicationContent {
  rep: Replication;
  truth: ReplicationTruthInput | null;
  claims: PlainTable;
  ranking: PlainTable;
  trend: PlainTable;
  effects: PlainTable;
}

const key = (m: string, p: string) => `${m}\u0000${p}`;

export function replicationContent(input: ReportInput): ReplicationContent | null {
  const rep = input.analysis.replication;
  if (!rep) return null;
  const truth = input.replicationTruth ?? null;
  const T = truth ? ["Planted truth"] : [];
  const tFactor = (f: string) => (truth ? [fixed(truth.factors[f], 4)] : []);
  const trueEffects = truth ? new Map(truth.personas.map((p) => [key(p.model, p.persona), p])) : null;
  const trueModels = truth ? new Map(truth.models.map((m) => [m.model, m])) : null;
  const planted = truth ? truth.personas.filter((p) => p.planted) : [];
  const found = planted.filter((p) => rep.effects.significant.some((e) => e.model === p.model && e.persona === p.persona)).length;

  const claims: PlainTable = {
    head: ["Claim", "Our estimate", "95% CI", "Verdict", ...T],
    rows: [
      [rep.ranking.claim, rep.ranking.order.join(" > "), rep.ranking.factors.map((f) => `${f.factor} ${interval(f.ci, 3)}`).join("; "), rep.ranking.verdict, ...(truth ? [truth.order.join(" > ")] : [])],
      [rep.trend.claim, `slope ${fixed(rep.trend.slope, 3)}`, interval(rep.trend.ci, 3), rep.trend.verdict, ...(truth ? [`slope ${fixed(truth.slope, 3)}`] : [])],
      [rep.effects.claim, `${rep.effects.significant.length} of ${rep.effects.tests} significant (${rep.effects.significant.filter((e) => e.diff > 0).length} raise refusal)`, "—", rep.effects.verdict,
        ...(truth ? [`${planted.length} planted persona effects, ${found} of them significant`] : [])],
    ],
    numeric: [],
    caption: `Verdicts: supported = the 95% CI says so; contradicted = it says the opposite; inconclusive = it allows both (α = ${rep.alpha}).`,
  };
  const ranking: PlainTable = {
    head: ["Factor", "First-order variance index", "Bias-corrected", "95% CI (bias-corrected)", "95% CI (percentile)", ...T],
    rows: rep.ranking.order.map((f) => rep.ranking.factors.find((x) => x.factor === f)!).map((f) => [f.factor, fixed(f.variance, 4), fixed(f.debiased, 4), interval(f.ci, 4), interval(f.percentileCi, 4), ...tFactor(f.factor)]),
    numeric: [1, 2, 3, 4, ...(truth ? [5] : [])],
    caption: "Paraphrase ids belong to one task each, so the paraphrase partition refines the task's and its index includes the task effect.",
  };
  const trend: PlainTable = {
    head: ["Model", "n", "Base rate (control)", "Persona effect (mean Δ², debiased)", ...(truth ? ["True base rate", "True persona effect (mean Δ²)"] : [])],
    rows: [...rep.trend.models].sort((a, b) => a.base - b.base).map((m) => [m.model, String(m.n), pct(m.base), fixed(m.personaEffect, 4),
      ...(trueModels ? [pct(trueModels.get(m.model)?.base), fixed(trueModels.get(m.model)?.personaEffect, 4)] : [])]),
    numeric: [1, 2, 3, ...(truth ? [4, 5] : [])],
    caption: `Persona effect = mean over personas of (persona − control)², each term less the two rates' unbiased binomial variances (so it can be below 0). OLS line: effect = ${fixed(rep.trend.intercept, 4)} + ${fixed(rep.trend.slope, 4)} × base rate; slope 95% CI ${interval(rep.trend.ci, 4)} (parametric bootstrap, basic interval).`,
  };
  const effects: PlainTable = {
    head: ["Model", "Persona", "Δ [95% CI]", "p", "p Holm", ...(truth ? ["True Δ", "Planted"] : [])],
    rows: rep.effects.significant.map((e) => [e.model, e.persona, `${fixed(e.diff, 3)} ${interval(e.ci, 3)}`, pval(e.p), pval(e.pHolm),
      ...(trueEffects ? [fixed(trueEffects.get(key(e.model, e.persona))?.diff, 3), trueEffects.get(key(e.model, e.persona))?.planted ? "yes" : "no"] : [])]),
    numeric: [2, 3, 4, ...(truth ? [5] : [])],
    caption: rep.effects.significant.length ? `Significant persona × model effects after Holm over all ${rep.effects.tests} tests.` : `No persona × model effect is significant after Holm over ${rep.effects.tests} tests.`,
  };
  return { rep, truth, claims, ranking, trend, effects };
}
