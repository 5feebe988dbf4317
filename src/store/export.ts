// The export: one record per finished trial with one detector's verdict, as JSON lines or CSV (csv-stringify,
// RFC-4180 quoting; nested values become JSON text). `frh analyze --from` reads it back (analysis/input.ts).
import { stringify } from "csv-stringify/sync";
import type { Db } from "./db.ts";
import { finishedTrials, type TrialRecord } from "./trials.ts";
import { pickDetector } from "./detectors.ts";

export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0]);
  const flat = rows.map((r) => cols.map((c) => (r[c] !== null && typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c])));
  return stringify(flat, { header: true, columns: cols, record_delimiter: "unix" });
}

/** The export of a store: the detector chosen as `frh export` does (default: the newest rules version). */
export function exportStore(db: Db, opts: { format?: "jsonl" | "csv"; detector?: string } = {}): { detector: string; rows: TrialRecord[]; text: string } {
  const detector = pickDetector(db, opts.detector);
  const rows = finishedTrials(db, detector);
  const text = opts.format === "csv" ? toCsv(rows as unknown as Record<string, unknown>[]) : rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  return { detector, rows, text };
}
