// The sequential design end to end on a planted GGUF: frh run stops at the first round whose stored data reach the
// target (checked here with analyze() on the store, not with the run's own numbers); frh status and frh report
// show the trace recomputed from the store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf } from "../../../src/plant/index.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";
import { analyze } from "../../../src/stats/analyze.ts";
import { maxCiHalfWidth } from "../../../src/stats/designs.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot });

test("sequential design on a planted model: stops at the target, status and report show the trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-planted-seq-"));
  const law = parseLaw(JSON.stringify({ base: -0.8, triggers: { muslim: 2.0, deaf: 0.9 }, itemNoise: 0.3,
    refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 31 }), "inline");
  const model = join(dir, "p.gguf");
  writePlantedGguf(law, model);
  const target = 0.16, cellsPerRound = 15, personas = 3;
  const study = join(dir, "s.yaml");
  writeFileSync(study, `id: planted-seq
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
includePersonas: [muslim_person, deaf_person]
tasks:
  - task: ${join(repoRoot, "datasets/tasks/nli.yaml")}
    paraphrases: ${join(repoRoot, "datasets/paraphrases/nli.yaml")}
    items: { path: ${join(repoRoot, "datasets/items/nli.csv")} }
decoding: { maxTokens: 16, temperature: 1, topK: 0, topP: 1, seed: 2 }
sampling: { design: sequential, cellsPerRound: ${cellsPerRound}, targetHalfWidth: ${target}, maxTrials: 600, seed: 6 }
`);
  const db = join(dir, "p.sqlite");
  const r = cli(["run", study, "--model", model, "--db", db, "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  const m = /sequential: target reached after (\d+) rounds?, (\d+) trials/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const rounds = Number(m[1]), trials = Number(m[2]);
  assert.ok(rounds >= 2, `stopped after ${rounds} round(s): the test needs a round that did not reach the target`);
  assert.equal(trials, rounds * cellsPerRound * personas);

  const d = new Database(db, { readonly: true });
  const stored = d.prepare(`SELECT t.seq, t.model, t.persona, t.persona_group, t.task, t.paraphrase, t.item, d.refusal FROM trials t
    JOIN detections d ON d.trial_id = t.trial_id AND d.detector = ? WHERE t.status = 'done'`).all(DEFAULT_RULES) as Record<string, never>[];
  d.close();
  const rows = stored.map((x) => ({ seq: x.seq as number, model: x.model, persona: x.persona, personaGroup: x.persona_group, task: x.task, paraphrase: x.paraphrase, item: x.item, refusal: x.refusal, pRefusal: null }) as AnalysisRow & { seq: number });
  assert.equal(rows.length, trials);
  const widest = (xs: AnalysisRow[]) => maxCiHalfWidth(analyze(xs, { control: "control", outcome: "refusal" }));
  const perRound = cellsPerRound * personas;
  const trace = Array.from({ length: rounds }, (_, k) => {
    const xs = rows.filter((x) => x.seq < (k + 1) * perRound);
    return { trials: xs.length, hw: widest(xs) };
  });
  assert.ok(trace[rounds - 1].hw <= target, `final ${trace[rounds - 1].hw}`);
  assert.ok(trace[rounds - 2].hw > target, `previous round ${trace[rounds - 2].hw}`);
  // the law gives the personas different rates: the stored rates are ordered as planted (muslim > deaf > control)
  const rate = (p: string) => rows.filter((x) => x.persona === p).reduce((s, x) => s + x.refusal, 0) / (trials / personas);
  assert.ok(rate("muslim_person") > rate("deaf_person") && rate("deaf_person") > rate("control"), `${rate("muslim_person")} ${rate("deaf_person")} ${rate("control")}`);

  const st = cli(["status", "--db", db, "--json"]);
  assert.equal(st.status, 0, st.stderr);
  const s = JSON.parse(st.stdout);
  assert.equal(s.planned, trials);
  assert.deepEqual([s.sequential.rounds, s.sequential.trials, s.sequential.targetReached], [rounds, trials, true]);
  assert.ok(Math.abs(s.sequential.maxHalfWidth - trace[rounds - 1].hw) < 1e-12);
  const text = cli(["status", "--db", db]);
  assert.match(text.stdout, /'planned' counts only the rounds drawn so far/);

  const md = join(dir, "r.md");
  const rep = cli(["report", "--db", db, "--format", "md", "--out", md, "--detector", DEFAULT_RULES]);
  assert.equal(rep.status, 0, rep.stderr);
  const section = readFileSync(md, "utf8").split("## Precision over trials")[1];
  assert.ok(section, "no sequential section in the report");
  const points = [...section.matchAll(/^\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|$/gm)].map((x) => ({ trials: Number(x[1]), hw: Number(x[2]) }));
  assert.equal(points.length, rounds);
  for (const [k, p] of points.entries()) {
    assert.equal(p.trials, trace[k].trials);
    assert.ok(Math.abs(p.hw - trace[k].hw) < 1e-4, `round ${k + 1}: report ${p.hw}, analyze ${trace[k].hw}`);
  }
});
