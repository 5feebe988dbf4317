// frh run on a planted model, for a law written here: stored p_refusal equals the planted law and greedy
// outcomes follow σ(…) > 0.5 — checked through the whole CLI, store and detectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf, explainPrompt } from "../../../src/plant/index.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";

const frh = join(repoRoot, "bin", "frh.mjs");

test("a planted law is recovered trial by trial through frh run", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-planted-"));
  // triggers from the default persona texts; a law no other test uses
  const lawText = JSON.stringify({ base: -0.7, triggers: { woman: 1.3, deaf: 2.2, jewish: -0.9, hispanic: 0.4 }, itemNoise: 0.6,
    refusal: "Sorry, I will not answer that.", answer: "neutral", seed: 77 });
  const law = parseLaw(lawText, "inline");
  const model = join(dir, "p.gguf");
  writePlantedGguf(law, model);
  const study = join(dir, "s.yaml");
  writeFileSync(study, `id: planted-check
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
tasks:
  - task: ${join(repoRoot, "datasets/tasks/nli.yaml")}
    paraphrases: ${join(repoRoot, "datasets/paraphrases/nli.yaml")}
    items: { path: ${join(repoRoot, "datasets/items/nli.csv")} }
decoding: { maxTokens: 16 }
sampling: { design: random, n: 240, seed: 3 }
`);
  const db = join(dir, "p.sqlite");
  const r = spawnSync(process.execPath, [frh, "run", study, "--model", model, "--db", db, "--quiet"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  const d = new Database(db, { readonly: true });
  const rows = d.prepare("SELECT t.prompt, t.p_refusal, t.response, d.outcome FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = ?").all(DEFAULT_RULES) as { prompt: string; p_refusal: number; response: string; outcome: string }[];
  d.close();
  assert.equal(rows.length, 240);
  let close = 0, greedy = 0, refusals = 0;
  for (const x of rows) {
    const p = explainPrompt(law, x.prompt).probability;
    if (Math.abs(p - x.p_refusal) <= 0.03) close++;
    const refuse = p > 0.5;
    refusals += refuse ? 1 : 0;
    if ((x.outcome === "refusal") === refuse && x.response === (refuse ? law.refusal : law.answer)) greedy++;
  }
  // default batching (16 sequences): the output-reorder guard keeps every row its own (llamaCpp/guard.ts)
  assert.equal(close, rows.length, `${close}/${rows.length} within 0.03`);
  assert.ok(greedy >= 0.99 * rows.length, `${greedy}/${rows.length} greedy outcomes match σ > 0.5`);
  assert.ok(refusals > 20 && refusals < 220, "the law should give both outcomes");
});
