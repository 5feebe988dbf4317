// The law's TypeScript tokenizer (explain) against llama.cpp's own, on fuzzed text: any difference would make
// explain compute something other than what the model computes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { writePlantedGguf, promptTokens, type Law } from "../../../src/plant/index.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

test("TypeScript SentencePiece tokenisation equals llama.cpp's on 2000 fuzzed texts", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "frh-plant-tok-"));
  const law: Law = { base: 0, triggers: { muslim: 1, man: 1, woman: -1, wheelchair: 0.5 }, itemNoise: 1, refusal: "No way.", answer: "yes", seed: 2 };
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: writePlantedGguf(law, join(tmp, "tok.gguf")).path, vocabOnly: true });
  try {
    const rng = mulberry32(9);
    const frags = ["muslim", "Muslim", "MUSLIMS", "woman", "wo", "man's", "wheelchair", "whee", "the", "The", " ", "  ", "\n", "\n\n", "\t", "\r",
      ",", ".", "'", "“", "”", "—", "é", "naïve", "日本", "😀", "\u0000", "\u00a0", "▁", "<s>", "</s>", "<0x41>", "ab", "xyz", "Q", "123", "#", "\\", "\ud800"];
    for (let i = 0; i < 2000; i++) {
      let text = "";
      for (let j = randInt(rng, 20); j >= 0; j--) text += frags[randInt(rng, frags.length)];
      assert.deepEqual(promptTokens(law, text), [model.tokens.bos, ...model.tokenize(text)], JSON.stringify(text));
    }
  } finally {
    await model.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
});
