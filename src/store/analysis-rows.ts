// The one read the statistics need: finished trials with one detector's verdict, as analysis rows. It selects
// factors and verdicts only (no prompt or response text), so a large store reads quickly and nothing else has to
// map trial records to rows.
import type { Db } from "./db.ts";
import { watchedMassSql } from "./trials.ts";
import type { AnalysisRow } from "../stats/types.ts";

/** An analysis row with where it sits in the store (plan order, study). */
export interface StoredRow extends AnalysisRow {
  trialId: string;
  /** Position in the seeded plan (sequential design: cell k of the stream holds seq k·P … k·P + P − 1). */
  seq: number;
  study: string;
}

export interface RowQuery {
  /** Only these trials (in plan order all the same). */
  ids?: readonly string[];
  /** Only this study's trials. */
  study?: string;
  /** Attach every stored detector's verdict on each trial (for the agreement matrix and calibration). */
  verdicts?: boolean;
}

/** Finished trials judged by `detector`, in a total order (plan position, model, trial id), as the export. */
export function analysisRows(db: Db, detector: string, q: RowQuery = {}): StoredRow[] {
  const rows = db.prepare(`SELECT t.trial_id, t.seq, t.study_id, t.model, t.persona, t.persona_group, t.task, t.paraphrase, t.item,
      d.refusal, t.p_refusal, ${watchedMassSql(db)} AS watched_mass, d.outcome
    FROM trials t JOIN detections d ON d.trial_id = t.trial_id AND d.detector = ?
    WHERE t.status = 'done' ${q.study !== undefined ? "AND t.study_id = ?" : ""} ORDER BY t.seq, t.model, t.trial_id`)
    .all(...[detector, ...(q.study !== undefined ? [q.study] : [])]) as {
      trial_id: string; seq: number; study_id: string; model: string; persona: string; persona_group: string; task: string;
      paraphrase: string; item: string; refusal: 0 | 1; p_refusal: number | null; watched_mass: number | null; outcome: string;
    }[];
  const wanted = q.ids ? new Set(q.ids) : null;
  const verdicts = q.verdicts ? allVerdicts(db) : null;
  const out: StoredRow[] = [];
  for (const t of rows) {
    if (wanted && !wanted.has(t.trial_id)) continue;
    out.push({
      trialId: t.trial_id, seq: t.seq, study: t.study_id,
      model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task, paraphrase: t.paraphrase, item: t.item,
      refusal: t.refusal, pRefusal: t.p_refusal, watchedMass: t.watched_mass, outcome: t.outcome,
      ...(verdicts ? { verdicts: verdicts.get(t.trial_id) } : {}),
    });
  }
  return out;
}

/** Every stored detector's verdict on every finished trial: trial id → detector → verdict. */
function allVerdicts(db: Db): Map<string, Record<string, { outcome: string; refusal: 0 | 1 }>> {
  const all = new Map<string, Record<string, { outcome: string; refusal: 0 | 1 }>>();
  const stmt = db.prepare(`SELECT d.trial_id, d.detector, d.outcome, d.refusal FROM detections d JOIN trials t ON t.trial_id = d.trial_id WHERE t.status = 'done'`);
  for (const v of stmt.iterate() as Iterable<{ trial_id: string; detector: string; outcome: string; refusal: 0 | 1 }>) {
    let m = all.get(v.trial_id);
    if (!m) all.set(v.trial_id, (m = {}));
    m[v.detector] = { outcome: v.outcome, refusal: v.refusal };
  }
  return all;
}
