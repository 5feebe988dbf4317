// No behaviour change (issue 12): `frh analyze`, `export`, `report` and `status` print byte for byte what the code
// before the library refactor printed (apart from timestamps and versions), from a store written now and from the
// store that code wrote (test/fixtures/golden-outputs/*/store-before.sqlite, no sampling in runs.settings). A store whose
// study text is blanked gives the same outputs: nothing re-reads the study YAML once the design is stored.
// Regenerate the golden files only on purpose: node --import tsx test/helpers/write-golden-outputs.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { buildGoldenStore, goldenOutputs, GOLDEN_DESIGNS } from "../../helpers/golden-store.ts";
import { repoRoot } from "../../helpers/shared.ts";
import { loadStudy } from "../../../src/spec/study.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

const designs = Object.keys(GOLDEN_DESIGNS) as (keyof typeof GOLDEN_DESIGNS)[];
const goldenDir = (design: string) => join(repoRoot, "test", "fixtures", "golden-outputs", design);

async function assertGolden(design: string, db: string, what: string) {
  const outs = await goldenOutputs(db, mkdtempSync(join(tmpdir(), "frh-golden-out-")));
  assert.deepEqual(Object.keys(outs).sort(), ["analyze.json", "analyze.txt", "export.csv", "export.jsonl", "report.html", "report.md", "status.json"]);
  for (const [name, text] of Object.entries(outs)) {
    const want = readFileSync(join(goldenDir(design), name), "utf8");
    assert.ok(text.length > 100, `${design}/${name}: output too short to compare`);
    if (name === "analyze.json") assertSameJson(JSON.parse(text), JSON.parse(want), `${design}/${name} (${what})`);
    else assert.equal(text, want, `${design}/${name} differs (${what})`);
  }
}

/**
 * analyze --json: the same keys, strings and structure, numbers equal to 1e-12 relative. Not byte for byte: the mean
 * p_refusal has since been summed in an order-free way (store reproducibility, docs/store.md), which moves its last
 * digit or two; every rounded output (text, reports) is still compared byte for byte.
 */
function assertSameJson(got: unknown, want: unknown, where: string, path = "$"): void {
  if (typeof want === "number" && typeof got === "number") {
    assert.ok(got === want || Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${where} ${path}: ${got} ≠ ${want}`);
    return;
  }
  if (want === null || typeof want !== "object") { assert.equal(got, want, `${where} ${path}`); return; }
  assert.ok(got !== null && typeof got === "object" && Array.isArray(got) === Array.isArray(want), `${where} ${path}: shape`);
  const g = got as Record<string, unknown>, w = want as Record<string, unknown>;
  assert.deepEqual(Object.keys(g), Object.keys(w), `${where} ${path}: keys`);
  for (const k of Object.keys(w)) assertSameJson(g[k], w[k], where, `${path}.${k}`);
}

const scratch = (src: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "frh-golden-copy-")), "s.sqlite");
  copyFileSync(src, path);
  return path;
};

for (const design of designs) {
  test(`${design}: a store written now prints the golden outputs, and stores the design as run`, async () => {
    const db = await buildGoldenStore(design);
    await assertGolden(design, db, "fresh store");
    const d = new Database(db, { readonly: true });
    const settings = JSON.parse((d.prepare(`SELECT settings FROM runs`).pluck().get() as string));
    d.close();
    const study = loadStudy(writeTinyStudy({ sampling: GOLDEN_DESIGNS[design], items: 24 }).study);
    assert.deepEqual(settings.sampling, study.sampling);
    // the design comes from settings, not the study text: blank the text, same outputs
    const blank = scratch(db);
    const w = new Database(blank);
    w.prepare(`UPDATE runs SET study_text = ''`).run();
    w.close();
    await assertGolden(design, blank, "study text blanked");
  });

  test(`${design}: the store written before the refactor (no stored design) prints the golden outputs`, async () => {
    const old = scratch(join(goldenDir(design), "store-before.sqlite"));
    const d = new Database(old, { readonly: true });
    const settings = JSON.parse((d.prepare(`SELECT settings FROM runs`).pluck().get() as string));
    d.close();
    assert.equal(settings.sampling, undefined, "the old store has no stored design: the study-text fallback is what is tested");
    await assertGolden(design, old, "store written before");
  });
}
