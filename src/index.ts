// The library under the CLI: load a study, run it, analyse a store, build a report. `frh` is a thin layer over
// these; everything here works without it (no printing, no exit codes; errors are HarnessError with a hint).
//
//   const study = loadStudy("study.yaml");
//   const db = openDb("db/study.sqlite");
//   await runStudy(db, study, { detectors: defaultDetectors() });
//   const { detector, result } = analyzeStore(db);
//   const { text } = storeReport(db, { format: "md" });

// study files
export { loadStudy, modelRef, DEFAULT_STUDY, REPO_ROOT, type Study, type TaskSetup } from "./spec/study.ts";
export { expandPlan } from "./spec/design.ts";

// running
export { runStudy, trialId, trialSeed, type RunOptions, type RunEvent, type RunSummary } from "./run/run.ts";
export type { SequentialOutcome } from "./run/sequential.ts";
export { defaultDetectors } from "./run/detectors.ts";
export { rescoreStore, type RescoreSummary } from "./run/rescore.ts";
export { provenance, toolVersion } from "./run/provenance.ts";
export { loadBackend, preflight, backendKind, type BackendOptions, type BackendKind } from "./backends/index.ts";
export { getDetector, listDetectors, DEFAULT_RULES } from "./detect/index.ts";

// the store
export { openDb, SCHEMA_VERSION, type Db, type OpenOptions } from "./store/db.ts";
export { analysisRows, type StoredRow, type RowQuery } from "./store/analysis-rows.ts";
export { finishedTrials, statusCounts, storedResponses, saveDetections, controlPersona, type TrialRecord, type StatusCounts, type StoredTrial } from "./store/trials.ts";
export { lastSampling, lastRunDetector, type StoredSampling } from "./store/runs.ts";
export { pickDetector } from "./store/detectors.ts";
export { exportStore, toCsv } from "./store/export.ts";

// analysis
export { analyze, type AnalyzeOptions } from "./stats/analyze.ts";
export { analyzeStore, analyzeFile, analysisJson, rowsFromFile, fileDetector, readDetectorError, sequentialFromDb, sequentialStatus, type SourceAnalysis, type SourceAnalysisOptions, type SequentialTrace, type SequentialStatus } from "./analysis/index.ts";
export type { AnalysisRow, AnalysisResult, CoverageResult } from "./stats/types.ts";
export { coverageOf } from "./stats/first-token-coverage.ts";
export { ambiguousReads, type AmbiguousRead } from "./run/ambiguity.ts";
export { watchedMass, DEFAULT_MIN_WATCHED_MASS } from "./detect/first-token.ts";
export type { DetectorErrorCounts } from "./stats/misclassification.ts";

// reports
export { buildReportInput, type ReportOptions } from "./report/build/input.ts";
export { storeReport, type StoreReportOptions } from "./report/build/report.ts";
export { renderHtml, renderMarkdown, type ReportInput } from "./report/index.ts";
export { formatAnalysis } from "./report/text/analysis.ts";
export { formatReport as formatDetectorEval, toJson as detectorEvalJson } from "./report/text/detect-eval.ts";
export { evaluate, leaveOneGroupOut, loadLabelledCsv, type EvalReport, type LomoReport } from "./detect/eval.ts";

// planted-truth models and the demo
export { readLawFile, plantGguf, explainPrompt, lawAnswers, type Law, type LawAnswer } from "./plant/index.ts";
export { demoModels, type DemoModel } from "./plant/demo.ts";
export { demoSummary, type DemoSummary } from "./analysis/demo.ts";

// the zoo: planted models with an exact truth (docs/zoo.md)
export { readZoo, buildZoo, randomZoo, type ZooModel } from "./plant/zoo.ts";
export { studyTruth, type StudyTruth } from "./analysis/truth.ts";
export { checkZoo, truthForReport, type ZooCheck } from "./analysis/zoo.ts";
export { replication } from "./stats/replication.ts";

// shared vocabulary and errors
export type * from "./types.ts";
export { HarnessError, UsageError, DataError, ModelError, type ErrorCode } from "./errors.ts";
