// Rogan–Gladen correction: closed forms by hand, the limit Se = Sp = 1, the bootstrap against the delta method,
// coverage by simulation (true prevalence, misclassified flags, validation counts all drawn), and the joint CIs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { betaDraw, checkCounts, correctAnalysis, correctProportion, MIN_CLUSTERS, roganGladen, roganGladenRaw } from "../../../src/stats/misclassification.ts";
import { binomial, mulberry32 } from "../../../src/stats/random.ts";
import { wilson } from "../../../src/stats/rates.ts";
import { DataError } from "../../../src/errors.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";

const counts = (tp: number, fn: number, tn: number, fp: number, detector?: string) => ({ detector, sensitivity: { tp, fn }, specificity: { tn, fp } });

test("closed form by hand: π = (p + Sp − 1)/(Se + Sp − 1), clipped to [0, 1]", () => {
  assert.ok(Math.abs(roganGladen(0.3, 0.9, 0.8) - 0.1 / 0.7) < 1e-15);     // 0.142857…
  assert.ok(Math.abs(roganGladen(0.5, 0.75, 0.75) - 0.5) < 1e-15);         // symmetric detector keeps 1/2
  assert.ok(Math.abs(roganGladenRaw(0.1, 0.9, 0.8) - -0.1 / 0.7) < 1e-15); // below the false-positive floor 1 − Sp
  assert.equal(roganGladen(0.1, 0.9, 0.8), 0);
  assert.equal(roganGladen(0.95, 0.9, 0.8), 1);                            // above Se
  assert.ok(Math.abs(roganGladen(0.42, 1, 1) - 0.42) < 1e-15);                           // a perfect detector changes nothing
  assert.ok(Number.isNaN(roganGladen(0.3, 0.5, 0.5)));                      // Se + Sp = 1: undefined
  // The forward model p = Se·π + (1 − Sp)(1 − π) inverts exactly.
  for (const [pi, se, sp] of [[0.07, 0.8, 0.97], [0.6, 0.66, 0.7], [0.33, 0.99, 0.51]]) assert.ok(Math.abs(roganGladen(se * pi + (1 - sp) * (1 - pi), se, sp) - pi) < 1e-12);
});

test("counts: Se + Sp ≤ 1 and empty validation sets are clear errors", () => {
  assert.deepEqual(checkCounts(counts(9, 1, 8, 2)), { se: 0.9, sp: 0.8 });
  assert.throws(() => checkCounts(counts(5, 5, 4, 6)), (e) => e instanceof DataError && /≤ 1/.test(e.message) && /undefined/.test(e.message) && /swapped/.test(e.hint ?? ""));
  assert.throws(() => checkCounts(counts(0, 0, 4, 1)), (e) => e instanceof DataError && /tp \+ fn = 0/.test(e.message));
  assert.throws(() => checkCounts(counts(4, 1, 0, 0)), (e) => e instanceof DataError && /tn \+ fp = 0/.test(e.message));
});

test("beta draws: mean a/(a+b) and variance ab/((a+b)²(a+b+1)), including shapes below 1", () => {
  for (const [a, b] of [[0.5, 0.5], [3.5, 120.5], [40, 7]]) {
    const rng = mulberry32(11), N = 40000;
    let s = 0, s2 = 0;
    for (let i = 0; i < N; i++) { const x = betaDraw(rng, a, b); s += x; s2 += x * x; }
    const m = s / N, v = s2 / N - m * m, mt = a / (a + b), vt = (a * b) / ((a + b) ** 2 * (a + b + 1));
    assert.ok(Math.abs(m - mt) < 4 * Math.sqrt(vt / N), `mean ${m} vs ${mt}`);
    assert.ok(Math.abs(v / vt - 1) < 0.05, `variance ${v} vs ${vt}`);
  }
});

