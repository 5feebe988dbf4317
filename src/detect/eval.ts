// detect-eval: score a detector against a human-labelled CSV (XSTest format), overall, per group (model),
// and leave-one-group-out. Only loadLabelledCsv touches the file system.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { RefusalDetector, TaskLabel } from "../types.ts";
import { DataError, didYouMean } from "../errors.ts";
import { classScores, outcomeClass, score, type RefusalClass, type Scores } from "./metrics.ts";

export interface LoadOptions {
  /** Column with the model's response. Default "completion". */
  textColumn?: string;
  /** Column with the human label. Default "final_label". */
  labelColumn?: string;
  /** Column naming the task (nli, politeness, offensiveness) whose label words apply; none → no labels. */
  taskColumn?: string;
  /**
   * Label words by task id, as the study's task files give them (spec/tasks.ts loads datasets/tasks). Needed with
   * `taskColumn`; detect/ stays pure, so the caller reads the files.
   */
  tasks?: Readonly<Record<string, TaskLabel[]>>;
  /** Column the per-group results split on. Default "model". */
  groupColumn?: string;
}

export interface LabelledRow {
  text: string;
  truth: RefusalClass;
  group: string;
  labels: TaskLabel[];
}

/** XSTest's label values, and the plain names for hand-made files. */
const LABELS: Record<string, RefusalClass> = {
  "1_full_compliance": "compliance",
  "2_full_refusal": "full",
  "3_partial_refusal": "partial",
  compliance: "compliance",
  full_refusal: "full",
  partial_refusal: "partial",
};

/** Parses labelled rows from CSV text; `where` names the file in errors. */
export function parseLabelledCsv(csv: string, where: string, o: LoadOptions = {}): LabelledRow[] {
  const textColumn = o.textColumn ?? "completion";
  const labelColumn = o.labelColumn ?? "final_label";
  const groupColumn = o.groupColumn ?? "model";
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: false, skip_empty_lines: true });
  } catch (e) {
    throw new DataError(where, `not a readable CSV file (${(e as Error).message})`, "check the quoting; fields with commas or newlines must be in double quotes");
  }
  if (records.length === 0) throw new DataError(where, "the file is empty", "it needs a header row and one row per labelled response");
  const header = records[0];
  if (records.length === 1) throw new DataError(where, "no labelled rows: the file has a header line only", "add one row per labelled response below the header");
  const col = (name: string, what: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new DataError(where, `no column '${name}' (${what}); columns present: ${header.join(", ")}`, `name the column with the matching option — ${didYouMean(name, header)}`);
    return i;
  };
  const ti = col(textColumn, "response text");
  const li = col(labelColumn, "human label");
  const gi = header.includes(groupColumn) ? header.indexOf(groupColumn) : -1;
  const ki = o.taskColumn ? col(o.taskColumn, "task") : -1;
  const tasks = o.tasks ?? {};
  if (ki >= 0 && !Object.keys(tasks).length) throw new DataError(where, `column '${o.taskColumn}' names tasks, but no task files were given`, "load the task files (datasets/tasks) and pass their labels");
  return records.slice(1).map((r, i) => {
    const line = `${where}:row ${i + 2}`;
    const truth = LABELS[r[li].trim()];
    if (!truth) throw new DataError(line, `unknown label '${r[li]}' in column '${labelColumn}'`, `use one of ${Object.keys(LABELS).slice(0, 3).join(", ")}`);
    let labels: TaskLabel[] = [];
    const task = ki >= 0 ? r[ki].trim() : "";
    if (task && task !== "null" && task !== "none") {
      const known = tasks[task];
      if (!known) throw new DataError(line, `unknown task '${task}' in column '${o.taskColumn}' (tasks: ${Object.keys(tasks).join(", ")})`, didYouMean(task, Object.keys(tasks)));
      labels = known;
    }
    return { text: r[ti], truth, group: gi >= 0 ? r[gi] : "all", labels };
  });
}

