// The analysis-level logistic regression: refusal ~ factors (treatment coding), Wald or profile-likelihood terms
// and a likelihood-ratio test per factor.
//
// LR test of factor F (df = its non-aliased dummies): 2·[ℓ*(β̂) − ℓ*(β̂ with β_F = 0)], χ²_df. With Firth the
// constrained fit keeps the full model's penalty ½ log det I(β), the penalised likelihood ratio test of
// Heinze & Schemper (2002) (logistf's anova method "nested"); it is ≥ 0 by construction. When dropping F
// changes the model space in another way (F nested in or aliased with another factor), the reduced model is
// refitted on its own design and df is the rank difference; df 0 means F is not testable separately.
import type { Interval, LogisticResult, LogisticTerm, LrTest } from "./types.ts";
import { chi2Sf, normTwoSided, zFor } from "./dist.ts";
import { fitLogistic, type Fit } from "./logistic.ts";
import { factorDesign, type Design } from "./model-matrix.ts";

export interface RegressionRecord {
  levels: readonly string[];
  y: number;
}

export interface RegressionOptions {
  method?: "firth" | "mle";
  alpha?: number;
  /** Skip the per-factor LR tests (simulations). */
  lrTests?: boolean;
  /** Term CIs and p-values: "wald" (default) or "profile" (penalised profile likelihood, see profileTerm). */
  ci?: "wald" | "profile";
}

/**
 * Profile (penalised) likelihood interval and test of one coefficient, as logistf does for Firth (Heinze &
 * Schemper 2002, Stat Med 21:2409, §2.2; Venzon & Moolgavkar 1988 for the MLE):
 *   CI = {b : 2[ℓ*(β̂) − max_{β_j = b} ℓ*(β)] ≤ χ²_{1,1−α}},  p = P(χ²_1 > 2[ℓ*(β̂) − max_{β_j = 0} ℓ*(β)]),
 * the constrained maxima keeping the full model's penalty (the same fits as the LR tests). Unlike Wald, the
 * interval follows the likelihood's asymmetry (small counts, near-separation). Each bound: bracket outward from
 * the Wald bound (doubling), then the Illinois variant of regula falsi to |deviance − χ²| < 1e-7; warm starts.
 * A bound beyond 50 on the log-odds scale is reported as ±∞ (the profile never reaches χ²; plain MLE under
 * separation).
 */
function profileTerm(d: Design, fit: Fit, j: number, firth: boolean, q: number, waldHalf: number): { lo: number; hi: number; chi2: number } {
  const top = fit.penLogLik, bh = fit.beta[j];
  let warm: Float64Array = fit.beta;
  const dev = (b: number) => {
    const f = fitLogistic(d, { firth, fixed: new Map([[j, b]]), start: warm });
    warm = f.beta;
    return 2 * (top - f.penLogLik);
  };
  const bound = (side: 1 | -1): number => {
    warm = fit.beta;
    let step = Math.max(waldHalf, 0.05), a = bh, ga = -q, b = bh + side * step, gb = dev(b) - q;
    while (gb < 0) {
      if (Math.abs(b - bh) > 50) return side * Infinity;
      a = b; ga = gb; step *= 2; b = bh + side * step; gb = dev(b) - q;
    }
    let last = 0;
    for (let it = 0; it < 100 && Math.abs(b - a) > 1e-10; it++) {
      const c = (a * gb - b * ga) / (gb - ga), gc = dev(c) - q;
      if (Math.abs(gc) < 1e-7) return c;
      if (gc < 0) { a = c; ga = gc; if (last === -1) gb /= 2; last = -1; } else { b = c; gb = gc; if (last === 1) ga /= 2; last = 1; }
    }
    return (a + b) / 2;
  };
  const lo = bound(-1), hi = bound(1);
  warm = fit.beta;
  return { lo, hi, chi2: Math.max(0, dev(0)) };
}

export function logisticRegression(
  records: readonly RegressionRecord[],
  factors: readonly string[],
  levels: Record<string, string[]>,
  opts: RegressionOptions = {},
): LogisticResult {
  const firth = (opts.method ?? "firth") === "firth", z = zFor(opts.alpha ?? 0.05), profile = opts.ci === "profile";
  const d = factorDesign(records, factors, levels);
  const fit = fitLogistic(d, { firth });
  const terms: LogisticTerm[] = d.terms.map((t, j) => {
    const coef = fit.beta[j], se = Math.sqrt(fit.cov[j * d.p + j]);
    let ci: Interval = [Math.exp(coef - z * se), Math.exp(coef + z * se)], p = normTwoSided(coef / se);
    if (profile) {
      const pr = profileTerm(d, fit, j, firth, z * z, z * se);
      ci = [Math.exp(pr.lo), Math.exp(pr.hi)];
      p = chi2Sf(pr.chi2, 1);
    }
    return { term: t.name, factor: t.factor, level: t.level, coef, se, oddsRatio: Math.exp(coef), ci, p };
  });
  const lrTests: LrTest[] = [];
  if (opts.lrTests ?? true) {
    for (const f of factors) {
      const cols = d.terms.flatMap((t, j) => (t.factor === f ? [j] : []));
      if (cols.length === 0) continue;
      const others = factors.filter((g) => g !== f);
      const red = factorDesign(records.map((r) => ({ levels: r.levels.filter((_, i) => factors[i] !== f), y: r.y })), others, levels);
      const df = d.p - red.p;
      if (df === 0) {
        lrTests.push({ factor: f, df: 0, chi2: 0, p: 1, note: "not testable: its dummies are spanned by other factors" });
        continue;
      }
      const nested = df === cols.length;
      const rf = nested ? fitLogistic(d, { firth, fixed: new Map(cols.map((j) => [j, 0])) }) : fitLogistic(red, { firth });
      const chi2 = Math.max(0, 2 * (fit.penLogLik - rf.penLogLik));
      lrTests.push({ factor: f, df, chi2, p: chi2Sf(chi2, df), ...(nested ? {} : { note: "reduced model refitted separately" }) });
    }
  }
  return {
    method: firth ? "firth" : "mle", ciMethod: profile ? "profile" : "wald", converged: fit.converged, iterations: fit.iterations, terms, lrTests,
    aliased: d.aliased, n: records.length,
  };
}