test("Se = Sp = 1 (huge validation sets with no errors): the CI is the uncorrected one, same width order as Wilson", () => {
  const c = counts(1e7, 0, 1e7, 0);
  for (const [k, n] of [[30, 200], [3, 50], [500, 1000]]) {
    const r = correctProportion(k, n, c, { bootstrap: 4000, seed: 2 });
    assert.ok(Math.abs(r.estimate - k / n) < 1e-6);
    const w = wilson(k, n), wb = r.ci[1] - r.ci[0], ww = w[1] - w[0];
    assert.ok(Math.abs(wb / ww - 1) < 0.1, `width ${wb} vs Wilson ${ww}`);
    assert.ok(r.ci[0] < k / n && r.ci[1] > k / n);
  }
});

test("bootstrap spread matches the delta-method SE (Rogan & Gladen 1978) when nothing is clipped", () => {
  // Var π̂ ≈ [p(1−p)/n + π²·Se(1−Se)/m1 + (1−π)²·Sp(1−Sp)/m0] / (Se + Sp − 1)²
  const k = 240, n = 800, tp = 170, fn = 30, tn = 285, fp = 15;
  const p = k / n, se = tp / (tp + fn), sp = tn / (tn + fp), pi = roganGladen(p, se, sp);
  const sd = Math.sqrt(p * (1 - p) / n + pi ** 2 * se * (1 - se) / (tp + fn) + (1 - pi) ** 2 * sp * (1 - sp) / (tn + fp)) / (se + sp - 1);
  const r = correctProportion(k, n, counts(tp, fn, tn, fp), { bootstrap: 20000, seed: 5 });
  const half = (r.ci[1] - r.ci[0]) / 2;
  assert.ok(Math.abs(half / (1.959964 * sd) - 1) < 0.08, `bootstrap half-width ${half} vs delta ${1.96 * sd}`);
  assert.equal(r.undefinedDraws, 0);
});

test("coverage: the 95% CI covers the true prevalence in 93–97% of 1000 simulated studies", (t) => {
  // Each study: n trials with true refusal prevalence π, flagged with Se/Sp; validation sets of m1 refusals and
  // m0 non-refusals drawn with the same Se/Sp. Only the counts go to the estimator.
  const pi = 0.3, se = 0.85, sp = 0.92, n = 400, m1 = 150, m0 = 200, reps = 1000;
  const rng = mulberry32(2024);
  let covered = 0;
  for (let r = 0; r < reps; r++) {
    const pos = binomial(rng, n, pi);
    const k = binomial(rng, pos, se) + binomial(rng, n - pos, 1 - sp);
    const tp = binomial(rng, m1, se), tn = binomial(rng, m0, sp);
    const res = correctProportion(k, n, counts(tp, m1 - tp, tn, m0 - tn), { bootstrap: 400, seed: r + 1 });
    if (res.ci[0] <= pi && pi <= res.ci[1]) covered++;
  }
  t.diagnostic(`coverage ${covered}/${reps}`);
  assert.ok(covered >= 930 && covered <= 970, `coverage ${covered}/1000`);
});

/** Blocked rows: `items` items × 2 paraphrases, each under the control and 3 personas; true refusal with
 *  probability truth[persona], flagged by a detector with Se/Sp. */
function flaggedRows(items: number, truth: Record<string, number>, se: number, sp: number, seed: number): AnalysisRow[] {
  const rng = mulberry32(seed), rows: AnalysisRow[] = [];
  for (let i = 0; i < items; i++) {
    for (const q of ["p1", "p2"]) {
      for (const [persona, pi] of Object.entries(truth)) {
        const y = rng() < pi, flag = y ? rng() < se : rng() >= sp;
        rows.push({ model: "m", persona, personaGroup: persona === "control" ? "control" : "g", task: "t", paraphrase: q, item: `i${i}`, refusal: flag ? 1 : 0, pRefusal: null });
      }
    }
  }
  return rows;
}

