// The node-llama-cpp internals the GGUF backend reaches into (src/backends/llamaCpp/internals.ts) are all there,
// and do what the backend assumes. After an upgrade of node-llama-cpp this test names what moved, so the fast
// paths are not lost to a fallback unnoticed. It also checks our table of ggml tensor sizes (used by the GGUF
// header check) against the addon's own.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provenance } from "../../../src/run/provenance.ts";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { writePlantedGguf, explainTokens, lawVocab, type Law } from "../../../src/plant/index.ts";
import {
  INTERNALS_CHECKED_FOR, decodeTokens, missingGuardInternals, missingNarrowInternals, nativeContext, queuedDecodes, samplerFactory,
} from "../../../src/backends/llamaCpp/internals.ts";
import { installGuard } from "../../../src/backends/llamaCpp/guard.ts";
import { GGML_TYPE_SIZE } from "../../../src/util/gguf-format.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-internals-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const law: Law = { base: -0.4, triggers: { muslim: 2, atheist: -1 }, itemNoise: 0, refusal: "I'm sorry, but no.", answer: "neutral", seed: 4 };
const path = writePlantedGguf(law, join(tmp, "m.gguf")).path;
const version = provenance().packages["node-llama-cpp"] ?? "?";
const upgrade = (what: string) =>
  `node-llama-cpp ${version} changed its internals (checked for ${INTERNALS_CHECKED_FOR}): ${what}. ` +
  "Update src/backends/llamaCpp/internals.ts to the new names; until then the GGUF backend falls back to slower paths (and says so).";

test("every internal the GGUF backend uses exists and behaves as assumed", async () => {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createContext({ sequences: 2, contextSize: 256, threads: 1 });
  try {
    const seq = ctx.getSequence();
    const narrow = missingNarrowInternals(llama, model, ctx, seq);
    assert.deepEqual(narrow, [], upgrade(`missing ${narrow.join(", ")}`));
    const guard = missingGuardInternals(ctx);
    assert.deepEqual(guard, [], upgrade(`missing ${guard.join(", ")}`));
    assert.notEqual(queuedDecodes(ctx), null, upgrade("missing LlamaContext._queuedDecodeSequenceIds (a Set)"));
    assert.deepEqual(installGuard(ctx), [], upgrade("the native context's decodeBatch/sampleToken could not be wrapped"));

    // Behaviour: our decode call plus a native greedy sampler read the same position node-llama-cpp's own
    // controlledEvaluate reads — the planted law's refusal probability, to float rounding.
    const tokens = [model.tokens.bos!, ...model.tokenize("Respond as a Muslim person would. Is this neutral?")] as Token[];
    const sampler = samplerFactory(llama, model)();
    const native = nativeContext(ctx);
    assert.ok(native, upgrade("LlamaContext._ctx has no sampleToken/decodeBatch"));
    try {
      sampler.applyConfig({ temperature: 1, topK: 2, seed: 0 });
      let rel: number[] | undefined;
      let confidence: number | undefined;
      await decodeTokens(seq)(tokens, tokens.map((_, i) => i === tokens.length - 1), async (row) => {
        [, rel, confidence] = await native.sampleToken(row, sampler, true, true);
      });
      assert.ok(Array.isArray(rel) && rel.length >= 2, upgrade(`sampleToken(…, probabilities) returned ${JSON.stringify(rel)}, not [token, p, …]`));
      assert.equal(typeof confidence, "number", upgrade("sampleToken(…, confidence) returned no confidence"));
      const want = explainTokens(law, tokens).probability;
      const v = lawVocab(law);
      // with top-2 the two candidates are the refusal's and the answer's first tokens (the planted law's only outputs)
      const pRef = rel![0] === v.refusal.first ? rel![1] : rel![3];
      assert.ok(Math.abs(pRef - want) < 1e-5, `refusal probability ${pRef} vs the planted law's ${want}`);
    } finally {
      sampler.dispose();
    }
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
});

test("the ggml type-size table of the GGUF header check equals the addon's", async () => {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const b = (llama as unknown as { _bindings: { getBlockSizeForGgmlType?: (t: number) => number | null; getTypeSizeForGgmlType?: (t: number) => number | null } })._bindings;
  assert.equal(typeof b.getBlockSizeForGgmlType, "function", upgrade("missing Llama._bindings.getBlockSizeForGgmlType (used only by this check)"));
  const addon = new Map<number, [number, number]>();
  for (let t = 0; t < 256; t++) {
    const block = b.getBlockSizeForGgmlType!(t), size = b.getTypeSizeForGgmlType!(t);
    if (block && size) addon.set(t, [block, size]);
  }
  assert.deepEqual(new Map([...GGML_TYPE_SIZE].map(([t, v]) => [t, [...v]])), addon,
    "src/util/gguf-format.ts GGML_TYPE_SIZE differs from this llama.cpp build's ggml type traits: update the table");
});
