// The replication claims (src/stats/replication.ts) on simulated rows with a known structure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { replication, olsSlope } from "../../../src/stats/replication.ts";
import { sensitivityIndices, basicInterval, debiasedInterval, debiasedVariance, pointIndices } from "../../../src/stats/sensitivity.ts";
import { holm } from "../../../src/stats/multiple.ts";
import { mulberry32 } from "../../../src/stats/random.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";

/** Rows from a law: base rate per model, a persona effect only in the models listed, task effect large. */
function simulate(seed: number, n: number): AnalysisRow[] {
  const rng = mulberry32(seed), rows: AnalysisRow[] = [];
  const models = ["m0", "m1", "m2", "m3"], base = [0.05, 0.2, 0.4, 0.6];
  const personas = ["control", "a", "b", "c"];
  for (let i = 0; i < n; i++) {
    const m = Math.floor(rng() * 4), pe = Math.floor(rng() * 4), t = Math.floor(rng() * 2), p = Math.floor(rng() * 3);
    // persona 'a' adds 0.35 in m3 and 0.1 in m2: the effect grows with the base rate
    let q = base[m] + (t === 1 ? 0.3 : 0) + (pe === 1 ? [0, 0, 0.1, 0.35][m] : 0);
    q = Math.min(0.99, q);
    rows.push({ model: models[m], persona: personas[pe], personaGroup: pe ? "g" : "control", task: `t${t}`, paraphrase: `t${t}_p${p}`, item: `i${i % 20}`, refusal: rng() < q ? 1 : 0, pRefusal: null });
  }
  return rows;
}

const factorsOf = (rows: AnalysisRow[]) => ["model", "persona", "task", "paraphrase"].map((f) => ({ name: f, labels: rows.map((r) => r[f as keyof AnalysisRow] as string) }));

test("replication: ranking, trend and Holm over the persona × model family", () => {
  const rows = simulate(4, 6000);
  const rep = replication(rows, { control: "control", bootstrap: 200, seed: 2 })!;
  assert.ok(rep);
  // the family: 4 models × 3 personas, Holm recomputed by hand from the raw p-values
  assert.equal(rep.effects.tests, 12);
  const ph = holm(rep.effects.all.map((e) => e.p));
  rep.effects.all.forEach((e, i) => assert.equal(e.pHolm, ph[i]));
  // the big effect (a in m3, +0.35 on ~375 rows a side) is found; nulls b and c nowhere
  assert.ok(rep.effects.significant.some((e) => e.model === "m3" && e.persona === "a"), JSON.stringify(rep.effects.significant));
  assert.ok(!rep.effects.significant.some((e) => e.persona !== "a"));
  assert.equal(rep.effects.verdict, "supported");
  // model and task (0.3 on half the rows) above persona; paraphrase ids are task-specific, so its partition refines
  // the task's and its index is never below the task's
  const order = rep.ranking.order;
  assert.equal(order[order.length - 1], "persona");
  assert.ok(order.indexOf("paraphrase") < order.indexOf("task"));
  assert.equal(rep.ranking.verdict, "supported");
  // trend: the slope of the per-model means by hand
  const line = olsSlope(rep.trend.models.map((m) => m.base), rep.trend.models.map((m) => m.personaEffect));
  assert.equal(rep.trend.slope, line.slope);
  assert.ok(rep.trend.ci[0] <= rep.trend.slope && rep.trend.slope <= rep.trend.ci[1]);
  assert.ok(rep.trend.slope > 0);
  // bias-corrected CIs: the percentile CI through S − (L − 1)/(n − L)·(1 − S), persona has 4 levels; the estimate is
  // the analysis's own
  const pf = rep.ranking.factors.find((f) => f.factor === "persona")!;
  const sens = sensitivityIndices(rows.map((r) => r.refusal), factorsOf(rows), { bootstrap: 0 });
  assert.equal(pf.variance, sens.find((s) => s.factor === "persona")!.variance);
  assert.deepEqual(pf.ci, debiasedInterval(pf.percentileCi, 4, rows.length));
  assert.equal(pf.debiased, pf.variance - (3 / (rows.length - 4)) * (1 - pf.variance));
});

test("replication is absent with fewer than three models or without the control", () => {
  const rows = simulate(5, 800).filter((r) => r.model === "m0" || r.model === "m1");
  assert.equal(replication(rows, { control: "control" }), null);
  const all = simulate(5, 800);
  assert.equal(replication(all, { control: "nobody" }), null);
});

test("basicInterval: reflection around the estimate, clipped to [0, 1]", () => {
  const near = (a: number[], b: number[]) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-12, `${a} vs ${b}`));
  near(basicInterval(0.1, [0.08, 0.15]), [0.05, 0.12]);
  near(basicInterval(0.01, [0.01, 0.05]), [0, 0.01]);
  near(basicInterval(0.95, [0.85, 0.97]), [0.93, 1]);
});

test("debiasedVariance removes the noise a factor without effect shows: mean over null datasets ≈ 0", () => {
  // Y independent of X (L = 8 levels, n = 400): E[S] ≈ (L − 1)/(n − 1); the corrected mean is ≈ 0
  const rng = mulberry32(3);
  let raw = 0, fixedMean = 0;
  const R = 400;
  for (let r = 0; r < R; r++) {
    const y = Array.from({ length: 400 }, () => (rng() < 0.3 ? 1 : 0)), l = y.map((_, i) => `l${i % 8}`);
    const S = pointIndices(y, l).variance;
    raw += S / R; fixedMean += debiasedVariance(S, 8, 400) / R;
  }
  assert.ok(Math.abs(raw - 7 / 399) < 0.003, `raw mean ${raw}`);
  assert.ok(Math.abs(fixedMean) < 0.0015, `debiased mean ${fixedMean}`);
});
