// The analysis-level logistic regression: refusal ~ factors (treatment coding), Wald terms and a
// likelihood-ratio test per factor.
//
// LR test of factor F (df = its non-aliased dummies): 2·[ℓ*(β̂) − ℓ*(β̂ with β_F = 0)], χ²_df. With Firth the
// constrained fit keeps the full model's penalty ½ log det I(β), the penalised likelihood ratio test of
// Heinze & Schemper (2002) (logistf's anova method "nested"); it is ≥ 0 by construction. When dropping F
// changes the model space in another way (F nested in or aliased with another factor), the reduced model is
// refitted on its own design and df is the rank difference; df 0 means F is not testable separately.
import type { Interval, LogisticResult, LogisticTerm, LrTest } from "./types.ts";
import { chi2Sf, normTwoSided, zFor } from "./dist.ts";
import { fitLogistic } from "./logistic.ts";
import { factorDesign } from "./model-matrix.ts";

export interface RegressionRecord {
  levels: readonly string[];
  y: number;
}

export interface RegressionOptions {
  method?: "firth" | "mle";
  alpha?: number;
  /** Skip the per-factor LR tests (simulations). */
  lrTests?: boolean;
}

export function logisticRegression(
  records: readonly RegressionRecord[],
  factors: readonly string[],
  levels: Record<string, string[]>,
  opts: RegressionOptions = {},
): LogisticResult {
  const firth = (opts.method ?? "firth") === "firth", z = zFor(opts.alpha ?? 0.05);
  const d = factorDesign(records, factors, levels);
  const fit = fitLogistic(d, { firth });
  const terms: LogisticTerm[] = d.terms.map((t, j) => {
    const coef = fit.beta[j], se = Math.sqrt(fit.cov[j * d.p + j]);
    const ci: Interval = [Math.exp(coef - z * se), Math.exp(coef + z * se)];
    return { term: t.name, factor: t.factor, level: t.level, coef, se, oddsRatio: Math.exp(coef), ci, p: normTwoSided(coef / se) };
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
    method: firth ? "firth" : "mle", converged: fit.converged, iterations: fit.iterations, terms, lrTests,
    aliased: d.aliased, n: records.length,
  };
}
