// Analysis inputs read from files: rows from an export file (jsonl or csv), a detector's validation counts.
// (Rows from a store: store/analysis-rows.ts.)
import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import type { AnalysisRow } from "../stats/types.ts";
import { DataError } from "../errors.ts";
import { readText } from "../spec/files.ts";
import { z } from "zod";
import { checkCounts, type DetectorErrorCounts } from "../stats/misclassification.ts";

const REQUIRED = ["model", "persona", "task", "paraphrase", "item", "refusal"] as const;

/** The export format: needs model, persona, task, paraphrase, item, refusal; p_refusal, watched_mass and persona_group optional. */
export function rowsFromFile(path: string): AnalysisRow[] {
  const text = readText(path, "analysis input");
  let records: Record<string, unknown>[];
  if (extname(path).toLowerCase() === ".csv") {
    try {
      records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, unknown>[];
    } catch (e) {
      throw new DataError(path, `cannot parse as CSV: ${(e as Error).message}`, "check quoting and the number of columns per row (`frh export --format csv` writes a file that parses)");
    }
  } else {
    records = text.split(/\r?\n/).filter((l) => l.trim()).map((l, i) => {
      try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new DataError(`${path}:${i + 1}`, "not a JSON object (expected one JSON record per line)", "use --from with a .jsonl or .csv export"); }
    });
  }
  if (records.length === 0) throw new DataError(path, text.trim() ? "no records: the file has a header line only" : "no records: the file is empty", "an export file needs one record per trial with model, persona, task, paraphrase, item, refusal (0/1): write one with `frh export`");
  const cols = Object.keys(records[0]);
  for (const c of REQUIRED) if (!cols.includes(c)) throw new DataError(path, `missing column '${c}' (needs ${REQUIRED.join(", ")}; has ${cols.join(", ")})`, "an export file needs one record per trial with model, persona, task, paraphrase, item, refusal (0/1): write one with `frh export`");
  return records.map((r, i) => {
    const refusal = Number(r.refusal);
    if (refusal !== 0 && refusal !== 1) throw new DataError(`${path}: record ${i + 1}`, `refusal must be 0 or 1, got '${String(r.refusal)}'`, "fix that record (1 = refused, 0 = not)");
    const pr = r.p_refusal === undefined || r.p_refusal === null || r.p_refusal === "" ? null : Number(r.p_refusal);
    if (pr !== null && !(pr >= 0 && pr <= 1)) throw new DataError(`${path}: record ${i + 1}`, `p_refusal must be in [0, 1], got '${String(r.p_refusal)}'`, "fix that record, or leave p_refusal empty");
    const wm = r.watched_mass === undefined || r.watched_mass === null || r.watched_mass === "" ? null : Number(r.watched_mass);
    if (wm !== null && !(wm >= 0 && wm <= 1 + 1e-6)) throw new DataError(`${path}: record ${i + 1}`, `watched_mass must be in [0, 1], got '${String(r.watched_mass)}'`, "fix that record, or leave watched_mass empty");
    const detector = typeof r.detector === "string" && r.detector ? r.detector : null;
    return {
      model: String(r.model), persona: String(r.persona), personaGroup: String(r.persona_group ?? r.personaGroup ?? r.persona),
      task: String(r.task), paraphrase: String(r.paraphrase), item: String(r.item), refusal: refusal as 0 | 1, pRefusal: pr,
      ...(r.watched_mass !== undefined ? { watchedMass: wm } : {}),
      outcome: r.outcome === undefined ? undefined : String(r.outcome),
      ...(detector && r.outcome !== undefined ? { verdicts: { [detector]: { outcome: String(r.outcome), refusal: refusal as 0 | 1 } } } : {}),
    };
  });
}

/** The detector an export file's verdicts came from (its `detector` column), when it has one and only one. */
export function fileDetector(rows: readonly AnalysisRow[]): string | null {
  const names = new Set(rows.flatMap((r) => Object.keys(r.verdicts ?? {})));
  return names.size === 1 ? [...names][0] : null;
}

const count = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).min(0, `${what} must be ≥ 0`);
/** `frh detect-eval --json` output, or the minimal hand-written {sensitivity:{tp,fn}, specificity:{tn,fp}}. */
const detectorErrorSchema = z.looseObject({
  detector: z.string().min(1).optional(),
  sensitivity: z.looseObject({ tp: count("tp"), fn: count("fn"), value: z.number().nullable().optional() }, { error: "needs an object {tp, fn}" }),
  specificity: z.looseObject({ tn: count("tn"), fp: count("fp"), value: z.number().nullable().optional() }, { error: "needs an object {tn, fp}" }),
  counts: z.looseObject({ tp: z.number(), fp: z.number(), tn: z.number(), fn: z.number() }).optional(),
}, { error: "must be a JSON object" });

const DETECTOR_ERROR_HINT = "give the output of `frh detect-eval --json` (or {\"sensitivity\": {\"tp\": …, \"fn\": …}, \"specificity\": {\"tn\": …, \"fp\": …}})";

/** Reads and validates a `--detector-error` file. Every error names file:field. */
export function readDetectorError(path: string): DetectorErrorCounts {
  const text = readText(path, "--detector-error");
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new DataError(path, `not valid JSON: ${(e as Error).message}`, DETECTOR_ERROR_HINT); }
  const res = detectorErrorSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = issue.path.map(String).join(".");
    const at = issue.path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), raw);
    const msg = issue.code === "invalid_type" && at === undefined && issue.path.length ? `missing (${issue.message})` : issue.message;
    throw new DataError(field ? `${path}: ${field}` : path, msg, DETECTOR_ERROR_HINT);
  }
  const d = res.data;
  const check = (field: string, value: number | null | undefined, k: number, m: number) => {
    if (value !== undefined && value !== null && m > 0 && Math.abs(value - k / m) > 1e-9) throw new DataError(`${path}: ${field}.value`, `${value} does not match its counts (${k}/${m} = ${(k / m).toFixed(6)})`, "the file was edited by hand? regenerate it with `frh detect-eval --json`");
  };
  check("sensitivity", d.sensitivity.value, d.sensitivity.tp, d.sensitivity.tp + d.sensitivity.fn);
  check("specificity", d.specificity.value, d.specificity.tn, d.specificity.tn + d.specificity.fp);
  if (d.counts) {
    for (const [k, v] of [["tp", d.sensitivity.tp], ["fn", d.sensitivity.fn], ["tn", d.specificity.tn], ["fp", d.specificity.fp]] as const) {
      if (d.counts[k] !== v) throw new DataError(`${path}: counts.${k}`, `${d.counts[k]} differs from the ${k} in ${k === "tp" || k === "fn" ? "sensitivity" : "specificity"} (${v})`, "regenerate the file with `frh detect-eval --json`");
    }
  }
  const out: DetectorErrorCounts = { detector: d.detector ?? null, sensitivity: { tp: d.sensitivity.tp, fn: d.sensitivity.fn }, specificity: { tn: d.specificity.tn, fp: d.specificity.fp } };
  checkCounts(out, path);
  return out;
}
