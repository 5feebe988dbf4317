// The paper's pipeline against a known truth, end to end through the real engine (llama.cpp via node-llama-cpp):
// a zoo of planted GGUFs drawn from a seed (randomZoo; no test tuned its laws), a Monte Carlo sample of 10% of the
// full factorial run by runStudy, analysed as `frh analyze` does, and checked against the exact truth computed from
// the laws alone (analysis/truth.ts):
//  - every factor's first-order variance index: the 95% (bias-corrected) CI covers the true value;
//  - the estimated ranking of the paper's four factors equals the true ranking;
//  - the Holm-significant persona × model effects are planted ones, every planted effect with power ≥ 0.9 is among
//    them, and no planted null is (power is stated per effect in the failure message);
//  - every stored prompt is a cell of the truth's factorial with the same planted probability (the truth renders
//    prompts as the engine does).
// Kept small for 2 busy cores: 5 models, 5 personas + control, 3 tasks × 4 paraphrases × 50 generated items
// (36,000 cells), 3,600 trials, one thread, 16-token answers (about a minute).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb, closeDb } from "../../../src/store/db.ts";
import { runStudy } from "../../../src/run/run.ts";
import { defaultDetectors } from "../../../src/run/detectors.ts";
import { analyzeStore } from "../../../src/analysis/index.ts";
import { finishedTrials } from "../../../src/store/trials.ts";
import { buildZoo, randomZoo } from "../../../src/plant/zoo.ts";
import { studyTruth, factorialCells } from "../../../src/analysis/truth.ts";
import { checkZoo, POWERED } from "../../../src/analysis/zoo.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";

const dir = mkdtempSync(join(tmpdir(), "frh-zoo-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Items without any zoo word: short generated sentences, 50 per task. */
function items(task: string): string {
  const nouns = ["cat", "river", "train", "garden", "lamp", "market", "violin", "bridge", "kettle", "meadow"];
  const verbs = ["sits near", "faces", "looks like", "stands by", "leans on"];
  const rows = task === "nli" ? ["id,premise,hypothesis"] : ["id,text"];
  for (let i = 0; i < 50; i++) {
    const a = nouns[i % 10], b = nouns[(i * 3 + 1) % 10], v = verbs[Math.floor(i / 10)];
    rows.push(task === "nli" ? `${task}_${i},The ${a} ${v} the ${b}.,A ${b} is there.` : `${task}_${i},The ${a} ${v} the ${b} today.`);
  }
  return rows.join("\n") + "\n";
}

test("a seeded random zoo: indices' CIs cover the exact truth, ranking and Holm-significant effects match the laws", { timeout: 600_000 }, async () => {
  for (const t of ["nli", "politeness", "offensiveness"]) writeFileSync(join(dir, `${t}.csv`), items(t));
  // the four paraphrases per task include the ones carrying the zoo's paraphrase words (p5/p8 of NLI, p4/p8 of
  // politeness, p8/p9 of offensiveness)
  const include: Record<string, string[]> = { nli: ["nli_p1", "nli_p5", "nli_p8", "nli_p9"], politeness: ["politeness_p1", "politeness_p4", "politeness_p8", "politeness_p9"], offensiveness: ["offensiveness_p1", "offensiveness_p5", "offensiveness_p8", "offensiveness_p9"] };
  const studyPath = join(dir, "zoo.yaml");
  writeFileSync(studyPath, `id: zoo-check
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
includePersonas: [muslim_person, transgender_person, jewish_person, wheelchair_user, woman]
tasks:
${Object.entries(include).map(([t, ps]) => `  - task: ${join(repoRoot, `datasets/tasks/${t}.yaml`)}
    paraphrases: ${join(repoRoot, `datasets/paraphrases/${t}.yaml`)}
    items: { path: ${join(dir, `${t}.csv`)} }
    include: [${ps.join(", ")}]`).join("\n")}
decoding: { maxTokens: 16, temperature: 1, topK: 0, topP: 1, seed: 3 }
sampling: { design: random, n: 3600, seed: 11 }
`);
  const study = loadStudy(studyPath);
  // the persona words of the included personas; "woman" carries none, so it is a null in every model
  const zoo = randomZoo(20261203, { models: 5, personaWords: ["muslim", "transgender", "jewish", "wheelchair"], personaModels: 0.6, personasPerModel: 2, base: [-3, 0.5] });
  const models = buildZoo(zoo, join(dir, "models"));
  const truth = studyTruth(study, zoo);
  assert.equal(truth.cells, 5 * 3 * 4 * 50 * 6);
  assert.ok(3600 <= 0.1 * truth.cells);

  const db = openDb(join(dir, "zoo.sqlite"), { study: study.id });
  try {
    const s = await runStudy(db, study, { models: models.map(({ id, source }) => ({ id, source })), detectors: defaultDetectors(), backend: { threads: 1 } });
    assert.equal(s.failed, 0);
    assert.equal(s.ran, 3600);

    // the truth renders prompts as the engine does: each stored prompt is a factorial cell with the same planted p
    const cells = new Map<string, number>();
    for (const c of factorialCells(study, zoo)) cells.set(`${c.model}\u0000${c.text}`, c.p);
    for (const t of finishedTrials(db, DEFAULT_RULES)) {
      const p = cells.get(`${t.model}\u0000${t.prompt}`);
      assert.ok(p !== undefined, `stored prompt of ${t.model} is not a cell of the truth: ${JSON.stringify(t.prompt.slice(0, 80))}`);
      if (t.p_refusal !== null) assert.ok(Math.abs(t.p_refusal - p) < 1e-4, `p_refusal ${t.p_refusal} vs planted ${p}`);
    }

    const { result } = analyzeStore(db, { bootstrap: 400, seed: 2 });
    const check = checkZoo(result, truth);
    const show = JSON.stringify({ indices: check.indices.filter((i) => i.index === "variance"), ranking: [check.trueRanking, check.estimatedRanking], effects: check.effects.filter((e) => e.planted || e.significant) }, null, 1);
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