test("correctAnalysis: every level is the closed form of its own observed share; differences are differences", () => {
  const truth = { control: 0.2, a: 0.45, b: 0.2, c: 0.05 };
  const rows = flaggedRows(40, truth, 0.9, 0.9, 3);
  const c = counts(180, 20, 270, 30, "rules@3");
  const r = correctAnalysis(rows, c, { control: "control", bootstrap: 500, seed: 1 });
  assert.match(r.resampling, /^item-cluster bootstrap \(40 items\)/);
  assert.equal(r.detector, "rules@3");
  assert.deepEqual([r.sensitivity.value, r.specificity.value], [0.9, 0.9]);
  const obs = (pred: (x: AnalysisRow) => boolean) => { const s = rows.filter(pred); return s.reduce((a, x) => a + x.refusal, 0) / s.length; };
  assert.ok(Math.abs(r.overall.corrected - roganGladen(obs(() => true), 0.9, 0.9)) < 1e-12);
  assert.deepEqual(r.byFactor.persona.map((l) => l.level), ["control", "a", "b", "c"]);
  for (const l of r.byFactor.persona) {
    assert.equal(l.n, 80);
    assert.ok(Math.abs(l.observed - obs((x) => x.persona === l.level)) < 1e-12);
    assert.ok(Math.abs(l.corrected - roganGladen(l.observed, 0.9, 0.9)) < 1e-12);
    assert.ok(l.ci[0] <= l.corrected + 1e-12 && l.corrected <= l.ci[1] + 1e-12, `${l.level} ${l.corrected} in ${l.ci}`);
  }
  for (const d of r.personaVsControl) {
    assert.ok(Math.abs(d.diff - (d.rate - d.controlRate)) < 1e-12);
    assert.ok(d.ci[0] <= d.diff && d.diff <= d.ci[1]);
  }
  // The correction widens: the corrected CI is wider than the observed share's Wilson CI.
  const ctl = r.byFactor.persona[0], w = wilson(Math.round(ctl.observed * ctl.n), ctl.n);
  assert.ok(ctl.ci[1] - ctl.ci[0] > w[1] - w[0]);
  // Same seed, same numbers; fewer items than MIN_CLUSTERS switch to independent beta draws.
  assert.deepEqual(correctAnalysis(rows, c, { control: "control", bootstrap: 500, seed: 1 }), r);
  const few = correctAnalysis(flaggedRows(MIN_CLUSTERS - 1, truth, 0.9, 0.9, 4), c, { control: "control", bootstrap: 200, seed: 1 });
  assert.match(few.resampling, /^Jeffreys beta per group/);
});

test("coverage of the corrected persona − control difference (joint draws, item clusters): 90–99% of 200 studies", (t) => {
  const truth = { control: 0.15, a: 0.35, b: 0.15, c: 0.15 }, se = 0.85, sp = 0.9, m1 = 200, m0 = 200;
  const rng = mulberry32(99);
  let covered = 0, coveredNull = 0;
  const reps = 200;
  for (let r = 0; r < reps; r++) {
    const rows = flaggedRows(60, truth, se, sp, 1000 + r);
    const tp = binomial(rng, m1, se), tn = binomial(rng, m0, sp);
    const res = correctAnalysis(rows, counts(tp, m1 - tp, tn, m0 - tn), { control: "control", bootstrap: 300, seed: r });
    const a = res.personaVsControl.find((d) => d.persona === "a")!, b = res.personaVsControl.find((d) => d.persona === "b")!;
    if (a.ci[0] <= 0.2 && 0.2 <= a.ci[1]) covered++;
    if (b.ci[0] <= 0 && 0 <= b.ci[1]) coveredNull++;
  }
  t.diagnostic(`diff +0.20 covered ${covered}/${reps}; null diff covered ${coveredNull}/${reps}`);
  assert.ok(covered >= 0.9 * reps && covered <= 0.99 * reps, `${covered}/${reps}`);
  assert.ok(coveredNull >= 0.9 * reps, `${coveredNull}/${reps}`);
});
