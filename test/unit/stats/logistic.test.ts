// Logistic regression: closed forms on 2×2 tables, separation, and agreement with independently written
// solvers (dense IRLS with Gauss–Jordan inversion; Firth via the pseudo-data fixed point) on random data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitLogistic } from "../../../src/stats/logistic.ts";
import { denseDesign, factorDesign } from "../../../src/stats/model-matrix.ts";
import { logisticRegression } from "../../../src/stats/regression.ts";
import { mulberry32 } from "../../../src/stats/random.ts";

const close = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);

/** A 2×2 table as two binomial rows: x = 0 has c events of c + d, x = 1 has a events of a + b. */
function table2x2(a: number, b: number, c: number, d: number) {
  return denseDesign([[1, 0], [1, 1]], [c, a], [c + d, a + b]);
}

test("MLE on the saturated 2×2 model reproduces log(ad/bc) and Woolf's SE", () => {
  const f = fitLogistic(table2x2(12, 28, 25, 25), { firth: false });
  assert.ok(f.converged);
  close(f.beta[1], Math.log((12 * 25) / (28 * 25)), 1e-10);
  close(Math.sqrt(f.cov[3]), Math.sqrt(1 / 12 + 1 / 28 + 1 / 25 + 1 / 25), 1e-8);
});

test("Firth on the saturated 2×2 model equals adding ½ to every cell", () => {
  // Known property of the Jeffreys-penalised saturated model (Firth 1993; Heinze & Schemper 2002).
  const f = fitLogistic(table2x2(12, 28, 25, 25));
  close(f.beta[1], Math.log((12.5 * 25.5) / (28.5 * 25.5)), 1e-9);
  const g = fitLogistic(table2x2(0, 30, 7, 23)); // zero cell: MLE is −∞
  close(g.beta[1], Math.log((0.5 * 23.5) / (30.5 * 7.5)), 1e-9);
});

test("complete separation: Firth stays finite and converges, MLE does not converge", () => {
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < 40; i++) { x.push([1, i < 20 ? 1 : 0]); y.push(i < 20 ? 0 : i % 2); } // x=1 never refuses
  const fi = fitLogistic(denseDesign(x, y));
  assert.ok(fi.converged && Number.isFinite(fi.beta[1]) && fi.beta[1] < -2 && fi.beta[1] > -10, String(fi.beta[1]));
  const ml = fitLogistic(denseDesign(x, y), { firth: false });
  assert.ok(!ml.converged || ml.beta[1] < -15, `MLE ${ml.beta[1]} converged=${ml.converged}`);
});

// ---- Independent solvers (different algebra, different code) -------------------------------------------

function invert(a: number[][]): number[][] {
  const p = a.length, m = a.map((r, i) => [...r, ...r.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * p; j++) m[c][j] /= d;
    for (let r = 0; r < p; r++) if (r !== c) { const f = m[r][c]; for (let j = 0; j < 2 * p; j++) m[r][j] -= f * m[c][j]; }
  }
  return m.map((r) => r.slice(p));
}

/** Weighted IRLS for binomial data (y events of n trials), returns β and (X'WX)⁻¹. */
function irls(x: number[][], y: number[], n: number[], start?: number[]) {
  const p = x[0].length;
  let b = start ?? new Array(p).fill(0);
  for (let it = 0; it < 200; it++) {
    const xtwx = Array.from({ length: p }, () => new Array(p).fill(0)), xtwz = new Array(p).fill(0);
    x.forEach((xi, i) => {
      const eta = xi.reduce((s, v, j) => s + v * b[j], 0), mu = 1 / (1 + Math.exp(-eta)), w = n[i] * mu * (1 - mu);
      const z = eta + (y[i] - n[i] * mu) / w;
      for (let j = 0; j < p; j++) { xtwz[j] += xi[j] * w * z; for (let k = 0; k < p; k++) xtwx[j][k] += xi[j] * w * xi[k]; }
    });
    const inv = invert(xtwx);
    const nb = inv.map((r) => r.reduce((s, v, k) => s + v * xtwz[k], 0));
    const delta = Math.max(...nb.map((v, j) => Math.abs(v - b[j])));
    b = nb;
    if (delta < 1e-12) return { b, inv };
  }
  throw new Error("irls did not converge");
}

