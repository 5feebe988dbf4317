// Rows for the statistics: from a store (one detector's verdicts) or from an export file (jsonl or csv).
import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import type { AnalysisRow } from "../stats/types.ts";
import type { Db } from "../store/db.ts";
import { finishedTrials } from "../store/trials.ts";
import { DataError } from "../errors.ts";
import { readText } from "../spec/files.ts";

export function rowsFromDb(db: Db, detector: string): AnalysisRow[] {
  return finishedTrials(db, detector).map((t) => ({
    model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task, paraphrase: t.paraphrase, item: t.item,
    refusal: t.refusal, pRefusal: t.p_refusal, outcome: t.outcome,
  }));
}

const REQUIRED = ["model", "persona", "task", "paraphrase", "item", "refusal"] as const;

/** The export format: needs model, persona, task, paraphrase, item, refusal; p_refusal and persona_group optional. */
export function rowsFromFile(path: string): AnalysisRow[] {
  const text = readText(path, "analysis input");
  let records: Record<string, unknown>[];
  if (extname(path).toLowerCase() === ".csv") {
    try {
      records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, unknown>[];
    } catch (e) {
      throw new DataError(path, `cannot parse as CSV: ${(e as Error).message}`);
    }
  } else {
    records = text.split(/\r?\n/).filter((l) => l.trim()).map((l, i) => {
      try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new DataError(`${path}:${i + 1}`, "not a JSON object (expected one JSON record per line)", "use --from with a .jsonl or .csv export"); }
    });
  }
  if (records.length === 0) throw new DataError(path, "no records");
  const cols = Object.keys(records[0]);
  for (const c of REQUIRED) if (!cols.includes(c)) throw new DataError(path, `missing column '${c}' (needs ${REQUIRED.join(", ")}; has ${cols.join(", ")})`);
  return records.map((r, i) => {
    const refusal = Number(r.refusal);
    if (refusal !== 0 && refusal !== 1) throw new DataError(`${path}: record ${i + 1}`, `refusal must be 0 or 1, got '${String(r.refusal)}'`);
    const pr = r.p_refusal === undefined || r.p_refusal === null || r.p_refusal === "" ? null : Number(r.p_refusal);
    if (pr !== null && !(pr >= 0 && pr <= 1)) throw new DataError(`${path}: record ${i + 1}`, `p_refusal must be in [0, 1], got '${String(r.p_refusal)}'`);
    return {
      model: String(r.model), persona: String(r.persona), personaGroup: String(r.persona_group ?? r.personaGroup ?? r.persona),
      task: String(r.task), paraphrase: String(r.paraphrase), item: String(r.item), refusal: refusal as 0 | 1, pRefusal: pr,
      outcome: r.outcome === undefined ? undefined : String(r.outcome),
    };
  });
}
