// Given-data sensitivity indices of an outcome Y (refusal 0/1 or p_refusal in [0, 1]) to each factor X, from
// one Monte Carlo sample, by partitioning the sample on X's levels (Plischke, Borgonovo & Smith 2013, EJOR
// 230:162). With share_l = n_l/n and Y|l the outcomes at level l:
//
//   variance (first-order Sobol'):   S = Var(E[Y|X]) / Var(Y) = Σ_l share_l (ȳ_l − ȳ)² / Var(Y).
//   delta (Borgonovo 2007, moment-independent):  δ = ½ E_X ∫ |f_Y − f_{Y|X}| = ½ Σ_l share_l Σ_k |P_k − P_{k|l}|,
//       the mean total-variation distance between Y and Y|l. Y with ≤ 20 distinct values (the binary
//       refusal) is treated as discrete, k = value: exact. Otherwise k runs over 10 equiprobable bins of the
//       pooled Y (histogram estimator, fixed bins so factors stay comparable; ties share a bin).
//   wasserstein (Borgonovo, Figalli, Plischke & Savaré 2024, Mgmt Sci; Wiesel 2022):
//       ι = Σ_l share_l W₂²(P_Y, P_{Y|l}) / (2 Var Y),  W₂²(F, G) = ∫₀¹ (F⁻¹(u) − G⁻¹(u))² du
//       between the empirical quantile functions, computed exactly. ι ∈ [0, 1]: the independent coupling
//       gives E_l W₂² ≤ 2 Var Y. It contains S (the mean shift) plus the change of shape.
//   All three are 0 when Y does not depend on X and 1 (S, ι) when Y is a function of X.
//
// CIs: stratified bootstrap (resample rows with replacement within each level, so level sizes stay fixed),
// percentile intervals. These estimators are biased upward at finite n (noise between levels looks like
// signal), so the noise floor is a dummy factor: as many levels as the largest factor, rows assigned at random
// in equal shares, run through the same bootstrap. Its value is the mean of its bootstrap replicates, taken
// over up to 10 independent random assignments (one per replicate, round-robin) so the floor is stable; that
// matches the bias of the bootstrap replicates the CIs come from. Rule: `aboveDummy` when the Wasserstein
// index's CI lower bound exceeds the dummy's Wasserstein value; `aboveDummyBy` gives the same rule per index.
// With bootstrap = 0 the CIs collapse to the estimate and the dummy is the mean over 10 assignments.
import type { Interval, SensitivityIndex } from "./types.ts";
import { percentiles } from "./contrasts.ts";
import { binomial, randInt, shuffle, substream, type Rng } from "./random.ts";

export interface Indices { variance: number; delta: number; wasserstein: number }
const KEYS = ["variance", "delta", "wasserstein"] as const;

const DISCRETE_MAX = 20;
const BINS = 10;

/** Outcome-level preprocessing shared by all factors. */
interface Prep {
  n: number;
  /** Index of each row's value among the sorted distinct values `vals`. */
  vi: Int32Array;
  vals: Float64Array;
  /** δ bin of each distinct value, and the number of bins. */
  binOf: Int32Array;
  nBins: number;
}

function prepare(yIn: ArrayLike<number>): Prep {
  const n = yIn.length, y = Float64Array.from(yIn);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b]);
  const vi = new Int32Array(n), vals: number[] = [];
  for (const i of order) {
    if (vals.length === 0 || y[i] !== vals[vals.length - 1]) vals.push(y[i]);
    vi[i] = vals.length - 1;
  }
  let binOf: Int32Array, nBins: number;
  if (vals.length <= DISCRETE_MAX) {
    binOf = Int32Array.from(vals, (_, k) => k);
    nBins = vals.length;
  } else {
    const edges = [...new Set(Array.from({ length: BINS - 1 }, (_, k) => y[order[Math.floor(((k + 1) * n) / BINS)]]))];
    binOf = Int32Array.from(vals, (v) => edges.filter((e) => e <= v).length);
    nBins = edges.length + 1;
  }
  return { n, vi, vals: Float64Array.from(vals), binOf, nBins };
}