/** Firth by the pseudo-data fixed point: refit with y + h/2 events of n + h trials until h settles. */
function firthPseudo(x: number[][], y: number[], n: number[]) {
  let b = new Array(x[0].length).fill(0);
  for (let it = 0; it < 500; it++) {
    const p = b.length, info = Array.from({ length: p }, () => new Array(p).fill(0));
    x.forEach((xi, i) => {
      const mu = 1 / (1 + Math.exp(-xi.reduce((s, v, j) => s + v * b[j], 0)));
      for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) info[j][k] += xi[j] * n[i] * mu * (1 - mu) * xi[k];
    });
    const inv = invert(info);
    const h = x.map((xi, i) => {
      const eta = xi.reduce((s, v, j) => s + v * b[j], 0), mu = 1 / (1 + Math.exp(-eta));
      let q = 0;
      for (let j = 0; j < xi.length; j++) for (let k = 0; k < xi.length; k++) q += xi[j] * inv[j][k] * xi[k];
      return n[i] * mu * (1 - mu) * q;
    });
    const nb = irls(x, y.map((v, i) => v + h[i] / 2), n.map((v, i) => v + h[i]), b).b;
    const delta = Math.max(...nb.map((v, j) => Math.abs(v - b[j])));
    b = nb;
    if (delta < 1e-11) return b;
  }
  throw new Error("pseudo-data Firth did not converge");
}

function randomData(seed: number, rows: number, p: number) {
  const rng = mulberry32(seed);
  const x: number[][] = [], y: number[] = [], n: number[] = [];
  const beta = Array.from({ length: p }, (_, j) => (j === 0 ? -0.5 : rng() * 2 - 1));
  for (let i = 0; i < rows; i++) {
    const xi = [1, ...Array.from({ length: p - 1 }, () => (rng() < 0.5 ? rng() * 2 - 1 : Math.floor(rng() * 2)))];
    const mu = 1 / (1 + Math.exp(-xi.reduce((s, v, j) => s + v * beta[j], 0)));
    const ni = 1 + Math.floor(rng() * 3);
    let yi = 0;
    for (let t = 0; t < ni; t++) yi += rng() < mu ? 1 : 0;
    x.push(xi); y.push(yi); n.push(ni);
  }
  return { x, y, n };
}

test("MLE agrees with an independent IRLS solver to 1e-6 on random data (coefficients and SEs)", () => {
  for (const seed of [1, 2, 3]) {
    const { x, y, n } = randomData(seed, 300, 5);
    const ours = fitLogistic(denseDesign(x, y, n), { firth: false });
    const ref = irls(x, y, n);
    assert.ok(ours.converged);
    ref.b.forEach((v, j) => {
      close(ours.beta[j], v, 1e-6, `seed ${seed} β${j}`);
      close(Math.sqrt(ours.cov[j * 5 + j]), Math.sqrt(ref.inv[j][j]), 1e-6, `seed ${seed} se${j}`);
    });
  }
});

test("Firth agrees with the pseudo-data fixed point to 1e-6 on random data", () => {
  for (const seed of [4, 5]) {
    const { x, y, n } = randomData(seed, 60, 4);
    const ours = fitLogistic(denseDesign(x, y, n));
    const ref = firthPseudo(x, y, n);
    assert.ok(ours.converged);
    ref.forEach((v, j) => close(ours.beta[j], v, 1e-6, `seed ${seed} β${j}`));
  }
});

test("MLE likelihood-ratio test of a binary factor equals the G statistic of the 2×2 table", () => {
  // x=0: 25 of 50 refuse; x=1: 12 of 40. G = 2 Σ O ln(O/E) with E from the margins (37 of 90 refuse).
  const recs = [
    ...Array.from({ length: 50 }, (_, i) => ({ levels: ["a"], y: i < 25 ? 1 : 0 })),
    ...Array.from({ length: 40 }, (_, i) => ({ levels: ["b"], y: i < 12 ? 1 : 0 })),
  ];
  const O = [25, 25, 12, 28], E = [50 * 37 / 90, 50 * 53 / 90, 40 * 37 / 90, 40 * 53 / 90];
  const G = 2 * O.reduce((s, o, i) => s + o * Math.log(o / E[i]), 0);
  const r = logisticRegression(recs, ["f"], { f: ["a", "b"] }, { method: "mle" });
  close(r.lrTests[0].chi2, G, 1e-8);
  assert.equal(r.lrTests[0].df, 1);
  const rf = logisticRegression(recs, ["f"], { f: ["a", "b"] });
  assert.ok(rf.lrTests[0].chi2 > 0 && rf.lrTests[0].chi2 < G + 0.5);
});

