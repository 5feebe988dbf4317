// Coverage of the first-token reading: how much of the model's first-token mass the ratio p_refusal rests on.
// p_refusal = refusal / (refusal + label) mass at the read position; the watched mass (refusal + label) is the
// denominator. A model that opens with "The", "**" or "Sure" leaves it small, and the ratio is then noise, or decided
// by one ambiguous token. Per model × task: the median watched mass and the share of trials below the threshold.
import type { AnalysisRow, CoverageResult } from "./types.ts";

/** Median (mean of the middle two for an even count) of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Null when no row records a watched mass (old exports, backends without first-token records). */
export function coverageOf(rows: readonly AnalysisRow[], threshold: number): CoverageResult | null {
  const cells = new Map<string, { model: string; task: string; masses: number[]; missing: number }>();
  let any = false;
  for (const r of rows) {
    const key = JSON.stringify([r.model, r.task]);
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { model: r.model, task: r.task, masses: [], missing: 0 }));
    if (typeof r.watchedMass === "number") { c.masses.push(r.watchedMass); any = true; } else c.missing++;
  }
  if (!any) return null;
  const out = [...cells.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.task < b.task ? -1 : a.task > b.task ? 1 : 0)).map((c) => {
    const below = c.masses.filter((m) => m < threshold).length;
    const med = c.masses.length ? median(c.masses) : null;
    return {
      model: c.model, task: c.task, n: c.masses.length, missing: c.missing, median: med,
      below, shareBelow: c.masses.length ? below / c.masses.length : null,
      low: med !== null && med < threshold,
    };
  });
  const res: CoverageResult = { threshold, cells: out, lowCells: out.filter((c) => c.low).length, warning: null };
  res.warning = coverageWarning(res);
  return res;
}

/** The plain-language warning, when some cell's first-token estimates rest on little mass (empty otherwise). */
export function coverageWarning(cov: CoverageResult | null): string | null {
  if (!cov || cov.lowCells === 0) return null;
  const cells = cov.cells.filter((c) => c.low).map((c) => `${c.model} × ${c.task}`);
  return `the first-token p_refusal rests on little of the model's mass in ${cov.lowCells} of ${cov.cells.length} model × task cells ` +
    `(${cells.slice(0, 4).join(", ")}${cells.length > 4 ? ", …" : ""}): median watched mass below ${cov.threshold}, so the model mostly opens with ` +
    "something other than a refusal or a label, and the ratio there is noise or decided by a few tokens. Trust the text detector's verdicts " +
    "for those cells, or set prompt.responsePrefix so the first token is read where the decision is made (docs/first-token.md).";
}

export function coverageNotes(cov: CoverageResult | null): string[] {
  return cov && cov.lowCells ? [`coverage: first-token estimates rest on little mass in ${cov.lowCells} model × task cell${cov.lowCells === 1 ? "" : "s"} (see First-token coverage)`] : [];
}