/**
 * A partition of the rows, compressed to atoms = distinct (level, value) pairs: a binary outcome has at most
 * 2 atoms per level, so its bootstrap costs O(levels) per replicate after the draws.
 */
interface Part {
  L: number;
  atomLevel: Int32Array;
  atomVi: Int32Array;
  /** Rows per atom in the data. */
  base: Float64Array;
  /** For each level, the atom of each of its rows (draw a row uniformly = resample within the level). */
  rowAtoms: Int32Array[];
  /** For each level, its atoms sorted by value. */
  members: Int32Array[];
}

function partition(prep: Prep, codes: Int32Array, L: number): Part {
  const K = prep.vals.length, id = new Map<number, number>();
  const lev: number[] = [], vis: number[] = [], base: number[] = [];
  const rows: number[][] = Array.from({ length: L }, () => []);
  for (let i = 0; i < prep.n; i++) {
    const key = codes[i] * K + prep.vi[i];
    let a = id.get(key);
    if (a === undefined) { id.set(key, (a = lev.length)); lev.push(codes[i]); vis.push(prep.vi[i]); base.push(0); }
    base[a]++;
    rows[codes[i]].push(a);
  }
  const members: number[][] = Array.from({ length: L }, () => []);
  lev.forEach((l, a) => members[l].push(a));
  return {
    L, atomLevel: Int32Array.from(lev), atomVi: Int32Array.from(vis), base: Float64Array.from(base),
    rowAtoms: rows.map((r) => Int32Array.from(r)),
    members: members.map((m) => Int32Array.from(m.sort((a, b) => vis[a] - vis[b]))),
  };
}

/** The three indices for atom weights w (default: the data's own counts). */
function indices(prep: Prep, part: Part, w: Float64Array = part.base): Indices {
  const { vals, binOf, nBins } = prep, { L, atomLevel, atomVi, members } = part, K = vals.length;
  let W = 0, sum = 0;
  const Wl = new Float64Array(L), Sl = new Float64Array(L), Fw = new Float64Array(K);
  const C = new Float64Array(nBins), Cl = new Float64Array(L * nBins);
  for (let a = 0; a < w.length; a++) {
    const u = w[a];
    if (u === 0) continue;
    const l = atomLevel[a], k = atomVi[a], y = vals[k], b = binOf[k];
    W += u; sum += u * y;
    Wl[l] += u; Sl[l] += u * y;
    Fw[k] += u;
    C[b] += u; Cl[l * nBins + b] += u;
  }
  const m = sum / W;
  let v = 0;
  for (let k = 0; k < K; k++) v += Fw[k] * (vals[k] - m) ** 2;
  v /= W;
  if (!(v > 1e-300)) return { variance: 0, delta: 0, wasserstein: 0 };
  let between = 0, delta = 0;
  for (let l = 0; l < L; l++) {
    if (Wl[l] === 0) continue;
    between += Wl[l] * (Sl[l] / Wl[l] - m) ** 2;
    let tv = 0;
    for (let k = 0; k < nBins; k++) tv += Math.abs(C[k] / W - Cl[l * nBins + k] / Wl[l]);
    delta += (Wl[l] / W) * 0.5 * tv;
  }
  // Pooled quantile function: cumulative weights c_k and Q(c_k) = ∫₀^{c_k} F⁻¹. For level l,
  // ∫ F⁻¹ G_l⁻¹ = Σ_atoms value · [Q(U_j) − Q(U_{j−1})] with U_j the level's cumulative weights, and
  // W₂² = E_F[Y²] + E_{G_l}[Y²] − 2 ∫ F⁻¹ G_l⁻¹.
  const c = new Float64Array(K), Q = new Float64Array(K);
  let ef2 = 0, acc = 0, accQ = 0;
  for (let k = 0; k < K; k++) {
    acc += Fw[k] / W; accQ += (Fw[k] / W) * vals[k];
    c[k] = acc; Q[k] = accQ;
    ef2 += (Fw[k] / W) * vals[k] * vals[k];
  }
  c[K - 1] = 1;
  /** Smallest k ≥ from with c[k] ≥ u, by galloping then bisection (U increases along a level). */
  const find = (u: number, from: number): number => {
    let step = 1, hi = from;
    while (hi < K - 1 && c[hi] < u) { from = hi + 1; hi = Math.min(K - 1, hi + step); step *= 2; }
    let lo = from;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (c[mid] >= u) hi = mid; else lo = mid + 1; }
    return lo;
  };
  let iota = 0;
  for (let l = 0; l < L; l++) {
    if (Wl[l] === 0) continue;
    let U = 0, qPrev = 0, at = 0, cross = 0, eg2 = 0;
    for (const a of members[l]) {
      const u = w[a];
      if (u === 0) continue;
      const k = atomVi[a];
      U = Math.min(1, U + u / Wl[l]);
      at = find(U, at);
      const q = (at > 0 ? Q[at - 1] : 0) + (U - (at > 0 ? c[at - 1] : 0)) * vals[at];
      cross += vals[k] * (q - qPrev);
      qPrev = q;
      eg2 += (u / Wl[l]) * vals[k] * vals[k];
    }
    iota += (Wl[l] / W) * Math.max(0, ef2 + eg2 - 2 * cross);
  }
  return { variance: between / W / v, delta, wasserstein: iota / (2 * v) };
}