test("nested factor: each task's first paraphrase is aliased, task is flagged untestable", () => {
  const recs: { levels: string[]; y: number }[] = [];
  const rng = mulberry32(9);
  for (let i = 0; i < 600; i++) {
    const t = ["t1", "t2", "t3"][i % 3], q = `${t}_p${1 + Math.floor(rng() * 3)}`;
    recs.push({ levels: [t, q], y: rng() < 0.3 ? 1 : 0 });
  }
  const levels = { task: ["t1", "t2", "t3"], paraphrase: [...new Set(recs.map((r) => r.levels[1]))].sort() };
  const d = factorDesign(recs, ["task", "paraphrase"], levels);
  assert.deepEqual(d.aliased.sort(), ["paraphrase[t2_p1]", "paraphrase[t3_p1]"]);
  const r = logisticRegression(recs, ["task", "paraphrase"], levels);
  const byF = Object.fromEntries(r.lrTests.map((t) => [t.factor, t]));
  assert.equal(byF.task.df, 0);
  assert.equal(byF.paraphrase.df, 6);
});

test("100k trials × ~40 dummies with a never-refusing model: converges, every term finite (timing lives in bench/)", () => {
  const rng = mulberry32(11);
  const recs: { levels: string[]; y: number }[] = [];
  for (let i = 0; i < 100_000; i++) {
    const m = Math.floor(rng() * 4), p = Math.floor(rng() * 16), t = Math.floor(rng() * 3), q = Math.floor(rng() * 18);
    const eta = -1.5 + 0.3 * m - (m === 3 ? 8 : 0) + (p % 5 === 0 ? 0.4 : 0) + 0.2 * t + 0.02 * q;
    recs.push({ levels: [`m${m}`, `p${p}`, `t${t}`, `q${q}`], y: rng() < 1 / (1 + Math.exp(-eta)) ? 1 : 0 });
  }
  const f = ["model", "persona", "task", "paraphrase"];
  const levels = Object.fromEntries(f.map((k, j) => [k, [...new Set(recs.map((r) => r.levels[j]))].sort()]));
  const r = logisticRegression(recs, f, levels);
  assert.ok(r.converged);
  assert.equal(r.terms.length, 1 + 3 + 15 + 2 + 17);
  assert.ok(r.terms.every((t) => Number.isFinite(t.coef) && Number.isFinite(t.se)));
});

// ---- Profile-likelihood CIs, against a brute-force profile written here (golden section, no Newton) ----

/** Records of a 2×2 table: x = "0" has y0 events of n0, x = "1" has y1 of n1. */
function records2x2(y0: number, n0: number, y1: number, n1: number) {
  const r: { levels: string[]; y: number }[] = [];
  for (let i = 0; i < n0; i++) r.push({ levels: ["0"], y: i < y0 ? 1 : 0 });
  for (let i = 0; i < n1; i++) r.push({ levels: ["1"], y: i < y1 ? 1 : 0 });
  return r;
}

