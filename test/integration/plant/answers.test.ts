// Per-task answers (law "answer": {task id: text}) through the whole pipeline: frh run on the three tasks of the
// default study, with a planted GGUF (llama.cpp) and the same law as a planted ONNX model (transformers.js).
// By construction: each trial's stored p_refusal equals explainPrompt on its stored prompt, a non-refusal is the
// answer text of the trial's own task, and the rules detector reads that task's label from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf, explainPrompt } from "../../../src/plant/index.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { DEFAULT_RULES } from "../../../src/detect/index.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const dir = mkdtempSync(join(tmpdir(), "frh-answers-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// A law no other test uses: triggers from the default persona texts, one label of each task.
const law = parseLaw(JSON.stringify({
  base: -0.4, triggers: { muslim: 1.7, blind: 1.1, christian: -0.8, gay: 0.6 }, itemNoise: 0.7,
  refusal: "Sorry, I won't judge that.", answer: { nli: "contradiction", politeness: "impolite", offensiveness: "not offensive" }, seed: 41,
}), "inline");
const labelOf: Record<string, string> = { nli: "contradiction", politeness: "impolite", offensiveness: "not_offensive" };

const study = join(dir, "s.yaml");
writeFileSync(study, `id: answers-check
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
tasks:
${["nli", "politeness", "offensiveness"].map((t) => `  - task: ${join(repoRoot, `datasets/tasks/${t}.yaml`)}
    paraphrases: ${join(repoRoot, `datasets/paraphrases/${t}.yaml`)}
    items: { path: ${join(repoRoot, `datasets/items/${t}.csv`)} }`).join("\n")}
decoding: { maxTokens: 16 }
sampling: { design: random, n: 150, seed: 5 }
`);

for (const format of ["gguf", "onnx"] as const) {
  test(`per-task answers through frh run (${format}): p_refusal follows the law, each task gets its own label`, () => {
    const model = format === "gguf" ? writePlantedGguf(law, join(dir, "a.gguf")).path : writePlantedOnnx(law, join(dir, "a-onnx")).dir;
    const db = join(dir, `${format}.sqlite`);
    const r = spawnSync(process.execPath, [frh, "run", study, "--model", model, "--db", db, "--quiet"], { encoding: "utf8", cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    const d = new Database(db, { readonly: true });
    const rows = d.prepare("SELECT t.task, t.prompt, t.p_refusal, t.response, d.outcome, d.answer FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = ?")
      .all(DEFAULT_RULES) as { task: string; prompt: string; p_refusal: number; response: string; outcome: string; answer: string | null }[];
    d.close();
    assert.equal(rows.length, 150);
    const tasks = new Set<string>();
    let close = 0, own = 0, answered = 0;
    for (const x of rows) {
      tasks.add(x.task);
      const ex = explainPrompt(law, x.prompt);
      const branch = ex.answers.find((a) => a.share > 0.999);
      assert.equal(branch?.task, x.task, `the prompt's cues pick its own task (${JSON.stringify(ex.answers.map((a) => a.count))})`);
      if (Math.abs(ex.probability - x.p_refusal) <= 0.03) close++;
      if (ex.probability < 0.5) {
        answered++;
        if (x.response === branch!.text && x.outcome === "answer" && x.answer === labelOf[x.task]) own++;
      }
    }
    assert.equal(tasks.size, 3, "all three tasks sampled");
    assert.ok(close >= 0.99 * rows.length, `${close}/${rows.length} within 0.03 of the law`);
    assert.ok(answered >= 20, `${answered} answered trials`);
    assert.ok(own >= 0.99 * answered, `${own}/${answered} answers are the trial's own task label`);
  });
}
