// How the run loop stores GGUF results: each backend batch is stored as soon as it completes (a kill loses at
// most one batch), and a prompt too long for the context fails only its own trials, with the item named.
// Real planted GGUF models through runStudy; the only wrapper counts stored trials while the backend runs.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../../../src/types.ts";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { writePlantedGguf, type Law } from "../../../src/plant/index.ts";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb, type Db } from "../../../src/store/db.ts";
import { runStudy } from "../../../src/run/run.ts";
import { statusCounts } from "../../../src/store/trials.ts";
import { getDetector, DEFAULT_RULES } from "../../../src/detect/index.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-batches-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const law: Law = { base: -0.5, triggers: { muslim: 2, woman: -1 }, itemNoise: 0.5, refusal: "I'm sorry, but I can't help with that.", answer: "not offensive", seed: 21 };
const detectors = [getDetector(DEFAULT_RULES), getDetector("first-token@1")];
const done = (db: Db) => db.prepare("SELECT COUNT(*) FROM trials WHERE status = 'done'").pluck().get() as number;

test("each backend batch is stored as soon as its results are in, not once per backend call", async () => {
  const model = writePlantedGguf(law, join(tmp, "a.gguf")).path;
  const study = loadStudy(writeTinyStudy({ sampling: "{ design: random, n: 24, seed: 5 }", items: 6 }).study);
  const db = openDb(join(tmp, "a.sqlite"));
  const seen: { reported: number; stored: number }[][] = [];
  try {
    const s = await runStudy(db, study, {
      models: [{ id: "planted", source: model }], batch: 4, detectors, command: "test",
      loadBackend: async (source, o): Promise<Backend> => {
        const b = await loadLlamaCpp(source, { sequences: o.batch, threads: 1 });
        return {
          info: b.info, render: (m) => b.render(m), dispose: () => b.dispose(),
          generate: (reqs, g) => {
            const call: { reported: number; stored: number }[] = [];
            seen.push(call);
            let reported = 0;
            // after the run loop's own handler: how many trials the store holds at that moment
            return b.generate(reqs, { onResult: (i, r) => { g?.onResult?.(i, r); call.push({ reported: ++reported, stored: done(db) }); } });
          },
        };
      },
    });
    assert.equal(s.ran, 24);
    // 24 trials, batch 4, four batches per backend call: calls of 16 and 8 results
    assert.deepEqual(seen.map((c) => c.length), [16, 8]);
    let before = 0;
    for (const call of seen) {
      for (const { reported, stored } of call) assert.equal(stored, before + Math.floor(reported / 4) * 4, `after ${reported} results`);
      before += call.length;
    }
  } finally {
    db.close();
  }
});

test("a prompt longer than the context fails only its trials, naming the item, on every re-run", async () => {
  const model = writePlantedGguf(law, join(tmp, "b.gguf"), { contextLength: 512 }).path;
  const { study: path, dir } = writeTinyStudy({ sampling: "{ design: full, seed: 1 }", items: 3 });
  // item it1 is ~3,000 words: far past a 512-token context
  writeFileSync(join(dir, "d", "items.csv"), `id,text,gold\nit0,"A short sentence about cats.",offensive\nit1,"${"a long sentence about rain and trains ".repeat(500)}",offensive\nit2,"Coffee is fine.",not_offensive\n`);
  const study = loadStudy(path);
  const db = openDb(join(tmp, "b.sqlite"));
  try {
    const warnings: string[] = [];
    const run = () => runStudy(db, study, {
      models: [{ id: "planted", source: model }], detectors, command: "test", backend: { threads: 1 },
      // (the plan-time ambiguous-read check, run/ambiguity.ts, is not counted here)
      onEvent: (e) => { if (e.type === "warning" && !/ambiguous first-token reads/.test(e.message)) warnings.push(e.message); },
    });
    for (const attempt of [1, 2]) {
      warnings.length = 0;
      const s = await run();
      // 3 items × 3 paraphrases × 4 personas; it1's 12 trials fail, the others are done (first run) or skipped (re-run)
      assert.equal(s.failed, 12, `attempt ${attempt}`);
      assert.equal(attempt === 1 ? s.ran : s.skipped, 24, `attempt ${attempt}`);
      const failed = db.prepare("SELECT item, error FROM trials WHERE status = 'failed'").all() as { item: string; error: string }[];
      assert.equal(failed.length, 12);
      for (const f of failed) {
        assert.equal(f.item, "it1");
        assert.match(f.error, /^item 'it1' \(task 'offensiveness', persona '[a-z_]+', paraphrase 'p\d'\): the prompt is \d{4,} tokens and the response may take 8 more, but the model's context holds 512 tokens — shorten or drop this item .*; only this trial failed$/);
      }
      assert.equal(done(db), 24);
      // said during the run: the first three failures, then how many in all and where to look
      assert.equal(warnings.length, 4, warnings.join("\n"));
      assert.ok(warnings.slice(0, 3).every((w) => w.startsWith("trial failed: item 'it1'")));
      assert.match(warnings[3], /^12 trials failed on model 'planted' \(3 shown above\); `frh status` lists the failures by item$/);
      const f = statusCounts(db).failures;
      assert.deepEqual(f.map((x) => [x.model, x.item, x.trials]), [["planted", "it1", 12]]);
    }
  } finally {
    db.close();
  }
});
