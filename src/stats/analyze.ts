// One call from finished trials to every number the report shows. Pure: rows in, AnalysisResult out.
//
// Outcome choice: rates, persona-vs-control tests and the logistic regression always use the binary
// `refusal` (they are about how often a model refuses). `outcome: "p_refusal"` switches only the sensitivity
// indices to the first-token refusal probability, which carries more information per trial; rows without
// p_refusal are then left out of the indices (a note says how many).
import { coverageOf, coverageNotes } from "./first-token-coverage.ts";
import type { AnalysisResult, AnalysisRow } from "./types.ts";
import { DataError, didYouMean } from "../errors.ts";
import { FACTORS, levelRates, levelsOf, wilson } from "./rates.ts";
import { personaContrasts } from "./contrasts.ts";
import { logisticRegression } from "./regression.ts";
import { sensitivityIndices } from "./sensitivity.ts";
import { detectorAgreement, detectorAgreements, DEFAULT_PRIMARY } from "./agreement.ts";
import { calibration } from "./calibration.ts";
import { replication } from "./replication.ts";
import { correctAnalysis, type DetectorErrorCounts } from "./misclassification.ts";

export interface AnalyzeOptions {
  /** The no-persona control level of `persona`. */
  control: string;
  /** Outcome of the sensitivity indices (see the file comment). */
  outcome: "refusal" | "p_refusal";
  /** Level of the tests and CIs; default 0.05. */
  alpha?: number;
  /** Bootstrap resamples for the sensitivity CIs and clustered contrast CIs; default 200. */
  bootstrap?: number;
  /** Seed of every random draw; default 1. */
  seed?: number;
  /** Logistic regression estimator; default "firth". */
  regression?: "firth" | "mle";
  /** CIs and p-values of the regression terms: "wald" (default) or "profile" (penalised profile likelihood). */
  regressionCi?: "wald" | "profile";
  /** The detector whose verdicts are `refusal` (id@version), when known. */
  detector?: string | null;
  /** Validation counts of that detector: adds rates corrected for misclassification (misclassification.ts). */
  detectorError?: DetectorErrorCounts | null;
  /** Coverage threshold on the watched first-token mass (the study's firstToken.minWatchedMass); default 0.5. */
  minWatchedMass?: number;
}

/** Draws of the misclassification bootstrap: this many, or `bootstrap` when larger (percentile CIs need many). */
export const CORRECTION_DRAWS = 2000;

const REGRESSION_FACTORS = ["model", "persona", "task", "paraphrase"] as const;
const WHERE = "analysis input";

