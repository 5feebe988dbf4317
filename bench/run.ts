// npm run bench [-- --out file.json] [--prompts N] [--study file.yaml] [--gpu vulkan] [--model path.gguf] [--skip-naive]
// The timed prompts are a window of the study's run-loop schedule (default: datasets/studies/default.yaml, the
// study `frh run` runs by default), taken mid-run after one untimed batch, as a long run spends its time; see
// bench/README.md "Prompts".
// Speed of the GGUF path, measured against baselines run in the same process on the same model and prompts
// (GUIDE: speed lives here, not in tests). Prints a table; --out writes JSON with at least {p1, p2, model, prompts}.
//  P1 = naive loop (one prompt at a time, whole-vocabulary Map, full generation) ÷ frh's batched path.
//  P2 = minimal script (same backend work: prefix reuse, reads, generation; no storage/detection) ÷ frh run
//       end to end (runStudy: plan, SQLite, detectors, progress events). 1.0 = no harness overhead.
//  Gains: the batched path with one feature switched off ÷ with everything on.
import { mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpus } from "node:os";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { ensureRandomGguf, SHAPE_05B } from "./gguf.ts";
import { loadLlamaCpp, type GpuChoice, type LlamaCppOptions } from "../src/backends/llamaCpp/index.ts";
import { loadStudy, type Study } from "../src/spec/study.ts";
import { expandPlan } from "../src/spec/design.ts";
import { buildMessages } from "../src/prompts/render.ts";
import { scheduleForPrefixReuse, sharedPrefixChars } from "../src/run/schedule.ts";
import { runStudy, trialSeed } from "../src/run/run.ts";
import { openDb } from "../src/store/db.ts";
import { getDetector, DEFAULT_RULES } from "../src/detect/index.ts";
import type { Backend, GenerationRequest, ModelRef } from "../src/types.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT_DIR = join(ROOT, ".bench-out");
const VOCAB = process.env.FRH_SHARED ? join(process.env.FRH_SHARED, "models/llama-2-tiny-random.gguf") : resolve(ROOT, "../shared/models/llama-2-tiny-random.gguf");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

interface Timing { name: string; seconds: number; prompts: number; genTokens: number; note?: string }
const rate = (t: Timing) => t.prompts / t.seconds;

/** Requests for the bench study's plan, rendered by `backend` exactly as the run loop renders them. */
function buildRequests(study: Study, model: ModelRef, backend: Backend, n = Infinity): GenerationRequest[] {
  const plan = expandPlan(study, [model]).slice(0, n);
  const placement = study.prompt.personaPlacement === "auto" ? (backend.info.supportsSystem ? "system" : "user-prefix") : study.prompt.personaPlacement;
  return plan.map((t) => {
    const { messages, placement: used } = buildMessages(t.persona, t.paraphrase, t.item, { personaTemplate: study.personaTemplate, placement });
    const text = backend.render(messages);
    return {
      prompt: { messages, placement: used, text }, decoding: study.decoding, seed: trialSeed(study.decoding, t.replicate, text),
      watch: { labels: t.task.labels, refusalOnsets: study.refusalOnsets, topK: study.topK },
    };
  });
}

/** What the frh rows run: untimed `warm` first (the batch before the window, or nothing), then the timed calls. */
interface Workload { warm: GenerationRequest[]; calls: GenerationRequest[][]; requests: GenerationRequest[] }

/** frh's batched backend path on pre-rendered requests, in the run loop's schedule. */
async function timeBackend(name: string, path: string, work: Workload, opts: LlamaCppOptions): Promise<Timing & { counters: Record<string, number> }> {
  const backend = await loadLlamaCpp(path, opts);
  try {
    const r0 = work.requests[0];
    // Warm-up: the batch that precedes the window in the run (each sequence then holds its stream's previous
    // prompt, as mid-run), or one short request when the window starts the run.
    await backend.generate(work.warm.length ? work.warm : [{ ...r0, decoding: { ...r0.decoding, maxTokens: 2 } }]);
    const counters = (backend as unknown as { counters: Record<string, number> }).counters;
    for (const k of Object.keys(counters)) counters[k] = 0;
    const t0 = performance.now();
    let gen = 0;
    for (const b of work.calls) for (const r of await backend.generate(b)) { if (r.error) throw new Error(r.error); gen += r.generatedTokens; }
    return { name, seconds: (performance.now() - t0) / 1000, prompts: work.requests.length, genTokens: gen, counters: { ...counters } };
  } finally {
    await backend.dispose();
  }
}

