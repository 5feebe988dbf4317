// The paper's pipeline against a known truth, end to end through the real engine (llama.cpp via node-llama-cpp):
// a zoo of planted GGUFs drawn from a seed (randomZoo; no test tuned its laws), a Monte Carlo sample of 10% of the
// full factorial run by runStudy, analysed as `frh analyze` does, and checked against the exact truth computed from
// the laws alone (analysis/truth.ts):
//  - every factor's first-order variance index is covered by its bias-corrected bootstrap CI, all five at once
//    (simultaneous: each at 1 − 0.05/5, Bonferroni); the per-factor 95% CIs are printed beside them;
//  - the estimated ranking of the paper's four factors equals the true ranking;
//  - the Holm-significant persona × model effects are planted ones, every planted effect with power ≥ 0.9 is among
//    them, and no planted null is (power is stated per effect in the failure message);
//  - every stored prompt is a cell of the truth's factorial with the same planted probability (the truth renders
//    prompts as the engine does).
// Kept small for 2 busy cores: 5 models, 5 personas + control, 3 tasks × 4 paraphrases × 100 generated items
// (36,000 cells), 3,600 trials (10%), one thread, 16-token answers (about two minutes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb, closeDb } from "../../../src/store/db.ts";
import { runStudy } from "../../../src/run/run.ts";
import { defaultDetectors } from "../../../src/run/detectors.ts";
import { analyzeStore } from "../../../src/analysis/index.ts";
import { analysisRows } from "../../../src/store/analysis-rows.ts";
import { finishedTrials } from "../../../src/store/trials.ts";
import { buildZoo } from "../../../src/plant/zoo.ts";
import { testZoo, writeZooStudy } from "../../helpers/zoo-study.ts";
import { studyTruth, factorialCells } from "../../../src/analysis/truth.ts";
import { checkZoo, POWERED } from "../../../src/analysis/zoo.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";

const dir = mkdtempSync(join(tmpdir(), "frh-zoo-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("a seeded random zoo: indices' CIs cover the exact truth, ranking and Holm-significant effects match the laws", { timeout: 600_000 }, async () => {
  const studyPath = writeZooStudy(dir);
  const study = loadStudy(studyPath);
  const zoo = testZoo();
  const models = buildZoo(zoo, join(dir, "models"));
  const truth = studyTruth(study, zoo);
  assert.equal(truth.cells, 5 * 3 * 4 * 100 * 6);
  assert.ok(3600 <= 0.1 * truth.cells);

  const db = openDb(join(dir, "zoo.sqlite"), { study: study.id });
  try {
    const s = await runStudy(db, study, { models: models.map(({ id, source }) => ({ id, source })), detectors: defaultDetectors(), backend: { threads: 1 } });
    assert.equal(s.failed, 0);
    assert.equal(s.ran, 3600);

    // the truth renders prompts as the engine does: each stored prompt is a factorial cell with the same planted p
    const cells = new Map<string, number>();
    for (const c of factorialCells(study, zoo)) cells.set(`${c.model}\u0000${c.text}`, c.p);
    const off: string[] = [];
    for (const t of finishedTrials(db, DEFAULT_RULES)) {
      const p = cells.get(`${t.model}\u0000${t.prompt}`);
      assert.ok(p !== undefined, `stored prompt of ${t.model} is not a cell of the truth: ${JSON.stringify(t.prompt.slice(0, 80))}`);
      if (t.p_refusal !== null && !(Math.abs(t.p_refusal - p) < 1e-4)) off.push(`${t.model} ${t.task} ${t.paraphrase} ${t.persona} ${t.item}: p_refusal ${t.p_refusal} vs planted ${p}; ${JSON.stringify(t.prompt)} → ${JSON.stringify(t.response)}`);
    }
    if (process.env.FRH_ZOO_DEBUG) writeFileSync(process.env.FRH_ZOO_DEBUG, JSON.stringify({ off, laws: zoo, rows: finishedTrials(db, DEFAULT_RULES).map((t) => [t.model, t.persona, t.task, t.paraphrase, t.refusal, t.p_refusal, t.seq]) }));
    assert.deepEqual(off.slice(0, 5), [], `${off.length} trials whose p_refusal is not the planted probability`);

    const { detector, result } = analyzeStore(db, { bootstrap: 400, seed: 2 });
    const check = checkZoo(analysisRows(db, detector), result, truth, { bootstrap: 400, seed: 2 });
    const show = JSON.stringify({ indices: check.indices.filter((i) => i.index === "variance").map((i) => ({ ...i, ci95: undefined })), ranking: [check.trueRanking, check.estimatedRanking], effects: check.effects.filter((e) => e.planted || e.significant) }, null, 1);
    for (const i of check.indices.filter((x) => x.index === "variance")) assert.ok(i.covered, `${i.factor}: truth ${i.truth} outside [${i.ci}]\n${show}`);
    assert.deepEqual(check.estimatedRanking, check.trueRanking, show);
    assert.deepEqual(check.falsePositives, [], show);
    assert.deepEqual(check.missed, [], show);
    // the test has teeth: some planted effect is powered (else "none missed" says nothing)
    assert.ok(check.effects.some((e) => e.planted && e.power >= POWERED), show);
    // the null persona is never significant
    assert.ok(!check.effects.some((e) => e.persona === "woman" && e.significant), show);
    process.stdout.write(`# zoo check: ${JSON.stringify({ indices: check.indices.map((i) => [i.factor, i.index, +i.truth.toFixed(4), +i.estimate.toFixed(4), i.ci.map((x) => +x.toFixed(4)), i.covered]), ranking: check.trueRanking, trend: check.trend, effects: check.effects.filter((e) => e.planted).map((e) => [e.model, e.persona, +e.trueDiff.toFixed(3), +e.estimate.toFixed(3), +e.power.toFixed(2), e.significant]) })}\n`);
  } finally {
    closeDb(db);
  }
});
