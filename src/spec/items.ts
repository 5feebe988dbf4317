// Item loaders: our authored CSV and the public datasets' own file formats (see ../shared/data/tasks/*/README.md).
import { parse } from "csv-parse/sync";
import type { Item, Task } from "../types.ts";
import { DataError } from "../errors.ts";
import type { ItemSource } from "./schema.ts";
import { readText } from "./files.ts";
import { mulberry32, shuffled } from "../util/random.ts";

type Row = Record<string, string>;

function readCsv(path: string, delimiter = ",", quote: string | false = '"', warn?: (m: string) => void): Row[] {
  const text = readText(path, "item file", warn);
  let rows: Row[];
  try {
    rows = parse(text, { columns: true, delimiter, quote: quote === false ? false : quote, skip_empty_lines: true, bom: true, relax_column_count: false }) as Row[];
  } catch (e) {
    throw new DataError(path, `cannot parse as CSV: ${(e as Error).message}`, "check quoting and the number of columns per row");
  }
  // said here, before any column check: a header-only file is not missing its columns
  if (rows.length === 0) throw new DataError(path, text.trim() ? "no item rows: the file has a header line only" : "no item rows: the file is empty", "add one row per item below the header line");
  return rows;
}

function requireColumns(rows: Row[], columns: string[], path: string, format: string): void {
  const present = rows.length > 0 ? Object.keys(rows[0]) : [];
  for (const c of columns) {
    if (!present.includes(c)) {
      throw new DataError(path, `missing column '${c}' (format ${format} needs ${columns.join(", ")}; the file has ${present.join(", ") || "no rows"})`,
        "use a file of that format, or set items.format to the format of this file");
    }
  }
}

const SNLI_LABELS = ["entailment", "neutral", "contradiction"];

function authored(path: string, task: Task, warn?: (m: string) => void): Item[] {
  const rows = readCsv(path, ",", '"', warn);
  requireColumns(rows, ["id", ...task.fields], path, "csv");
  const labelIds = task.labels.map((l) => l.id);
  return rows.map((r, i) => {
    const gold = r.gold?.trim() || undefined;
    if (gold && !labelIds.includes(gold)) throw new DataError(`${path}:${i + 2}`, `gold '${gold}' is not a label of task '${task.id}' (${labelIds.join(", ")})`, `use one of the task's label ids, or leave gold empty`);
    return { id: r.id, task: task.id, fields: Object.fromEntries(task.fields.map((f) => [f, r[f]])), gold };
  });
}

function snliTsv(path: string, task: Task): Item[] {
  // The TSV has no quoting: texts contain bare '"' characters.
  const rows = readCsv(path, "\t", false);
  requireColumns(rows, ["premise", "hypothesis", "label"], path, "snli-tsv");
  return rows.map((r, i) => ({
    id: `snli-test-${i}`,
    task: task.id,
    fields: { premise: r.premise, hypothesis: r.hypothesis },
    gold: SNLI_LABELS[Number(r.label)],
  }));
}

function snliCsv(path: string, task: Task): Item[] {
  const rows = readCsv(path);
  requireColumns(rows, ["id", "premise", "hypothesis", "label"], path, "snli-csv");
  return rows.map((r) => ({ id: r.id, task: task.id, fields: { premise: r.premise, hypothesis: r.hypothesis }, gold: r.label }));
}

/** Top quartile of `Normalized Score` = polite, bottom quartile = impolite (Danescu-Niculescu-Mizil et al. 2013). */
function stanfordPoliteness(path: string, task: Task, keepMiddle: boolean): Item[] {
  const rows = readCsv(path);
  requireColumns(rows, ["Id", "Request", "Normalized Score"], path, "stanford-politeness");
  const scores = rows.map((r) => Number(r["Normalized Score"])).sort((a, b) => a - b);
  const lo = scores[Math.floor(0.25 * scores.length)];
  const hi = scores[Math.floor(0.75 * scores.length)];
  const items: Item[] = [];
  for (const r of rows) {
    const s = Number(r["Normalized Score"]);
    const gold = s <= lo ? "impolite" : s >= hi ? "polite" : keepMiddle ? "neutral" : null;
    if (gold) items.push({ id: `politeness-${r.Community ?? "x"}-${r.Id}`, task: task.id, fields: { text: r.Request }, gold });
  }
  return items;
}

/** POPQUORN: aggregated file (label_binary_mean_ge_3) or raw ratings (mean rating ≥ 3 = offensive). */
function popquorn(path: string, task: Task): Item[] {
  const rows = readCsv(path);
  const cols = rows.length ? Object.keys(rows[0]) : [];
  if (cols.includes("label_binary_mean_ge_3")) {
    requireColumns(rows, ["instance_id", "text", "label_binary_mean_ge_3"], path, "popquorn");
    return rows.map((r) => ({ id: `popquorn-${r.instance_id}`, task: task.id, fields: { text: r.text }, gold: r.label_binary_mean_ge_3 }));
  }
  requireColumns(rows, ["instance_id", "text", "offensiveness"], path, "popquorn");
  const byId = new Map<string, { text: string; sum: number; n: number }>();
  for (const r of rows) {
    const e = byId.get(r.instance_id) ?? { text: r.text, sum: 0, n: 0 };
    e.sum += Number(r.offensiveness);
    e.n += 1;
    byId.set(r.instance_id, e);
  }
  return [...byId].map(([iid, e]) => ({ id: `popquorn-${iid}`, task: task.id, fields: { text: e.text }, gold: e.sum / e.n >= 3 ? "offensive" : "not_offensive" }));
}

/** Loads a task's items from its source; `limit` keeps a seeded random subset in file order. */
export function loadItems(source: ItemSource, path: string, task: Task, seed: number, warn?: (message: string) => void): Item[] {
  let items: Item[];
  switch (source.format) {
    case "csv": items = authored(path, task, warn); break;
    case "snli-tsv": items = snliTsv(path, task); break;
    case "snli-csv": items = snliCsv(path, task); break;
    case "stanford-politeness": items = stanfordPoliteness(path, task, source.keepMiddle ?? false); break;
    case "popquorn": items = popquorn(path, task); break;
  }
  for (const [i, it] of items.entries()) {
    for (const f of task.fields) {
      if (typeof it.fields[f] !== "string" || it.fields[f].trim() === "") throw new DataError(`${path}: item ${i + 1} (${it.id})`, `empty field '${f}'`);
    }
  }
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new DataError(path, `duplicate item id '${it.id}'`, "item ids must be unique within a file");
    ids.add(it.id);
  }
  if (items.length === 0) throw new DataError(path, "no items", "the file has a header but no usable rows");
  if (source.limit && source.limit < items.length) {
    const keep = new Set(shuffled(items.map((_, i) => i), mulberry32(seed)).slice(0, source.limit));
    items = items.filter((_, i) => keep.has(i));
  }
  return items;
}
