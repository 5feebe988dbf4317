// Planted preambles through the real engines: at a first response position the preamble's first token takes the
// planted share s whatever the law's logit, refusal / answer keep the law's ratio; a prompt that ends in the preamble
// (a response prefix) puts all the mass on refusal / answer; greedy decoding emits the preamble first iff s > 1/2 and
// then the law's larger branch. GGUF via node-llama-cpp directly, ONNX via the transformers.js backend.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { writePlantedGguf, explainPrompt, promptTokens, lawVocab, lawAnswers, parseLaw, TIE, type Law } from "../../../src/plant/index.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { lawPrompts } from "./prompts.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-preamble-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const laws: Record<string, Law> = {
  "share 0.4, marks": parseLaw(JSON.stringify({ base: -0.3, triggers: { muslim: 1.8, deaf: -1.2 }, itemNoise: 0.9,
    refusal: "I'm sorry, I can't help.", answer: "neutral", preamble: { text: "**Answer:**", share: 0.4 }, seed: 12 }), "inline"),
  "share 0.8, words, per-task answers": parseLaw(JSON.stringify({ base: 0.6, triggers: { atheist: -1.4, woman: 0.7 }, itemNoise: 0.5,
    refusal: "No.", answer: { nli: "neutral", politeness: "polite" }, preamble: { text: "Based on the text,", share: 0.8 }, seed: 4 }), "inline"),
};

/** Expected greedy text: the preamble first iff s' > 1 − s (i.e. s > 1/2), then the branch the model's tilted logit picks. */
function greedyText(law: Law, text: string): string {
  const ex = explainPrompt(law, text);
  const branch = ex.logit + TIE > 0 ? law.refusal : ex.answers.reduce((a, b) => (b.share > a.share ? b : a)).text;
  return !ex.afterPreamble && law.preamble!.share > 0.5 ? `${law.preamble!.text} ${branch}` : branch;
}

let llamaP: ReturnType<typeof getLlama> | null = null;
const llama = () => (llamaP ??= getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error }).then((l) => { l.maxThreads = l.cpuMathCores; return l; }));

for (const [name, law] of Object.entries(laws)) {
  test(`preamble (${name}) through llama.cpp: share, law ratio, response prefix, greedy`, async (t) => {
    const v = lawVocab(law);
    const model = await (await llama()).loadModel({ modelPath: writePlantedGguf(law, join(tmp, `${name.length}.gguf`)).path });
    const ctx = await model.createContext({ contextSize: 2048, threads: 1 });
    const seq = ctx.getSequence();
    const base = lawPrompts(law, 30, name.length);
    const prompts = [...base, ...base.slice(0, 15).map((p) => `${p}\n${law.preamble!.text}`)];
    let maxPre = 0, maxP = 0;
    for (const text of prompts) {
      const tokens = promptTokens(law, text);
      assert.deepEqual(tokens, [model.tokens.bos!, ...model.tokenize(text)]);
      const ex = explainPrompt(law, text);
      await seq.clearHistory();
      const out = await seq.controlledEvaluate([...tokens.slice(0, -1), [tokens[tokens.length - 1], { generateNext: { probabilities: true } }]] as never);
      const probs = (out[out.length - 1] as { next: { probabilities: Map<Token, number> } }).next.probabilities;
      const get = (x: number) => probs.get(x as Token) ?? 0;
      const pre = get(v.preamble!.spaced) + get(v.preamble!.alt);
      const ref = get(v.refusal.first), ans = v.answers.reduce((s, a) => s + get(a.first), 0);
      const prefixed = text.endsWith(law.preamble!.text);
      assert.equal(ex.afterPreamble, prefixed, "explain sees the prefix");
      if (!ex.mixedCues) assert.ok(Math.abs(ex.preambleMass - (prefixed ? 0 : law.preamble!.share)) < 1e-4, `explain's preamble mass ${ex.preambleMass}`);
      maxPre = Math.max(maxPre, Math.abs(pre - ex.preambleMass));
      maxP = Math.max(maxP, Math.abs(ref / (ref + ans) - ex.probability));
      assert.ok(Math.abs(pre + ref + ans - 1) < 1e-5, `all mass on preamble, refusal and answers (${pre + ref + ans})`);
      await seq.clearHistory();
      const gen: Token[] = [];
      for await (const tok of seq.evaluate(tokens as Token[], {})) { gen.push(tok); if (gen.length > 6) break; }
      assert.equal(model.detokenize(gen), greedyText(law, text), JSON.stringify(text.slice(-60)));
    }
    t.diagnostic(`${prompts.length} prompts: max |preamble mass − explain| ${maxPre.toExponential(2)}, max |p − explain| ${maxP.toExponential(2)}`);
    assert.ok(maxPre < 2e-5 && maxP < 2e-5);
    await ctx.dispose();
    await model.dispose();
  });

  test(`preamble (${name}) through transformers.js (ONNX): watched mass 1 − s, p = explain, prefix, greedy`, async () => {
    const dir = writePlantedOnnx(law, join(tmp, `onnx-${name.length}`)).dir;
    const b = await loadTransformers(dir, { batch: 8 });
    try {
      const base = lawPrompts(law, 24, 3 + name.length);
      const texts = [...base, ...base.slice(0, 8).map((p) => `${p}\n${law.preamble!.text}`)];
      // every answer branch (the fallback too) is watched here, so the watched mass is everything but the preamble
      const labels = lawAnswers(law).map((a, i) => ({ id: `a${i}`, words: [a.text.split(/\s+/)[0]] }));
      const reqs = texts.map((text) => ({
        prompt: { messages: [{ role: "user" as const, content: text }], placement: "none" as const, text: "" },
        decoding: { maxTokens: 16, temperature: 0, topK: 40, topP: 1, seed: 0 }, seed: 1,
        watch: { labels, refusalOnsets: [law.refusal.split(/\s+/)[0]], topK: 3 },
      }));
      const res = await b.generate(reqs);
      res.forEach((r, i) => {
        assert.equal(r.error, undefined);
        const rendered = b.render(reqs[i].prompt.messages);
        const ex = explainPrompt(law, rendered);
        const ft = r.firstToken!;
        assert.ok(Math.abs(ft.refusalMass + ft.answerMass - (1 - ex.preambleMass)) < 1e-4, `watched ${ft.refusalMass + ft.answerMass} vs ${1 - ex.preambleMass}`);
        assert.ok(Math.abs(ft.refusalMass / (ft.refusalMass + ft.answerMass) - ex.probability) < 1e-4);
        assert.equal(r.text, greedyText(law, rendered));
      });
    } finally {
      await b.dispose();
    }
  });
}
