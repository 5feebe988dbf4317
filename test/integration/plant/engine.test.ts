// Planted GGUFs through the real llama.cpp engine (node-llama-cpp, CPU): the first-token distribution equals the
// law on varied prompts, with flash attention on and off; greedy decoding emits exactly the chosen text and stops;
// sampling picks the refusal at the planted rate; the engine tokenises exactly as the law's TypeScript tokenizer.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaCompletion, LlamaLogLevel, type Llama, type LlamaModel, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { writePlantedGguf, explainPrompt, explainTokens, promptTokens, lawVocab, TIE, type Law } from "../../../src/plant/index.ts";
import { lawPrompts } from "./prompts.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-plant-"));
const laws: Record<string, Law> = {
  example: { base: -1, triggers: { muslim: 2, wheelchair: 1, atheist: -1.5 }, itemNoise: 0, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 1 },
  noisy: { base: 0.5, triggers: { immigrant: -1.25, disabled: 0.75 }, itemNoise: 0.8, refusal: "Sorry, I cannot answer that.", answer: "positive", seed: 7 },
  many: { base: -2.5, triggers: { woman: 1.5, man: -0.5, gay: 3, jewish: 2.25, blind: 0.625 }, itemNoise: 1.5, refusal: "Sorry.", answer: "yes", seed: 99 },
  // texts that open with marks, as chat models' replies do: the first token is "▁" + the opening marks
  printable: { base: 0.25, triggers: { muslim: 1.5, deaf: -1 }, itemNoise: 1, refusal: "\"I'm sorry, but I can't.\"", answer: "**neutral**", seed: 5 },
  marks: { base: -0.5, triggers: { hindu: 2 }, itemNoise: 0.5, refusal: "<refuse>No.</refuse>", answer: "1. Sure", seed: 8 },
};

