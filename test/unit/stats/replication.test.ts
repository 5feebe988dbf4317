// The replication claims (src/stats/replication.ts) on simulated rows with a known structure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { replication, olsSlope, meanSquaredEffect, trendFit, trendInterval, type TrendCell } from "../../../src/stats/replication.ts";
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

/** Rows with exactly k refusals out of n for each (model, persona). */
function rowsOf(counts: Record<string, Record<string, [number, number]>>): AnalysisRow[] {
  const rows: AnalysisRow[] = [];
  for (const [model, byPersona] of Object.entries(counts)) for (const [persona, [n, k]] of Object.entries(byPersona)) {
    for (let i = 0; i < n; i++) rows.push({ model, persona, personaGroup: persona === "control" ? "control" : "g", task: "t", paraphrase: "t_p", item: `i${i}`, refusal: i < k ? 1 : 0, pRefusal: null });
  }
  return rows;
}

test("trend: the debiased mean squared persona effect, by hand", () => {
  // control 5/10 (v̂ = .5·.5/9 = 1/36); a 4/5: Δ = .3, Δ² = .09, v̂ = .8·.2/4 = .04 → .09 − .04 − 1/36 = 2/90;
  // b 1/1: Δ = .5, n = 1 has no variance estimate, so only the control's is taken off → .25 − 1/36 = 20/90; mean 11/90
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  near(meanSquaredEffect({ n: 10, k: 5 }, [{ n: 5, k: 4 }, { n: 1, k: 1 }]), 11 / 90, "direct");
  // model y: control 2/4 (v̂ = 1/12), c 2/4 (Δ = 0) → −1/6, below 0 as an unbiased estimate of 0 may be;
  // model z: control 0/6 (v̂ = 0), c 3/6 (Δ = .5, v̂ = .25/5) → .25 − .05 = .2
  const rows = rowsOf({
    x: { control: [10, 5], a: [5, 4], b: [1, 1] },
    y: { control: [4, 2], a: [4, 2], b: [4, 2] },
    z: { control: [6, 0], a: [6, 3], b: [6, 0] },
  });
  const rep = replication(rows, { control: "control", bootstrap: 50, seed: 3 })!;
  const eff = Object.fromEntries(rep.trend.models.map((m) => [m.model, m]));
  near(eff.x.personaEffect, 11 / 90, "x");
  near(eff.y.personaEffect, -1 / 6, "y");
  near(eff.z.personaEffect, (0.2 + 0) / 2, "z"); // b: 0/6 against 0/6, both variances 0
  near(eff.z.base, 0, "z base");
  const line = olsSlope([0.5, 0.5, 0], [11 / 90, -1 / 6, 0.1]);
  near(rep.trend.slope, line.slope, "slope");
  // the basic interval around the bootstrap world's truth (the plug-in slope on the observed rates)
  const f = trendFit(cellsOf(rows), "control", 50, 3);
  assert.deepEqual(rep.trend.ci, trendInterval(f, 0.05));
  // draws .2, .4 at α = .5: quantiles .25 and .35; T = .1, θ* = .3 → [.1 − .05, .1 + .05]
  const [lo, hi] = trendInterval({ ...f, slope: 0.1, worldSlope: 0.3, draws: [0.2, 0.4] }, 0.5);
  near(lo, 0.05, "lo");
  near(hi, 0.15, "hi");
});

function cellsOf(rows: AnalysisRow[]): TrendCell[] {
  const m = new Map<string, TrendCell>();
  for (const r of rows) {
    const key = `${r.model}\u0000${r.persona}`, c = m.get(key) ?? { model: r.model, persona: r.persona, n: 0, k: 0 };
    c.n++; c.k += r.refusal; m.set(key, c);
  }
  return [...m.values()];
}

test("trend: with no persona effect anywhere the debiased estimate averages 0; mean |Δ̂| would not", () => {
  // 4 models (bases .05–.8), 5 null personas + control, 60 trials a cell, 300 seeded samples. Per model the
  // estimate's sd is ≈ .006, so the 300-sample mean has sd ≈ .0004; the slope's ≈ .0006
  const rng = mulberry32(17), bases = [0.05, 0.3, 0.5, 0.8], R = 300, n = 60;
  const mean = [0, 0, 0, 0];
  let slope = 0, absSlope = 0;
  for (let r = 0; r < R; r++) {
    const cells: TrendCell[] = bases.flatMap((b, m) => ["control", "a", "b", "c", "d", "e"].map((persona) => {
      let k = 0;
      for (let i = 0; i < n; i++) k += rng() < b ? 1 : 0;
      return { model: `m${m}`, persona, n, k };
    }));
    const f = trendFit(cells, "control", 0, r);
    f.models.forEach((x, i) => { mean[i] += x.personaEffect / R; });
    slope += f.slope / R;
    const absEff = bases.map((_, m) => { const mine = cells.filter((c) => c.model === `m${m}`), c0 = mine[0]; return mine.slice(1).reduce((s, c) => s + Math.abs(c.k / n - c0.k / n), 0) / 5; });
    absSlope += olsSlope(f.models.map((x) => x.base), absEff).slope / R;
  }
  for (const [i, x] of mean.entries()) assert.ok(Math.abs(x) < 0.002, `model ${i}: mean estimate ${x}`);
  assert.ok(Math.abs(slope) < 0.003, `mean slope ${slope}`);
  // the replaced measure: E|Δ̂| ≈ σ√(2/π) grows with p(1 − p), a slope of ≈ .06 from noise alone
  assert.ok(absSlope > 0.03, `mean |Δ̂| slope ${absSlope}`);
});
