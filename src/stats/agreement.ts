// Agreement between the rule detector's verdict and the first-token probability (p_refusal > 0.5).
import type { AnalysisRow } from "./types.ts";

/**
 * Cohen's kappa for two binary raters: κ = (p_o − p_e) / (1 − p_e), p_o = observed agreement,
 * p_e = Σ_c p_{1c}·p_{2c} from the margins (Cohen 1960). When p_e = 1 (both raters constant) κ is 1 if
 * they agree and 0 otherwise.
 */
export function cohenKappa(a: readonly (0 | 1)[], b: readonly (0 | 1)[]): number {
  const n = a.length;
  let agree = 0, a1 = 0, b1 = 0;
  for (let i = 0; i < n; i++) { agree += a[i] === b[i] ? 1 : 0; a1 += a[i]; b1 += b[i]; }
  const po = agree / n, pe = (a1 / n) * (b1 / n) + (1 - a1 / n) * (1 - b1 / n);
  if (pe >= 1 - 1e-15) return po >= 1 - 1e-15 ? 1 : 0;
  return (po - pe) / (1 - pe);
}

export const FIRST_TOKEN = "first-token p>0.5";

/**
 * Cross-table of the rule outcome (rows: answer, refusal, partial, invalid, …) against the first-token call
 * (columns: refusal when p_refusal > 0.5, else answer), over rows that have both. κ compares the binary
 * `refusal` (refusal or partial) with p_refusal > 0.5. Null when no row has both.
 */
export function detectorAgreement(rows: readonly AnalysisRow[]): { detectors: [string, string]; table: Record<string, Record<string, number>>; kappa: number } | null {
  const both = rows.filter((r) => r.outcome !== undefined && r.outcome !== null && r.pRefusal !== null && r.pRefusal !== undefined);
  if (both.length === 0) return null;
  const table: Record<string, Record<string, number>> = {};
  const a: (0 | 1)[] = [], b: (0 | 1)[] = [];
  for (const r of both) {
    const col = r.pRefusal! > 0.5 ? "refusal" : "answer";
    const row = (table[r.outcome!] ??= { refusal: 0, answer: 0 });
    row[col]++;
    a.push(r.refusal);
    b.push(col === "refusal" ? 1 : 0);
  }
  return { detectors: ["rules", FIRST_TOKEN], table, kappa: cohenKappa(a, b) };
}