/** Point estimates of the three indices of `y` for the partition `labels`. */
export function pointIndices(y: ArrayLike<number>, labels: readonly string[]): Indices {
  const prep = prepare(y);
  const { codes, L } = encode(labels);
  return indices(prep, partition(prep, codes, L));
}

/** W₂² between two empirical distributions (equal weights per observation), exactly. */
export function wasserstein2sq(a: readonly number[], b: readonly number[]): number {
  // Merge the two step quantile functions: on each piece both are constant.
  const sa = [...a].sort((x, z) => x - z), sb = [...b].sort((x, z) => x - z);
  let i = 0, j = 0, u = 0, s = 0;
  const na = sa.length, nb = sb.length;
  while (i < na && j < nb) {
    const ua = (i + 1) / na, ub = (j + 1) / nb, next = Math.min(ua, ub);
    s += (next - u) * (sa[i] - sb[j]) ** 2;
    u = next;
    if (ua <= next) i++;
    if (ub <= next) j++;
  }
  return s;
}

function encode(labels: readonly string[]): { codes: Int32Array; L: number; names: string[] } {
  const map = new Map<string, number>();
  const codes = Int32Array.from(labels, (l) => {
    let c = map.get(l);
    if (c === undefined) map.set(l, (c = map.size));
    return c;
  });
  return { codes, L: map.size, names: [...map.keys()] };
}

/**
 * Stratified bootstrap: n_l rows drawn with replacement within each level, tallied per atom. A level with few
 * atoms (a discrete outcome) draws its tallies as a multinomial by conditional binomials, O(atoms) instead
 * of O(rows); same distribution.
 */
function resample(part: Part, rng: Rng): Float64Array {
  const w = new Float64Array(part.base.length);
  part.rowAtoms.forEach((rows, l) => {
    const atoms = part.members[l];
    if (atoms.length * 8 < rows.length) {
      let left = rows.length, mass = rows.length;
      for (let j = 0; j < atoms.length && left > 0; j++) {
        const a = atoms[j], x = j === atoms.length - 1 ? left : binomial(rng, left, part.base[a] / mass);
        w[a] = x;
        left -= x;
        mass -= part.base[a];
      }
    } else for (let t = 0; t < rows.length; t++) w[rows[randInt(rng, rows.length)]]++;
  });
  return w;
}

