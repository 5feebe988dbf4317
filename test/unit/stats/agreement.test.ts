// The detector agreement matrix: every pair of stored detectors, cross-tables counted by hand, κ per pair.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cohenKappa, detectorAgreement, detectorAgreements, FIRST_TOKEN } from "../../../src/stats/agreement.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";

const V = (outcome: string) => ({ outcome, refusal: (outcome === "refusal" || outcome === "partial" ? 1 : 0) as 0 | 1 });
function row(v: Record<string, string>, p: number | null = null): AnalysisRow {
  const verdicts = Object.fromEntries(Object.entries(v).map(([d, o]) => [d, V(o)]));
  return { model: "m", persona: "control", personaGroup: "c", task: "t", paraphrase: "q", item: "i", refusal: verdicts["rules@2"]?.refusal ?? 0, pRefusal: p, outcome: v["rules@2"], verdicts };
}

test("three stored detectors give three pairs, symmetric κ and agreement matrices, hand-counted tables", () => {
  const rows = [
    row({ "rules@2": "refusal", "rules@1": "refusal", "first-token@1": "refusal" }),
    row({ "rules@2": "refusal", "rules@1": "answer", "first-token@1": "refusal" }),
    row({ "rules@2": "partial", "rules@1": "refusal", "first-token@1": "answer" }),
    row({ "rules@2": "answer", "rules@1": "answer", "first-token@1": "answer" }),
    row({ "rules@2": "answer", "rules@1": "answer", "first-token@1": "invalid" }),
    row({ "rules@2": "answer", "rules@1": "refusal" }), // no first-token verdict: only in the rules pair
  ];
  const m = detectorAgreements(rows, "rules@2")!;
  assert.deepEqual(m.detectors, ["rules@2", "first-token@1", "rules@1"]);
  assert.deepEqual(m.pairs.map((p) => [p.detectors, p.n]), [[["rules@2", "first-token@1"], 5], [["rules@2", "rules@1"], 6], [["first-token@1", "rules@1"], 5]]);
  const rr = m.pairs[1];
  assert.deepEqual(rr.table, { refusal: { refusal: 1, answer: 1 }, partial: { refusal: 1, answer: 0 }, answer: { refusal: 1, answer: 2 } });
  // Binary calls rules@2 = [1,1,1,0,0,0], rules@1 = [1,0,1,0,0,1]: p_o = 4/6, p_e = ½·½ + ½·½ = ½, κ = 1/3.
  assert.ok(Math.abs(rr.kappa - 1 / 3) < 1e-12);
  assert.ok(Math.abs(rr.agreement! - 4 / 6) < 1e-12);
  assert.equal(cohenKappa([1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1]), rr.kappa);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { assert.equal(m.kappa[i][j], m.kappa[j][i]); assert.equal(m.n[i][j], m.n[j][i]); }
  assert.equal(m.kappa[0][0], null);
  // No derived first-token call when a first-token detector is stored; the report's pair is primary vs first-token.
  assert.ok(!m.detectors.includes(FIRST_TOKEN));
  assert.deepEqual(detectorAgreement(rows, "rules@2")!.detectors, ["rules@2", "first-token@1"]);
});

test("export rows (one detector + p_refusal) pair the detector with the derived first-token call; one detector alone gives null", () => {
  const rows = [row({ "rules@2": "refusal" }, 0.9), row({ "rules@2": "answer" }, 0.6), row({ "rules@2": "answer" }, null)];
  const m = detectorAgreements(rows, "rules@2")!;
  assert.deepEqual(m.detectors, ["rules@2", FIRST_TOKEN]);
  assert.deepEqual(m.pairs[0].table, { refusal: { refusal: 1, answer: 0 }, answer: { refusal: 1, answer: 0 } });
  assert.equal(m.pairs[0].n, 2);
  assert.equal(detectorAgreements([row({ "rules@2": "answer" })], "rules@2"), null);
});
