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
