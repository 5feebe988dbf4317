// Closed-form checks against values computed by hand (formulas in the comments) or textbook tables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { wilson } from "../../../src/stats/rates.ts";
import { holm, benjaminiHochberg } from "../../../src/stats/multiple.ts";
import { woolf, newcombe, agrestiMin, clusteredMcNemar } from "../../../src/stats/contrasts.ts";
import { chi2Sf, fisherExact, mcnemarMidP, normCdf, normQuantile } from "../../../src/stats/dist.ts";
import { cohenKappa } from "../../../src/stats/agreement.ts";
import { binomial, mulberry32 } from "../../../src/stats/random.ts";

const close = (a: number, b: number, tol: number, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ""} ${a} vs ${b}`);

test("normal and chi-square functions", () => {
  close(normQuantile(0.975), 1.959963984540054, 1e-12);
  close(normQuantile(0.001), -3.090232306167813, 1e-12);
  close(normCdf(1.959963984540054), 0.975, 1e-14);
  close(chi2Sf(3.841458820694124, 1), 0.05, 1e-12);
  close(chi2Sf(7.814727903251178, 3), 0.05, 1e-12);
  close(chi2Sf(18.30703805327515, 10), 0.05, 1e-12);
});

test("Wilson interval: 0/10, 5/10, 10/10 to 4 decimals", () => {
  // z = 1.959964, z² = 3.841459, n + z² = 13.841459, z/(n + z²) = 0.141601.
  // 0/10: centre = 1.920729/13.841459 = 0.138767; half = 0.141601·sqrt(0 + 0.960365) = 0.138767 → [0, 0.2775].
  // 5/10: centre = 0.5; half = 0.141601·sqrt(2.5 + 0.960365) = 0.263408 → [0.2366, 0.7634].
  // 10/10: mirror of 0/10 → [0.7225, 1].
  const r4 = (c: [number, number]) => c.map((x) => Math.round(x * 1e4) / 1e4);
  assert.deepEqual(r4(wilson(0, 10)), [0, 0.2775]);
  assert.deepEqual(r4(wilson(5, 10)), [0.2366, 0.7634]);
  assert.deepEqual(r4(wilson(10, 10)), [0.7225, 1]);
  assert.deepEqual(wilson(0, 0), [0, 1]);
});

test("2×2 odds ratio ad/bc with Woolf CI, Haldane correction at a zero cell", () => {
  // a=10 b=20 c=30 d=40: OR = 400/600 = 0.666667; SE(log OR) = sqrt(1/10+1/20+1/30+1/40) = 0.456435;
  // CI = 0.666667·exp(∓0.894597) = [0.272515, 1.630900] (exp evaluated in Python).
  const w = woolf(10, 20, 30, 40);
  close(w.or, 2 / 3, 1e-12);
  close(w.ci[0], 0.272515, 1e-6);
  close(w.ci[1], 1.630900, 1e-6);
  // a=0: (0.5·40.5)/(20.5·30.5) = 0.0323881.
  close(woolf(0, 20, 30, 40).or, (0.5 * 40.5) / (20.5 * 30.5), 1e-12);
});

test("Newcombe hybrid score CI (Newcombe 1998, Table II example: 56/70 vs 48/80)", () => {
  // Published: difference 0.2000, 95% CI 0.0524 to 0.3339 (method 10).
  const [lo, hi] = newcombe(56, 70, 48, 80);
  close(lo, 0.0524, 5e-5);
  close(hi, 0.3339, 5e-5);
});

test("Agresti–Min paired interval adds ½ per cell", () => {
  // n11=10 b=5 c=1 n00=4 → n* = 22, d* = (5.5 − 1.5)/22 = 0.181818, var = ((7/22) − 0.033058)/22 = 0.012960,
  // half = 1.959964·0.113842 = 0.223126 → [−0.041308, 0.404944].
  const [lo, hi] = agrestiMin(10, 5, 1, 4);
  close(lo, -0.041308, 1e-5);
  close(hi, 0.404944, 1e-5);
});

test("Holm and Benjamini–Hochberg on a textbook example", () => {
  // p = (0.01, 0.04, 0.03, 0.005). Holm: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06.
  // BH: 0.005·4/1 = 0.02, 0.01·4/2 = 0.02, 0.03·4/3 = 0.04, 0.04·4/4 = 0.04, running min from the top.
  const p = [0.01, 0.04, 0.03, 0.005];
  holm(p).forEach((x, i) => close(x, [0.03, 0.06, 0.06, 0.02][i], 1e-15));
  benjaminiHochberg(p).forEach((x, i) => close(x, [0.02, 0.04, 0.04, 0.02][i], 1e-15));
  assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
});

test("McNemar: exact mid-p by hand, and the chi-square form on Agresti's approval table", () => {
  // b=1, c=6: X ~ Bin(7, ½); mid-p = 2·P(X=0) + P(X=1) = 2/128 + 7/128 = 0.0703125.
  close(mcnemarMidP(1, 6), 9 / 128, 1e-15);
  assert.equal(mcnemarMidP(4, 4), 1);
  // Agresti (2013) Table 11.1: b = 150, c = 86 → χ² = 64²/236 = 17.356, p = 3.10e-5. Durkalski's statistic
  // reduces to it when every cluster holds one pair.
  const one = [...Array(150).fill([1, 0]), ...Array(86).fill([0, 1])] as [number, number][];
  close(clusteredMcNemar(one), chi2Sf(4096 / 236, 1), 1e-15);
  close(chi2Sf(4096 / 236, 1), 3.1e-5, 0.05e-5);
});

test("Fisher's exact test: the tea-tasting table", () => {
  // [[3, 1], [1, 3]]: P(3) = P(1) = 16/70, P(4) = P(0) = 1/70 → two-sided 34/70 = 0.485714.
  close(fisherExact(3, 1, 1, 3), 34 / 70, 1e-12);
  close(fisherExact(4, 0, 0, 4), 2 / 70, 1e-12);
});

test("Cohen's kappa on a 2×2 table", () => {
  // 20 both yes, 5 a-only, 10 b-only, 15 both no: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
  const a: (0 | 1)[] = [], b: (0 | 1)[] = [];
  const add = (x: 0 | 1, y: 0 | 1, k: number) => { for (let i = 0; i < k; i++) { a.push(x); b.push(y); } };
  add(1, 1, 20); add(1, 0, 5); add(0, 1, 10); add(0, 0, 15);
  close(cohenKappa(a, b), 0.4, 1e-12);
});

test("binomial sampler: mean and variance in both regimes", () => {
  const rng = mulberry32(7);
  for (const [n, p] of [[20, 0.1], [5000, 0.3], [300, 0.9]] as const) {
    const R = 20000;
    let s = 0, s2 = 0;
    for (let i = 0; i < R; i++) { const x = binomial(rng, n, p); s += x; s2 += x * x; }
    const m = s / R, v = s2 / R - m * m;
    close(m, n * p, 4 * Math.sqrt((n * p * (1 - p)) / R), `mean n=${n}`);
    close(v / (n * p * (1 - p)), 1, 0.05, `var n=${n}`);
  }
});
