// End to end through the real CLI process: run, status, export, a SIGKILL mid-run, resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, existsSync, writeFileSync, readFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parse } from "csv-parse/sync";
import { repoRoot, tinyGguf } from "../../helpers/shared.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });

function counts(db: string) {
  const d = new Database(db, { readonly: true });
  try {
    return {
      rows: d.prepare("SELECT COUNT(*) FROM trials").pluck().get() as number,
      done: d.prepare("SELECT COUNT(*) FROM trials WHERE status = 'done'").pluck().get() as number,
      distinct: d.prepare("SELECT COUNT(DISTINCT trial_id) FROM trials").pluck().get() as number,
      // a done trial without its detections, or a pending one with a response, would be half-written
      halfDone: d.prepare("SELECT COUNT(*) FROM trials t WHERE status = 'done' AND (response IS NULL OR (SELECT COUNT(*) FROM detections d WHERE d.trial_id = t.trial_id) < 2)").pluck().get() as number,
      halfPending: d.prepare("SELECT COUNT(*) FROM trials t WHERE status = 'planned' AND (response IS NOT NULL OR EXISTS (SELECT 1 FROM detections d WHERE d.trial_id = t.trial_id))").pluck().get() as number,
      detections: d.prepare("SELECT COUNT(*) FROM detections").pluck().get() as number,
    };
  } finally {
    d.close();
  }
}

test("frh run --limit 60 stores 60 trials; status and export report them", { skip: tiny.skip }, () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 70, seed: 4 }", items: 12 });
  const db = join(mkdtempSync(join(tmpdir(), "frh-cli-")), "x.sqlite");
  const r = cli(["run", study, "--model", tiny.path, "--limit", "60", "--db", db, "--batch", "6"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /60 trials run/);
  const st = cli(["status", "--db", db, "--json"]);
  assert.equal(st.status, 0, st.stderr);
  const s = JSON.parse(st.stdout);
  assert.deepEqual([s.planned, s.done, s.failed], [60, 60, 0]);
  for (const fmt of ["jsonl", "csv"]) {
    const out = join(tmpdir(), `frh-export-${process.pid}.${fmt}`);
    const ex = cli(["export", "--db", db, "--format", fmt, "--out", out]);
    assert.equal(ex.status, 0, ex.stderr);
    const text = readFileSync(out, "utf8");
    if (fmt === "jsonl") {
      const recs = text.trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(recs.length, 60);
      assert.equal(new Set(recs.map((x) => x.trial_id)).size, 60);
      for (const k of ["trial_id", "model", "persona", "persona_group", "task", "paraphrase", "item", "prompt", "response", "answer", "outcome", "refusal", "p_refusal", "detector", "latency_ms"]) {
        assert.ok(k in recs[0], `export lacks ${k}`);
      }
      for (const x of recs) {
        assert.ok(["answer", "refusal", "partial", "invalid"].includes(x.outcome));
        assert.ok(x.refusal === 0 || x.refusal === 1);
        assert.ok(x.p_refusal === null || (x.p_refusal >= 0 && x.p_refusal <= 1));
        assert.match(x.detector, /^rules@\d+$/);
      }
    } else {
      const recs = parse(text, { columns: true }) as Record<string, string>[];
      assert.equal(recs.length, 60);
      assert.equal(new Set(recs.map((x) => x.trial_id)).size, 60);
      assert.ok(recs.every((x) => x.prompt.length > 0 && ["0", "1"].includes(x.refusal)));
    }
  }
  // same command again: nothing new to run
  const again = cli(["run", study, "--model", tiny.path, "--limit", "60", "--db", db]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 trials run, 60 already done/);
});

