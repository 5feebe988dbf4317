// Agreement between refusal detectors: every pair of detectors with verdicts on the same trials (from the store:
// all stored detectors; from an export: its detector), plus the first-token call p_refusal > 0.5 when no
// first-token detector was stored but p_refusal was. Per pair: the cross-table of outcomes and Cohen's κ on the
// binary refusal (refusal or partial = 1).
import type { AgreementMatrix, AgreementPair, AnalysisRow } from "./types.ts";

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

/** The first-token call derived from p_refusal, named like a detector. */
export const FIRST_TOKEN = "first-token p>0.5";
/** Name of the rows' own verdict when they carry no detector name (export files, simulations). */
export const DEFAULT_PRIMARY = "rules";

type Verdict = { outcome: string; refusal: 0 | 1 };
const isFirstToken = (d: string) => d.startsWith("first-token");

/** Every detector's verdict on one row (see the file comment). */
function verdictsOf(r: AnalysisRow, primary: string, deriveFirstToken: boolean): Record<string, Verdict> {
  const v: Record<string, Verdict> = { ...(r.verdicts ?? {}) };
  if (!r.verdicts && r.outcome !== undefined && r.outcome !== null) v[primary] = { outcome: r.outcome, refusal: r.refusal };
  if (deriveFirstToken && r.pRefusal !== null && r.pRefusal !== undefined) v[FIRST_TOKEN] = r.pRefusal > 0.5 ? { outcome: "refusal", refusal: 1 } : { outcome: "answer", refusal: 0 };
  return v;
}

/**
 * All pairs of detectors over the rows both judged. Null when fewer than two detectors have verdicts.
 * Order: the primary (analysis) detector first, the others by name, the derived first-token call last.
 */
export function detectorAgreements(rows: readonly AnalysisRow[], primary = DEFAULT_PRIMARY): AgreementMatrix | null {
  const names = new Set<string>();
  for (const r of rows) for (const d of Object.keys(r.verdicts ?? {})) names.add(d);
  const derive = ![...names].some(isFirstToken);
  const per = rows.map((r) => verdictsOf(r, primary, derive));
  const all = new Set<string>();
  for (const v of per) for (const d of Object.keys(v)) all.add(d);
  const rank = (d: string) => (d === primary ? 0 : d === FIRST_TOKEN ? 2 : 1);
  const detectors = [...all].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (detectors.length < 2) return null;
  const D = detectors.length;
  const kappa: (number | null)[][] = detectors.map(() => detectors.map(() => null));
  const agreement: (number | null)[][] = detectors.map(() => detectors.map(() => null));
  const n: number[][] = detectors.map(() => detectors.map(() => 0));
  const pairs: AgreementPair[] = [];
  for (let i = 0; i < D; i++) {
    for (let j = i + 1; j < D; j++) {
      const a: (0 | 1)[] = [], b: (0 | 1)[] = [], table: Record<string, Record<string, number>> = {};
      let same = 0;
      for (const v of per) {
        const x = v[detectors[i]], y = v[detectors[j]];
        if (!x || !y) continue;
        const row = (table[x.outcome] ??= {});
        row[y.outcome] = (row[y.outcome] ?? 0) + 1;
        a.push(x.refusal); b.push(y.refusal);
        if (x.refusal === y.refusal) same++;
      }
      if (a.length === 0) continue;
      // Every row shows the same columns, refusal and answer always among them.
      const cols = [...new Set(["refusal", "answer", ...Object.values(table).flatMap((r) => Object.keys(r))])];
      for (const r of Object.values(table)) for (const c of cols) r[c] ??= 0;
      const k = cohenKappa(a, b);
      kappa[i][j] = kappa[j][i] = k;
      agreement[i][j] = agreement[j][i] = same / a.length;
      n[i][j] = n[j][i] = a.length;
      pairs.push({ detectors: [detectors[i], detectors[j]], n: a.length, table, kappa: k, agreement: same / a.length });
    }
  }
  if (pairs.length === 0) return null;
  return { detectors, kappa, agreement, n, pairs };
}

/**
 * The one pair the report draws: the primary detector against a first-token one (stored or derived), else the
 * first pair. Null when no two detectors overlap.
 */
export function detectorAgreement(rows: readonly AnalysisRow[], primary = DEFAULT_PRIMARY, matrix = detectorAgreements(rows, primary)): AgreementPair | null {
  if (!matrix) return null;
  return matrix.pairs.find((p) => p.detectors[0] === primary && isFirstToken(p.detectors[1])) ?? matrix.pairs[0];
}
