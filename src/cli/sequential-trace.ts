// The sequential design's trace, recomputed from a store: nothing about rounds is stored apart from the trials.
// The last run's study text gives cellsPerRound, the stored seq gives each trial's round (cell k of the stream holds
// seq k·P … k·P + P − 1 for P personas), and each point is the stopping statistic over the rounds so far — the same
// function, detector and data the run decided on.
import YAML from "yaml";
import type { Db } from "../store/db.ts";
import { controlPersona, finishedTrials, runRows } from "../store/trials.ts";
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
  if (!last) return null;
  let sampling: { design?: string; cellsPerRound?: number; targetHalfWidth?: number; maxTrials?: number } | undefined;
  try {
    sampling = (YAML.parse(String(last.study_text ?? "")) as { sampling?: typeof sampling })?.sampling;
  } catch { return null; /* validated when stored; unreadable here means no trace, not a failed report */ }
  if (sampling?.design !== "sequential" || !sampling.cellsPerRound || !sampling.targetHalfWidth || !sampling.maxTrials) return null;
  const rows = finishedTrials(db, detector).filter((t) => t.study === last.study_id).map((t) => ({
    seq: t.seq, model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task, paraphrase: t.paraphrase,
    item: t.item, refusal: t.refusal, pRefusal: t.p_refusal,
  }));
  const personas = new Set(rows.map((r) => r.persona)).size;
  const control = controlPersona(db) ?? "control";
  const points = personas ? sequentialTrace(rows, sampling.cellsPerRound * personas, control) : [];
  return { cellsPerRound: sampling.cellsPerRound, targetHalfWidth: sampling.targetHalfWidth, maxTrials: sampling.maxTrials, points };
}