// A fast machine can finish a small plan between two polls, so the kill would land after the end and prove
// nothing: each attempt quadruples the plan until a kill lands mid-run (the first one does on 2 busy cores).
async function killMidRun(items: number) {
  const { study } = writeTinyStudy({ sampling: "{ design: full, seed: 5 }", items }); // 4 personas × 3 paraphrases × items
  const total = 4 * 3 * items;
  const db = join(mkdtempSync(join(tmpdir(), "frh-kill-")), "k.sqlite");
  const child = spawn(process.execPath, [frh, "run", study, "--model", tiny.path, "--db", db, "--batch", "4", "--quiet"], { cwd: repoRoot, stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  // wait until some trials are stored, then kill without warning
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 40));
    if (!existsSync(db)) continue;
    try { if (counts(db).done >= 12) break; } catch { continue; }
  }
  child.kill("SIGKILL");
  await exited;
  return { study, db, total, mid: counts(db) };
}

test("kill -9 mid-run loses at most the batch in flight; resume completes without duplicates", { skip: tiny.skip }, async () => {
  let attempt: Awaited<ReturnType<typeof killMidRun>> | null = null;
  for (const items of [12, 48, 192]) {
    const a = await killMidRun(items);
    if (a.mid.done < a.total) { attempt = a; break; }
  }
  assert.ok(attempt, "every run finished before its kill landed, even with 2304 trials");
  const { study, db, total, mid } = attempt;
  assert.ok(mid.done >= 12, `killed before the first stored batches: ${mid.done}`);
  assert.equal(mid.halfDone, 0);
  assert.equal(mid.halfPending, 0);
  assert.equal(mid.rows, mid.distinct);
  const r = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "4"]);
  assert.equal(r.status, 0, r.stderr);
  const end = counts(db);
  assert.equal(end.rows, total);
  assert.equal(end.done, total);
  assert.equal(end.distinct, total);
  assert.equal(end.halfDone, 0);
  assert.equal(end.detections, total * 2);
  assert.match(r.stdout, new RegExp(`${total - mid.done} trials run, ${mid.done} already done`));
});

test("bad input: one clear message, exit 1, and an existing store left intact", { skip: tiny.skip }, () => {
  const { dir, study } = writeTinyStudy({ sampling: "{ design: random, n: 8, seed: 1 }" });
  const db = join(dir, "keep.sqlite");
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", db]).status, 0);
  const snapshot = join(dir, "snapshot.sqlite");
  const d = new Database(db); d.pragma("wal_checkpoint(TRUNCATE)"); d.close();
  copyFileSync(db, snapshot);
  const fake = join(dir, "fake.gguf");
  writeFileSync(fake, "not a model at all");
  const badYaml = join(dir, "bad.yaml");
  writeFileSync(badYaml, "id: x\npersonas: [\n");
  const badPersona = writeTinyStudy({ studyExtra: "includePersonas: [nobody]" });
  const badItems = writeTinyStudy();
  writeFileSync(join(badItems.dir, "d", "items.csv"), "id,sentence\na,b\n");
  const cases: [string[], RegExp][] = [
    [["run", study, "--model", join(dir, "missing.gguf"), "--db", db], /model file not found/],
    [["run", study, "--model", fake, "--db", db], /not a GGUF file/],
    [["run", badYaml, "--model", tiny.path, "--db", db], /malformed YAML/],
    [["run", badPersona.study, "--model", tiny.path, "--db", db], /unknown persona 'nobody'/],
    [["run", badItems.study, "--model", tiny.path, "--db", db], /missing column 'text'/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(args);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("frh: error")).length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, "no stack trace for a user error");
  }
  const a = new Database(db, { readonly: true }), b = new Database(snapshot, { readonly: true });
  const dump = (x: Database.Database) => JSON.stringify([x.prepare("SELECT * FROM trials ORDER BY trial_id").all(), x.prepare("SELECT * FROM runs").all()]);
  assert.equal(dump(a), dump(b), "the store changed");
  a.close(); b.close();
  assert.equal(cli(["run", "--bogus-flag"]).status, 2);
  assert.equal(cli(["status", "--db", join(dir, "nope.sqlite")]).status, 1);
});
