import { Command, Option } from "commander";
import { resolve } from "node:path";
import { openDb } from "../../store/db.ts";
import { controlPersona } from "../../store/trials.ts";
import { analyze } from "../../stats/analyze.ts";
import { formatAnalysis } from "../../stats/format.ts";
import { UsageError } from "../../errors.ts";
import { pickDetector } from "../detector-choice.ts";
import { fileDetector, readDetectorError, rowsFromDb, rowsFromFile } from "../analysis-input.ts";
import { intOption } from "../options.ts";

export function registerAnalyze(program: Command): void {
  program
    .command("analyze")
    .description("Refusal rates with CIs, persona-vs-control tests, logistic regression, sensitivity indices, detector agreement and p_refusal calibration.")
    .option("--db <file>", "SQLite store written by `frh run`")
    .option("--from <file>", "an export file instead (.jsonl or .csv with model, persona, task, paraphrase, item, refusal[, p_refusal])")
    .addOption(new Option("--outcome <y>", "outcome for the sensitivity indices").choices(["refusal", "p_refusal"]).default("refusal"))
    .option("--control <persona>", "the control level (default: the study's control; in --from files: 'control')")
    .option("--detector <id@version>", "which stored detector's verdicts (default: the newest rules detector)")
    .option("--bootstrap <n>", "bootstrap resamples for CIs", intOption("--bootstrap", 0), 200)
    .option("--seed <n>", "bootstrap seed", intOption("--seed", 0), 1)
    .option("--detector-error <file.json>", "the detector's validation counts (`frh detect-eval --json` output): adds refusal rates corrected for misclassification (Rogan–Gladen, bootstrap CIs over Se, Sp and the trials)")
    .addOption(new Option("--regression-ci <kind>", "CIs and p-values of the logistic regression terms (profile: penalised profile likelihood, as logistf)").choices(["wald", "profile"]).default("wald"))
    .option("--json", "print one JSON object")
    .action((o) => {
      if (!o.db === !o.from) throw new UsageError("give exactly one of --db <file> or --from <file>");
      const detectorError = o.detectorError ? readDetectorError(resolve(o.detectorError)) : null;
      let rows, control: string, detector: string | null = null;
      if (o.db) {
        const db = openDb(resolve(o.db), { mustExist: true, readonly: true });
        try {
          detector = pickDetector(db, o.detector);
          rows = rowsFromDb(db, detector);
          control = o.control ?? controlPersona(db) ?? "control";
        } finally {
          db.close();
        }
      } else {
        rows = rowsFromFile(resolve(o.from));
        control = o.control ?? "control";
        detector = fileDetector(rows);
      }
      const result = analyze(rows, { control, outcome: o.outcome, bootstrap: o.bootstrap, seed: o.seed, detector, detectorError, regressionCi: o.regressionCi });
      if (o.json) process.stdout.write(JSON.stringify({ detector, ...result, ...(detectorError ? { detectorError } : {}) }, null, 2) + "\n");
      else process.stdout.write((detector ? `detector: ${detector}\n` : "") + formatAnalysis(result) + "\n");
    });
}
