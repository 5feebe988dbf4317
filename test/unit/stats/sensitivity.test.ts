// Sensitivity indices on hand examples, against a direct (merge-based) W₂ computation, and the dummy rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pointIndices, sensitivityIndices, wasserstein2sq } from "../../../src/stats/sensitivity.ts";
import { mulberry32 } from "../../../src/stats/random.ts";

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
