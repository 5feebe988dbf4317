// Small dense symmetric positive-definite algebra (p ≤ a few hundred): row-major Float64Array p×p.

/** Lower Cholesky factor L (A = LL'), or null when A is not numerically positive definite. */
export function cholesky(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j];
    for (let k = 0; k < j; k++) d -= l[j * p + k] ** 2;
    if (!(d > 1e-13 * Math.max(1, Math.abs(a[j * p + j])))) return null;
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = s / ljj;
    }
  }
  return l;
}

/** log det A = 2 Σ log L_jj. */
export function logDetFromChol(l: Float64Array, p: number): number {
  let s = 0;
  for (let j = 0; j < p; j++) s += Math.log(l[j * p + j]);
  return 2 * s;
}

/** Solves A x = b given A's Cholesky factor. */
export function cholSolve(l: Float64Array, p: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * x[k];
    x[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return x;
}

/** A⁻¹ from A's Cholesky factor (column by column). */
export function cholInverse(l: Float64Array, p: number): Float64Array {
  const inv = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    const x = cholSolve(l, p, e);
    for (let i = 0; i < p; i++) inv[i * p + j] = x[i];
  }
  return inv;
}

/** The sub-matrix of A on the index list `keep`. */
export function submatrix(a: Float64Array, p: number, keep: readonly number[]): Float64Array {
  const q = keep.length, s = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) s[i * q + j] = a[keep[i] * p + keep[j]];
  return s;
}