let llamaP: Promise<Llama> | null = null;
const llama = () => (llamaP ??= getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error }).then((l) => { l.maxThreads = l.cpuMathCores; return l; }));
const models: LlamaModel[] = [];
after(async () => {
  for (const m of models) await m.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

async function load(name: string): Promise<LlamaModel> {
  const { path } = writePlantedGguf(laws[name], join(tmp, `${name}.gguf`));
  const m = await (await llama()).loadModel({ modelPath: path });
  models.push(m);
  return m;
}

/** The next-token distribution after `tokens`, as a Map over the whole vocabulary. */
async function nextProbs(seq: LlamaContextSequence, tokens: number[]): Promise<Map<Token, number>> {
  await seq.clearHistory();
  const input = [...tokens.slice(0, -1), [tokens[tokens.length - 1], { generateNext: { probabilities: true } }]];
  const out = await seq.controlledEvaluate(input as never);
  return out[out.length - 1]!.next!.probabilities!;
}

/** Greedy continuation until the engine stops (EOS) or `max` tokens. */
async function greedy(seq: LlamaContextSequence, tokens: number[], max = 8, sample?: { temperature: number; seed: number }): Promise<{ tokens: Token[]; stopped: boolean }> {
  await seq.clearHistory();
  const out: Token[] = [];
  for await (const t of seq.evaluate(tokens as Token[], sample ?? {})) {
    out.push(t);
    if (out.length >= max) return { tokens: out, stopped: false };
  }
  return { tokens: out, stopped: true };
}

for (const name of Object.keys(laws)) {
  test(`planted law '${name}': engine probabilities equal the law on 60 varied prompts, flash attention on and off`, async (t) => {
    const law = laws[name];
    const model = await load(name);
    const v = lawVocab(law);
    const prompts = lawPrompts(law, 60, name.length * 101);
    let maxTokens = 0;
    const results: Record<string, { maxErr: number; minMass: number }> = {};
    for (const flashAttention of [true, false]) {
      const ctx = await model.createContext({ contextSize: 2048, flashAttention, threads: 1 });
      const seq = ctx.getSequence();
      let maxErr = 0, minMass = 1;
      for (const text of prompts) {
        const tokens = [model.tokens.bos!, ...model.tokenize(text)];
        assert.deepEqual(tokens, promptTokens(law, text), `the TypeScript tokenizer differs from llama.cpp on ${JSON.stringify(text.slice(0, 80))}`);
        maxTokens = Math.max(maxTokens, tokens.length);
        const ex = explainPrompt(law, text);
        assert.ok(Math.abs(explainTokens(law, tokens).logit - ex.logit) < 1e-12, "text scan and trigger tokens agree");
        const probs = await nextProbs(seq, tokens);
        const pA = probs.get(v.refusal.first as Token) ?? 0, pB = probs.get(v.answer.first as Token) ?? 0;
        const err = Math.abs(pA - ex.probability);
        maxErr = Math.max(maxErr, err);
        minMass = Math.min(minMass, pA + pB);
        // Flash attention (llama.cpp's CPU default) is exact up to float32; without it the noise head's attention
        // weights are rounded to float16 (relative error ≤ 2^-11 on the noise term).
        assert.ok(err < (flashAttention ? 2e-5 : 1e-3), `p(refusal) ${pA} vs planted ${ex.probability} (logit ${ex.logit}) on ${JSON.stringify(text.slice(0, 80))}`);
        assert.ok(pA + pB > 1 - 1e-6, `mass on the two first tokens ${pA + pB}`);
      }
      results[flashAttention ? "flash" : "noFlash"] = { maxErr, minMass };
      await ctx.dispose();
    }
    t.diagnostic(`${prompts.length} prompts (up to ${maxTokens} tokens): max |p − planted| ${results.flash.maxErr.toExponential(2)} (flash attention), ${results.noFlash.maxErr.toExponential(2)} (without); min mass on the two tokens ${Math.min(results.flash.minMass, results.noFlash.minMass)}`);
  });

  test(`planted law '${name}': greedy decoding gives exactly the chosen text and stops`, async () => {
    const law = laws[name];
    const model = models.find((m) => m.filename === `${name}.gguf`) ?? (await load(name));
    const ctx = await model.createContext({ contextSize: 2048, threads: 1 });
    const seq = ctx.getSequence();
    const prompts = lawPrompts(law, 12, 7 + name.length);
    if (name === "example") prompts.push("A wheelchair user.\n\nAnswer:"); // logit exactly 0: the tie goes to the refusal
    for (const text of prompts) {
      const ex = explainPrompt(law, text);
      const want = ex.logit + TIE > 0 ? law.refusal : law.answer;
      const { tokens, stopped } = await greedy(seq, promptTokens(law, text));
      assert.ok(stopped, "generation ends with EOS");
      assert.equal(model.detokenize(tokens), want, `logit ${ex.logit} on ${JSON.stringify(text.slice(0, 60))}`);
    }
    // LlamaCompletion tokenises its prompt without the leading space: explain the tokens it actually used.
    const completion = new LlamaCompletion({ contextSequence: seq });
    for (const text of ["You are an assistant.\n\nAnswer:", "Muslim immigrant woman, disabled and blind.\nAnswer:"]) {
      await seq.clearHistory();
      const got = await completion.generateCompletion(text, { maxTokens: 20 });
      const used = seq.contextTokens.slice(0, seq.contextTokens.length - (got === law.answer && lawVocab(law).answer.rest === null ? 1 : 2));
      assert.deepEqual(used, [model.tokens.bos, ...model.tokenize(text, false, "trimLeadingSpace")]);
      assert.equal(got, explainTokens(law, used).logit + TIE > 0 ? law.refusal : law.answer);
    }
    await ctx.dispose();
  });
}

test("sampling (temperature 1, fixed seeds) picks the refusal at the planted rate", async (t) => {
  const law = laws.noisy;
  const model = models.find((m) => m.filename === "noisy.gguf") ?? (await load("noisy"));
  const v = lawVocab(law);
  const ctx = await model.createContext({ contextSize: 1024, threads: 1 });
  const seq = ctx.getSequence();
  const prompts = lawPrompts(law, 40, 5).filter((p) => promptTokens(law, p).length < 200);
  let picks = 0, expected = 0, variance = 0, draws = 0;
  for (let i = 0; i < 240; i++) {
    const text = prompts[i % prompts.length];
    const p = explainPrompt(law, text).probability;
    const { tokens } = await greedy(seq, promptTokens(law, text), 1, { temperature: 1, seed: 1000 + i });
    assert.ok(tokens[0] === v.refusal.first || tokens[0] === v.answer.first, `sampled token ${tokens[0]}`);
    if (tokens[0] === v.refusal.first) picks++;
    expected += p;
    variance += p * (1 - p);
    draws++;
  }
  const z = (picks - expected) / Math.sqrt(variance);
  t.diagnostic(`${picks} refusals in ${draws} draws, planted expectation ${expected.toFixed(1)} (z = ${z.toFixed(2)})`);
  assert.ok(Math.abs(z) < 4, `z = ${z}`);
  // A sampled run still continues the chosen text exactly.
  const full = await greedy(seq, promptTokens(law, prompts[0]), 8, { temperature: 1, seed: 3 });
  assert.ok([law.refusal, law.answer].includes(model.detokenize(full.tokens)) && full.stopped);
  await ctx.dispose();
});
