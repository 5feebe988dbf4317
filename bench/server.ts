// node --import tsx bench/server.ts [--prompts N] [--max-tokens N] [--model path.gguf] [--out file.json]
// frh through a real llama-server (built by `npm run server:build`) on the bench's 0.5B-shape random GGUF:
//  ratio = frh run end to end (runStudy: render through the server, plan, SQLite, detectors) ÷ a minimal client
//          making the same HTTP requests (tokenize, first-token call with n_probs = vocabulary, continuation) with
//          the same concurrency and no storage. 1.0 = no harness overhead. Same server, same run.
//  prompts/s of frh through the server at concurrency 1, 4 and 16 (the server has 16 slots).
// Numbers are printed; nothing here is asserted (GUIDE: speed lives in bench/).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpus, loadavg } from "node:os";
import { spawn, spawnSync } from "node:child_process";
import { ensureRandomGguf } from "./gguf.ts";
import { loadStudy, type Study } from "../src/spec/study.ts";
import { expandPlan } from "../src/spec/design.ts";
import { buildMessages, renderPlain } from "../src/prompts/render.ts";
import { runStudy, trialSeed } from "../src/run/run.ts";
import { openDb, closeDb } from "../src/store/db.ts";
import { defaultDetectors } from "../src/run/detectors.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT_DIR = join(ROOT, ".bench-out");
const VOCAB = process.env.FRH_SHARED ? join(process.env.FRH_SHARED, "models/llama-2-tiny-random.gguf") : resolve(ROOT, "../shared/models/llama-2-tiny-random.gguf");
const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };

const N = Number(arg("prompts") ?? 32);
const MAX_TOKENS = Number(arg("max-tokens") ?? 8);
const SLOTS = 16;

function serverBinary(): string {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "server-build.mjs")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error("npm run server:build failed");
  return r.stdout.trim().split("\n").pop()!;
}

async function start(bin: string, model: string) {
  const port = 18000 + Math.floor(Math.random() * 2000);
  const proc = spawn(bin, ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-t", String(cpus().length), "-np", String(SLOTS), "-c", String(SLOTS * 512), "--no-warmup"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(`${url}/health`)).ok) return { url, stop: () => proc.kill("SIGTERM") }; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error("llama-server did not start");
}

/** The same HTTP requests frh's llama-server dialect makes per trial, with nothing else. */
async function minimalClient(url: string, study: Study, texts: { text: string; seed: number }[], concurrency: number, nVocab: number): Promise<number> {
  const post = async (path: string, body: unknown) => (await fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
  const d = study.decoding;
  const sampling = { temperature: d.temperature, top_k: d.topK, top_p: d.topP, min_p: 0, repeat_penalty: 1, presence_penalty: 0, frequency_penalty: 0, typical_p: 1, dry_multiplier: 0, xtc_probability: 0, mirostat: 0, top_n_sigma: -1, cache_prompt: true, return_tokens: true, post_sampling_probs: false };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < texts.length; i = next++) {
      const tok = await post("/tokenize", { content: texts[i].text, add_special: true, parse_special: false }) as { tokens: number[] };
      const first = await post("/completion", { ...sampling, seed: texts[i].seed, prompt: tok.tokens, n_predict: 1, n_probs: nVocab }) as { tokens: number[]; id_slot: number; completion_probabilities: unknown[] };
      if (!first.completion_probabilities?.length) throw new Error("no probabilities");
      await post("/completion", { ...sampling, seed: texts[i].seed, prompt: [...tok.tokens, first.tokens[0]], n_predict: d.maxTokens - 1, n_probs: 0, id_slot: first.id_slot });
    }
  }));
  return (performance.now() - t0) / 1000;
}

async function frhRun(url: string, study: Study, concurrency: number, tag: string): Promise<number> {
  const db = join(OUT_DIR, `server-${tag}.sqlite`);
  for (const s of ["", "-wal", "-shm"]) rmSync(db + s, { force: true });
  const h = openDb(db, { study: study.id });
  const t0 = performance.now();
  try {
    const s = await runStudy(h, study, { models: [{ id: "random05b", source: `openai:${url}/v1` }], limit: N, detectors: defaultDetectors(), backend: { concurrency } });
    if (s.failed) throw new Error(`${s.failed} trials failed`);
  } finally { closeDb(h); }
  return (performance.now() - t0) / 1000;
}

mkdirSync(OUT_DIR, { recursive: true });
const { path: model } = await ensureRandomGguf(arg("model") ?? join(OUT_DIR, "random-05b-q8.gguf"), VOCAB);
const study = loadStudy(join(ROOT, "bench", "study.yaml"));
study.decoding = { ...study.decoding, maxTokens: MAX_TOKENS };
const bin = serverBinary();
const server = await start(bin, model);
try {
  const nVocab = ((await (await fetch(`${server.url}/v1/models`)).json()) as { data: { meta: { n_vocab: number } }[] }).data[0].meta.n_vocab;
  // The plan's first N prompts, rendered as frh renders them for a model without a chat template.
  const plan = expandPlan(study, [{ id: "random05b", source: "x" }]).slice(0, N);
  const texts = plan.map((t) => {
    const text = renderPlain(buildMessages(t.persona, t.paraphrase, t.item, { personaTemplate: study.personaTemplate, placement: "user-prefix" }).messages, study.prompt.plainTemplate);
    return { text, seed: trialSeed(study.decoding, t.replicate, text) };
  });
  // Warm the server on every prompt, untimed: the first pass over a memory-mapped model pays for reading it from
  // disk (on the shared bench machine that alone made a first pass up to 10× slower).
  await minimalClient(server.url, study, texts, 4, nVocab);
  // The machine is shared and noisy: the ratio pairs alternate (frh, minimal, minimal, frh) and each side keeps
  // its faster run; the load average is printed with the figures.
  const rows: Record<string, number> = {};
  const f1 = await frhRun(server.url, study, 4, "c4a");
  const m1 = await minimalClient(server.url, study, texts, 4, nVocab);
  const m2 = await minimalClient(server.url, study, texts, 4, nVocab);
  const f2 = await frhRun(server.url, study, 4, "c4b");
  rows.frh_c4 = Math.min(f1, f2);
  rows.minimal_c4 = Math.min(m1, m2);
  for (const c of [1, 16]) rows[`frh_c${c}`] = await frhRun(server.url, study, c, `c${c}`);
  const out = {
    model, prompts: N, maxTokens: MAX_TOKENS, slots: SLOTS, cpus: cpus().length, nVocab, loadAverage: loadavg(), runs: { frh_c4: [f1, f2], minimal_c4: [m1, m2] },
    ratio_frh_over_minimal_c4: rows.frh_c4 / rows.minimal_c4,
    seconds: rows,
    promptsPerSecond: { c1: N / rows.frh_c1, c4: N / rows.frh_c4, c16: N / rows.frh_c16, minimal_c4: N / rows.minimal_c4 },
  };
  console.log(JSON.stringify(out, null, 2));
  const file = arg("out");
  if (file) writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
} finally {
  server.stop();
}
