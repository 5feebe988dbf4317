// What a report is made of. The CLI fills this from the store and the analysis; the renderers only read it.
import type { AnalysisResult, ReplicationTruthInput } from "../stats/types.ts";
export type { ReplicationTruthInput };

export interface ReportModel {
  /** The `model` factor level used in tables. */
  id: string;
  /** sha256 of the model file(s), hex: what identifies the weights behind every number. */
  sha256: string;
  backend: string;
  path: string;
}

/** Refusal count of one (task, model, persona) cell, for the heatmaps. */
export interface HeatRow {
  task: string;
  model: string;
  persona: string;
  n: number;
  refusals: number;
  rate: number;
}

/** One example trial shown verbatim (escaped) under its outcome. */
export interface ReportExample {
  /** Detector outcome: "refusal", "partial", "answer", "invalid", … Examples are grouped by it. */
  outcome: string;
  model: string;
  persona: string;
  task: string;
  prompt: string;
  response: string;
  /** Which detector rule decided, when known. */
  rule?: string | null;
}

/** The widest 95% CI half-width after `trials` trials of a sequential design. */
export interface SequentialPoint {
  trials: number;
  maxHalfWidth: number;
}

/** A slower equivalent path a backend fell back to during a run (recorded in the run's provenance). */
export interface ReportFallback {
  runId: number;
  model: string;
  code: string;
  message: string;
}

export interface ReportInput {
  title: string;
  /** ISO 8601 timestamp; rendered as given (the renderers never read the clock, so output is reproducible). */
  generatedAt: string;
  tool: { name: string; version: string };
  /** Versions of packages that can change a number (backends, SQLite, parsers), plus the runtime. */
  packages: Record<string, string>;
  /** The study; every extra key (spec hash, study file, replicates, …) is listed in the header. */
  study: { id: string; design: string; seed: number } & Record<string, string | number | boolean | null>;
  models: ReportModel[];
  trials: { planned: number; done: number; failed: number };
  /** Detector ids with versions, e.g. "rules@3"; the first is the primary one the analysis used. */
  detectors: string[];
  analysis: AnalysisResult;
  examples: ReportExample[];
  /** Only for sequential designs. */
  sequential?: SequentialPoint[];
  /** Optional half-width at which the sequential design stops; drawn as a target line. */
  sequentialTarget?: number;
  heat: HeatRow[];
  /** Backend fallbacks recorded by the runs; absent or empty: none. */
  fallbacks?: ReportFallback[];
  /** The planted truth behind a zoo run (analysis/truth.ts), shown beside the replication estimates. */
  replicationTruth?: ReplicationTruthInput;
}
