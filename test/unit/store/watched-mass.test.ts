// Store migration 3 (watched_mass): additive; a store written before it gets, for each trial, the sum of its stored
// first-token record's refusal and label mass (computed here independently from the JSON), and a reader that opens
// an old store without migrating reads the same values; the export and the analysis rows carry them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../../helpers/shared.ts";
import { openDb, closeDb, SCHEMA_VERSION } from "../../../src/store/db.ts";
import { analysisRows } from "../../../src/store/analysis-rows.ts";
import { finishedTrials } from "../../../src/store/trials.ts";

const old = join(repoRoot, "test/fixtures/golden-outputs/blocked/store-before.sqlite");

function expected(path: string): Map<string, number | null> {
  const d = new Database(path, { readonly: true });
  const rows = d.prepare(`SELECT trial_id, first_token FROM trials WHERE status = 'done'`).all() as { trial_id: string; first_token: string | null }[];
  d.close();
  return new Map(rows.map((r) => {
    const rec = r.first_token ? JSON.parse(r.first_token) : null;
    return [r.trial_id, rec ? rec.refusalMass + rec.answerMass : null];
  }));
}

test("migration 3 fills watched_mass from the stored first-token records; readers of old stores agree", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-wm-"));
  const before = join(dir, "old.sqlite");
  copyFileSync(old, before);
  const want = expected(before);
  assert.ok(want.size > 50 && [...want.values()].every((v) => v !== null), "the fixture has first-token records");
  const v0 = new Database(before, { readonly: true });
  const version = v0.pragma("user_version", { simple: true }) as number;
  v0.close();
  assert.ok(version < 3, `fixture is an old store (schema ${version})`);

  // a reader does not migrate, yet reads the same masses
  const r = openDb(before, { readonly: true });
  const fromReader = new Map(finishedTrials(r, "rules@3").map((t) => [t.trial_id, t.watched_mass]));
  const rowsReader = analysisRows(r, "rules@3");
  closeDb(r);
  // a writer migrates
  const w = openDb(before);
  assert.equal(w.pragma("user_version", { simple: true }), SCHEMA_VERSION);
  const stored = new Map((w.prepare(`SELECT trial_id, watched_mass FROM trials WHERE status = 'done'`).all() as { trial_id: string; watched_mass: number | null }[]).map((x) => [x.trial_id, x.watched_mass]));
  closeDb(w);
  for (const [id, m] of want) {
    assert.ok(Math.abs((stored.get(id) as number) - (m as number)) < 1e-12, `migrated ${id}`);
    assert.ok(Math.abs((fromReader.get(id) as number) - (m as number)) < 1e-12, `reader ${id}`);
  }
  for (const row of rowsReader) assert.ok(Math.abs((row.watchedMass as number) - (want.get(row.trialId) as number)) < 1e-12);
});