/** argmax of a concave f on [lo, hi] by golden section. */
function golden(f: (x: number) => number, lo: number, hi: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo, b = hi, c = b - g * (b - a), d = a + g * (b - a), fc = f(c), fd = f(d);
  for (let i = 0; i < 200 && b - a > 1e-12; i++) {
    if (fc > fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
  }
  return (a + b) / 2;
}

/**
 * Brute-force profile CI of the log OR b in logit π = a + b·x: ℓ*(a, b) = Σ y log π + (n − y) log(1 − π)
 * + ½ log det I, det I = w0·w1 for this design (w = nπ(1 − π)); profile over a by golden section (ℓ* is concave
 * in a), bounds by bisection on the profile deviance.
 */
function bruteProfile(y0: number, n0: number, y1: number, n1: number, firth: boolean, q: number) {
  const ll = (a: number, b: number) => {
    const p0 = 1 / (1 + Math.exp(-a)), p1 = 1 / (1 + Math.exp(-(a + b)));
    const l = y0 * Math.log(p0) + (n0 - y0) * Math.log(1 - p0) + y1 * Math.log(p1) + (n1 - y1) * Math.log(1 - p1);
    return firth ? l + 0.5 * Math.log(n0 * p0 * (1 - p0) * n1 * p1 * (1 - p1)) : l;
  };
  const prof = (b: number) => ll(golden((a) => ll(a, b), -20, 20), b);
  const bHat = golden(prof, -15, 15), top = prof(bHat);
  const dev = (b: number) => 2 * (top - prof(b)) - q;
  const root = (inside: number, outside: number) => {
    for (let i = 0; i < 200; i++) { const m = (inside + outside) / 2; if (dev(m) < 0) inside = m; else outside = m; }
    return (inside + outside) / 2;
  };
  return { bHat, lo: root(bHat, bHat - 15), hi: root(bHat, bHat + 15), chi2: 2 * (top - prof(0)) };
}

test("profile CIs (Firth and MLE) equal a brute-force profile of the penalised likelihood on 2×2 tables", () => {
  const q = 1.959963984540054 ** 2;
  const cases: [number, number, number, number, boolean][] = [
    [25, 50, 12, 40, true], [25, 50, 12, 40, false], [7, 30, 0, 30, true], [3, 12, 11, 13, true], [40, 400, 70, 380, false],
  ];
  for (const [y0, n0, y1, n1, firth] of cases) {
    const r = logisticRegression(records2x2(y0, n0, y1, n1), ["x"], { x: ["0", "1"] }, { method: firth ? "firth" : "mle", ci: "profile" });
    const t = r.terms[1], bf = bruteProfile(y0, n0, y1, n1, firth, q), what = `${y0}/${n0} vs ${y1}/${n1} ${firth ? "firth" : "mle"}`;
    assert.equal(r.ciMethod, "profile");
    close(t.coef, bf.bHat, 1e-6, `${what} coef`);
    close(Math.log(t.ci[0]), bf.lo, 1e-5, `${what} lower`);
    close(Math.log(t.ci[1]), bf.hi, 1e-5, `${what} upper`);
    close(t.p, chi2Sf1(bf.chi2), 1e-6, `${what} p`);
    // Wald stays the default and differs (the profile is asymmetric around the estimate).
    const w = logisticRegression(records2x2(y0, n0, y1, n1), ["x"], { x: ["0", "1"] }, { method: firth ? "firth" : "mle" });
    assert.equal(w.ciMethod, "wald");
    close(Math.log(w.terms[1].ci[0]) + Math.log(w.terms[1].ci[1]), 2 * w.terms[1].coef, 1e-9, "Wald is symmetric on the log scale");
  }
  // Zero cell: the Firth profile interval is finite and much less symmetric than Wald's.
  const z = logisticRegression(records2x2(7, 30, 0, 30), ["x"], { x: ["0", "1"] }, { ci: "profile" }).terms[1];
  assert.ok(Number.isFinite(Math.log(z.ci[0])) && z.ci[1] < 1, JSON.stringify(z));
});

/** χ²₁ upper tail via erfc, written here: P(χ²₁ > x) = erfc(sqrt(x/2)) (Abramowitz–Stegun 7.1.26 is too coarse; use a series). */
function chi2Sf1(x: number): number {
  // erfc by the continued fraction for large arguments and the Taylor series of erf for small ones.
  const t = Math.sqrt(x / 2);
  if (t < 2) {
    let s = 0, term = t;
    for (let k = 0; k < 200; k++) { s += term / (2 * k + 1); term *= (-t * t) / (k + 1); }
    return 1 - (2 / Math.sqrt(Math.PI)) * s;
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (t + f);
  return Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
}

test("profile CIs on a multi-factor design: CI excludes OR 1 exactly when p < 0.05; close to Wald at large n", () => {
  const rng = mulberry32(11);
  const recs: { levels: string[]; y: number }[] = [];
  for (let i = 0; i < 3000; i++) {
    const a = Math.floor(rng() * 3), b = Math.floor(rng() * 4);
    const eta = -1 + [0, 0.5, -0.3][a] + [0, 0.05, 0.4, -0.6][b];
    recs.push({ levels: [`a${a}`, `b${b}`], y: rng() < 1 / (1 + Math.exp(-eta)) ? 1 : 0 });
  }
  const lv = { A: ["a0", "a1", "a2"], B: ["b0", "b1", "b2", "b3"] };
  const pr = logisticRegression(recs, ["A", "B"], lv, { ci: "profile" }), wd = logisticRegression(recs, ["A", "B"], lv);
  pr.terms.forEach((t, j) => {
    assert.equal(t.ci[0] > 1 || t.ci[1] < 1, t.p < 0.05, `${t.term}: CI ${t.ci}, p ${t.p}`);
    close(Math.log(t.ci[0]), Math.log(wd.terms[j].ci[0]), 0.03, `${t.term} lower vs Wald`);
    close(Math.log(t.ci[1]), Math.log(wd.terms[j].ci[1]), 0.03, `${t.term} upper vs Wald`);
  });
  assert.deepEqual(pr.lrTests, wd.lrTests);
});
