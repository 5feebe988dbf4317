import { Command, Option } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStudy, REPO_ROOT } from "../../spec/study.ts";
import { openDb, closeDb } from "../../store/db.ts";
import { runStudy } from "../../run/run.ts";
import { defaultDetectors } from "../../run/detectors.ts";
import { buildZoo, readZoo } from "../../plant/zoo.ts";
import { studyTruth, type StudyTruth } from "../../analysis/truth.ts";
import { checkZoo, truthForReport, type ZooCheck } from "../../analysis/zoo.ts";
import { analyzeStore } from "../../analysis/index.ts";
import { analysisRows } from "../../store/analysis-rows.ts";
import { storeReport } from "../../report/build/report.ts";
import { createProgress } from "../progress.ts";
import { intOption } from "../options.ts";

const ZOO = join(REPO_ROOT, "datasets", "zoo");
const PAPER = join(REPO_ROOT, "datasets", "studies", "paper.yaml");
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "—");

export function registerZoo(program: Command): void {
  const zoo = program.command("zoo").description("A zoo of planted models (datasets/zoo): build them, compute a study's exact truth from their laws, run the paper's study on them and check the estimates against the truth.");

  zoo.command("build")
    .description("Build one planted GGUF per law file of the zoo (only those missing; the file name carries the law's hash).")
    .option("--zoo <dir>", "directory of law files, one per model", ZOO)
    .option("--out <dir>", "where the models go", "models/zoo")
    .option("--json", "print JSON")
    .action((o) => {
      const built = buildZoo(readZoo(resolve(o.zoo)), resolve(o.out));
      if (o.json) { process.stdout.write(JSON.stringify(built.map(({ id, source, built: b }) => ({ id, source, built: b })), null, 2) + "\n"); return; }
      for (const m of built) process.stdout.write(`${m.id}  ${m.built ? "built " : "exists"}  ${m.source}\n`);
    });

  zoo.command("truth")
    .description("The exact truth of a study on the zoo from the laws alone (no model run): sensitivity indices of every factor over the full factorial, persona − control differences per model, the trend of persona effect (mean squared difference) on base rate.")
    .option("--zoo <dir>", "directory of law files, one per model", ZOO)
    .option("--study <file>", "study file", PAPER)
    .addOption(new Option("--outcome <y>", "outcome of the indices").choices(["refusal", "p_refusal"]).default("refusal"))
    .option("--json", "print JSON")
    .action((o) => {
      const truth = studyTruth(loadStudy(resolve(o.study)), readZoo(resolve(o.zoo)), { outcome: o.outcome });
      process.stdout.write(o.json ? JSON.stringify(truth, null, 2) + "\n" : truthLines(truth).join("\n") + "\n");
    });

  zoo.command("run")
    .description("Build the zoo, run the study on it (resumable), then print the estimates against the exact truth and write the report with the truth beside the replication section.")
    .option("--zoo <dir>", "directory of law files, one per model", ZOO)
    .option("--study <file>", "study file", PAPER)
    .option("--models <dir>", "where the models go", "models/zoo")
    .option("--db <file>", "store (resumed when it exists)", "db/zoo.sqlite")
    .option("--out <file>", "report file", "reports/zoo.html")
    .option("--limit <n>", "run only the first n trials of the plan", intOption("--limit", 1))
    .option("--threads <n>", "CPU threads (default: math cores)", intOption("--threads", 1))
    .option("--batch <n>", "prompts evaluated together", intOption("--batch", 1))
    .option("--bootstrap <n>", "bootstrap resamples for the CIs", intOption("--bootstrap", 0), 200)
    .option("--json", "print the check as JSON")
    .option("--quiet", "no progress output")
    .action(async (o) => {
      const laws = readZoo(resolve(o.zoo));
      const study = loadStudy(resolve(o.study));
      const models = buildZoo(laws, resolve(o.models)).map(({ id, source }) => ({ id, source }));
      const db = openDb(resolve(o.db), { study: study.id });
      const progress = createProgress(process.stderr, o.quiet === true);
      try {
        const t0 = performance.now();
        const s = await runStudy(db, study, { models, limit: o.limit, batch: o.batch, backend: { threads: o.threads }, detectors: defaultDetectors(), command: ["frh", ...process.argv.slice(2)].join(" "), onEvent: (e) => progress.onEvent(e) });
        progress.stop();
        const runSeconds = (performance.now() - t0) / 1000;
        const t1 = performance.now();
        const truth = studyTruth(study, laws);
        const truthSeconds = (performance.now() - t1) / 1000;
        const { detector, result } = analyzeStore(db, { bootstrap: o.bootstrap });
        const check = checkZoo(analysisRows(db, detector), result, truth, { bootstrap: o.bootstrap });
        const { text } = storeReport(db, { bootstrap: o.bootstrap, replicationTruth: truthForReport(truth, o.zoo) });
        const out = resolve(o.out);
        mkdirSync(resolve(out, ".."), { recursive: true });
        writeFileSync(out, text);
        const summary = { trials: result.n, ran: s.ran, failed: s.failed, runSeconds, truthSeconds, share: result.n / truth.cells, report: out };
        if (o.json) process.stdout.write(JSON.stringify({ ...summary, check }, null, 2) + "\n");
        else process.stdout.write([`zoo: ${result.n} trials (${(100 * summary.share).toFixed(1)}% of the ${truth.cells} of the full factorial); ran ${s.ran} in ${runSeconds.toFixed(1)} s, ${s.failed} failed; truth in ${truthSeconds.toFixed(1)} s`, ...checkLines(check), `report: ${out}`].join("\n") + "\n");
      } finally {
        progress.stop();
        closeDb(db);
      }
    });
}

