// llama.cpp reorders a decode's output rows lazily on the first logits read, without a lock; node-llama-cpp
// samples each sequence on its own libuv thread. Tests 1 and 2 are deterministic (the guard's ordering;
// the backend installs it). Test 3 is the race itself, statistical: two sequences, the longer prompt
// on sequence 0 (split_equal then returns the outputs out of batch order), one busy process per core contending
// for the cores (so the contention is the same on 2 cores as on 64). Unguarded, 4,000 decodes gave 4, 12, 16 and
// 20 wrong rows in four runs on a 2-core machine with two busy processes (1,500 decodes missed it once in four);
// guarded, none.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { writePlantedGguf, explainTokens, lawVocab, type Law } from "../../../src/plant/index.ts";
import { serializeFirstSampleAfterDecode as guard } from "../../../src/backends/llamaCpp/guard.ts";
import { nativeContext } from "../../../src/backends/llamaCpp/internals.ts";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { lawPrompts } from "../plant/prompts.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-multiseq-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const DECODES = 4000;
const law: Law = { base: -1, triggers: { muslim: 2, wheelchair: 1, atheist: -1.5, gay: 3 }, itemNoise: 0.5, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 1 };
const path = writePlantedGguf(law, join(tmp, "m.gguf")).path;

test("the guard lets the first sample after a decode run alone, then the rest in parallel", async () => {
  const log: string[] = [];
  let open = 0;
  const proto = {
    decodeBatch: async () => { log.push("decode"); },
    sampleToken: async (i: number) => { open++; log.push(`start ${i} (open ${open})`); await new Promise((r) => setTimeout(r, 5)); open--; return i; },
  };
  const native = Object.create(Object.freeze(proto)); // read-only inherited methods, like the addon's
  assert.equal(guard(native), true);
  for (let round = 0; round < 2; round++) {
    await native.decodeBatch();
    await Promise.all([native.sampleToken(0), native.sampleToken(1), native.sampleToken(2)]);
  }
  const once = ["decode", "start 0 (open 1)", "start 1 (open 1)", "start 2 (open 2)"];
  assert.deepEqual(log, [...once, ...once]);
});

test("a multi-sequence GGUF backend installs the guard on its native context", async () => {
  const backend = await loadLlamaCpp(path, { sequences: 4, threads: 1 });
  try {
    const watch = { labels: [{ id: "neutral", words: ["neutral"] }], refusalOnsets: ["I'm sorry"], topK: 3 };
    await backend.generate([{ prompt: { messages: [{ role: "user", content: "Hi:" }], placement: "none", text: "" }, decoding: { maxTokens: 1, temperature: 0, topK: 40, topP: 1, seed: 0 }, seed: 1, watch }]);
    const internals = backend as unknown as { context: { _ctx: object }; sequences: unknown[] };
    const native = internals.context._ctx;
    assert.ok(Object.hasOwn(native, "sampleToken") && Object.hasOwn(native, "decodeBatch"), "sampleToken/decodeBatch wrapped on the instance");
    assert.equal(internals.sequences.length, 4);
  } finally {
    await backend.dispose();
  }
});

test("two sequences, longer prompt first, 4,000 decodes: every row is its own prompt's law (guarded)", { timeout: 600_000 }, async () => {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createContext({ sequences: 2, contextSize: 512, batchSize: 512, threads: 1 });
  assert.ok(guard(nativeContext(ctx)));
  const v = lawVocab(law);
  const seqs = [ctx.getSequence(), ctx.getSequence()];
  const all = lawPrompts(law, 200, 5).map((t) => [model.tokens.bos!, ...model.tokenize(t)] as number[]).filter((t) => t.length > 8 && t.length < 256);
  const wrong: string[] = [];
  // One busy process per core (at least two) contends for the cores: the samplers' threads get preempted
  // mid-reorder, which widens the race window (on an idle machine 300 unguarded decodes rarely show it). Fewer
  // busy processes than cores would leave the samplers idle cores and no contention. They end on their own when
  // the test's timeout would, should this process die before killing them.
  const busy = Array.from({ length: Math.max(2, availableParallelism()) }, () =>
    spawn(process.execPath, ["-e", "const end = Date.now() + 600_000; while (Date.now() < end) {}"], { stdio: "ignore" }));
  try {
    for (let trial = 0; trial < DECODES; trial++) {
      const pick = [all[(2 * trial) % all.length], all[(2 * trial + 1) % all.length]].sort((a, b) => b.length - a.length);
      if (pick[0].length === pick[1].length) pick[1] = pick[1].slice(0, -1);
      await Promise.all(seqs.map((s) => s.clearHistory()));
      const got = await Promise.all(seqs.map(async (s, i) => {
        const t = pick[i];
        const out = await s.controlledEvaluate([...t.slice(0, -1), [t[t.length - 1], { generateNext: { probabilities: true } }]] as never);
        return (out[out.length - 1] as { next: { probabilities: Map<Token, number> } }).next.probabilities.get(v.refusal.first as Token) ?? 0;
      }));
      got.forEach((p, i) => { const want = explainTokens(law, pick[i]).probability; if (!(Math.abs(p - want) < 2e-5)) wrong.push(`trial ${trial} row ${i}: ${p} vs ${want}`); });
    }
    // the contention lasted the whole loop: every busy process is still running
    assert.deepEqual(busy.map((b) => b.exitCode), busy.map(() => null), "a busy process ended early: the decodes ran without contention");
  } finally {
    for (const b of busy) b.kill();
    await ctx.dispose();
    await model.dispose();
  }
  assert.deepEqual(wrong, []);
});
