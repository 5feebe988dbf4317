// Stopping rules for the sequential design: run more trials until the persona-vs-control estimates are precise.
import type { AnalysisResult } from "./types.ts";

/** Largest half-width (hi − lo)/2 of the persona-vs-control difference CIs; Infinity when there are none. */
export function maxCiHalfWidth(result: AnalysisResult): number {
  const hw = result.personaVsControl.map((c) => (c.ci[1] - c.ci[0]) / 2);
  return hw.length ? Math.max(...hw) : Infinity;
}

/** True when every persona-vs-control difference CI has half-width ≤ target (false with no contrasts). */
export function ciHalfWidthsReached(result: AnalysisResult, target: number): boolean {
  return maxCiHalfWidth(result) <= target;
}