export function analyze(rows: readonly AnalysisRow[], opts: AnalyzeOptions): AnalysisResult {
  const alpha = opts.alpha ?? 0.05, bootstrap = opts.bootstrap ?? 200, seed = opts.seed ?? 1;
  if (rows.length === 0) throw new DataError(WHERE, "no finished trials to analyse", "run `frh run` first, or check --detector / the export file");
  const personas = levelsOf(rows.map((r) => r.persona));
  if (!personas.includes(opts.control)) {
    throw new DataError(WHERE, `control persona '${opts.control}' not found among ${personas.length} personas`, `pass --control <persona>; ${didYouMean(opts.control, personas)}`);
  }
  const notes: string[] = [];
  const n = rows.length, k = rows.reduce((s, r) => s + r.refusal, 0);

  const byFactor: Record<string, ReturnType<typeof levelRates>> = {};
  for (const f of FACTORS) byFactor[f] = levelRates(rows, f, { alpha, first: f === "persona" ? opts.control : undefined });

  const personaVsControl = personaContrasts(rows, { control: opts.control, alpha, bootstrap, seed });

  const levels: Record<string, string[]> = {};
  for (const f of REGRESSION_FACTORS) levels[f] = levelsOf(rows.map((r) => r[f]), f === "persona" ? opts.control : undefined);
  const used = REGRESSION_FACTORS.filter((f) => levels[f].length > 1);
  const dropped = REGRESSION_FACTORS.filter((f) => levels[f].length <= 1);
  const logistic = {
    ...logisticRegression(rows.map((r) => ({ levels: used.map((f) => r[f]), y: r.refusal })), used, levels, { method: opts.regression ?? "firth", alpha, ci: opts.regressionCi }),
    dropped: [...dropped],
  };
  if (logistic.aliased?.length) notes.push(`regression: ${logistic.aliased.length} dummies aliased (nested factors) and left out: ${logistic.aliased.slice(0, 4).join(", ")}${logistic.aliased.length > 4 ? ", …" : ""}`);

  let sRows = rows;
  if (opts.outcome === "p_refusal") {
    sRows = rows.filter((r) => r.pRefusal !== null && r.pRefusal !== undefined);
    if (sRows.length === 0) throw new DataError(WHERE, "outcome p_refusal asked, but no trial has a first-token refusal probability", "use --outcome refusal, or a backend that records first-token probabilities");
    if (sRows.length < n) notes.push(`sensitivity: ${n - sRows.length} of ${n} trials have no p_refusal and are left out`);
  }
  const y = sRows.map((r) => (opts.outcome === "p_refusal" ? r.pRefusal! : r.refusal));
  const sensitivity = sensitivityIndices(y, FACTORS.map((f) => ({ name: f, labels: sRows.map((r) => r[f]) })), { bootstrap, seed, alpha });

  const primary = opts.detector ?? DEFAULT_PRIMARY;
  const agreementMatrix = detectorAgreements(rows, primary);

  let corrected = null;
  if (opts.detectorError) {
    const fileDetector = opts.detectorError.detector ?? null;
    if (fileDetector && opts.detector && fileDetector !== opts.detector) {
      throw new DataError("--detector-error", `the file measures detector '${fileDetector}' but this analysis uses '${opts.detector}' verdicts`, `pass --detector ${fileDetector}, or run \`frh detect-eval --detector ${opts.detector} --json\` for this detector's counts`);
    }
    if (!fileDetector || !opts.detector) notes.push(`misclassification: ${!fileDetector ? "the file names no detector" : "the input names no detector"}; assuming its counts belong to the detector whose verdicts were analysed`);
    corrected = correctAnalysis(rows, opts.detectorError, { control: opts.control, alpha, bootstrap: Math.max(CORRECTION_DRAWS, bootstrap), seed });
    if (corrected.undefinedDraws > 0) notes.push(`misclassification: ${corrected.undefinedDraws} of ${corrected.bootstrap} draws had Se* + Sp* ≤ 1 and were left out${corrected.undefinedDraws > 0.025 * corrected.bootstrap ? " (many: the CIs are unreliable; more validation data would help)" : ""}`);
  }

  // the paper's claims need several models; absent otherwise, so one- and two-model outputs are unchanged
  const rep = replication(rows, { control: opts.control, alpha, bootstrap, seed });

  const coverage = coverageOf(rows, opts.minWatchedMass ?? 0.5);
  notes.push(...coverageNotes(coverage));
  return {
    n, outcome: opts.outcome, control: opts.control,
    refusalRate: { estimate: k / n, ci: wilson(k, n, alpha) },
    byFactor, personaVsControl, logistic, sensitivity,
    agreement: detectorAgreement(rows, primary, agreementMatrix),
    agreementMatrix,
    calibration: calibrationOf(rows, opts.detector ?? null, alpha, notes),
    corrected,
    sensitivityOutcome: opts.outcome, alpha, notes,
    ...(rep ? { replication: rep } : {}),
    coverage,
  };
}

/**
 * p_refusal against the generated outcome: the analysis detector's verdict when it reads the text; when the
 * analysis uses the first-token detector itself (whose verdict is p > 0.5 by definition), the newest stored rules
 * detector's verdict instead.
 */
function calibrationOf(rows: readonly AnalysisRow[], detector: string | null, alpha: number, notes: string[]) {
  const withP = rows.filter((r) => r.pRefusal !== null && r.pRefusal !== undefined);
  if (withP.length === 0) return null;
  let outcomeDetector = detector, y: (0 | 1 | null)[] = withP.map((r) => r.refusal);
  if (detector?.startsWith("first-token")) {
    const text = [...new Set(withP.flatMap((r) => Object.keys(r.verdicts ?? {})))].filter((d) => d.startsWith("rules@")).sort((a, b) => Number(b.split("@")[1]) - Number(a.split("@")[1]))[0];
    if (!text) { notes.push("calibration: skipped, the analysis detector is first-token and no text detector's verdicts are stored"); return null; }
    outcomeDetector = text;
    y = withP.map((r) => r.verdicts?.[text]?.refusal ?? null);
  }
  const p: number[] = [], yy: (0 | 1)[] = [];
  withP.forEach((r, i) => { if (y[i] !== null) { p.push(r.pRefusal!); yy.push(y[i]!); } });
  return calibration(p, yy, { alpha, outcomeDetector });
}
