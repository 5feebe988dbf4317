// Is p_refusal bitwise reproducible across batch sizes and an interrupted-then-resumed run? (issue 18 item 9)
// Runs one study into three stores through the real CLI — --batch 16, --batch 2, and --limit k then resumed —
// and counts trials whose stored p_refusal or text differs from the first store. Not a test (minutes of CPU).
//   node --import tsx bench/store-reproducibility.ts [--model file.gguf] [--study file.yaml] [--limit 64]
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const model = arg("--model", "../shared/models/llama-2-tiny-random.gguf");
const study = arg("--study", "datasets/studies/default.yaml");
const limit = Number(arg("--limit", "64"));
const dir = mkdtempSync(join(tmpdir(), "frh-repro-bench-"));
const run = (db: string, extra: string[]) => {
  const r = spawnSync(process.execPath, ["bin/frh.mjs", "run", study, "--model", model, "--db", db, "--quiet", ...extra], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  console.log(`${db}: ${r.stdout.trim()}`);
};
const store = (n: string) => join(dir, `${n}.sqlite`);
run(store("b16"), ["--batch", "16", "--limit", String(limit)]);
run(store("b2"), ["--batch", "2", "--limit", String(limit)]);
run(store("resumed"), ["--batch", "16", "--limit", String(Math.floor(limit / 3))]);
run(store("resumed"), ["--batch", "16", "--limit", String(limit)]);
const rows = (p: string) => new Map((new Database(p, { readonly: true }).prepare("SELECT trial_id, p_refusal, response FROM trials").all() as
  { trial_id: string; p_refusal: number; response: string }[]).map((r) => [r.trial_id, r]));
const base = rows(store("b16"));
for (const name of ["b2", "resumed"]) {
  const other = rows(store(name));
  let pDiff = 0, max = 0, textDiff = 0;
  for (const [id, r] of base) {
    const q = other.get(id)!;
    if (q.p_refusal !== r.p_refusal) { pDiff++; max = Math.max(max, Math.abs(q.p_refusal - r.p_refusal)); }
    if (q.response !== r.response) textDiff++;
  }
  console.log(`${name} vs b16: ${base.size} trials, p_refusal differs on ${pDiff} (max |Δ| ${max}), text differs on ${textDiff}`);
}
