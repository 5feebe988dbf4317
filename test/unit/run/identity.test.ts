import { test } from "node:test";
import assert from "node:assert/strict";
import { trialId, trialSeed } from "../../../src/run/run.ts";

const dec = { maxTokens: 8, temperature: 0, topK: 40, topP: 0.95, seed: 0 };

test("trial identity changes with the model, prompt, decoding, seed and generation mode", () => {
  const base = trialId("a".repeat(64), "prompt", dec, 1, "full");
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(trialId("a".repeat(64), "prompt", dec, 1, "full"), base);
  assert.notEqual(trialId("b".repeat(64), "prompt", dec, 1, "full"), base);
  assert.notEqual(trialId("a".repeat(64), "prompt!", dec, 1, "full"), base);
  assert.notEqual(trialId("a".repeat(64), "prompt", { ...dec, maxTokens: 9 }, 1, "full"), base);
  assert.notEqual(trialId("a".repeat(64), "prompt", dec, 2, "full"), base);
  assert.notEqual(trialId("a".repeat(64), "prompt", dec, 1, "first-sentence@1"), base);
});

test("sampling seeds differ across prompts and replicates, and repeat for the same trial", () => {
  assert.equal(trialSeed(dec, 0, "x"), trialSeed(dec, 0, "x"));
  assert.notEqual(trialSeed(dec, 0, "x"), trialSeed(dec, 0, "y"));
  assert.notEqual(trialSeed(dec, 0, "x"), trialSeed(dec, 1, "x"));
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => trialSeed(dec, 0, `prompt ${i}`)));
  assert.ok(seeds.size > 995);
});
