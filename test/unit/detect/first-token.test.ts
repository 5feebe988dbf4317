// first-token@1 on hand-built records: the ratio, the 0.5 threshold, the label argmax, and the null cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FirstTokenRecord } from "../../../src/types.ts";
import { firstTokenV1, pRefusal } from "../../../src/detect/first-token.ts";

const rec = (refusalMass: number, labelMass: Record<string, number>, answerMass = Object.values(labelMass).reduce((a, b) => a + b, 0)): FirstTokenRecord => ({ labelMass, answerMass, refusalMass, topK: [] });
const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
const detect = (r: FirstTokenRecord | null) => firstTokenV1.detect({ text: "ignored", labels: [], firstToken: r });

test("pRefusal = refusal / (refusal + answer), ignoring unwatched mass", () => {
  close(pRefusal(rec(0.3, { a: 0.1 })), 0.75);
  close(pRefusal(rec(0.02, { a: 0.06, b: 0.02 })), 0.2);
  // answerMass counts a shared token once, so it can be below the sum of labelMass: the record's value is used.
  close(pRefusal(rec(0.1, { a: 0.3, b: 0.3 }, 0.4)), 0.2);
  assert.equal(pRefusal(rec(0, { a: 0.5 })), 0);
  assert.equal(pRefusal(rec(0.5, {})), 1);
});

test("pRefusal is null without a record or with (almost) no watched mass", () => {
  assert.equal(pRefusal(null), null);
  assert.equal(pRefusal(undefined), null);
  assert.equal(pRefusal(rec(0, {}, 0)), null);
  assert.equal(pRefusal(rec(4e-13, { a: 5e-13 })), null);
  assert.equal(pRefusal(rec(1e-12, {}, 0)), 1);
});

test("refusal above 0.5, answer (argmax label) at or below", () => {
  const r = detect(rec(0.6, { entailment: 0.1, neutral: 0.25, contradiction: 0.05 }));
  assert.deepEqual([r.outcome, r.answer, r.refusal, r.detector], ["refusal", null, 1, "first-token@1"]);
  close(r.pRefusal, 0.6);
  const a = detect(rec(0.2, { entailment: 0.1, neutral: 0.5, contradiction: 0.2 }));
  assert.deepEqual([a.outcome, a.answer, a.refusal], ["answer", "neutral", 0]);
  close(a.pRefusal, 0.2);
  const tie = detect(rec(0.4, { polite: 0.4 }));
  assert.deepEqual([tie.outcome, tie.pRefusal], ["answer", 0.5], "a tie is not a refusal");
});

test("no record → invalid with pRefusal null", () => {
  const r = detect(null);
  assert.deepEqual([r.outcome, r.pRefusal, r.refusal, r.rule], ["invalid", null, 0, "no-record"]);
  assert.equal(detect(rec(0, {}, 0)).rule, "no-watched-mass");
});
