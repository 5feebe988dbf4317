// A store on a tiny file system that fills up mid-run (a tmpfs of the test's own; root only, else skipped with the
// reason): the run stops with one "disk full" message naming the store, the store still opens and analyses the
// trials it holds, and once space is freed the same command finishes the plan with every trial stored once.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { openSync, writeSync, closeSync, unlinkSync, existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { tinyFs, type TinyFs } from "../helpers/tinyfs.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });
const fs = tinyFs("3m");
const skip = tiny.skip || (typeof fs === "string" ? fs : false);
after(() => { if (typeof fs !== "string") fs.cleanup(); });

const doneCount = (db: string) => {
  const d = new Database(db, { readonly: true });
  try { return d.prepare("SELECT COUNT(*) FROM trials WHERE status = 'done'").pluck().get() as number; } finally { d.close(); }
};

/** Writes zeros until the file system is full; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, "w");
  let n = 0;
  try {
    for (const size of [1 << 16, 4096, 512, 1]) {
      const buf = Buffer.alloc(size);
      for (;;) {
        try { writeSync(fd, buf); n += size; } catch (e) { if ((e as NodeJS.ErrnoException).code === "ENOSPC") break; throw e; }
      }
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

test("disk full mid-run: one clear message, the store opens and analyses what it holds, and the run resumes once space is free", { skip, timeout: 120_000 }, async () => {
  const t = fs as TinyFs;
  const { study } = writeTinyStudy({ sampling: "{ design: full, seed: 31 }", items: 6 }); // 4 × 3 × 6 = 72 trials
  const db = join(t.dir, "full.sqlite");
  const filler = join(t.dir, "filler");
  const child = spawn(process.execPath, [frh, "run", study, "--model", tiny.path, "--db", db, "--batch", "2", "--quiet"], { cwd: repoRoot, env: { ...process.env, CI: "true" } });
  let out = "", err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on("exit", r));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    try { if (existsSync(db) && doneCount(db) >= 4) break; } catch { /* not yet */ }
  }
  child.kill("SIGSTOP"); // paused while the disk fills, so the run cannot finish first
  const before = doneCount(db);
  assert.ok(before >= 4 && before < 72, `the disk must fill mid-run (done ${before})`);
  fill(filler);
  child.kill("SIGCONT");
  const code = await exited;
  assert.equal(code, 1, `exit ${code}\n${out}\n${err}`);
  assert.match(err, /frh: error: disk full: cannot write .*full\.sqlite/);
  assert.match(err, /\n {2}fix: free space .*re-run the same command/);
  assert.equal(err.split("\n").filter((l) => l.startsWith("frh: error")).length, 1, err);
  assert.doesNotMatch(err, /unexpected error|SqliteError/);

  // still full: the readers open it and see every trial that was saved, each complete
  const st = cli(["status", "--db", db, "--json"]);
  assert.equal(st.status, 0, st.stderr);
  const s = JSON.parse(st.stdout);
  assert.ok(s.done >= before && s.done < 72, `done ${s.done}`);
  const an = cli(["analyze", "--db", db, "--json"]);
  assert.equal(an.status, 0, an.stderr);
  const ex = cli(["export", "--db", db]);
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(ex.stdout.trim().split("\n").length, s.done);

  // space again: the same command finishes the plan; no trial twice, none lost
  unlinkSync(filler);
  const again = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "8"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${72 - s.done} trials run, ${s.done} already done`));
  const d = new Database(db, { readonly: true });
  const c = d.prepare("SELECT COUNT(*) n, COUNT(DISTINCT trial_id) ids, SUM(status = 'done') done, SUM(attempts > 1) twice FROM trials").get() as Record<string, number>;
  const runs = d.prepare("SELECT status FROM runs ORDER BY run_id").pluck().all();
  d.close();
  assert.deepEqual([c.n, c.ids, c.done, c.twice], [72, 72, 72, 0]);
  assert.ok(["failed", "interrupted"].includes(runs[0] as string), `first run recorded as ${runs[0]}`);
  assert.equal(runs.at(-1), "done");
});
