// node --import tsx bench/zoo.ts [--trials N] [--threads 1,2] [--out file.json]
// Throughput of the zoo study (datasets/studies/paper.yaml on the 16 planted models of datasets/zoo): 16 model
// loads into one store. One row per thread count, each a cold runStudy into a fresh SQLite file on the same plan
// (the paper study's first N trials, ordered by model by the run loop), with the time split into
//   load      loadBackend (GGUF read, sha256, context) and dispose, per model;
//   backend   inside backend.generate: prefill + generation (split below);
//   rest      everything else of runStudy: plan, rendering, trial ids, detectors, SQLite writes, progress.
// Prefill vs generation: the same requests once more through a loaded backend with maxTokens 1 (prefill and the first
// token, which the probability read needs anyway) against the full decoding; generation = full − prefill.
// Speed is measured here, never asserted in tests; these 2-core machines are noisy, so rows run back to back.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadStudy } from "../src/spec/study.ts";
import { expandPlan } from "../src/spec/design.ts";
import { buildMessages } from "../src/prompts/render.ts";
import { runStudy, trialSeed } from "../src/run/run.ts";
import { openDb, closeDb } from "../src/store/db.ts";
import { defaultDetectors } from "../src/run/detectors.ts";
import { loadBackend, type BackendOptions } from "../src/backends/index.ts";
import { buildZoo, readZoo } from "../src/plant/zoo.ts";
import type { Backend, GenerationRequest } from "../src/types.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, ".bench-out", "zoo");
const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };

const trials = Number(arg("trials") ?? 3200);
const threadRows = (arg("threads") ?? "1,2").split(",").map(Number);
const study = loadStudy(join(ROOT, "datasets", "studies", "paper.yaml"));
const zoo = readZoo(join(ROOT, "datasets", "zoo"));
const models = buildZoo(zoo, join(OUT, "models")).map(({ id, source }) => ({ id, source }));

interface Row { threads: number; wall: number; load: number; backend: number; rest: number; trials: number; promptsPerSecond: number; loads: number }

async function timedRun(threads: number): Promise<Row> {
  const dbPath = join(OUT, `zoo-t${threads}.sqlite`);
  for (const s of ["", "-wal", "-shm"]) rmSync(dbPath + s, { force: true });
  const db = openDb(dbPath, { study: study.id });
  let load = 0, backendTime = 0, loads = 0;
  const wrap = async (source: string, opts: BackendOptions): Promise<Backend> => {
    const t0 = performance.now();
    const b = await loadBackend(source, opts);
    load += performance.now() - t0; loads++;
    return {
      info: b.info, render: (m) => b.render(m),
      generate: async (reqs, o) => { const t = performance.now(); try { return await b.generate(reqs, o); } finally { backendTime += performance.now() - t; } },
      dispose: async () => { const t = performance.now(); await b.dispose(); load += performance.now() - t; },
    };
  };
  const t0 = performance.now();
  const s = await runStudy(db, study, { models, limit: trials, detectors: defaultDetectors(), backend: { threads }, loadBackend: wrap });
  const wall = (performance.now() - t0) / 1000;
  closeDb(db);
  return { threads, wall, load: load / 1000, backend: backendTime / 1000, rest: wall - (load + backendTime) / 1000, trials: s.ran, promptsPerSecond: s.ran / wall, loads };
}

/** Prefill vs generation on one model's share of the plan: maxTokens 1 against the study's decoding. */
async function prefillSplit(threads: number): Promise<{ model: string; prompts: number; full: number; prefill: number }> {
  const model = models[models.length - 1];
  const b = await loadBackend(model.source, { threads, plainTemplate: study.prompt.plainTemplate });
  try {
    const plan = expandPlan(study, models).slice(0, trials).filter((t) => t.model.id === model.id);
    const reqs = (maxTokens: number): GenerationRequest[] => plan.map((t) => {
      const { messages, placement } = buildMessages(t.persona, t.paraphrase, t.item, { personaTemplate: study.personaTemplate, placement: "user-prefix" });
      const text = b.render(messages);
      return { prompt: { messages, placement, text }, decoding: { ...study.decoding, maxTokens }, seed: trialSeed(study.decoding, t.replicate, text), watch: { labels: t.task.labels, refusalOnsets: study.refusalOnsets, topK: study.topK } };
    });
    const time = async (r: GenerationRequest[]) => { const t = performance.now(); for (let i = 0; i < r.length; i += 64) await b.generate(r.slice(i, i + 64)); return (performance.now() - t) / 1000; };
    await time(reqs(1).slice(0, 16)); // warm
    const prefill = await time(reqs(1)), full = await time(reqs(study.decoding.maxTokens));
    return { model: model.id, prompts: plan.length, full, prefill };
  } finally {
    await b.dispose();
  }
}

mkdirSync(OUT, { recursive: true });
const rows: Row[] = [];
for (const t of threadRows) rows.push(await timedRun(t));
const split = await prefillSplit(threadRows[0]);
const f = (x: number, d = 1) => x.toFixed(d);
console.log(`zoo bench: ${trials} trials of ${study.id} on ${models.length} planted models (one store each row)`);
console.log("threads  wall s  trials/s  load s  backend s  rest s  loads");
for (const r of rows) console.log(`${String(r.threads).padStart(7)}  ${f(r.wall).padStart(6)}  ${f(r.promptsPerSecond).padStart(8)}  ${f(r.load).padStart(6)}  ${f(r.backend).padStart(9)}  ${f(r.rest).padStart(6)}  ${r.loads}`);
console.log(`prefill vs generation (${split.model}, ${split.prompts} prompts, threads ${threadRows[0]}): full ${f(split.full, 2)} s, maxTokens 1 ${f(split.prefill, 2)} s → generation ${f(split.full - split.prefill, 2)} s`);
if (rows.length > 1) console.log(`ratio (threads ${rows[1].threads} ÷ threads ${rows[0].threads}, wall): ${f(rows[1].wall / rows[0].wall, 2)}`);
const out = arg("out");
if (out) writeFileSync(out, JSON.stringify({ trials, rows, split }, null, 2) + "\n");
