// The planted ONNX model obeys its law through the real transformers.js backend: p_refusal within 0.03 of
// plantedProbability (law.ts) on ≥ 99% of varied prompts, greedy text exactly the refusal or the answer on the
// side the law says; and the same law through GGUF (llama.cpp) and ONNX gives the same p on the same prompts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { writePlantedGguf, plantedLogit, type Law } from "../../../src/plant/index.ts";
import type { Backend, ChatMessage, GenerationResult } from "../../../src/types.ts";
import { contractLaw, request, variedPrompts } from "./laws.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-onnx-law-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const laws: Record<string, Law> = {
  "mixed signs, no noise": contractLaw,
  "positive base, negative boosts, noise 0.8": {
    base: 2.5, triggers: { jewish: -1.5, blind: -2.25, immigrant: -0.5 }, itemNoise: 0.8,
    refusal: "Sorry, I won't answer that.", answer: "Not offensive.", seed: 11,
  },
  "many triggers, noise 2, one-word texts": {
    base: 0.3,
    triggers: Object.fromEntries(["black", "white", "asian", "hispanic", "woman", "man", "christian", "hindu", "deaf", "autistic"].map((w, i) => [w, (i % 2 ? -1 : 1) * (0.2 + 0.37 * i)])),
    itemNoise: 2, refusal: "No", answer: "polite", seed: 3,
  },
  "texts opening with marks": { base: -0.25, triggers: { muslim: 1.25, atheist: -1 }, itemNoise: 0.6, refusal: "(I won't answer.)", answer: "\"Sure\" — neutral", seed: 19 },
};

const N = 120;
const p = (r: GenerationResult) => r.firstToken!.refusalMass / (r.firstToken!.refusalMass + r.firstToken!.answerMass);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** In batches of 16, as the run loop sends them (one call with 100 sequences made llama.cpp results flaky). */
async function run(b: Backend, law: Law, prompts: ChatMessage[][]): Promise<GenerationResult[]> {
  const reqs = prompts.map((m) => request(m, law));
  const res: GenerationResult[] = [];
  for (let i = 0; i < reqs.length; i += 16) res.push(...(await b.generate(reqs.slice(i, i + 16))));
  res.forEach((r, i) => assert.equal(r.error, undefined, `prompt ${i}: ${r.error}`));
  return res;
}

for (const [name, law] of Object.entries(laws)) {
  test(`planted ONNX law: ${name}`, async (t) => {
    const dir = writePlantedOnnx(law, join(tmp, name.replace(/\W+/g, "-"))).dir;
    const b = await loadTransformers(dir, { batch: 16 });
    const prompts = variedPrompts(law, N, name.length * 7919);
    try {
      const results = await run(b, law, prompts);
      // The law reads the text the model sees: the plain template's rendering (BOS is the tokenizer's).
      const z = prompts.map((m) => plantedLogit(law, b.render(m)));
      await t.test(`p_refusal within 0.03 of plantedProbability on ≥ 99% of ${N} prompts`, () => {
        const errs = results.map((r, i) => Math.abs(p(r) - sigmoid(z[i])));
        const ok = errs.filter((e) => e <= 0.03).length;
        t.diagnostic(`max |p - planted| = ${Math.max(...errs).toExponential(2)} over ${N} prompts; ${new Set(z.map((x) => x.toFixed(3))).size} distinct logits`);
        assert.ok(ok >= Math.ceil(0.99 * N), `${ok}/${N} within 0.03`);
        assert.ok(new Set(z.map((x) => Math.round(x * 10))).size >= 8, "prompts should cover many logits");
      });
      await t.test("greedy text is exactly the refusal or the answer, on the side the law says", () => {
        let refusals = 0;
        results.forEach((r, i) => {
          if (Math.abs(z[i]) < 1e-3) assert.ok([law.refusal, law.answer].includes(r.text));
          else assert.equal(r.text, z[i] > 0 ? law.refusal : law.answer, `prompt ${i} (z=${z[i]})`);
          if (r.text === law.refusal) refusals++;
        });
        assert.ok(refusals > 0 && refusals < N, `both texts should occur (${refusals}/${N} refusals)`);
      });
    } finally {
      await b.dispose();
    }
  });
}

test("KV-cache graph, fp16 weights and the uncached graph agree", async () => {
  const law = laws["positive base, negative boosts, noise 0.8"];
  const plain = writePlantedOnnx(law, join(tmp, "plain"), { fp16: true }).dir;
  const cached = writePlantedOnnx(law, join(tmp, "cached"), { kvCache: true }).dir;
  const prompts = variedPrompts(law, 40, 5);
  const outs: GenerationResult[][] = [];
  for (const [dir, dtype] of [[plain, "fp32"], [cached, "fp32"], [plain, "fp16"]]) {
    const b = await loadTransformers(dir, { batch: 7, dtype });
    assert.ok(b.info.backend === "transformers.js");
    assert.equal(b.info.details.kvCache, dir === cached);
    outs.push(await run(b, law, prompts));
    await b.dispose();
  }
  for (let i = 0; i < prompts.length; i++) {
    assert.ok(Math.abs(p(outs[0][i]) - p(outs[1][i])) < 1e-5, `cached, prompt ${i}`);
    assert.equal(outs[0][i].text, outs[1][i].text);
    assert.ok(Math.abs(p(outs[0][i]) - p(outs[2][i])) < 0.03, `fp16, prompt ${i}`);
  }
});

test("the same law through GGUF (llama.cpp) and ONNX (transformers.js): same p on the same prompts", async (t) => {
  for (const [name, law] of Object.entries(laws)) {
    const prompts = variedPrompts(law, 100, 99 + name.length);
    const gguf = await loadLlamaCpp(writePlantedGguf(law, join(tmp, `${name.length}.gguf`)).path, {});
    const onnx = await loadTransformers(writePlantedOnnx(law, join(tmp, `cmp-${name.length}`)).dir, { batch: 16 });
    try {
      assert.equal(gguf.render(prompts[0]), onnx.render(prompts[0]), "both render the plain template");
      const a = await run(gguf, law, prompts);
      const b = await run(onnx, law, prompts);
      const diffs = a.map((r, i) => Math.abs(p(r) - p(b[i])));
      const ok = diffs.filter((d) => d <= 0.03).length;
      const sameText = a.filter((r, i) => r.text === b[i].text).length;
      const off = (rs: GenerationResult[]) => rs.filter((r, i) => Math.abs(p(r) - sigmoid(plantedLogit(law, gguf.render(prompts[i])))) > 0.03).length;
      t.diagnostic(`${name}: max |p_gguf - p_onnx| = ${Math.max(...diffs).toExponential(2)}, ${ok}/100 within 0.03, same greedy text ${sameText}/100; off the law by > 0.03: GGUF ${off(a)}, ONNX ${off(b)}`);
      assert.ok(ok >= 99, `${name}: ${ok}/100 within 0.03`);
      // Greedy text is checked against the law for ONNX above; llama.cpp's continuation under concurrent sequences
      // has been seen to vary (reported), so here it is a diagnostic only.
      if (sameText < 100) t.diagnostic(`${name}: GGUF texts that differ: ${JSON.stringify([...new Set(a.filter((r, i) => r.text !== b[i].text).map((r) => r.text))].slice(0, 3))}`);
    } finally {
      await gguf.dispose();
      await onnx.dispose();
    }
  }
});
