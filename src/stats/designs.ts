// Stopping rules for the sequential design: run more trials until the persona-vs-control estimates are precise.
import type { AnalysisResult, AnalysisRow } from "./types.ts";
import { personaContrasts } from "./contrasts.ts";

/** Largest half-width (hi − lo)/2 of the persona-vs-control difference CIs; Infinity when there are none. */
export function maxCiHalfWidth(result: Pick<AnalysisResult, "personaVsControl">): number {
  const hw = result.personaVsControl.map((c) => (c.ci[1] - c.ci[0]) / 2);
  return hw.length ? Math.max(...hw) : Infinity;
}

/** True when every persona-vs-control difference CI has half-width ≤ target (false with no contrasts). */
export function ciHalfWidthsReached(result: Pick<AnalysisResult, "personaVsControl">, target: number): boolean {
  return maxCiHalfWidth(result) <= target;
}

/**
 * The stopping statistic of the sequential design: the widest persona-vs-control 95% CI half-width, computed exactly
 * as `analyze` computes personaVsControl with its defaults (alpha .05, 200 bootstrap resamples, seed 1), so the
 * number the run stops on is the number `frh analyze` and the report show. Infinity without rows, control or contrasts.
 */
export function stoppingHalfWidth(rows: readonly AnalysisRow[], control: string): number {
  if (!rows.some((r) => r.persona === control)) return Infinity;
  return maxCiHalfWidth({ personaVsControl: personaContrasts(rows, { control, alpha: 0.05, bootstrap: 200, seed: 1 }) });
}

export interface TracePoint {
  trials: number;
  maxHalfWidth: number;
}

/**
 * The sequential trace recomputed from stored rows: after each round (rows with seq < (r + 1)·trialsPerRound), the
 * finished trials so far and their stoppingHalfWidth. Rounds with no finished trial give no point.
 */
export function sequentialTrace(rows: readonly (AnalysisRow & { seq: number })[], trialsPerRound: number, control: string): TracePoint[] {
  if (!(trialsPerRound > 0)) throw new RangeError("trialsPerRound must be positive");
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  const points: TracePoint[] = [];
  let end = 0;
  while (end < sorted.length) {
    const boundary = (Math.floor(sorted[end].seq / trialsPerRound) + 1) * trialsPerRound;
    while (end < sorted.length && sorted[end].seq < boundary) end++;
    const prefix = sorted.slice(0, end);
    points.push({ trials: prefix.length, maxHalfWidth: stoppingHalfWidth(prefix, control) });
  }
  return points;
}
