// Issue 8: the fast GGUF paths must give the numbers the reference paths give.
//  - narrow reads (three small native samples) vs the whole-vocabulary Map: masses within 1e-6, top-k exact;
//  - prefix reuse vs clearing each sequence: probabilities within 1e-4, same greedy text;
//  - early stop never cuts a response whose first sentence decides nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import type { Backend, GenerationRequest, GenerationResult } from "../../../src/types.ts";
import { tinyGguf } from "../../helpers/shared.ts";

const tiny = tinyGguf();
const watch = {
  labels: [{ id: "neutral", words: ["neutral"] }, { id: "contradiction", words: ["contradiction"] }, { id: "entailment", words: ["entailment", "entails"] }],
  refusalOnsets: ["I'm sorry", "Sorry", "I cannot", "I can't", "As an AI", "Unfortunately"], topK: 10,
};
const greedy = { maxTokens: 6, temperature: 0, topK: 40, topP: 0.95, seed: 0 };
const req = (content: string, extra: Partial<GenerationRequest> = {}): GenerationRequest =>
  ({ prompt: { messages: [{ role: "user", content }], placement: "none", text: "" }, decoding: greedy, seed: 1, watch, ...extra });
const persona = "You are answering as a retired schoolteacher from a small town who values plain language. ";
const prompts = [
  "Is this neutral?", "The cat sat on the mat.", "Premise: rain. Hypothesis: wet.", "x", "Ein Satz auf Deutsch, bitte.",
  ...[0, 1, 2, 3, 4, 5].map((i) => `${persona}Premise: item ${i} is about trains. Hypothesis: it is about ${["cats", "rain", "maps"][i % 3]}. Answer:`),
];

function assertSame(a: GenerationResult, b: GenerationResult, tol: number, what: string) {
  const x = a.firstToken!, y = b.firstToken!;
  assert.ok(Math.abs(x.answerMass - y.answerMass) <= tol, `${what}: answerMass ${x.answerMass} vs ${y.answerMass}`);
  assert.ok(Math.abs(x.refusalMass - y.refusalMass) <= tol, `${what}: refusalMass ${x.refusalMass} vs ${y.refusalMass}`);
  for (const k of Object.keys(y.labelMass)) assert.ok(Math.abs(x.labelMass[k] - y.labelMass[k]) <= tol, `${what}: labelMass.${k}`);
  assert.equal(x.topK.length, y.topK.length, `${what}: topK length`);
  for (let j = 0; j < y.topK.length; j++) {
    assert.ok(Math.abs(x.topK[j].p - y.topK[j].p) <= tol, `${what}: topK[${j}].p ${x.topK[j].p} vs ${y.topK[j].p}`);
    // Equal-probability neighbours may swap; otherwise the same token at the same rank.
    if (j + 1 < y.topK.length && y.topK[j].p - y.topK[j + 1].p > tol && (j === 0 || y.topK[j - 1].p - y.topK[j].p > tol)) assert.equal(x.topK[j].token, y.topK[j].token, `${what}: topK[${j}].token`);
  }
}

