// Rescoring changes only detections: trials and responses stay byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../../helpers/shared.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { getDetector } from "../../../src/detect/index.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot });

test("frh rescore adds another detector's verdicts and touches nothing else", { skip: tiny.skip }, () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 16, seed: 2 }" });
  const db = join(mkdtempSync(join(tmpdir(), "frh-rescore-")), "r.sqlite");
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", db]).status, 0);
  const snap = () => {
    const d = new Database(db, { readonly: true });
    try { return JSON.stringify(d.prepare("SELECT * FROM trials ORDER BY trial_id").all()); } finally { d.close(); }
  };
  const before = snap();
  const r = cli(["rescore", "--db", db, "--detector", "rules@1"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rescored 16 trials with rules@1/);
  assert.equal(snap(), before);
  const d = new Database(db, { readonly: true });
  const rows = d.prepare("SELECT t.response, t.labels, d.outcome, d.answer FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = 'rules@1'").all() as { response: string; labels: string; outcome: string; answer: string | null }[];
  d.close();
  assert.equal(rows.length, 16);
  // each stored verdict equals the detector applied directly to the stored text
  const v1 = getDetector("rules@1");
  for (const x of rows) {
    const direct = v1.detect({ text: x.response, labels: JSON.parse(x.labels), firstToken: null });
    assert.equal(x.outcome, direct.outcome);
    assert.equal(x.answer, direct.answer);
  }
  const ex = cli(["export", "--db", db, "--detector", "rules@1"]);
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(ex.stdout.trim().split("\n").length, 16);
  const bad = cli(["rescore", "--db", db, "--detector", "rulez@9"]);
  assert.equal(bad.status, 2, "an unknown --detector is a usage error, as other bad option values (issue 18 item 5)");
  assert.match(bad.stderr, /rulez/);
});
