// `frh demo` end to end on a reduced design (6 blocked cells instead of the demo's 125): it builds the planted models,
// runs both through llama.cpp, prints a table per model with one row per persona, and writes the report. Because the
// models are planted, the measured first-token p_refusal column must equal the planted column (to the printed 0.1%).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

test("frh demo --cells 6: every persona row's measured p_refusal equals the planted value; report written", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-demo-"));
  const db = join(dir, "demo.sqlite");
  const out = join(dir, "demo.html");
  const r = spawnSync(process.execPath, [join(repoRoot, "bin", "frh.mjs"), "demo", "--cells", "6", "--db", db, "--out", out],
    { encoding: "utf8", cwd: repoRoot, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  // 6 cells × 16 personas (15 + control) × 2 models
  assert.match(r.stdout, /Demo: 96 trials on 2 planted models/);
  const models = r.stdout.split(/\nModel /).slice(1);
  assert.equal(models.length, 2, r.stdout);
  for (const block of models) {
    const rows = block.split("\n").filter((l) => /^ {2}[a-z_]+\s+\d+\s+[\d.]+%/.test(l));
    assert.equal(rows.length, 16, `one row per persona and the control:\n${block}`);
    for (const row of rows) {
      const [planted, measured] = [...row.matchAll(/([\d.]+)%/g)].slice(0, 2).map((m) => Number(m[1]));
      assert.ok(Math.abs(planted - measured) <= 0.1 + 1e-9, `planted ${planted}% vs measured ${measured}%: ${row}`);
    }
  }
  assert.match(r.stdout, /Detectors: rules@\d+ and first-token@1 \(p_refusal > 0\.5\) agree on \d+ of 96 trials/);
  assert.ok(existsSync(out));
  const html = readFileSync(out, "utf8");
  assert.match(html, /<svg/);
  assert.match(html, /demo-cautious/);
});