export function loadLabelledCsv(path: string, o: LoadOptions = {}): LabelledRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new DataError(path, `cannot read the labelled file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "check the --data path");
  }
  return parseLabelledCsv(text, path, o);
}

export interface EvalReport extends Scores {
  detector: string;
  byGroup: Record<string, Scores>;
}

const detectorName = (d: RefusalDetector) => `${d.id}@${d.version}`;

/** Runs the detector on every row and scores it overall and per group. */
export function evaluate(rows: readonly LabelledRow[], detector: RefusalDetector): EvalReport {
  const pairs = rows.map((r) => ({
    group: r.group,
    truth: r.truth,
    predicted: outcomeClass(detector.detect({ text: r.text, labels: r.labels, firstToken: null }).outcome),
  }));
  const byGroup: Record<string, Scores> = {};
  for (const g of [...new Set(rows.map((r) => r.group))].sort()) byGroup[g] = score(pairs.filter((p) => p.group === g));
  return { detector: detectorName(detector), ...score(pairs), byGroup };
}

/** Mean over the classes present of the F1 of that class (precision and recall of `partial` count as much as of `full`). */
export function macroF1(s: Scores): number {
  const f = Object.values(classScores(s.threeWay.confusion)).flatMap((c) => (c.n === 0 ? [] : [c.recall && c.precision ? (2 * c.recall * c.precision) / (c.recall + c.precision) : 0]));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : -1;
}

export interface LomoGroup {
  group: string;
  /** The candidate chosen by binary F1 on all other groups. */
  chosen: string;
  /** Held-out binary F1 of the chosen candidate on this group. */
  heldOutF1: number | null;
  heldOut: Scores["binary"];
  /** Held-out three-way accuracy and partial-class recall of the chosen candidate. */
  heldOutThreeWay: number | null;
  heldOutPartialRecall: number | null;
}

export interface LomoReport {
  candidates: string[];
  groups: LomoGroup[];
  /** Set when there is nothing to choose: the held-out score then equals the per-group score. */
  note: string | null;
}

/**
 * Leave-one-group-out: for each group, pick the candidate (a detector configuration) with the best binary F1
 * on the other groups and report its score on the held-out group. With one candidate nothing is fitted, and
 * the held-out score is the plain per-group score — the report says so rather than dressing it up.
 * `tieBreak: "macro-f1"` breaks ties in F1 on the other groups by the three classes' mean F1, for thresholds that
 * move responses between full and partial refusal (which binary F1 cannot see). Mean F1 weighs the rare partial
 * class as much as the others, in precision and recall, so the choice is not swayed by how rare partials happen to
 * be in the tuning file (5% in XSTest dev); three-way accuracy would simply suppress them. Otherwise the first
 * candidate wins.
 */
export function leaveOneGroupOut(rows: readonly LabelledRow[], candidates: readonly { name: string; detector: RefusalDetector }[], opts: { tieBreak?: "macro-f1" } = {}): LomoReport {
  const groups = [...new Set(rows.map((r) => r.group))].sort();
  const predicted = candidates.map((c) => rows.map((r) => outcomeClass(c.detector.detect({ text: r.text, labels: r.labels, firstToken: null }).outcome)));
  const scoreWhere = (ci: number, keep: (g: string) => boolean) =>
    score(rows.flatMap((r, i) => (keep(r.group) ? [{ truth: r.truth, predicted: predicted[ci][i] }] : [])));
  const out: LomoGroup[] = groups.map((g) => {
    let best = 0;
    let bestKey = [-1, -1];
    candidates.forEach((_, ci) => {
      const s = scoreWhere(ci, (x) => x !== g);
      const key = [s.binary.f1 ?? -1, opts.tieBreak === "macro-f1" ? macroF1(s) : 0];
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) [best, bestKey] = [ci, key];
    });
    const held = scoreWhere(best, (x) => x === g);
    return { group: g, chosen: candidates[best].name, heldOutF1: held.binary.f1, heldOut: held.binary, heldOutThreeWay: held.threeWay.accuracy, heldOutPartialRecall: classScores(held.threeWay.confusion).partial.recall };
  });
  return {
    candidates: candidates.map((c) => c.name),
    groups: out,
    note: candidates.length === 1 ? "one candidate, no fitted parameters: each held-out score equals the per-group score" : null,
  };
}
