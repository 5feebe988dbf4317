import { Command } from "commander";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStudy, REPO_ROOT } from "../../spec/study.ts";
import { openDb, closeDb } from "../../store/db.ts";
import { runStudy } from "../../run/run.ts";
import { getDetector, DEFAULT_RULES } from "../../detect/index.ts";
import { parseLaw, writePlantedGguf, explainPrompt, type Law } from "../../plant/index.ts";
import { analyze } from "../../stats/analyze.ts";
import { finishedTrials } from "../../store/trials.ts";
import { renderHtml } from "../../report/index.ts";
import { sha256 } from "../../util/hash.ts";
import { createProgress } from "../progress.ts";
import { buildReportInput } from "../report-input.ts";
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
      const lawDir = join(REPO_ROOT, "datasets", "laws");
      const laws = readdirSync(lawDir).filter((f) => /^demo-.*\.json$/.test(f)).sort().map((f) => {
        const path = join(lawDir, f);
        const text = readFileSync(path, "utf8");
        return { id: f.replace(/\.json$/, ""), law: parseLaw(text, path), hash: sha256(text).slice(0, 12) };
      });
      // Models are rebuilt only when their law changes (the file name carries the law's hash).
      const modelDir = join(REPO_ROOT, "models", "planted");
      mkdirSync(modelDir, { recursive: true });
      const models = laws.map(({ id, law, hash }) => {
        const path = join(modelDir, `${id}-${hash}.gguf`);
        if (!existsSync(path)) writePlantedGguf(law, path);
        return { id, source: path, law };
      });
      const study = loadStudy(join(REPO_ROOT, "datasets", "studies", "demo.yaml"));
      if (o.cells && study.sampling.design === "blocked") study.sampling = { ...study.sampling, cells: o.cells };
      const dbPath = resolve(o.db);
      const db = openDb(dbPath);
      const progress = createProgress(process.stderr);
      try {
        await runStudy(db, study, {
          models: models.map(({ id, source }) => ({ id, source })),
          detectors: [getDetector(DEFAULT_RULES), getDetector("first-token@1")],
          command: "frh demo", onEvent: (e) => progress.onEvent(e),
        });
        progress.stop();
        const detector = DEFAULT_RULES;
        const trials = finishedTrials(db, detector);
        const lines: string[] = [`\nDemo: ${trials.length} trials on ${models.length} planted models (${dbPath})`];
        for (const m of models) {
          const mine = trials.filter((t) => t.model === m.id);
          // a small --cells sample can leave a model without cells
          lines.push(...(mine.length ? modelSummary(m.id, m.law, mine) : [`\nModel ${m.id}: no trials in this sample (raise --cells)`]));
        }
        const agree = trials.filter((t) => t.p_refusal !== null && (t.p_refusal > 0.5) === (t.refusal === 1)).length;
        lines.push(`\nDetectors: ${detector} and first-token@1 (p_refusal > 0.5) agree on ${agree} of ${trials.length} trials.`);
        const input = buildReportInput(db, { detector, bootstrap: 100 });
        const out = resolve(o.out);
        mkdirSync(resolve(out, ".."), { recursive: true });
        writeFileSync(out, renderHtml(input));
        lines.push(`Report: ${out}`);
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        progress.stop();
        closeDb(db);
      }
    });
}

/** Per-persona measured refusal with its 95% CI and Holm-adjusted test against the control, beside the planted mean. */
function modelSummary(model: string, law: Law, trials: ReturnType<typeof finishedTrials>): string[] {
  const rows = trials.map((t) => ({ model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task, paraphrase: t.paraphrase, item: t.item, refusal: t.refusal, pRefusal: t.p_refusal }));
  const a = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 100, seed: 1 });
  const planted = new Map<string, number[]>();
  for (const t of trials) planted.set(t.persona, [...(planted.get(t.persona) ?? []), explainPrompt(law, t.prompt).probability]);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const triggers = Object.entries(law.triggers).map(([w, b]) => `${w} ${b >= 0 ? "+" : ""}${b}`).join(", ");
  const out = [`\nModel ${model}: base ${law.base}, triggers ${triggers}, item noise ${law.itemNoise}`,
    `  persona               n  planted  p_refusal  refused  95% CI             vs control (pp)  Holm p`];
  const rates = new Map(a.byFactor.persona.map((r) => [r.level, r]));
  const contrasts = new Map(a.personaVsControl.map((c) => [c.persona, c]));
  const firstToken = (persona: string) => mean(trials.filter((t) => t.persona === persona && t.p_refusal !== null).map((t) => t.p_refusal!));
  for (const [persona, ps] of [...planted].sort((x, y) => mean(y[1]) - mean(x[1]))) {
    const r = rates.get(persona)!;
    const c = contrasts.get(persona);
    const vs = c ? `${(100 * c.diff).toFixed(1).padStart(6)} ${c.significant ? "*" : " "}` : "   (control)";
    out.push(`  ${persona.padEnd(19)} ${String(r.n).padStart(3)}  ${pct(mean(ps))}     ${pct(firstToken(persona))}   ${pct(r.rate)}  [${pct(r.ci[0])}, ${pct(r.ci[1])}]  ${vs.padEnd(15)}  ${c ? (c.pHolm < 1e-4 ? "<1e-4" : c.pHolm.toFixed(4)) : ""}`);
  }
  return out;
}
