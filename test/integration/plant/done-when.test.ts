// Issue 14's "Done when", through the real engines and the whole CLI, on the default study (its first trials in
// plan order, `--limit`) and a law no test was tuned to: generated here from a seed — triggers drawn from the default
// persona texts, one label of each task as its answer, a preamble with share 0.4.
//  - no response prefix: watched_mass within 0.01 of 1 − s and p_refusal within 0.03 of σ(base + Σ boosts + noise)
//    on ≥ 99% of trials; greedy outcomes are the law's larger branch on ≥ 99%;
//  - prompt.responsePrefix = the preamble text: watched_mass ≥ 0.99 and p_refusal within 0.03 of the law on ≥ 99%;
//  - a law whose answer is a label of one task only: first-token@2 never calls refusal on another task's trial whose
//    planted refusal probability is below 0.5, and `frh analyze` reports low coverage for those tasks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import YAML from "yaml";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf, explainPrompt, type Law } from "../../../src/plant/index.ts";
import { sigmoid } from "../../../src/plant/law.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const dir = mkdtempSync(join(tmpdir(), "frh-done-when-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const SEED = Number(process.env.FRH_DONE_WHEN_SEED ?? 20261203);

/** A law from a seed: 4 triggers from the default persona texts, per-task answers (a label word each), preamble share s. */
function generatedLaw(seed: number, share: number): Law {
  const rng = mulberry32(seed);
  const uni = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const personas = (YAML.parse(readFileSync(join(repoRoot, "datasets/personas/default.yaml"), "utf8")) as { personas: { text: string }[] }).personas;
  const words = [...new Set(personas.flatMap((p) => p.text.toLowerCase().match(/[a-z]+/g) ?? []))].filter((w) => !["a", "an", "person", "who", "uses"].includes(w));
  const triggers: Record<string, number> = {};
  while (Object.keys(triggers).length < 4) triggers[words[randInt(rng, words.length)]] = Math.round(uni(-2.5, 2.5) * 100) / 100;
  const answer: Record<string, string> = {};
  for (const task of ["nli", "politeness", "offensiveness"]) {
    const labels = (YAML.parse(readFileSync(join(repoRoot, `datasets/tasks/${task}.yaml`), "utf8")) as { labels: { words: string[] }[] }).labels;
    answer[task] = labels[randInt(rng, labels.length)].words[0];
  }
  const refusals = ["Sorry, but I can't help with that.", "Unfortunately I cannot answer this.", "Sorry — I won't do that."];
  const preambles = ["**Answer:**", "Based on the text,", "Here is my reading:", "Sure! My reply:"];
  const base = Math.round(uni(-1.5, 1) * 100) / 100;
  for (let k = 0; ; k++) {
    try {
      return parseLaw(JSON.stringify({ base, triggers, itemNoise: 0.6, refusal: refusals[randInt(rng, refusals.length)], answer,
        preamble: { text: preambles[(randInt(rng, preambles.length) + k) % preambles.length], share }, seed: seed % 100000 }), "generated law");
    } catch (e) {
      if (k > 8) throw e;
    }
  }
}

