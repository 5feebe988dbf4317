import { Command, Option } from "commander";
import { resolve } from "node:path";
import { openDb } from "../../store/db.ts";
import { analysisJson, analyzeFile, analyzeStore, readDetectorError, type SourceAnalysis } from "../../analysis/index.ts";
import { formatAnalysis } from "../../report/text/analysis.ts";
import { UsageError } from "../../errors.ts";
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
      const opts = { control: o.control, outcome: o.outcome, bootstrap: o.bootstrap, seed: o.seed, detectorError, regressionCi: o.regressionCi };
      let a: SourceAnalysis;
      if (o.db) {
        const db = openDb(resolve(o.db), { mustExist: true, readonly: true });
        try {
          a = analyzeStore(db, { ...opts, detector: o.detector });
        } finally {
          db.close();
        }
      } else {
        a = analyzeFile(resolve(o.from), opts);
      }
      if (o.json) process.stdout.write(JSON.stringify(analysisJson(a, detectorError), null, 2) + "\n");
      else process.stdout.write((a.detector ? `detector: ${a.detector}\n` : "") + formatAnalysis(a.result) + "\n");
    });
}
