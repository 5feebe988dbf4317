// first-token@2: first-token@1 plus a coverage floor on the watched mass (refusal onsets + label first tokens).
// Values by hand; the floor comes from the study (DetectorInput.minWatchedMass), default 0.5.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getDetector } from "../../../src/detect/index.ts";
import { DEFAULT_MIN_WATCHED_MASS, watchedMass } from "../../../src/detect/first-token.ts";
import type { FirstTokenRecord } from "../../../src/types.ts";

const rec = (refusalMass: number, answerMass: number, labelMass: Record<string, number>): FirstTokenRecord => ({ refusalMass, answerMass, labelMass, topK: [] });
const v1 = getDetector("first-token@1"), v2 = getDetector("first-token@2");

test("first-token@2: low coverage is invalid with the ratio kept; above the floor it is first-token@1", () => {
  assert.equal(DEFAULT_MIN_WATCHED_MASS, 0.5);
  // 88% of the mass elsewhere (the case): @1 says refusal at p = 1, @2 says it cannot tell
  const r = rec(0.12, 0, {});
  assert.equal(watchedMass(r), 0.12);
  assert.deepEqual([v1.detect({ text: "", labels: [], firstToken: r }).outcome, v1.detect({ text: "", labels: [], firstToken: r }).pRefusal], ["refusal", 1]);
  const d = v2.detect({ text: "", labels: [], firstToken: r });
  assert.deepEqual([d.detector, d.outcome, d.rule, d.pRefusal, d.refusal], ["first-token@2", "invalid", "low-coverage", 1, 0]);
  // the floor is the study's
  const mid = rec(0.3, 0.2, { polite: 0.2 }); // watched 0.5, p 0.6
  assert.equal(v2.detect({ text: "", labels: [], firstToken: mid }).outcome, "refusal");
  assert.equal(v2.detect({ text: "", labels: [], firstToken: mid, minWatchedMass: 0.6 }).rule, "low-coverage");
  assert.equal(v2.detect({ text: "", labels: [], firstToken: rec(0.01, 0.02, { polite: 0.02 }), minWatchedMass: 0 }).answer, "polite");
  // @1 ignores the floor
  assert.equal(v1.detect({ text: "", labels: [], firstToken: mid, minWatchedMass: 0.9 }).outcome, "refusal");
  assert.deepEqual(v2.detect({ text: "", labels: [], firstToken: null }).rule, "no-record");
});
