import { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStudy, REPO_ROOT } from "../../spec/study.ts";
import { openDb, closeDb } from "../../store/db.ts";
import { runStudy } from "../../run/run.ts";
import { DEFAULT_RULES } from "../../detect/index.ts";
import { defaultDetectors } from "../../run/detectors.ts";
import { demoModels } from "../../plant/demo.ts";
import { demoSummary, type DemoModelSummary } from "../../analysis/demo.ts";
import { storeReport } from "../../report/build/report.ts";
import { createProgress } from "../progress.ts";
import { intOption } from "../options.ts";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Build planted-truth models (datasets/laws/demo-*.json), run the demo study on them offline, print per-persona refusal against the planted truth, and write the HTML report.")
    .option("--db <file>", "store (resumed when it exists)", "db/demo.sqlite")
    .option("--cells <n>", "blocked cells (each runs all 16 personas)", intOption("--cells", 1))
    .option("--out <file>", "report file", "reports/demo.html")
    .action(async (o) => {
      const models = demoModels(join(REPO_ROOT, "datasets", "laws"), join(REPO_ROOT, "models", "planted"));
      const study = loadStudy(join(REPO_ROOT, "datasets", "studies", "demo.yaml"));
      if (o.cells && study.sampling.design === "blocked") study.sampling = { ...study.sampling, cells: o.cells };
      const dbPath = resolve(o.db);
      const db = openDb(dbPath);
      const progress = createProgress(process.stderr);
      try {
        await runStudy(db, study, {
          models: models.map(({ id, source }) => ({ id, source })),
          detectors: defaultDetectors(),
          command: "frh demo", onEvent: (e) => progress.onEvent(e),
        });
        progress.stop();
        const s = demoSummary(db, models, DEFAULT_RULES);
        const lines: string[] = [`\nDemo: ${s.trials} trials on ${models.length} planted models (${dbPath})`];
        for (const m of s.models) lines.push(...modelLines(m));
        lines.push(`\nDetectors: ${s.detector} and first-token@1 (p_refusal > 0.5) agree on ${s.agree} of ${s.trials} trials.`);
        const { text } = storeReport(db, { detector: s.detector, bootstrap: 100 });
        const out = resolve(o.out);
        mkdirSync(resolve(out, ".."), { recursive: true });
        writeFileSync(out, text);
        lines.push(`Report: ${out}`);
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        progress.stop();
        closeDb(db);
      }
    });
}

/** Per-persona measured refusal with its 95% CI and Holm-adjusted test against the control, beside the planted mean. */
function modelLines({ model, law, personas }: DemoModelSummary): string[] {
  const triggers = Object.entries(law.triggers).map(([w, b]) => `${w} ${b >= 0 ? "+" : ""}${b}`).join(", ");
  const out = [`\nModel ${model}: base ${law.base}, triggers ${triggers}, item noise ${law.itemNoise}`,
    `  persona               n  planted  p_refusal  refused  95% CI             vs control (pp)  Holm p`];
  for (const p of personas) {
    const c = p.vsControl;
    const vs = c ? `${(100 * c.diff).toFixed(1).padStart(6)} ${c.significant ? "*" : " "}` : "   (control)";
    out.push(`  ${p.persona.padEnd(19)} ${String(p.n).padStart(3)}  ${pct(p.planted)}     ${pct(p.firstToken)}   ${pct(p.rate)}  [${pct(p.ci[0])}, ${pct(p.ci[1])}]  ${vs.padEnd(15)}  ${c ? (c.pHolm < 1e-4 ? "<1e-4" : c.pHolm.toFixed(4)) : ""}`);
  }
  return out;
}
