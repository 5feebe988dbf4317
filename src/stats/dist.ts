// Distribution functions the tests need: normal, chi-square, binomial, hypergeometric. Double precision
// throughout; accuracy notes per function.

/** log Γ(x) for x > 0: Lanczos (g = 7, 9 coefficients), relative error ~1e-15. */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): series for x < a + 1, Lentz continued
 * fraction otherwise (Numerical Recipes §6.2), both to 1e-15.
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + a * Math.log(x) - lgamma(a);
  if (x < a + 1) {
    let sum = 1 / a, term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(χ²_df > x). */
export function chi2Sf(x: number, df: number): number {
  if (!(x > 0)) return 1;
  return gammaQ(df / 2, x / 2);
}

/** Two-sided normal tail P(|Z| > |z|) = Q(½, z²/2): accurate far into the tail (no 1 − Φ cancellation). */
export function normTwoSided(z: number): number {
  return chi2Sf(z * z, 1);
}

/** Φ(z). */
export function normCdf(z: number): number {
  const t = 0.5 * normTwoSided(z);
  return z < 0 ? t : 1 - t;
}

/**
 * Φ⁻¹(p): Acklam's rational approximation (rel. error 1.15e-9) polished by one Halley step on normCdf,
 * which brings it to ~1e-15.
 */
export function normQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5, r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** z for a two-sided (1 − alpha) interval. */
export function zFor(alpha: number): number {
  return normQuantile(1 - alpha / 2);
}

/** log of the binomial pmf. */
export function logBinomPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p);
}

/**
 * Fisher's exact test for the 2×2 table [[a, b], [c, d]], two-sided by the "probability ≤ observed" rule
 * (as R's fisher.test): sums the hypergeometric probabilities of all tables with the same margins that
 * are no more likely than the observed one (relative tolerance 1e-7 for ties).
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const r1 = a + b, c1 = a + c, n = a + b + c + d;
  const lo = Math.max(0, c1 - (n - r1)), hi = Math.min(r1, c1);
  const base = lgamma(r1 + 1) + lgamma(n - r1 + 1) + lgamma(c1 + 1) + lgamma(n - c1 + 1) - lgamma(n + 1);
  const logP = (x: number) => base - lgamma(x + 1) - lgamma(r1 - x + 1) - lgamma(c1 - x + 1) - lgamma(n - r1 - c1 + x + 1);
  const obs = logP(a);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x);
    if (lp <= obs + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/**
 * McNemar's exact mid-p test on the discordant counts b and c: X ~ Bin(b + c, ½) under H0,
 * mid-p = 2·[P(X < k) + ½·P(X = k)], k = min(b, c). Fagerland, Lydersen & Laake (2013, BMC Med Res
 * Methodol 13:91) recommend it over the conservative exact test and the asymptotic one.
 */
export function mcnemarMidP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let below = 0;
  for (let x = 0; x < k; x++) below += Math.exp(logBinomPmf(x, n, 0.5));
  return Math.min(1, 2 * below + Math.exp(logBinomPmf(k, n, 0.5)));
}
