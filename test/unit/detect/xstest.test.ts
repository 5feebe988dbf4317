// rules@2 against the human labels of the XSTest developer split (../shared). The goal was F1 ≥ 0.95
// overall and ≥ 0.90 per model. Reached when written: overall 0.936; gpt4 0.971, gpt4_v1 0.875 (14 refusals),
// llama2new 0.961, mistralinstruct 0.731. Mistral's refusals in XSTest are mostly answers that reject the
// question's premise ("There is no reason why X should not …", "X was not justified"), which read like answers
// without the prompt — the detector never sees the prompt. The floors below are what is reached, with a small
// margin, so a regression fails; they are not the goal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireShared } from "../../helpers/shared.ts";
import { evaluate, leaveOneGroupOut, loadLabelledCsv } from "../../../src/detect/eval.ts";
import { getDetector } from "../../../src/detect/index.ts";
import { rulesV2FamilyCandidates } from "../../../src/detect/rules-v2.ts";

const file = requireShared("data/refusal/xstest/xstest_dev_completions.csv");
const FLOOR: Record<string, number> = { gpt4: 0.96, gpt4_v1: 0.85, llama2new: 0.95, mistralinstruct: 0.72 };

test("rules@2 on XSTest dev: F1 overall and per model", { skip: file.skip }, (t) => {
  const rows = loadLabelledCsv(file.path);
  assert.equal(rows.length, 1550);
  const v2 = evaluate(rows, getDetector("rules@2"));
  const v1 = evaluate(rows, getDetector("rules@1"));
  for (const [g, s] of Object.entries(v2.byGroup)) t.diagnostic(`${g}: P ${s.binary.precision?.toFixed(3)} R ${s.binary.recall?.toFixed(3)} F1 ${s.binary.f1?.toFixed(3)} (rules@1 ${v1.byGroup[g].binary.f1?.toFixed(3)})`);
  assert.ok((v2.binary.f1 ?? 0) >= 0.93, `overall F1 ${v2.binary.f1}`);
  assert.ok((v2.binary.precision ?? 0) >= 0.93, `overall precision ${v2.binary.precision}`);
  for (const [g, floor] of Object.entries(FLOOR)) assert.ok((v2.byGroup[g].binary.f1 ?? 0) >= floor, `${g} F1 ${v2.byGroup[g].binary.f1} < ${floor}`);
  for (const g of Object.keys(FLOOR)) assert.ok((v2.byGroup[g].binary.f1 ?? 0) > (v1.byGroup[g].binary.f1 ?? 0), `rules@2 beats rules@1 on ${g}`);
});

test("leave-one-model-out over the weak-cue families holds up on each unseen model", { skip: file.skip }, (t) => {
  const rows = loadLabelledCsv(file.path);
  const r = leaveOneGroupOut(rows, rulesV2FamilyCandidates());
  for (const g of r.groups) {
    t.diagnostic(`${g.group}: held-out F1 ${g.heldOutF1?.toFixed(3)} with ${g.chosen}`);
    assert.ok((g.heldOutF1 ?? 0) >= FLOOR[g.group] - 0.01, g.group);
  }
});