/** The run loop's calls: scheduleForPrefixReuse batches, 4 per backend call (PIPELINE_ROUNDS in src/run/run.ts). */
const PIPELINE_ROUNDS = 4;
const toCalls = (b: GenerationRequest[][]): GenerationRequest[][] =>
  Array.from({ length: Math.ceil(b.length / PIPELINE_ROUNDS) }, (_, i) => b.slice(i * PIPELINE_ROUNDS, (i + 1) * PIPELINE_ROUNDS).flat());
const runLoopCalls = (requests: GenerationRequest[], batchSize: number): GenerationRequest[][] =>
  toCalls(scheduleForPrefixReuse(requests, (r) => r.prompt.text, batchSize));

/**
 * The timed window: ~n trials = whole batches of the run loop's schedule of the study's entire plan, from the
 * middle of the run, with the batch before it as warm-up. A 3000-trial run spends all but its first batch in this
 * steady state (each sequence's cache holds its stream's previous prompt); timing only a run's first 48 trials
 * would make a third of them cold starts. Also returns the share of prompt characters shared with the previous
 * prompt on the same sequence, for the whole run and for the window, so the README can show they match.
 */
function benchWindow(all: GenerationRequest[], batchSize: number, n: number) {
  const text = (r: GenerationRequest) => r.prompt.text;
  const batches = scheduleForPrefixReuse(all, text, batchSize);
  const nb = Math.max(1, Math.min(batches.length, Math.round(n / batchSize)));
  const start = Math.floor((batches.length - nb) / 2);
  const window = batches.slice(start, start + nb);
  const warm = start > 0 ? batches[start - 1] : [];
  const chars = (b: GenerationRequest[][]) => b.flat().reduce((a, r) => a + text(r).length, 0);
  const shared = {
    wholeRun: +(sharedPrefixChars(batches, text) / chars(batches)).toFixed(3),
    window: +(sharedPrefixChars([warm, ...window], text) / chars(window)).toFixed(3),
  };
  return { work: { warm, calls: toCalls(window), requests: window.flat() } as Workload, firstBatch: start, windowBatches: nb, batches: batches.length, shared };
}

/** The naive loop: one prompt at a time, a fresh cache, node-llama-cpp's whole-vocabulary Map, full generation. */
async function timeNaive(path: string, requests: GenerationRequest[], gpu: GpuChoice): Promise<Timing> {
  const llama = await getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: gpu === false ? 0 : "auto" });
  const ctx = await model.createContext({ sequences: 1, contextSize: 1024, threads: llama.cpuMathCores });
  const seq = ctx.getSequence();
  const tokensOf = (text: string) => [...(model.tokens.bos !== null && model.tokens.shouldPrependBosToken ? [model.tokens.bos] : []), ...model.tokenize(text)];
  let gen = 0;
  const one = async (r: GenerationRequest) => {
    const toks = tokensOf(r.prompt.text);
    await seq.clearHistory();
    const out = await seq.controlledEvaluate([...toks.slice(0, -1), [toks[toks.length - 1], { generateNext: { probabilities: true } }]]);
    const probs = out[out.length - 1]!.next.probabilities!;
    const sorted = [...probs.entries()];
    let first = sorted[0][0] as Token;
    const generated: Token[] = [];
    if (!model.isEogToken(first)) {
      generated.push(first);
      for await (const t of seq.evaluate([first])) { generated.push(t); if (generated.length >= r.decoding.maxTokens) break; }
    }
    gen += generated.length;
    first = generated[0];
  };
  try {
    await one({ ...requests[0], decoding: { ...requests[0].decoding, maxTokens: 2 } });
    gen = 0;
    const t0 = performance.now();
    for (const r of requests) await one(r);
    return { name: "naive loop", seconds: (performance.now() - t0) / 1000, prompts: requests.length, genTokens: gen };
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
}