function truthLines(t: StudyTruth): string[] {
  const out = [`${t.cells} cells, ${t.decoding} decoding, outcome ${t.outcome}; refusal rate ${f4(t.refusalRate)}`, "factor        S        delta    Wasserstein"];
  for (const f of t.factors) out.push(`${f.factor.padEnd(12)}  ${f4(f.variance)}   ${f4(f.delta)}   ${f4(f.wasserstein)}`);
  out.push("model  base    rate    persona effect (mean diff²)");
  for (const m of t.models) out.push(`${m.model.padEnd(5)}  ${f4(m.base)}  ${f4(m.rate)}  ${f4(m.personaEffect)}`);
  out.push(`trend: persona effect (mean diff²) = ${f4(t.trend.intercept)} + ${f4(t.trend.slope)} × base`);
  const planted = t.personas.filter((p) => p.plantedEffect);
  out.push(`planted persona effects (${planted.length}): ${planted.map((p) => `${p.model}/${p.persona} ${f4(p.diff)}`).join(", ")}`);
  return out;
}

function checkLines(c: ZooCheck): string[] {
  const out = ["factor        index        truth    estimate  95% CI (bias-corrected)  covered  joint CI (Bonferroni)  covered"];
  for (const i of c.indices) out.push(`${i.factor.padEnd(12)}  ${i.index.padEnd(11)}  ${f4(i.truth)}   ${f4(i.estimate)}    [${f4(i.ci95[0])}, ${f4(i.ci95[1])}]       ${i.covered95 ? "yes" : "NO "}      [${f4(i.ci[0])}, ${f4(i.ci[1])}]     ${i.covered ? "yes" : "NO"}`);
  out.push(`ranking: true ${c.trueRanking.join(" > ")}; estimated ${c.estimatedRanking.join(" > ")} (${c.rankingEqual ? "equal" : "DIFFERENT"})`);
  if (c.trend) out.push(`trend slope (mean squared persona effect on base rate): truth ${f4(c.trend.truth)}, estimate ${f4(c.trend.estimate)} [${f4(c.trend.ci[0])}, ${f4(c.trend.ci[1])}] (${c.trend.covered ? "covered" : "NOT covered"})`);
  const planted = c.effects.filter((e) => e.planted);
  out.push(`persona × model effects: ${planted.length} planted, ${planted.filter((e) => e.significant).length} significant; ${planted.filter((e) => e.power >= 0.9).length} with power ≥ 0.9, ${c.missed.length} of those missed; ${c.falsePositives.length} significant nulls`);
  for (const e of planted) out.push(`  ${e.model}/${e.persona}: true ${f4(e.trueDiff)}, estimate ${f4(e.estimate)}, power ${e.power.toFixed(2)}, ${e.significant ? "significant" : "not significant"}`);
  for (const e of c.falsePositives) out.push(`  NULL significant: ${e.model}/${e.persona}: true ${f4(e.trueDiff)}, estimate ${f4(e.estimate)}`);
  return out;
}
