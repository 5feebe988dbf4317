// first-sentence@2: first-sentence@1 read past short neutral opening sentences (a chat model's preamble). Cases by
// hand; first-sentence@1 must keep its answers on the same texts (it is released).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FIRST_SENTENCE_V1, FIRST_SENTENCE_V2, earlyStopRule, EARLY_STOP_RULES } from "../../../src/detect/early-stop.ts";
import { EARLY_STOP_NAMES } from "../../../src/spec/schema.ts";
import { loadBackend } from "../../../src/backends/index.ts";

const watch = { labels: [{ id: "neutral", words: ["neutral"] }, { id: "entailment", words: ["entailment"] }], refusalOnsets: ["I'm sorry", "Sorry", "I cannot"] };
// [text, @1, @2]
const cases: [string, boolean, boolean][] = [
  ["Sure! Neutral. More", false, true], // the label after a one-sentence preamble
  ["Sure! Here is my answer. Neutral. more", false, true], // after two
  ["Sure! OK. Fine. Neutral. x", false, false], // three openings: not read past
  ["Sure! Sorry, I cannot help. x", false, true], // a refusal after a preamble
  ["Sure! neutral or entailment? x", false, false], // the deciding sentence names two labels
  ["Sure, neutral is my pick, but also entailment? Neutral. x", false, false], // a passed-over sentence may name no label
  ["Here is my reading: neutral. x", true, true], // @1 already settles it
  ["**Answer:** neutral\n", true, true],
  ["Sure!", false, false], // nothing complete yet
  ["Let me think about it carefully and at length because this is a rather long opening sentence indeed. Neutral. x", false, false], // too long to be an opening
  ["Sure! It is not neutral. x", false, false], // negation in the deciding sentence
];

test("first-sentence@2 reads past up to two short neutral openings; first-sentence@1 unchanged", () => {
  for (const [text, v1, v2] of cases) {
    assert.equal(FIRST_SENTENCE_V1.settled(text, watch), v1, `@1 on ${JSON.stringify(text)}`);
    assert.equal(FIRST_SENTENCE_V2.settled(text, watch), v2, `@2 on ${JSON.stringify(text)}`);
  }
  assert.deepEqual(EARLY_STOP_RULES, ["first-sentence@1", "first-sentence@2"]);
  assert.equal(earlyStopRule("first-sentence@2"), FIRST_SENTENCE_V2);
  assert.equal(earlyStopRule("nope"), undefined);
});

test("the study file accepts exactly the released early-stop rules, and a backend refuses an unknown one", async () => {
  assert.deepEqual([...EARLY_STOP_NAMES], [...EARLY_STOP_RULES]);
  // the name is part of trial ids: a typo must not silently run the default rule (no model is loaded: it fails first)
  await assert.rejects(loadBackend("/nonexistent/model.gguf", { earlyStop: "first-sentence@9" }), /unknown early-stop rule 'first-sentence@9'/);
});