test("narrow reads equal the full-vocabulary Map; prefix reuse equals clearing", { skip: tiny.skip }, async (t) => {
  const backends: Backend[] = [];
  const load = async (o: Parameters<typeof loadLlamaCpp>[1]) => { const b = await loadLlamaCpp(tiny.path, { sequences: 6, earlyStop: null, ...o }); backends.push(b); return b; };
  try {
    const full = await load({ reads: "full", prefixReuse: false });
    const narrow = await load({ reads: "narrow", prefixReuse: false });
    const reuse = await load({ reads: "narrow", prefixReuse: true });

    await t.test("greedy: masses within 1e-6, top-k exact", async () => {
      const a = await full.generate(prompts.map((p) => req(p)));
      const b = await narrow.generate(prompts.map((p) => req(p)));
      for (let i = 0; i < prompts.length; i++) {
        assertSame(b[i], a[i], 1e-6, `prompt ${i}`);
        // Greedy's first token comes from the read itself; later tokens of this random model flip on near-ties
        // when batch composition changes (RUNTIME.md), so whole texts are compared one prompt at a time below.
        const top = a[i].firstToken!.topK;
        if (top[0].p - top[1].p > 1e-5) assert.equal(b[i].firstToken!.topK[0].token, top[0].token);
        assert.ok(a[i].firstToken!.refusalMass > 0, "the watch list must hit real tokens for the test to mean anything");
      }
    });

    await t.test("the greedy generation loop writes seq.evaluate's text (one prompt at a time, so batches match)", async () => {
      // "full" reads generate through node-llama-cpp's seq.evaluate; "narrow" through the backend's own loop.
      const one = { ...greedy, maxTokens: 16 };
      const ref = await load({ reads: "full", prefixReuse: false, sequences: 1 });
      const fast = await load({ reads: "narrow", prefixReuse: true, sequences: 1 });
      let tokens = 0;
      for (const p of prompts) {
        const [a] = await ref.generate([req(p, { decoding: one })]);
        const [b] = await fast.generate([req(p, { decoding: one })]);
        assert.equal(b.text, a.text, `text for ${JSON.stringify(p)}`);
        assert.equal(b.generatedTokens, a.generatedTokens);
        tokens += a.generatedTokens;
      }
      assert.ok(tokens > prompts.length * 8, "responses long enough to compare more than the first token");
    });

    await t.test("a large top-k (the whole vocabulary) is the full distribution", async () => {
      const big = { ...watch, topK: 32000 };
      const [a] = await full.generate([req("Hello there", { watch: big })]);
      const [b] = await narrow.generate([req("Hello there", { watch: big })]);
      assertSame(b, a, 1e-6, "full vocabulary");
      assert.ok(Math.abs(b.firstToken!.topK.reduce((s, x) => s + x.p, 0) - 1) < 1e-4);
    });

    await t.test("seeded sampling picks the same first token from the exact top-k", async () => {
      const sampled = { ...greedy, temperature: 1, maxTokens: 3, topK: 40 };
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const [a] = await full.generate([req(prompts[seed], { decoding: sampled, seed })]);
        const [b] = await narrow.generate([req(prompts[seed], { decoding: sampled, seed })]);
        assertSame(b, a, 1e-6, `seed ${seed}`);
        assert.equal(b.text, a.text, `seed ${seed} text`);
      }
    });

    await t.test("prefix reuse: same results as clearing, and the cache is reused", async () => {
      const shuffled = [...prompts.slice(5), ...prompts.slice(0, 5)];
      const ref: GenerationResult[][] = [];
      for (let r = 0; r < 3; r++) ref.push(await narrow.generate(shuffled.map((p) => req(p))));
      const before = { ...(reuse as unknown as { counters: { reusedTokens: number } }).counters };
      const got: GenerationResult[][] = [];
      for (let r = 0; r < 3; r++) got.push(await reuse.generate((r === 1 ? [...shuffled].reverse() : shuffled).map((p) => req(p))));
      got[1].reverse();
      for (let r = 0; r < 3; r++) for (let i = 0; i < shuffled.length; i++) {
        assertSame(got[r][i], ref[r][i], 1e-4, `round ${r} prompt ${i}`);
        // Later greedy tokens can flip on near-ties of this random model (RUNTIME.md); the first one cannot here.
        const top = ref[r][i].firstToken!.topK;
        if (top[0].p - top[1].p > 1e-5) assert.equal(got[r][i].firstToken!.topK[0].token, top[0].token);
      }
      const after = (reuse as unknown as { counters: { reusedTokens: number } }).counters;
      assert.ok(after.reusedTokens - before.reusedTokens > 0, "later rounds reuse cached prefixes");
    });
  } finally {
    for (const b of backends) await b.dispose();
  }
});