export interface SensitivityOptions {
  bootstrap?: number;
  seed?: number;
  alpha?: number;
  /**
   * "stratified" (default): rows resampled within each level, level sizes fixed. "rows": all rows resampled
   * together, so level shares vary as they do between Monte Carlo samples of a random design — what a CI for the
   * population index needs when a factor's levels differ a lot (the zoo's model factor; analysis/zoo.ts).
   */
  resample?: "stratified" | "rows";
}

/** All rows with replacement: atom tallies as one multinomial over every atom (conditional binomials). */
function resampleRows(part: Part, rng: Rng): Float64Array {
  const w = new Float64Array(part.base.length);
  let left = part.base.reduce((a, b) => a + b, 0), mass = left;
  for (let a = 0; a < w.length && left > 0; a++) {
    const x = a === w.length - 1 ? left : binomial(rng, left, Math.min(1, part.base[a] / mass));
    w[a] = x; left -= x; mass -= part.base[a];
  }
  return w;
}

/** Indices, bootstrap CIs and the dummy noise floor for each factor (labels aligned with y). */
export function sensitivityIndices(
  y: ArrayLike<number>,
  factors: readonly { name: string; labels: readonly string[] }[],
  opts: SensitivityOptions = {},
): SensitivityIndex[] {
  const B = opts.bootstrap ?? 200, seed = opts.seed ?? 1, alpha = opts.alpha ?? 0.05;
  const draw = opts.resample === "rows" ? resampleRows : resample;
  const prep = prepare(y);
  const parts = factors.map((f) => {
    const e = encode(f.labels);
    return partition(prep, e.codes, e.L);
  });
  // Dummy: random balanced assignments with as many levels as the largest factor.
  const Ld = Math.max(2, ...parts.map((p) => p.L));
  const rngD = substream(seed, "(dummy)");
  const nAssign = Math.min(Math.max(B, 1), 10);
  const dummies = Array.from({ length: nAssign }, () => {
    const codes = Int32Array.from(shuffle(Array.from({ length: prep.n }, (_, i) => i % Ld), rngD));
    return partition(prep, codes, Ld);
  });
  const dummy: Indices = { variance: 0, delta: 0, wasserstein: 0 };
  const reps = Math.max(B, nAssign);
  for (let b = 0; b < reps; b++) {
    const part = dummies[b % nAssign];
    const ix = B > 0 ? indices(prep, part, resample(part, rngD)) : indices(prep, part);
    for (const k of KEYS) dummy[k] += ix[k] / reps;
  }
  return factors.map((f, fi) => {
    const part = parts[fi];
    const est = indices(prep, part);
    const ci = { variance: [est.variance, est.variance] as Interval, delta: [est.delta, est.delta] as Interval, wasserstein: [est.wasserstein, est.wasserstein] as Interval };
    if (B > 0) {
      const rng = substream(seed, f.name);
      const draws: Record<keyof Indices, number[]> = { variance: [], delta: [], wasserstein: [] };
      for (let b = 0; b < B; b++) {
        const ix = indices(prep, part, draw(part, rng));
        for (const k of KEYS) draws[k].push(ix[k]);
      }
      for (const k of KEYS) ci[k] = percentiles(draws[k], alpha);
    }
    const by = { variance: ci.variance[0] > dummy.variance, delta: ci.delta[0] > dummy.delta, wasserstein: ci.wasserstein[0] > dummy.wasserstein };
    return { factor: f.name, ...est, ci, dummy: { ...dummy }, aboveDummy: by.wasserstein, aboveDummyBy: by, levels: part.L };
  });
}

