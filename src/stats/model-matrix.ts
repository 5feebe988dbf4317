// Dummy-coded design matrices for the logistic regression, stored sparse (a dummy row has one non-zero per
// factor) and aggregated to covariate patterns: rows that share every factor level become one binomial row
// (trials, events). The likelihood, the Fisher information and hence Firth's penalty are unchanged by the
// aggregation, so fits are exact and cost O(patterns) instead of O(trials).

/** Sparse rows (CSR) with binomial responses. Column 0 is usually the intercept. */
export interface Design {
  names: string[];
  p: number;
  /** Row r's non-zeros are colIdx/vals[rowPtr[r] .. rowPtr[r+1]). */
  rowPtr: Int32Array;
  colIdx: Int32Array;
  vals: Float64Array;
  trials: Float64Array;
  events: Float64Array;
}

export interface TermInfo {
  name: string;
  /** null for the intercept. */
  factor: string | null;
  level: string | null;
}

export interface FactorDesign extends Design {
  terms: TermInfo[];
  /** Dummies left out because they are linear combinations of earlier columns (e.g. paraphrase nested in task). */
  aliased: string[];
  /** Levels per factor, reference first. */
  levels: Record<string, string[]>;
}

/** A dense design (tests, small problems): X as rows, y successes, n trials (default 1). */
export function denseDesign(x: number[][], y: number[], n?: number[], names?: string[]): Design {
  const p = x[0]?.length ?? 0;
  const ptr = [0], idx: number[] = [], val: number[] = [];
  for (const row of x) {
    row.forEach((v, j) => { if (v !== 0) { idx.push(j); val.push(v); } });
    ptr.push(idx.length);
  }
  return {
    names: names ?? Array.from({ length: p }, (_, j) => `x${j}`), p,
    rowPtr: Int32Array.from(ptr), colIdx: Int32Array.from(idx), vals: Float64Array.from(val),
    trials: Float64Array.from(n ?? y.map(() => 1)), events: Float64Array.from(y),
  };
}

/**
 * Intercept + treatment (dummy) coding of each factor against `levels[f][0]`. Records are
 * { levels: one string per factor, y: 0/1 }. Columns that are exactly collinear with earlier ones are dropped
 * (sequential Cholesky on X'X, as R's lm marks them NA). Within a factor the check runs from the last level
 * to the first, so for a factor nested in an earlier one (paraphrase within task) the dropped dummy is the
 * first level of each block, i.e. each task's first paraphrase becomes its reference.
 */
export function factorDesign(
  records: readonly { levels: readonly string[]; y: number }[],
  factors: readonly string[],
  levels: Record<string, string[]>,
): FactorDesign {
  const nf = factors.length;
  const index = factors.map((f) => new Map(levels[f].map((l, i) => [l, i])));
  // Aggregate to covariate patterns.
  const pat = new Map<string, { codes: number[]; n: number; y: number }>();
  for (const r of records) {
    const codes = r.levels.map((l, f) => index[f].get(l)!);
    const key = codes.join(",");
    const g = pat.get(key);
    if (g) { g.n++; g.y += r.y; } else pat.set(key, { codes, n: 1, y: r.y });
  }
  const groups = [...pat.values()];
  // Candidate columns: intercept, then each factor's non-reference levels.
  const cand: TermInfo[] = [{ name: "(Intercept)", factor: null, level: null }];
  const colOf: number[][] = factors.map((f) => levels[f].map((l, i) => {
    if (i === 0) return -1;
    cand.push({ name: `${f}[${l}]`, factor: f, level: l });
    return cand.length - 1;
  }));
  const P = cand.length;
  // X'X with trial weights (same rank as X'X over patterns).
  const xtx = new Float64Array(P * P);
  const cols = (g: { codes: number[] }) => [0, ...g.codes.map((c, f) => colOf[f][c]).filter((j) => j >= 0)];
  for (const g of groups) {
    const cs = cols(g);
    for (const a of cs) for (const b of cs) xtx[a * P + b] += g.n;
  }
  const order = [0];
  for (let f = 0; f < nf; f++) for (let i = levels[factors[f]].length - 1; i >= 1; i--) order.push(colOf[f][i]);
  const keptSet = new Set(incrementalRank(xtx, P, order));
  const kept = [...Array(P).keys()].filter((j) => keptSet.has(j));
  const newIdx = new Int32Array(P).fill(-1);
  kept.forEach((j, k) => (newIdx[j] = k));
  const ptr = [0], idx: number[] = [];
  for (const g of groups) {
    for (const j of cols(g)) if (newIdx[j] >= 0) idx.push(newIdx[j]);
    ptr.push(idx.length);
  }
  const terms = kept.map((j) => cand[j]);
  return {
    names: terms.map((t) => t.name), p: kept.length, terms,
    aliased: cand.filter((_, j) => !keptSet.has(j)).map((t) => t.name),
    levels,
    rowPtr: Int32Array.from(ptr), colIdx: Int32Array.from(idx), vals: new Float64Array(idx.length).fill(1),
    trials: Float64Array.from(groups.map((g) => g.n)), events: Float64Array.from(groups.map((g) => g.y)),
  };
}

/** Greedy column selection in `order`: keeps a column when its Cholesky pivot is > 1e-8 of its diagonal. */
function incrementalRank(a: Float64Array, p: number, order: number[]): number[] {
  const kept: number[] = [];
  const rows: Float64Array[] = []; // rows of L for kept columns
  for (const j of order) {
    const d0 = a[j * p + j];
    if (!(d0 > 0)) continue;
    const l = new Float64Array(kept.length + 1);
    for (let k = 0; k < kept.length; k++) {
      let s = a[kept[k] * p + j];
      for (let m = 0; m < k; m++) s -= rows[k][m] * l[m];
      l[k] = s / rows[k][k];
    }
    let d = d0;
    for (let k = 0; k < kept.length; k++) d -= l[k] * l[k];
    if (d > 1e-8 * d0) {
      l[kept.length] = Math.sqrt(d);
      kept.push(j);
      rows.push(l);
    }
  }
  return kept;
}
