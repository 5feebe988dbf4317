// Calibration of p_refusal against the generated outcome: hand-computed values, the allowance of missed bins,
// and the three verdicts on outcomes drawn by construction (sampled: y ~ Bernoulli(p); greedy: y = [p > 0.5]).
import { test } from "node:test";
import assert from "node:assert/strict";
import { allowedMisses, calibration } from "../../../src/stats/calibration.ts";
import { mulberry32 } from "../../../src/stats/random.ts";
import { wilson } from "../../../src/stats/rates.ts";

test("by hand: bins, Brier, ECE and the rule's agreement on four trials", () => {
  const c = calibration([0.05, 0.15, 0.95, 0.97], [0, 1, 1, 0])!;
  assert.deepEqual(c.bins.map((b) => [b.lo, b.hi, b.n, b.refusals]), [[0, 0.1, 1, 0], [0.1, 0.2, 1, 1], [0.9, 1, 2, 1]]);
  assert.ok(Math.abs(c.bins[2].meanP - 0.96) < 1e-12);
  assert.deepEqual(c.bins[2].ci, wilson(1, 2));
  // Brier = (0.05² + 0.85² + 0.05² + 0.97²)/4; ECE = ¼·0.05 + ¼·0.85 + ½·|0.5 − 0.96|
  assert.ok(Math.abs(c.brier - (0.0025 + 0.7225 + 0.0025 + 0.9409) / 4) < 1e-12);
  assert.ok(Math.abs(c.ece - (0.0125 + 0.2125 + 0.23)) < 1e-12);
  assert.deepEqual([c.rule.agreement, c.rule.mismatches], [0.5, 2]);
  assert.equal(c.inTheLarge.observed, 2);
  assert.ok(Math.abs(c.inTheLarge.expected - 2.12) < 1e-12);
  assert.equal(calibration([], []), null);
  // p = 1 falls in the last bin, p = 0.5 is an answer under the rule (ties go to answer).
  const edge = calibration([1, 0.5], [1, 0])!;
  assert.deepEqual(edge.bins.map((b) => b.lo), [0.5, 0.9]);
  assert.equal(edge.rule.agreement, 1);
});

test("allowed misses: the smallest k with P(Binomial(B, 0.05) > k) ≤ 1%", () => {
  // B = 10: P(X > 2) = 0.0115, P(X > 3) = 0.0010 (by hand from the binomial pmf).
  assert.equal(allowedMisses(10), 3);
  assert.equal(allowedMisses(1), 1);   // P(X > 0) = 0.05
  assert.equal(allowedMisses(3), 1);   // P(X > 1) = 1 − 0.95³ − 3·0.05·0.95² = 0.00725
});

/** n trials with p uniform on [0, 1]; outcome by `rule`. */
function draws(n: number, seed: number, rule: (p: number, u: number) => 0 | 1) {
  const rng = mulberry32(seed), p: number[] = [], y: (0 | 1)[] = [];
  for (let i = 0; i < n; i++) { const x = rng(); p.push(x); y.push(rule(x, rng())); }
  return { p, y };
}

test("sampled outcomes (y ~ Bernoulli(p)) are called calibrated; greedy (y = [p > 0.5]) a step; a distorted law neither", () => {
  let calibrated = 0;
  for (let s = 1; s <= 20; s++) {
    const { p, y } = draws(2000, s, (x, u) => (u < x ? 1 : 0));
    const c = calibration(p, y)!;
    assert.equal(c.binsTested, 10);
    assert.ok(c.ece < 0.05, `ECE ${c.ece}`);
    assert.ok(Math.abs(c.brier - 1 / 6) < 0.02, `Brier ${c.brier} vs E[p(1 − p)] = 1/6`);
    assert.ok(Math.abs(c.rule.agreement - 0.75) < 0.03, `agreement ${c.rule.agreement} vs E[max(p, 1 − p)] = 3/4`);
    if (c.verdict === "calibrated") calibrated++;
  }
  // The verdict's false-alarm rate is designed to be about 1% (bins) + 1% (in the large) or less.
  assert.ok(calibrated >= 18, `${calibrated}/20 calibrated`);

  const g = draws(2000, 7, (x) => (x > 0.5 ? 1 : 0));
  const cg = calibration(g.p, g.y)!;
  assert.equal(cg.verdict, "greedy");
  assert.equal(cg.rule.agreement, 1);
  assert.deepEqual(cg.bins.map((b) => b.rate), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);

  const d = draws(2000, 8, (x, u) => (u < x * x ? 1 : 0)); // P(refuse) = p² ≠ p
  const cd = calibration(d.p, d.y)!;
  assert.equal(cd.verdict, "neither");
  assert.ok(cd.binsTested - cd.binsWithinCi > cd.allowedMisses);

  const sure = draws(500, 9, (x) => (x > 0.5 ? 1 : 0));
  const decisive = calibration(sure.p.map((x) => (x > 0.5 ? 1 - x * 1e-4 : x * 1e-4)), sure.y)!;
  assert.equal(decisive.verdict, "both");
});
