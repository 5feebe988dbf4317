// Sensitivity indices on hand examples, against a direct (merge-based) W₂ computation, and the dummy rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pointIndices, sensitivityIndices, wasserstein2sq } from "../../../src/stats/sensitivity.ts";
import { mulberry32 } from "../../../src/stats/random.ts";
import { deltaIndex, gauss, makeRng, varianceIndex, wassersteinIndex } from "../../helpers/logistic-study.ts";

const close = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);

test("W₂² between hand-computable empirical distributions", () => {
  // A shift by 1: W₂² = 1. Quantiles of {0, 1} vs {½, ½}: ½·(½)² + ½·(½)² = ¼.
  close(wasserstein2sq([1, 2, 3], [2, 3, 4]), 1, 1e-15);
  close(wasserstein2sq([0, 1], [0.5, 0.5]), 0.25, 1e-15);
  // {0, 3} vs {1}: ½·1 + ½·4 = 2.5. Unequal sizes: {0, 1, 2} vs {0, 2}: u∈[0,⅓]: 0, [⅓,½]: 1, [½,⅔]: 1, [⅔,1]: 0 → ⅓.
  close(wasserstein2sq([0, 3], [1]), 2.5, 1e-15);
  close(wasserstein2sq([0, 1, 2], [0, 2]), 1 / 3, 1e-15);
});

test("Y a function of X: S = 1 and ι = 1; binary δ = 2p(1 − p)", () => {
  const labels = ["a", "a", "b", "b", "b", "c"], y = [0, 0, 1, 1, 1, 0];
  const ix = pointIndices(y, labels);
  close(ix.variance, 1, 1e-12);
  close(ix.wasserstein, 1, 1e-12);
  close(ix.delta, 2 * 0.5 * 0.5, 1e-12); // Σ share·|p − p_l| = 3/6·½ + 3/6·½
  const yc = [0.1, 0.1, 0.7, 0.7, 0.7, 0.3];
  const ic = pointIndices(yc, labels);
  close(ic.variance, 1, 1e-12);
  close(ic.wasserstein, 1, 1e-12);
});

test("X independent of Y (same conditional distribution at every level): all indices 0", () => {
  const y = [0, 1, 0, 1, 0, 1, 0.5, 0.5, 0.5], labels = ["a", "a", "b", "b", "c", "c", "a", "b", "c"];
  const ix = pointIndices(y, labels);
  close(ix.variance, 0, 1e-12);
  close(ix.delta, 0, 1e-12);
  close(ix.wasserstein, 0, 1e-12);
});

test("binary Y: δ and ι by hand (p = 0.5, levels at 0.25 and 0.75)", () => {
  // Two levels of 4: rates ¼ and ¾. S = Var(E[Y|X])/Var Y = (¼)²/(¼) = ¼. δ = Σ share·|p − p_l| = ¼.
  // W₂²(Bern ½, Bern ¼) = |½ − ¼| = ¼, so ι = ¼ / (2·¼) = ½.
  const y = [1, 0, 0, 0, 1, 1, 1, 0], labels = ["a", "a", "a", "a", "b", "b", "b", "b"];
  const ix = pointIndices(y, labels);
  close(ix.variance, 0.25, 1e-12);
  close(ix.delta, 0.25, 1e-12);
  close(ix.wasserstein, 0.5, 1e-12);
});

/** Direct: W₂² between the pooled sample and each level's sample by merging quantile functions. */
function directIota(y: number[], labels: string[]): number {
  const n = y.length, m = y.reduce((a, b) => a + b, 0) / n, v = y.reduce((a, b) => a + (b - m) ** 2, 0) / n;
  let s = 0;
  for (const l of new Set(labels)) {
    const yl = y.filter((_, i) => labels[i] === l);
    s += (yl.length / n) * wasserstein2sq(y, yl);
  }
  return s / (2 * v);
}

test("continuous Y: ι matches a direct merge of quantile functions; δ in [0, 1]", () => {
  const rng = mulberry32(3);
  const labels = Array.from({ length: 500 }, () => ["a", "b", "c", "d"][Math.floor(rng() * 4)]);
  const y = labels.map((l) => Math.min(1, Math.max(0, (l === "a" ? 0.2 : 0.4) + (l === "d" ? 0.3 : 0.1) * (rng() - 0.5) + (rng() < 0.1 ? 0.5 : 0))));
  const ix = pointIndices(y, labels);
  close(ix.wasserstein, directIota(y, labels), 1e-10);
  assert.ok(ix.delta > 0 && ix.delta < 1 && ix.variance > 0 && ix.variance < 1);
});

test("bootstrap CIs cover the estimate, are seeded, and the dummy rule separates signal from noise", () => {
  const rng = mulberry32(5);
  const n = 4000;
  const strong = Array.from({ length: n }, () => `s${Math.floor(rng() * 3)}`);
  const nullF = Array.from({ length: n }, () => `n${Math.floor(rng() * 12)}`);
  const y = strong.map((s) => (rng() < [0.1, 0.3, 0.5][Number(s[1])] ? 1 : 0));
  const factors = [{ name: "strong", labels: strong }, { name: "null", labels: nullF }];
  const a = sensitivityIndices(y, factors, { bootstrap: 200, seed: 2 });
  const b = sensitivityIndices(y, factors, { bootstrap: 200, seed: 2 });
  assert.deepEqual(a, b);
  for (const s of a) for (const k of ["variance", "delta", "wasserstein"] as const) assert.ok(s.ci[k][0] <= s[k] + 1e-12 && s[k] <= s.ci[k][1] + 0.05, `${s.factor} ${k}`);
  const [st, nu] = a;
  assert.ok(st.aboveDummy && st.aboveDummyBy!.variance && st.aboveDummyBy!.delta);
  assert.ok(!nu.aboveDummy, JSON.stringify(nu));
  assert.equal(st.levels, 3);
  // Continuous outcome too.
  const yc = strong.map((s) => Math.min(1, Math.max(0, [0.1, 0.3, 0.5][Number(s[1])] + 0.2 * (rng() - 0.5))));
  const c = sensitivityIndices(yc, factors, { bootstrap: 100, seed: 2 });
  assert.ok(c[0].aboveDummy && !c[1].aboveDummy);
});

