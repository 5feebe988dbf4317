// The Backend contract, as node:test tests any backend must pass: order preserved (first-token records and
// response texts), the full next-token distribution sums to 1, batched equals one-by-one, onResult reports each
// result once with its request index, dispose idempotent, generate after dispose rejects.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, FirstTokenRecord, GenerationRequest, WatchList } from "../../../src/types.ts";

export interface ContractOptions {
  /** Prompts that give visibly different first-token records (so a shuffled order would be caught). */
  prompts?: string[];
  watch?: WatchList;
  /** The model's vocabulary size, when known: the full distribution must have exactly this many entries. */
  vocabSize?: number;
  /** Why the suite cannot run here (missing fixture), as node:test's skip. */
  skip?: string | false;
}

const defaultPrompts = ["Is this neutral?", "The cat sat on the mat.", "Premise: rain. Hypothesis: wet.", "x", "Ein Satz auf Deutsch, bitte.", "Answer with one word."];
const defaultWatch: WatchList = { labels: [{ id: "neutral", words: ["neutral"] }, { id: "contradiction", words: ["contradiction"] }], refusalOnsets: ["I'm sorry", "Sorry", "I cannot"], topK: 5 };
const decoding = { maxTokens: 4, temperature: 0, topK: 40, topP: 0.95, seed: 0 };

export function backendContract(name: string, load: () => Promise<Backend>, opts: ContractOptions = {}): void {
  const prompts = opts.prompts ?? defaultPrompts;
  const watch = opts.watch ?? defaultWatch;
  const req = (content: string, w: WatchList = watch): GenerationRequest =>
    ({ prompt: { messages: [{ role: "user", content }], placement: "none", text: "" }, decoding, seed: 7, watch: w });

  test(`backend contract: ${name}`, { skip: opts.skip ?? false }, async (t) => {
    const b = await load();
    try {
      await t.test("the full next-token distribution sums to 1", async () => {
        const [r] = await b.generate([req(prompts[0], { ...watch, topK: Number.MAX_SAFE_INTEGER })]);
        assert.equal(r.error, undefined);
        const top = r.firstToken!.topK;
        if (opts.vocabSize !== undefined) assert.equal(top.length, opts.vocabSize);
        assert.equal(new Set(top.map((x) => x.token)).size, top.length, "each token once");
        const total = top.reduce((s, x) => s + x.p, 0);
        assert.ok(Math.abs(total - 1) < 1e-4, `sum ${total}`);
        assert.ok(top.every((x, i) => i === 0 || top[i - 1].p >= x.p), "sorted high to low");
        const p = new Map(top.map((x) => [x.token, x.p]));
        assert.ok(r.firstToken!.answerMass <= Object.values(r.firstToken!.labelMass).reduce((a, c) => a + c, 0) + 1e-9);
        assert.ok(r.firstToken!.answerMass + r.firstToken!.refusalMass <= 1 + 1e-6);
        assert.ok(top.length > 1 && p.size === top.length);
      });

      await t.test("batched equals one-by-one within 1e-4", async () => {
        const batched = await b.generate(prompts.map((c) => req(c)));
        const single = [];
        for (const c of prompts) single.push((await b.generate([req(c)]))[0]);
        assert.equal(batched.length, prompts.length);
        for (let i = 0; i < prompts.length; i++) {
          assert.equal(batched[i].error, undefined, `prompt ${i}: ${batched[i].error}`);
          sameRecord(batched[i].firstToken!, single[i].firstToken!, `prompt ${i}`);
        }
      });

      await t.test("results come back in request order: records and texts", async () => {
        const fwd = await b.generate(prompts.map((c) => req(c)));
        const rev = await b.generate(prompts.slice().reverse().map((c) => req(c)));
        for (let i = 0; i < prompts.length; i++) {
          const back = rev[prompts.length - 1 - i];
          sameRecord(fwd[i].firstToken!, back.firstToken!, `prompt ${i}`);
          // greedy decoding: the same prompt gives the same text wherever it sits in the batch
          assert.equal(fwd[i].text, back.text, `prompt ${i}: text`);
          assert.equal(fwd[i].generatedTokens, back.generatedTokens, `prompt ${i}: generated tokens`);
        }
        // the checks above only mean something if the prompts are told apart by their records and texts
        const keys = new Set(fwd.map((r) => `${r.firstToken!.topK[0].token}:${r.firstToken!.refusalMass.toExponential(4)}:${r.firstToken!.answerMass.toExponential(4)}`));
        assert.ok(keys.size >= 3, `only ${keys.size} distinct records among ${prompts.length} prompts`);
        const texts = new Set(fwd.map((r) => r.text));
        assert.ok(texts.size >= 2, `only ${texts.size} distinct texts among ${prompts.length} prompts: ${JSON.stringify([...texts])}`);
      });

      await t.test("onResult reports every result once, with its request index", async () => {
        const seen = new Map<number, string>();
        const out = await b.generate(prompts.map((c) => req(c)), {
          onResult: (i, r) => { assert.ok(!seen.has(i), `result ${i} reported twice`); seen.set(i, r.text); },
        });
        assert.deepEqual([...seen.keys()].sort((x, y) => x - y), prompts.map((_, i) => i));
        out.forEach((r, i) => assert.equal(seen.get(i), r.text, `result ${i}`));
      });

      await t.test("an empty batch gives an empty result", async () => {
        assert.deepEqual(await b.generate([]), []);
      });
    } finally {
      await b.dispose();
      await b.dispose(); // idempotent
    }
    await assert.rejects(b.generate([req("after dispose")]), /after dispose/);
  });
}

function sameRecord(a: FirstTokenRecord, s: FirstTokenRecord, what: string): void {
  assert.ok(Math.abs(a.refusalMass - s.refusalMass) < 1e-4, `${what}: refusalMass ${a.refusalMass} vs ${s.refusalMass}`);
  assert.ok(Math.abs(a.answerMass - s.answerMass) < 1e-4, `${what}: answerMass ${a.answerMass} vs ${s.answerMass}`);
  for (const k of Object.keys(a.labelMass)) assert.ok(Math.abs(a.labelMass[k] - s.labelMass[k]) < 1e-4, `${what}: label ${k}`);
  for (let j = 0; j < Math.min(3, a.topK.length); j++) assert.ok(Math.abs(a.topK[j].p - s.topK[j].p) < 1e-4, `${what}: top ${j}`);
}
