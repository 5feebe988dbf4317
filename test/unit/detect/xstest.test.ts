// The rule detectors against the human labels of the XSTest developer split (../shared). The goal:
// binary F1 ≥ 0.95 overall and ≥ 0.90 for each model when that model is left out of tuning.
// rules@3 with its four first rules: overall 0.975; gpt4 0.989, gpt4_v1 1.000, llama2new 0.982, mistralinstruct
// 0.903; leave-one-model-out 0.989, 1.000, 0.982, 0.872. With meaningless-next and hedged-moral added: overall
// 0.978; gpt4 0.989, gpt4_v1 1.000, llama2new 0.987, mistralinstruct 0.909. Leave-one-model-out (rules@3's switches
// chosen on the other three, fewest rules on ties): 0.989, 1.000, 0.985, and 0.878 for mistralinstruct — still
// under the 0.90: the two rules that only help Mistral (late-moral, access-gate) change nothing on the
// other three, so they are left off when Mistral is held out. The rules were written after reading all four
// models' errors, so even the held-out numbers are optimistic for unseen models.
// rules@2 (frozen): overall 0.936; gpt4 0.971, gpt4_v1 0.875, llama2new 0.961, mistralinstruct 0.731.
// The floors are what was reached, with a small margin, so a regression fails; they are not the goal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireShared } from "../../helpers/shared.ts";
import { evaluate, leaveOneGroupOut, loadLabelledCsv } from "../../../src/detect/eval.ts";
import { DEFAULT_RULES, getDetector, tuningCandidates, tuningTieBreak } from "../../../src/detect/index.ts";
import { classScores } from "../../../src/detect/metrics.ts";

const file = requireShared("data/refusal/xstest/xstest_dev_completions.csv");
const FLOOR: Record<string, Record<string, number>> = {
  "rules@2": { gpt4: 0.96, gpt4_v1: 0.85, llama2new: 0.95, mistralinstruct: 0.72 },
  "rules@3": { gpt4: 0.98, gpt4_v1: 0.99, llama2new: 0.98, mistralinstruct: 0.905 },
  "rules@4": { gpt4: 0.98, gpt4_v1: 0.99, llama2new: 0.975, mistralinstruct: 0.93 },
};
const LOMO_FLOOR: Record<string, Record<string, number>> = {
  "rules@2": { gpt4: 0.96, gpt4_v1: 0.85, llama2new: 0.94, mistralinstruct: 0.72 },
  "rules@3": { gpt4: 0.98, gpt4_v1: 0.99, llama2new: 0.98, mistralinstruct: 0.875 },
  // issue 15's goal: at least 0.93 for every model held out.
  "rules@4": { gpt4: 0.98, gpt4_v1: 0.99, llama2new: 0.975, mistralinstruct: 0.93 },
};
// Leave-one-model-out is the slow part (rules@3 has 384 candidates): each detector's report is computed once.
const lomoCache = new Map<string, ReturnType<typeof leaveOneGroupOut>>();
let rowsCache: ReturnType<typeof loadLabelledCsv> | null = null;
const devRows = () => (rowsCache ??= loadLabelledCsv(file.path));
function lomo(name: string) {
  let r = lomoCache.get(name);
  if (!r) lomoCache.set(name, (r = leaveOneGroupOut(devRows(), tuningCandidates(name), { tieBreak: tuningTieBreak(name) })));
  return r;
}
const OVERALL: Record<string, number> = { "rules@2": 0.93, "rules@3": 0.975, "rules@4": 0.975 };