/** P2's two sides, each from a cold start (model load and sha256 included on both). */
async function timeEndToEnd(study: Study, model: ModelRef, n: number, gpu: GpuChoice): Promise<{ minimal: Timing; harness: Timing }> {
  let t0 = performance.now();
  const backend = await loadLlamaCpp(model.source, { gpu });
  const requests = buildRequests(study, model, backend, n);
  const batchSize = backend.info.preferredBatch ?? 8;
  let gen = 0;
  for (const b of runLoopCalls(requests, batchSize)) for (const r of await backend.generate(b)) gen += r.generatedTokens;
  await backend.dispose();
  const minimal = { name: "minimal script", seconds: (performance.now() - t0) / 1000, prompts: requests.length, genTokens: gen };

  const dbDir = join(OUT_DIR, "db");
  rmSync(dbDir, { recursive: true, force: true });
  mkdirSync(dbDir, { recursive: true });
  const db = openDb(join(dbDir, "bench.sqlite"));
  let events = 0;
  t0 = performance.now();
  const summary = await runStudy(db, study, {
    models: [model], limit: n, backend: { gpu }, command: "bench", detectors: [getDetector(DEFAULT_RULES), getDetector("first-token@1")],
    onEvent: () => { events++; },
  });
  const harness = { name: "frh run (runStudy)", seconds: (performance.now() - t0) / 1000, prompts: summary.ran, genTokens: gen, note: `${events} progress events, ${summary.failed} failed` };
  db.close();
  return { minimal, harness };
}

