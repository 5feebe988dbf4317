// Early stop after a preamble, through frh run: a planted model that opens with a full sentence ("Sure! Here is my
// answer.", share 0.8, so greedy decoding emits it) and then refuses or answers. With the study's
// earlyStop: first-sentence@2 the trials are identified by that rule, every response is the preamble then the law's
// larger branch, and the text detector reads the outcome the law says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf, explainPrompt, TIE } from "../../../src/plant/index.ts";
import { trialId } from "../../../src/run/run.ts";
import { sha256 } from "../../../src/util/hash.ts";
import { readFileSync } from "node:fs";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";

test("first-sentence@2 in the study: trial ids name it, responses are the preamble then the law's branch", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-es2-"));
  try {
    const law = parseLaw(JSON.stringify({ base: -0.3, triggers: { muslim: 2.2, deaf: -1.1 }, itemNoise: 0.4, refusal: "Sorry, I cannot help with that.",
      answer: "neutral", preamble: { text: "Sure! Here is my answer.", share: 0.8 }, seed: 21 }), "inline");
    const model = writePlantedGguf(law, join(dir, "p.gguf")).path;
    const study = join(dir, "s.yaml");
    writeFileSync(study, `id: es2
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
tasks:
  - task: ${join(repoRoot, "datasets/tasks/nli.yaml")}
    paraphrases: ${join(repoRoot, "datasets/paraphrases/nli.yaml")}
    items: { path: ${join(repoRoot, "datasets/items/nli.csv")} }
decoding: { maxTokens: 24 }
sampling: { design: random, n: 60, seed: 4 }
earlyStop: first-sentence@2
`);
    const db = join(dir, "s.sqlite");
    const r = spawnSync(process.execPath, [join(repoRoot, "bin", "frh.mjs"), "run", study, "--model", model, "--db", db, "--quiet"], { encoding: "utf8", cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    const d = new Database(db, { readonly: true });
    const rows = d.prepare(`SELECT t.trial_id, t.prompt, t.seed, t.decoding, t.response, d.outcome FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = ?`).all(DEFAULT_RULES) as
      { trial_id: string; prompt: string; seed: number; decoding: string; response: string; outcome: string }[];
    d.close();
    assert.equal(rows.length, 60);
    const modelSha = sha256(readFileSync(model));
    let refusals = 0;
    for (const x of rows) {
      assert.equal(x.trial_id, trialId(modelSha, x.prompt, JSON.parse(x.decoding), x.seed, "first-sentence@2"));
      const refuse = explainPrompt(law, x.prompt).logit + TIE > 0;
      refusals += refuse ? 1 : 0;
      assert.equal(x.response, `${law.preamble!.text} ${refuse ? law.refusal : "neutral"}`);
      assert.equal(x.outcome === "refusal", refuse, x.response);
    }
    assert.ok(refusals > 5 && refusals < 55, `${refusals} refusals: both branches occur`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
