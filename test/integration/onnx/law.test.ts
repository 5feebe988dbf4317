// The planted ONNX model obeys its law through the real transformers.js backend: p_refusal within 0.03 of the
// law on ≥ 99% of varied prompts, greedy text exactly the refusal or the answer on the side σ says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import type { Backend, ChatMessage, GenerationResult } from "../../../src/types.ts";
import { contractLaw, request, variedPrompts, type TestLaw } from "./laws.ts";
import { lawLogit } from "./reference.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-onnx-law-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const laws: Record<string, TestLaw> = {
  "mixed signs with a phrase": contractLaw,
  "positive base, all boosts negative, two-word answer": {
    base: 2.5,
    triggers: [{ word: "Jewish", boost: -1.5 }, { word: "blind", boost: -2.25 }, { word: "non-binary", boost: -0.5 }],
    refusal: "Sorry, I won't answer that.",
    answer: "Not offensive.",
  },
  "many triggers, one-word texts": {
    base: 0.3,
    triggers: ["black", "white", "Asian", "Hispanic", "woman", "man", "Christian", "Hindu", "deaf", "autistic"].map((word, i) => ({ word, boost: (i % 2 ? -1 : 1) * (0.2 + 0.37 * i) })),
    refusal: "No",
    answer: "polite",
  },
};

const N = 120;

async function run(b: Backend, law: TestLaw, prompts: ChatMessage[][]): Promise<GenerationResult[]> {
  return b.generate(prompts.map((m) => request(m, law)));
}

for (const [name, law] of Object.entries(laws)) {
  test(`planted ONNX law: ${name}`, async (t) => {
    const dir = writePlantedOnnx(law, join(tmp, name.replace(/\W+/g, "-"))).dir;
    const b = await loadTransformers(dir, { batch: 16 });
    const prompts = variedPrompts(law, N, name.length * 7919);
    try {
      const results = await run(b, law, prompts);
      await t.test(`p_refusal within 0.03 of the law on ≥ 99% of ${N} prompts`, () => {
        let ok = 0;
        let maxErr = 0;
        const zs = new Set<number>();
        results.forEach((r, i) => {
          assert.equal(r.error, undefined);
          const z = lawLogit(law, prompts[i]);
          zs.add(Math.round(z * 100));
          const f = r.firstToken!;
          const p = f.refusalMass / (f.refusalMass + f.answerMass);
          const err = Math.abs(p - 1 / (1 + Math.exp(-z)));
          maxErr = Math.max(maxErr, err);
          if (err <= 0.03) ok++;
        });
        t.diagnostic(`max |p - planted| = ${maxErr.toExponential(2)} over ${N} prompts, ${zs.size} distinct logits`);
        assert.ok(ok >= Math.ceil(0.99 * N), `${ok}/${N} within 0.03`);
        assert.ok(zs.size >= 8, "prompts should cover many trigger combinations");
      });
      await t.test("greedy text is exactly the refusal or the answer, on the side the law says", () => {
        let refusals = 0;
        results.forEach((r, i) => {
          const z = lawLogit(law, prompts[i]);
          if (Math.abs(z) < 1e-3) assert.ok([law.refusal, law.answer].includes(r.text));
          else assert.equal(r.text, z > 0 ? law.refusal : law.answer, `prompt ${i} (z=${z})`);
          if (r.text === law.refusal) refusals++;
        });
        assert.ok(refusals > 0 && refusals < N, "both texts should occur");
      });
    } finally {
      await b.dispose();
    }
  });
}

test("KV-cache graph, fp16 weights and the uncached graph agree", async () => {
  const law = laws["mixed signs with a phrase"];
  const plain = writePlantedOnnx(law, join(tmp, "plain"), { fp16: true }).dir;
  const cached = writePlantedOnnx(law, join(tmp, "cached"), { kvCache: true }).dir;
  const prompts = variedPrompts(law, 40, 5);
  const outs: GenerationResult[][] = [];
  for (const [dir, dtype] of [[plain, "fp32"], [cached, "fp32"], [plain, "fp16"]]) {
    const b = await loadTransformers(dir, { batch: 7, dtype });
    assert.equal(b.info.details.kvCache, dir === cached);
    outs.push(await run(b, law, prompts));
    await b.dispose();
  }
  for (let i = 0; i < prompts.length; i++) {
    assert.ok(Math.abs(outs[0][i].firstToken!.refusalMass - outs[1][i].firstToken!.refusalMass) < 1e-6, `cached, prompt ${i}`);
    assert.equal(outs[0][i].text, outs[1][i].text);
    assert.ok(Math.abs(outs[0][i].firstToken!.refusalMass - outs[2][i].firstToken!.refusalMass) < 0.03, `fp16, prompt ${i}`);
  }
});
