// Analyse a store or an export file: pick the rows and the control the way `frh analyze` does, run the statistics.
import type { Db } from "../store/db.ts";
import { controlPersona } from "../store/trials.ts";
import { analysisRows } from "../store/analysis-rows.ts";
import { pickDetector } from "../store/detectors.ts";
import { lastMinWatchedMass } from "../store/runs.ts";
import { analyze, type AnalyzeOptions } from "../stats/analyze.ts";
import type { AnalysisResult } from "../stats/types.ts";
import { fileDetector, rowsFromFile } from "./input.ts";

export { fileDetector, readDetectorError, rowsFromFile } from "./input.ts";
export { sequentialFromDb, sequentialStatus, type SequentialTrace, type SequentialStatus } from "./sequential-trace.ts";

export interface SourceAnalysisOptions extends Omit<AnalyzeOptions, "control" | "detector" | "outcome"> {
  /** Outcome of the sensitivity indices; default "refusal". */
  outcome?: AnalyzeOptions["outcome"];
  /** Control persona; default the store's (the persona planned as control), in files "control". */
  control?: string;
  /** Stored detector whose verdicts are the outcome (id@version); default the newest rules detector. Stores only. */
  detector?: string;
}

export interface SourceAnalysis {
  /** The detector whose verdicts were analysed; null for a file that does not name one. */
  detector: string | null;
  result: AnalysisResult;
}

/** The analysis of a store: one detector's verdicts, every stored detector's for the agreement matrix. */
export function analyzeStore(db: Db, opts: SourceAnalysisOptions = {}): SourceAnalysis & { detector: string } {
  const detector = pickDetector(db, opts.detector);
  const rows = analysisRows(db, detector, { verdicts: true });
  const control = opts.control ?? controlPersona(db) ?? "control";
  const minWatchedMass = opts.minWatchedMass ?? lastMinWatchedMass(db) ?? undefined;
  return { detector, result: analyze(rows, { ...opts, outcome: opts.outcome ?? "refusal", control, detector, minWatchedMass }) };
}

/** The analysis of an export file (`frh export`, .jsonl or .csv). */
export function analyzeFile(path: string, opts: Omit<SourceAnalysisOptions, "detector"> = {}): SourceAnalysis {
  const rows = rowsFromFile(path);
  const detector = fileDetector(rows);
  return { detector, result: analyze(rows, { ...opts, outcome: opts.outcome ?? "refusal", control: opts.control ?? "control", detector }) };
}

/** The `frh analyze --json` object. */
export function analysisJson(a: SourceAnalysis, detectorError?: AnalyzeOptions["detectorError"]): Record<string, unknown> {
  return { detector: a.detector, ...a.result, ...(detectorError ? { detectorError } : {}) };
}