test("null factors are rarely above the dummy (false-positive rate over 40 datasets)", () => {
  let above = 0;
  for (let r = 0; r < 40; r++) {
    const rng = mulberry32(100 + r);
    const n = 600;
    const f = Array.from({ length: n }, () => `l${Math.floor(rng() * 8)}`);
    const y = f.map(() => (rng() < 0.2 ? 1 : 0));
    if (sensitivityIndices(y, [{ name: "f", labels: f }], { bootstrap: 100, seed: r })[0].aboveDummy) above++;
  }
  assert.ok(above <= 4, `${above}/40 null factors above the dummy`);
});

// ---- Against an independent implementation (test/helpers/logistic-study.ts: row-level formulas, exact integer W₂) ----

test("fuzz: point indices equal the direct row-level formulas (binary, ties, > 20 distinct values, tiny levels)", () => {
  let checked = 0;
  for (let t = 0; t < 1500; t++) {
    const rng = makeRng(t);
    const n = 1 + Math.floor(rng() * 60), L = 1 + Math.floor(rng() * 6), kind = t % 4;
    const labels = Array.from({ length: n }, () => `l${Math.floor(rng() * L)}`);
    const y = labels.map((l) => {
      const u = rng(), k = Number(l.slice(1));
      if (kind === 0) return u < 0.3 + 0.1 * k ? 1 : 0;
      if (kind === 1) return Math.round(u * 30 * (1 + k / 5)) / 40; // many ties; sometimes > 20 distinct values
      if (kind === 2) return Math.min(1, u * (1 + k / 3)); // continuous with an atom at 1
      return [0, 0.25, 0.5, 1][Math.floor(u * 4)];
    });
    if (y.every((v) => v === y[0])) continue;
    const ix = pointIndices(y, labels);
    close(ix.variance, varianceIndex(y, labels), 1e-10, `case ${t} variance`);
    close(ix.delta, deltaIndex(y, labels), 1e-10, `case ${t} delta`);
    close(ix.wasserstein, wassersteinIndex(y, labels), 1e-10, `case ${t} wasserstein`);
    checked++;
  }
  assert.ok(checked > 1400);
});

test("stratified bootstrap: replicate mean and percentile CI agree with an independent stratified bootstrap", () => {
  const rng = makeRng(42);
  const n = 1500;
  const labels = Array.from({ length: n }, () => `l${Math.floor(rng() * 4)}`);
  const binary = labels.map((l) => (rng() < [0.15, 0.25, 0.3, 0.45][Number(l[1])] ? 1 : 0));
  const cont = labels.map((l) => 1 / (1 + Math.exp(-([-1.5, -1, -0.8, -0.2][Number(l[1])] + 0.8 * gauss(rng)))));
  const B = 400;
  for (const [name, y] of [["binary", binary], ["p_refusal", cont]] as const) {
    const ours = sensitivityIndices(y, [{ name: "f", labels }], { bootstrap: B, seed: 9 })[0];
    // Independent: resample row indices within each level with a different generator, direct formulas.
    const byLevel = new Map<string, number[]>();
    labels.forEach((l, i) => byLevel.set(l, [...(byLevel.get(l) ?? []), i]));
    const draws = { variance: [] as number[], delta: [] as number[], wasserstein: [] as number[] };
    const r2 = makeRng(7);
    for (let b = 0; b < B; b++) {
      const yy: number[] = [], ll: string[] = [];
      for (const [l, idx] of byLevel) for (let k = 0; k < idx.length; k++) { yy.push(y[idx[Math.floor(r2() * idx.length)]]); ll.push(l); }
      draws.variance.push(varianceIndex(yy, ll));
      draws.delta.push(deltaIndex(yy, ll));
      draws.wasserstein.push(wassersteinIndex(yy, ll));
    }
    for (const k of ["variance", "delta", "wasserstein"] as const) {
      const s = [...draws[k]].sort((a, b) => a - b), m = s.reduce((a, b) => a + b, 0) / B;
      const sd = Math.sqrt(s.reduce((a, b) => a + (b - m) ** 2, 0) / (B - 1));
      const q = (p: number) => s[Math.round(p * (B - 1))];
      const [lo, hi] = ours.ci[k];
      // Monte Carlo error: the mean of 400 replicates ±0.07 sd each, a 2.5% quantile ±0.13 sd each.
      assert.ok(Math.abs((lo + hi) / 2 - (q(0.025) + q(0.975)) / 2) < 0.6 * sd, `${name} ${k}: CI [${lo}, ${hi}] vs [${q(0.025)}, ${q(0.975)}]`);
      assert.ok(Math.abs(hi - lo - (q(0.975) - q(0.025))) < 0.8 * sd, `${name} ${k} width`);
      // The estimate sits inside the bootstrap distribution's bulk (the data are resampled, not redrawn).
      assert.ok(Math.abs(ours[k] - m) < 1.5 * sd, `${name} ${k}: estimate ${ours[k]} vs bootstrap mean ${m}`);
    }
  }
});
