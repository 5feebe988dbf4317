// Refusal rates with Wilson score intervals, overall and per level of a factor.
import type { AnalysisRow, Interval, LevelRate } from "./types.ts";
import { zFor } from "./dist.ts";

/**
 * Wilson score interval (Wilson 1927; Agresti & Coull 1998 recommend it over Wald):
 *   centre = (x + z²/2) / (n + z²),  half = z/(n + z²) · sqrt(x(n − x)/n + z²/4).
 * Stays inside [0, 1] and is not degenerate at x = 0 or x = n. n = 0 gives [0, 1].
 */
export function wilson(x: number, n: number, alpha = 0.05): Interval {
  if (n <= 0) return [0, 1];
  const z = zFor(alpha), z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export type FactorKey = "model" | "persona" | "personaGroup" | "task" | "paraphrase";
export const FACTORS: readonly FactorKey[] = ["model", "persona", "personaGroup", "task", "paraphrase"];

/** Levels in a stable order: `first` (e.g. the control) leads, the rest sorted by code unit. */
export function levelsOf(values: Iterable<string>, first?: string): string[] {
  const set = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (first !== undefined && set.includes(first)) return [first, ...set.filter((l) => l !== first)];
  return set;
}

/** Rate of `refusal` per level of `factor`, Wilson CI, and mean p_refusal over the rows that have it. */
export function levelRates(rows: readonly AnalysisRow[], factor: FactorKey, opts: { alpha?: number; first?: string } = {}): LevelRate[] {
  const acc = new Map<string, { n: number; k: number; p: number[] }>();
  for (const r of rows) {
    const key = r[factor];
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { n: 0, k: 0, p: [] }));
    a.n++;
    a.k += r.refusal;
    if (r.pRefusal !== null && r.pRefusal !== undefined) a.p.push(r.pRefusal);
  }
  return levelsOf(acc.keys(), opts.first).map((level) => {
    const a = acc.get(level)!;
    return { level, n: a.n, refusals: a.k, rate: a.k / a.n, ci: wilson(a.k, a.n, opts.alpha), meanPRefusal: a.p.length ? orderFreeSum(a.p) / a.p.length : null };
  });
}

/**
 * Σ xs in ascending order: the same bits whatever order the rows came in (a merged, resumed or exported store lists
 * its trials in another order; float addition is not associative). Sorts a copy.
 */
export function orderFreeSum(xs: readonly number[]): number {
  const s = Float64Array.from(xs).sort();
  let t = 0;
  for (const x of s) t += x;
  return t;
}
