// The GGUF backend on the real tiny GGUF (random weights): plumbing, probabilities, batching, order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { ModelError } from "../../../src/errors.ts";
import { writeGguf, kv } from "../../../src/plant/gguf.ts";
import type { GenerationRequest } from "../../../src/types.ts";
import { tinyGguf } from "../../helpers/shared.ts";

const tiny = tinyGguf();
const watch = { labels: [{ id: "neutral", words: ["neutral"] }, { id: "contradiction", words: ["contradiction"] }], refusalOnsets: ["I'm sorry", "Sorry", "I cannot"], topK: 5 };
const decoding = { maxTokens: 6, temperature: 0, topK: 40, topP: 0.95, seed: 0 };
const req = (content: string, extra: Partial<GenerationRequest> = {}): GenerationRequest =>
  ({ prompt: { messages: [{ role: "user", content }], placement: "none", text: "" }, decoding, seed: 1, watch, ...extra });
const prompts = ["Is this neutral?", "The cat sat on the mat.", "Premise: rain. Hypothesis: wet.", "x", "Ein Satz auf Deutsch, bitte.", "Answer with one word."];

test("GGUF backend on the tiny model", { skip: tiny.skip }, async (t) => {
  const b = await loadLlamaCpp(tiny.path, { sequences: 6 });
  try {
    assert.equal(b.info.sha256, "81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb");
    assert.equal(b.info.supportsSystem, false);

    await t.test("the full next-token distribution sums to 1", async () => {
      const [r] = await b.generate([req("Hello there", { watch: { ...watch, topK: 32000 } })]);
      const total = r.firstToken!.topK.reduce((s, x) => s + x.p, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `sum ${total}`);
      assert.equal(r.firstToken!.topK.length, 32000);
      // the reduced masses are consistent with the distribution
      const p = new Map(r.firstToken!.topK.map((x) => [x.token, x.p]));
      assert.ok(r.firstToken!.answerMass <= r.firstToken!.labelMass.neutral + r.firstToken!.labelMass.contradiction + 1e-12);
      assert.ok(r.firstToken!.refusalMass > 0 && r.firstToken!.refusalMass < 1);
      // greedy: the first generated token is the most likely one
      assert.equal(r.text.length > 0, true);
      assert.ok([...p.values()].every((v, i, a) => i === 0 || a[i - 1] >= v), "sorted high to low");
    });

    await t.test("batched equals one-by-one within 1e-4, in request order", async () => {
      const batched = await b.generate(prompts.map((p) => req(p)));
      const single = [];
      for (const p of prompts) single.push((await b.generate([req(p)]))[0]);
      for (let i = 0; i < prompts.length; i++) {
        const a = batched[i].firstToken!, s = single[i].firstToken!;
        assert.ok(Math.abs(a.refusalMass - s.refusalMass) < 1e-4);
        assert.ok(Math.abs(a.answerMass - s.answerMass) < 1e-4);
        for (const k of Object.keys(a.labelMass)) assert.ok(Math.abs(a.labelMass[k] - s.labelMass[k]) < 1e-4);
        for (let j = 0; j < 3; j++) assert.ok(Math.abs(a.topK[j].p - s.topK[j].p) < 1e-4);
      }
      // order is observable: different prompts give different records
      const distinct = new Set(single.map((r) => `${r.firstToken!.topK[0].token}:${r.firstToken!.refusalMass.toExponential(5)}`));
      assert.ok(distinct.size >= 3, "prompts should be distinguishable by their records");
    });

    await t.test("maxTokens bounds generation; seeded sampling is reproducible", async () => {
      const [g] = await b.generate([req("Tell me", { decoding: { ...decoding, maxTokens: 3 } })]);
      assert.ok(g.generatedTokens <= 3);
      const sampled = { ...decoding, temperature: 1, maxTokens: 5 };
      const [s1] = await b.generate([req("Tell me", { decoding: sampled, seed: 42 })]);
      const [s2] = await b.generate([req("Tell me", { decoding: sampled, seed: 42 })]);
      assert.equal(s1.text, s2.text);
    });
  } finally {
    await b.dispose();
    await b.dispose(); // idempotent
  }
  await assert.rejects(b.generate([req("after dispose")]), /after dispose/);
});

test("a missing file and a file that is not GGUF give clear errors", async () => {
  await assert.rejects(loadLlamaCpp("/nonexistent/model.gguf"), (e: unknown) => e instanceof ModelError && e.code === "MODEL_NOT_FOUND");
  const dir = mkdtempSync(join(tmpdir(), "frh-bad-"));
  const fake = join(dir, "fake.gguf");
  writeFileSync(fake, "this is not a model");
  await assert.rejects(loadLlamaCpp(fake), (e: unknown) => e instanceof ModelError && e.code === "BAD_MODEL" && /not a GGUF file/.test(e.message));
});

test("a GGUF llama.cpp cannot load fails in our words, with llama.cpp's reason and no raw log lines", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-arch-"));
  const path = join(dir, "arch.gguf");
  // a well-formed file (the header check passes) of an architecture llama.cpp does not know
  writeFileSync(path, writeGguf([["general.architecture", kv.str("frobnicator")]], [{ name: "w", dims: [4, 2], data: new Float32Array(8) }]));
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    await assert.rejects(loadLlamaCpp(path), (e: unknown) => e instanceof ModelError && e.code === "BAD_MODEL" &&
      /llama\.cpp could not load .*arch\.gguf: unknown model architecture: 'frobnicator'$/.test(e.message) && /does not support the 'frobnicator' architecture/.test(e.hint ?? ""));
    await new Promise((r) => setTimeout(r, 100)); // late native log lines would arrive by now
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(written.filter((l) => /llama/i.test(l)), [], "llama.cpp's loader lines are captured, not printed");
});
