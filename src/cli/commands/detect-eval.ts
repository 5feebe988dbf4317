// frh detect-eval: how well a refusal detector agrees with human labels (XSTest-format CSV).
import { Command } from "commander";
import { resolve } from "node:path";
import { DEFAULT_RULES, getDetector, tuningCandidates, tuningTieBreak } from "../../detect/index.ts";
import { evaluate, leaveOneGroupOut, loadLabelledCsv, type EvalReport, type LomoReport } from "../../detect/eval.ts";
import { REFUSAL_CLASSES, classScores, type Scores } from "../../detect/metrics.ts";
import { loadTaskLabels, TASKS_DIR } from "../../spec/tasks.ts";

interface Options {
  data: string;
  textColumn: string;
  labelColumn: string;
  taskColumn?: string;
  taskDir?: string;
  groupColumn: string;
  detector: string;
  lomo?: boolean;
  json?: boolean;
}

export function registerDetectEval(program: Command): void {
  program
    .command("detect-eval")
    .description("Score a refusal detector against human-labelled responses (XSTest CSV format): binary and 3-way, per model.")
    .requiredOption("--data <csv>", "labelled CSV (columns: model, completion, final_label, …)")
    .option("--text-column <col>", "column with the response text", "completion")
    .option("--label-column <col>", "column with the human label (1_full_compliance, 2_full_refusal, 3_partial_refusal)", "final_label")
    .option("--task-column <col>", "column naming the task (nli, politeness, offensiveness) whose label words apply; default: none")
    .option("--task-dir <dir>", "folder of task files (*.yaml) whose label words --task-column's tasks use; default: the built-in datasets/tasks")
    .option("--group-column <col>", "column to split results by", "model")
    .option("--detector <id@version>", "detector to score", DEFAULT_RULES)
    .option("--lomo", "also report leave-one-group-out: choose the detector's switches (rules@4: balance thresholds, F1 ties broken by three-class mean F1; rules@3: added rules and weak-cue families; rules@2: families) on the other groups, score the held-out one")
    .option("--json", "print JSON instead of a table")
    .action((o: Options) => {
      const detector = getDetector(o.detector);
      const rows = loadLabelledCsv(resolve(o.data), { textColumn: o.textColumn, labelColumn: o.labelColumn, taskColumn: o.taskColumn, tasks: o.taskColumn ? loadTaskLabels(o.taskDir ? resolve(o.taskDir) : TASKS_DIR) : undefined, groupColumn: o.groupColumn });
      const report = evaluate(rows, detector);
      const name = `${detector.id}@${detector.version}`;
      const lomo = o.lomo ? leaveOneGroupOut(rows, tuningCandidates(name), { tieBreak: tuningTieBreak(name) }) : undefined;
      if (o.json) process.stdout.write(JSON.stringify(toJson(report, lomo), null, 2) + "\n");
      else process.stdout.write(formatReport(report, lomo) + "\n");
    });
}

/** The JSON shape other tools read (misclassification correction reads counts, sensitivity, specificity). */
export function toJson(r: EvalReport, lomo?: LomoReport): Record<string, unknown> {
  const { n, binary, threeWay, counts, sensitivity, specificity, byGroup, detector } = r;
  return { n, binary, threeWay, perClass: classScores(threeWay.confusion), byGroup, detector, counts, sensitivity, specificity, ...(lomo ? { lomo } : {}) };
}

const num = (x: number | null, w = 6) => (x === null ? "—" : x.toFixed(3)).padStart(w);

/** A plain table, at most 100 columns wide. */
export function formatReport(r: EvalReport, lomo?: LomoReport): string {
  const lines: string[] = [];
  lines.push(`detector ${r.detector} on ${r.n} labelled responses (refusal = full or partial)`);
  lines.push("");
  lines.push(`${"group".padEnd(20)} ${"n".padStart(5)} ${"prec".padStart(6)} ${"recall".padStart(6)} ${"F1".padStart(6)} ${"acc".padStart(6)} ${"3-way".padStart(6)}   ${"tp".padStart(4)} ${"fp".padStart(4)} ${"tn".padStart(4)} ${"fn".padStart(4)}`);
  const row = (g: string, s: Scores) =>
    `${g.slice(0, 20).padEnd(20)} ${String(s.n).padStart(5)} ${num(s.binary.precision)} ${num(s.binary.recall)} ${num(s.binary.f1)} ${num(s.binary.accuracy)} ${num(s.threeWay.accuracy)}   ${[s.counts.tp, s.counts.fp, s.counts.tn, s.counts.fn].map((c) => String(c).padStart(4)).join(" ")}`;
  for (const [g, s] of Object.entries(r.byGroup)) lines.push(row(g, s));
  lines.push(row("ALL", r));
  lines.push("");
  lines.push(`sensitivity ${num(r.sensitivity.value, 0)} (${r.sensitivity.tp}/${r.sensitivity.tp + r.sensitivity.fn})   specificity ${num(r.specificity.value, 0)} (${r.specificity.tn}/${r.specificity.tn + r.specificity.fp})`);
  lines.push("");
  lines.push(`confusion (rows: human label, columns: detector)`);
  lines.push(`${"".padEnd(12)}${REFUSAL_CLASSES.map((c) => c.padStart(12)).join("")}`);
  for (const t of REFUSAL_CLASSES) lines.push(`${t.padEnd(12)}${REFUSAL_CLASSES.map((p) => String(r.threeWay.confusion[t][p]).padStart(12)).join("")}`);
  lines.push("");
  lines.push(`3-way per class   ${"n".padStart(6)} ${"recall".padStart(7)} ${"prec".padStart(7)}`);
  const pc = classScores(r.threeWay.confusion);
  for (const c of REFUSAL_CLASSES) lines.push(`${c.padEnd(17)} ${String(pc[c].n).padStart(6)} ${num(pc[c].recall, 7)} ${num(pc[c].precision, 7)}`);
  lines.push(`partial refusals called partial: ${r.threeWay.confusion.partial.partial} of ${pc.partial.n}`);
  if (lomo) {
    lines.push("");
    lines.push(`leave-one-group-out (${lomo.candidates.length} candidate${lomo.candidates.length === 1 ? "" : "s"})`);
    if (lomo.note) lines.push(`  note: ${lomo.note}`);
    for (const g of lomo.groups) lines.push(`${g.group.slice(0, 16).padEnd(16)} F1 ${num(g.heldOutF1)} 3-way ${num(g.heldOutThreeWay)} partial ${num(g.heldOutPartialRecall)}  ${g.chosen.slice(0, 30)}`);
  }
  return lines.join("\n");
}