for (const name of ["rules@2", "rules@3", "rules@4"]) {
  test(`${name} on XSTest dev: F1 overall and per model`, { skip: file.skip }, (t) => {
    const rows = devRows();
    assert.equal(rows.length, 1550);
    const r = evaluate(rows, getDetector(name));
    const v1 = evaluate(rows, getDetector("rules@1"));
    for (const [g, s] of Object.entries(r.byGroup)) t.diagnostic(`${g}: P ${s.binary.precision?.toFixed(3)} R ${s.binary.recall?.toFixed(3)} F1 ${s.binary.f1?.toFixed(3)} (rules@1 ${v1.byGroup[g].binary.f1?.toFixed(3)})`);
    t.diagnostic(`overall F1 ${r.binary.f1?.toFixed(3)}`);
    assert.ok((r.binary.f1 ?? 0) >= OVERALL[name], `overall F1 ${r.binary.f1}`);
    assert.ok((r.binary.precision ?? 0) >= 0.93, `overall precision ${r.binary.precision}`);
    for (const [g, floor] of Object.entries(FLOOR[name])) assert.ok((r.byGroup[g].binary.f1 ?? 0) >= floor, `${g} F1 ${r.byGroup[g].binary.f1} < ${floor}`);
    for (const g of Object.keys(FLOOR[name])) assert.ok((r.byGroup[g].binary.f1 ?? 0) > (v1.byGroup[g].binary.f1 ?? 0), `${name} beats rules@1 on ${g}`);
  });

  test(`${name}: leave-one-model-out over its switches holds up on each unseen model`, { skip: file.skip }, (t) => {
    const r = lomo(name);
    assert.ok(r.candidates.length > 1, "something is chosen");
    for (const g of r.groups) {
      t.diagnostic(`${g.group}: held-out F1 ${g.heldOutF1?.toFixed(3)} with ${g.chosen}`);
      assert.ok((g.heldOutF1 ?? 0) >= LOMO_FLOOR[name][g.group], `${g.group} held-out F1 ${g.heldOutF1}`);
    }
  });
}

test("rules@3 beats rules@2 on every model", { skip: file.skip }, () => {
  const rows = loadLabelledCsv(file.path);
  const [v2, v3] = ["rules@2", "rules@3"].map((n) => evaluate(rows, getDetector(n)));
  for (const g of Object.keys(v2.byGroup)) assert.ok((v3.byGroup[g].binary.f1 ?? 0) > (v2.byGroup[g].binary.f1 ?? 0), g);
});

// rules@4 (measured when written): overall F1 0.978, three-way 0.934, partial recall 27/82; per model F1 gpt4 0.986,
// gpt4_v1 1.000, llama2new 0.980, mistralinstruct 0.938. Leave-one-model-out (its thresholds chosen on the other
// three by F1, ties by macro-F1 over the three classes): 0.986, 1.000, 0.980, 0.938.
test("rules@4 produces partial refusals and keeps three-way accuracy", { skip: file.skip }, (t) => {
  const rows = loadLabelledCsv(file.path);
  const r = evaluate(rows, getDetector("rules@4"));
  const partial = classScores(r.threeWay.confusion).partial;
  t.diagnostic(`three-way ${r.threeWay.accuracy?.toFixed(3)}, partial recall ${partial.recall?.toFixed(3)}, precision ${partial.precision?.toFixed(3)}`);
  assert.ok((partial.recall ?? 0) >= 0.3, `partial recall ${partial.recall}`);
  assert.ok((partial.precision ?? 0) >= 0.3, `partial precision ${partial.precision}`);
  assert.ok((r.threeWay.accuracy ?? 0) >= 0.92, `three-way ${r.threeWay.accuracy}`);
});

test(`the default detector (${DEFAULT_RULES}) is the one with the better leave-one-model-out scores`, { skip: file.skip }, (t) => {
  const held = (name: string) => lomo(name).groups.map((g) => g.heldOutF1 ?? 0);
  const [v3, v4] = [held("rules@3"), held("rules@4")];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  t.diagnostic(`LOMO mean F1 rules@3 ${mean(v3).toFixed(3)} rules@4 ${mean(v4).toFixed(3)}; worst ${Math.min(...v3).toFixed(3)} vs ${Math.min(...v4).toFixed(3)}`);
  assert.equal(DEFAULT_RULES, "rules@4");
  assert.ok(mean(v4) > mean(v3) && Math.min(...v4) > Math.min(...v3), "rules@4 beats rules@3 on the mean and on the worst held-out model");
});