function table(rows: (string | number)[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (typeof c === "number" ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join("  ")).join("\n");
}

async function benchModel(label: string, path: string, study: Study, n: number, gpu: GpuChoice, skipNaive: boolean) {
  const model: ModelRef = { id: label, source: path };
  const probe = await loadLlamaCpp(path, { gpu });
  const win = benchWindow(buildRequests(study, model, probe), probe.info.preferredBatch ?? 8, n);
  await probe.dispose();
  const { work } = win;
  const requests = work.requests;
  const base: LlamaCppOptions = { gpu };
  // The first pass over a workload pays one-off costs (GPU shader/pipeline compilation per batch shape, page cache):
  // an untimed pass first, so the first timed row is not penalised for going first.
  await timeBackend("warm-up", path, gpu ? work : { ...work, calls: [requests.slice(0, 16)], requests: requests.slice(0, 16) }, base);
  const frh = await timeBackend("frh batched (all on)", path, work, base);
  const noReuse = await timeBackend("  without prefix reuse", path, work, { ...base, prefixReuse: false });
  const noStop = await timeBackend("  without early stop (full text)", path, work, { ...base, earlyStop: null });
  const fullReads = await timeBackend("  with whole-vocabulary Map reads", path, work, { ...base, reads: "full" });
  const naive = skipNaive ? null : await timeNaive(path, requests, gpu);
  const { minimal, harness } = await timeEndToEnd(study, model, n, gpu);
  const rows: (string | number)[][] = [["run", "seconds", "prompts/s", "gen tokens", "note"]];
  const note = (t: Timing & { counters?: Record<string, number> }) => t.counters ? `reused ${(100 * t.counters.reusedTokens / Math.max(1, t.counters.promptTokens)).toFixed(0)}% of prompt tokens, ${t.counters.earlyStops} early stops, ${t.counters.dispatches} dispatches` : t.note ?? "";
  for (const t of [naive, frh, noReuse, noStop, fullReads, minimal, harness]) if (t) rows.push([t.name, +t.seconds.toFixed(2), +rate(t).toFixed(2), t.genTokens, note(t)]);
  const r = (x: number) => +x.toFixed(2);
  const result = {
    model: label, path, prompts: requests.length, gpu,
    window: { study: study.id, firstBatch: win.firstBatch, batches: win.batches, sharedPrefixChars: win.shared },
    p1: naive ? r(naive.seconds / frh.seconds) : null,
    p2: r(minimal.seconds / harness.seconds),
    gains: { prefixReuse: r(noReuse.seconds / frh.seconds), earlyStop: r(noStop.seconds / frh.seconds), narrowReads: r(fullReads.seconds / frh.seconds) },
    promptsPerSecond: { frh: r(rate(frh)), naive: naive ? r(rate(naive)) : null, endToEnd: r(rate(harness)) },
    reusedPromptTokenShare: r(frh.counters.reusedTokens / Math.max(1, frh.counters.promptTokens)),
    tokens: { prompt: frh.counters.promptTokens, evaluated: frh.counters.promptTokens - frh.counters.reusedTokens, generated: frh.counters.generatedTokens, naiveGenerated: naive?.genTokens ?? null },
    timings: [naive, frh, noReuse, noStop, fullReads, minimal, harness].filter(Boolean),
  };
  console.log(`\n== ${label} — ${requests.length} prompts (${study.id}: batches ${win.firstBatch + 1}–${win.firstBatch + win.windowBatches} of ${win.batches} in the run's schedule), maxTokens ${study.decoding.maxTokens}, ${gpu ? `GPU ${gpu}` : `CPU, ${cpus().length} cores`}`);
  console.log(`prompt characters shared with the previous prompt on the same sequence: whole run ${(100 * win.shared.wholeRun).toFixed(0)}%, timed window ${(100 * win.shared.window).toFixed(0)}%`);
  console.log(table(rows));
  console.log(`P1 (naive ÷ frh batched) = ${result.p1 ?? "skipped"}   target ≥ 5`);
  console.log(`P2 (minimal ÷ frh run end to end) = ${result.p2}   target ≥ 0.9`);
  console.log(`gains: prefix reuse ×${result.gains.prefixReuse}, early stop ×${result.gains.earlyStop}, narrow reads ×${result.gains.narrowReads}`);
  return result;
}

/** The planted model (src/plant, its own small vocabulary): the woman persona pushes towards refusal. */
async function plantedModel(): Promise<string | null> {
  const p = join(ROOT, "src/plant/index.ts");
  if (!existsSync(p)) return null;
  const mod = await import(p) as { writePlantedGguf?: (law: unknown, path: string) => { path: string } };
  if (typeof mod.writePlantedGguf !== "function") return null;
  const law = { base: -0.5, triggers: { woman: 2, man: -0.5 }, itemNoise: 1, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 7 };
  return mod.writePlantedGguf(law, join(OUT_DIR, "planted.gguf")).path;
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const gpu = (arg("gpu") ?? false) as GpuChoice;
  const n = Number(arg("prompts") ?? 48);
  const study = loadStudy(resolve(arg("study") ?? join(ROOT, "datasets/studies/default.yaml")));
  const t0 = performance.now();
  const modelPath = arg("model") ?? join(OUT_DIR, "random-0.5b-q8-v2.gguf");
  const m = await ensureRandomGguf(modelPath, VOCAB, SHAPE_05B);
  console.log(`model ${m.path}: ${(m.bytes / 2 ** 20).toFixed(0)} MiB Q8_0, ${m.written ? "written" : "reused"} (0.5B shape: embd ${SHAPE_05B.embd}, ${SHAPE_05B.blocks} blocks, ${SHAPE_05B.heads} heads, ${SHAPE_05B.kvHeads} KV heads, FFN ${SHAPE_05B.ffn}, 32k vocab)`);
  const main = await benchModel("random-0.5b-q8", m.path, study, n, gpu, flag("skip-naive"));
  let planted: unknown = "skipped: src/plant/index.ts has no writePlantedGguf";
  const pp = flag("skip-planted") ? null : await plantedModel().catch((e) => { planted = `skipped: ${(e as Error).message}`; return null; });
  if (pp) planted = await benchModel("planted", pp, study, n, gpu, flag("skip-naive"));
  else console.log(`\nplanted model: ${planted}`);
  const result = { ...main, planted, totalSeconds: +((performance.now() - t0) / 1000).toFixed(1), machine: { cores: cpus().length, cpu: cpus()[0]?.model } };
  const out = arg("out");
  if (out) { writeFileSync(out, JSON.stringify(result, null, 2) + "\n"); console.log(`\nwrote ${out}`); }
  console.log(`total ${result.totalSeconds} s`);
}

await main();