/**
 * The three indices of a weighted population instead of a sample (row i carries probability mass w[i] ≥ 0): the
 * same definitions with share_l = mass of level l, the pooled and per-level distributions weighted by w. Used for
 * the exact truth of a planted study (analysis/truth.ts), where a row is (cell, outcome) with the cell's design
 * probability × P(outcome | cell). δ's bins for a non-discrete Y: the value at which the cumulative mass first
 * exceeds k/10 (equal weights: the sample definition's rank ⌊k·n/10⌋, up to that floor).
 */
export function populationIndices(y: ArrayLike<number>, labels: readonly string[], w: ArrayLike<number>): Indices {
  if (y.length !== labels.length || y.length !== w.length) throw new RangeError("populationIndices: y, labels and w differ in length");
  const keep = Array.from({ length: y.length }, (_, i) => i).filter((i) => w[i] > 0);
  const yy = keep.map((i) => y[i]), ww = keep.map((i) => w[i]);
  const prep = prepare(yy);
  if (prep.vals.length > DISCRETE_MAX) {
    const order = yy.map((_, i) => i).sort((a, b) => yy[a] - yy[b]);
    const total = ww.reduce((s, x) => s + x, 0), edges: number[] = [];
    let acc = 0, k = 1;
    for (const i of order) {
      acc += ww[i];
      // a relative slack keeps float sums of equal weights from crossing a boundary one row early
      while (k < BINS && acc > (k * total) / BINS + 1e-9 * total) { edges.push(yy[i]); k++; }
    }
    const uniq = [...new Set(edges)];
    prep.binOf = Int32Array.from(prep.vals, (v) => uniq.filter((e) => e <= v).length);
    prep.nBins = uniq.length + 1;
  }
  const { codes, L } = encode(keep.map((i) => labels[i]));
  const part = partition(prep, codes, L);
  // atom masses: partition() counts rows per atom; here each row brings its weight
  const mass = new Float64Array(part.base.length);
  const K = prep.vals.length, atomOf = new Map<number, number>();
  part.atomLevel.forEach((l, a) => atomOf.set(l * K + part.atomVi[a], a));
  for (let i = 0; i < yy.length; i++) mass[atomOf.get(codes[i] * K + prep.vi[i])!] += ww[i];
  return indices(prep, part, mass);
}

/**
 * Bias-corrected ("basic", Davison & Hinkley 1997 eq. 5.6) interval from the same bootstrap: [2θ̂ − q_hi, 2θ̂ − q_lo],
 * clipped to [0, 1]. These indices are biased upward at finite n and the percentile interval repeats that bias (its
 * replicates sit about one bias above θ̂, which sits one bias above θ); reflecting around θ̂ removes it to first
 * order, which is what coverage of a small true index needs (checked against exact truths in the zoo test).
 */
export function basicInterval(estimate: number, percentile: Interval): Interval {
  return [Math.max(0, 2 * estimate - percentile[1]), Math.min(1, Math.max(0, 2 * estimate - percentile[0]))];
}

/**
 * The first-order variance index with the one-way ANOVA bias removed (as ω² does for η²): between-level variation
 * expected from noise alone is (L − 1) × the within-level mean square, so S̃ = S − (L − 1)/(n − L) · (1 − S). The map
 * is increasing, so the percentile bootstrap interval maps through it too (debiasedInterval). In simulation on the
 * zoo test's design (3,600 trials, 5 factors, L = 3 to 60) these intervals covered the true index where the basic
 * interval undercovered small ones (persona 0.90 and persona group 0.85 at nominal 0.99; debiased 0.99, 0.99).
 */
export function debiasedVariance(S: number, levels: number, n: number): number {
  if (n <= levels) return S;
  return S - ((levels - 1) / (n - levels)) * (1 - S);
}

export function debiasedInterval(percentile: Interval, levels: number, n: number): Interval {
  return [Math.max(0, debiasedVariance(percentile[0], levels, n)), Math.max(0, debiasedVariance(percentile[1], levels, n))];
}
