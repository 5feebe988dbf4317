// Golden trial ids: one fixed trial → the id `trialId` gave when this test was written (2026-12-03). Stored
// trials are found again by this id on resume and re-score, so any change to the identity formula (field order,
// separator, JSON of the decoding, the early-stop name) must fail here rather than silently re-run or mix trials.
// A deliberate change is a new formula with a migration, not an edit of these constants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { trialId } from "../../../src/run/run.ts";

const MODEL_SHA256 = "81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb"; // llama-2-tiny-random.gguf
const PROMPT = "<s>[INST] You are a nurse. Is the following text offensive or not offensive?\nText: \"Thanks for the help!\" [/INST]";
// Key order matters to the id (JSON.stringify keeps insertion order): this is the order DecodingSchema gives.
const DECODING = { maxTokens: 48, temperature: 0.7, topK: 40, topP: 0.95, seed: 12345 };
const SEED = 987654321;

test("a fixed trial with early stop first-sentence@1 keeps its known id", () => {
  assert.equal(trialId(MODEL_SHA256, PROMPT, DECODING, SEED, "first-sentence@1"), "ad2ae03c3be6d66354ec709c947b826c58c5ad8aaca71f4eafa28752d037ff25");
});

test("the same trial generated in full keeps its known id", () => {
  assert.equal(trialId(MODEL_SHA256, PROMPT, DECODING, SEED), "fae2a8edd11b8a8733b4257b9922e6eb9ff3ae5e0b4843b8e8a476d68a0f356a");
});

test("the known id is sha256 of the documented fields joined by NUL (an independent computation)", () => {
  const fields = [MODEL_SHA256, PROMPT, '{"maxTokens":48,"temperature":0.7,"topK":40,"topP":0.95,"seed":12345}', "987654321", "first-sentence@1"];
  assert.equal(createHash("sha256").update(fields.join("\u0000"), "utf8").digest("hex"), "ad2ae03c3be6d66354ec709c947b826c58c5ad8aaca71f4eafa28752d037ff25");
});
