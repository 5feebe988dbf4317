// frh detect-eval: how well a refusal detector agrees with human labels (XSTest-format CSV).
import { Command } from "commander";
import { resolve } from "node:path";
import { DEFAULT_RULES, getDetector, tuningCandidates, tuningTieBreak } from "../../detect/index.ts";
import { evaluate, leaveOneGroupOut, loadLabelledCsv } from "../../detect/eval.ts";
import { loadTaskLabels, TASKS_DIR } from "../../spec/tasks.ts";
import { formatReport, toJson } from "../../report/text/detect-eval.ts";

export { formatReport, toJson };

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