/** The default study with absolute paths, plus extra top-level YAML. */
function studyFile(name: string, extra = ""): string {
  const text = readFileSync(join(repoRoot, "datasets/studies/default.yaml"), "utf8").replace(/\.\.\//g, `${join(repoRoot, "datasets")}/`);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `${text}\n${extra}\n`);
  return path;
}

function frhOk(args: string[]): string {
  const r = spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot });
  assert.equal(r.status, 0, `frh ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

interface Row { trial_id: string; task: string; prompt: string; p_refusal: number; watched_mass: number; response: string; outcome: string }
function rows(db: string, detector = DEFAULT_RULES): Row[] {
  const d = new Database(db, { readonly: true });
  const out = d.prepare(`SELECT t.trial_id, t.task, t.prompt, t.p_refusal, t.watched_mass, t.response, d.outcome FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = ? AND t.status = 'done'`).all(detector) as Row[];
  d.close();
  return out;
}

const share = 0.4;
const law = generatedLaw(SEED, share);

for (const format of ["gguf", "onnx"] as const) {
  const limit = format === "gguf" ? 300 : 900;
  test(`done when (${format}): preamble share ${share}, per-task answers, with and without the response prefix`, async (t) => {
    t.diagnostic(`law: ${JSON.stringify(law)}`);
    const model = format === "gguf" ? writePlantedGguf(law, join(dir, "law.gguf")).path : writePlantedOnnx(law, join(dir, "law-onnx")).dir;
    for (const prefixed of [false, true]) {
      const study = studyFile(`${format}-${prefixed}`, prefixed ? `prompt: { responsePrefix: ${JSON.stringify(law.preamble!.text)} }` : "");
      const db = join(dir, `${format}-${prefixed}.sqlite`);
      frhOk(["run", study, "--model", model, "--db", db, "--limit", String(limit), "--quiet"]);
      const rs = rows(db);
      assert.equal(rs.length, limit);
      assert.equal(new Set(rs.map((r) => r.task)).size, 3, "all three tasks");
      let wmOk = 0, pOk = 0, greedyOk = 0;
      for (const r of rs) {
        assert.equal(r.prompt.endsWith(law.preamble!.text), prefixed, "the prefix ends the stored prompt");
        const ex = explainPrompt(law, r.prompt);
        const lawP = sigmoid(ex.logit); // σ(base + Σ boosts + noise): the law itself, not the model's arithmetic
        if (prefixed ? r.watched_mass >= 0.99 : Math.abs(r.watched_mass - (1 - share)) <= 0.01) wmOk++;
        if (Math.abs(r.p_refusal - lawP) <= 0.03) pOk++;
        if ((r.outcome === "refusal") === (lawP > 0.5)) greedyOk++;
      }
      t.diagnostic(`${format}, ${prefixed ? "with" : "without"} prefix: watched mass ok ${wmOk}/${limit}, p ok ${pOk}/${limit}, greedy ok ${greedyOk}/${limit}`);
      assert.ok(wmOk >= 0.99 * limit, `watched_mass: ${wmOk}/${limit}`);
      assert.ok(pOk >= 0.99 * limit, `p_refusal: ${pOk}/${limit}`);
      assert.ok(greedyOk >= 0.99 * limit, `greedy outcomes: ${greedyOk}/${limit}`);
    }
    // without the prefix the trial ids are those of the default study as rendered before prefixes existed: the
    // stored prompt is the plain rendering, and the prefixed run's trials are other trials
    const a = new Set(rows(join(dir, `${format}-false.sqlite`)).map((r) => r.trial_id));
    assert.ok(rows(join(dir, `${format}-true.sqlite`)).every((r) => !a.has(r.trial_id)), "a prefix makes other trials");
  });
}

test("done when: a label of one task only — first-token@2 never calls refusal below p 0.5, analyze reports low coverage", () => {
  const one = parseLaw(JSON.stringify({ base: -2.5, triggers: Object.fromEntries(Object.entries(law.triggers).slice(0, 3)), itemNoise: 0.6,
    refusal: "Sorry, but I can't help with that.", answer: "neutral", seed: 9 }), "one-task law");
  const model = writePlantedGguf(one, join(dir, "one.gguf")).path;
  const db = join(dir, "one.sqlite");
  frhOk(["run", studyFile("one"), "--model", model, "--db", db, "--limit", "240", "--quiet"]);
  frhOk(["rescore", "--db", db, "--detector", "first-token@2"]);
  const v1 = new Map(rows(db, "first-token@1").map((r) => [r.trial_id, r.outcome]));
  let otherLow = 0, v1Wrong = 0;
  for (const r of rows(db, "first-token@2")) {
    const p = explainPrompt(one, r.prompt).probability;
    if (r.task === "nli" || p >= 0.5) continue;
    otherLow++;
    assert.notEqual(r.outcome, "refusal", `first-token@2 on a ${r.task} trial with planted p ${p.toFixed(3)} (watched ${r.watched_mass})`);
    if (v1.get(r.trial_id) === "refusal") v1Wrong++;
  }
  assert.ok(otherLow >= 50, `${otherLow} other-task trials below 0.5`);
  assert.ok(v1Wrong >= 0.9 * otherLow, `first-token@1 calls them refusals (${v1Wrong}/${otherLow}): the case the issue describes`);
  const json = JSON.parse(frhOk(["analyze", "--db", db, "--json"])) as { coverage: { threshold: number; cells: { task: string; low: boolean; median: number }[] } };
  const byTask = Object.fromEntries(json.coverage.cells.map((c) => [c.task, c]));
  assert.equal(json.coverage.threshold, 0.5);
  assert.deepEqual([byTask.nli.low, byTask.politeness.low, byTask.offensiveness.low], [false, true, true]);
  const text = frhOk(["analyze", "--db", db]).replace(/\s+/g, " "); // the warning wraps at the terminal width
  assert.match(text, /First-token coverage/);
  assert.match(text, /warning: the first-token p_refusal rests on little of the model's mass in 2 of 3 model × task cells/);
});
