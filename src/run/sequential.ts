// The sequential design's loop: run a round, analyse what is stored for the rounds so far, stop or draw the next.
//
// Nothing about the decision is kept in memory between runs: after each round the stopping statistic is recomputed
// from the stored verdicts of that round and every earlier one. A resumed run walks the same seeded rounds, finds
// the earlier rounds' trials stored (skipped by id), reaches the same decisions and goes on where it stopped.
import type { ModelRef, PlannedTrial } from "../types.ts";
import type { Study } from "../spec/study.ts";
import { sequentialRounds } from "../spec/design.ts";
import { stoppingHalfWidth, type TracePoint } from "../stats/designs.ts";
import type { AnalysisRow } from "../stats/types.ts";

/** Why the rounds ended: target reached, maxTrials reached, every cell drawn, --limit reached, or a stop request. */
export type StopReason = "target" | "cap" | "exhausted" | "limit" | "interrupted";

export interface SequentialOutcome {
  /** Rounds completed (an interrupted round does not count). */
  rounds: number;
  /** Finished trials of the completed rounds. */
  trials: number;
  /** Widest persona-vs-control 95% CI half-width after the last completed round (Infinity before any). */
  maxHalfWidth: number;
  target: number;
  stop: StopReason;
  /** One point per completed round, this run's decisions (resumed rounds included). */
  trace: TracePoint[];
}

export interface RoundEvent {
  type: "round";
  round: number;
  trials: number;
  maxHalfWidth: number;
  target: number;
  /** Trials the stream may still reach: min(maxTrials, --limit, every cell). */
  cap: number;
}

export interface RoundRunner {
  /** Runs the trials not yet stored; returns every trial id of `trials` and whether a stop was requested. */
  run(trials: PlannedTrial[]): Promise<{ ids: string[]; stopped: boolean }>;
  /** The finished rows (first detector's verdicts) among these trial ids. */
  rows(ids: readonly string[]): AnalysisRow[];
  shouldStop(): boolean;
  onRound?(e: RoundEvent): void;
}

/** The rounds to run: the design's stream, cut at `limit` trials (mid-round if need be, as --limit cuts other plans). */
export function roundsWithin(study: Study, models: ModelRef[], limit?: number): { rounds: PlannedTrial[][]; cut: boolean } {
  const all = sequentialRounds(study, models);
  if (limit === undefined) return { rounds: all, cut: false };
  const rounds: PlannedTrial[][] = [];
  let left = limit;
  for (const r of all) {
    if (left <= 0) return { rounds, cut: true };
    rounds.push(r.slice(0, left));
    left -= r.length;
  }
  return { rounds, cut: left < 0 };
}

/** Runs `roundsWithin`'s rounds (drawn by the caller, so a bad design fails before anything is stored). */
export async function runSequential(study: Study, { rounds, cut }: ReturnType<typeof roundsWithin>, runner: RoundRunner): Promise<SequentialOutcome> {
  const s = study.sampling;
  if (s.design !== "sequential") throw new Error(`runSequential: design is '${s.design}'`);
  const cap = rounds.reduce((n, r) => n + r.length, 0);
  const out: SequentialOutcome = { rounds: 0, trials: 0, maxHalfWidth: Infinity, target: s.targetHalfWidth, stop: "interrupted", trace: [] };
  const ids: string[] = [];
  for (const round of rounds) {
    if (runner.shouldStop()) return out;
    const res = await runner.run(round);
    ids.push(...res.ids);
    if (res.stopped) return out; // a partial round decides nothing
    const rows = runner.rows(ids);
    out.rounds++;
    out.trials = rows.length;
    out.maxHalfWidth = stoppingHalfWidth(rows, study.control.id);
    out.trace.push({ trials: out.trials, maxHalfWidth: out.maxHalfWidth });
    runner.onRound?.({ type: "round", round: out.rounds, trials: out.trials, maxHalfWidth: out.maxHalfWidth, target: s.targetHalfWidth, cap });
    if (out.maxHalfWidth <= s.targetHalfWidth) {
      out.stop = "target";
      return out;
    }
  }
  const cellsAtCap = Math.floor(s.maxTrials / study.personas.length);
  out.stop = cut ? "limit" : cap < cellsAtCap * study.personas.length ? "exhausted" : "cap";
  return out;
}
