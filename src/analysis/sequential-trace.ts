// The sequential design's trace, recomputed from a store: nothing about rounds is stored apart from the trials.
// The last run's stored sampling design gives cellsPerRound, the stored seq gives each trial's round (cell k of the
// stream holds seq k·P … k·P + P − 1 for P personas), and each point is the stopping statistic over the rounds so
// far — the same function, detector and data the run decided on.
import type { Db } from "../store/db.ts";
import { controlPersona, runRows } from "../store/trials.ts";
import { analysisRows } from "../store/analysis-rows.ts";
import { lastSampling } from "../store/runs.ts";
import { sequentialTrace, type TracePoint } from "../stats/designs.ts";

export interface SequentialTrace {
  cellsPerRound: number;
  targetHalfWidth: number;
  maxTrials: number;
  /** One point per round with finished trials; the last may be a round still under way. */
  points: TracePoint[];
}

/** The trace of the last run's study when its design is sequential; null otherwise. */
export function sequentialFromDb(db: Db, detector: string): SequentialTrace | null {
  const last = runRows(db).at(-1);
  const sampling = lastSampling(db);
  if (!last || !sampling) return null;
  const { cellsPerRound, targetHalfWidth, maxTrials } = sampling;
  if (sampling.design !== "sequential" || !cellsPerRound || !targetHalfWidth || !maxTrials) return null;
  const rows = analysisRows(db, detector, { study: String(last.study_id) });
  const personas = new Set(rows.map((r) => r.persona)).size;
  const control = controlPersona(db) ?? "control";
  const points = personas ? sequentialTrace(rows, cellsPerRound * personas, control) : [];
  return { cellsPerRound, targetHalfWidth, maxTrials, points };
}

export interface SequentialStatus {
  targetHalfWidth: number;
  maxTrials: number;
  cellsPerRound: number;
  /** Rounds with finished trials so far. */
  rounds: number;
  trials: number;
  /** The stopping statistic now; null before there is a persona-vs-control estimate. */
  maxHalfWidth: number | null;
  targetReached: boolean;
  detector: string;
}

/** Where a sequential study stands (the run's stopping statistic, with the run's detector): `frh status --json`. */
export function sequentialStatus(t: SequentialTrace, detector: string): SequentialStatus {
  const last = t.points.at(-1);
  const hw = last && Number.isFinite(last.maxHalfWidth) ? last.maxHalfWidth : null;
  return {
    targetHalfWidth: t.targetHalfWidth, maxTrials: t.maxTrials, cellsPerRound: t.cellsPerRound,
    rounds: t.points.length, trials: last?.trials ?? 0, maxHalfWidth: hw, targetReached: hw !== null && hw <= t.targetHalfWidth,
    detector,
  };
}
