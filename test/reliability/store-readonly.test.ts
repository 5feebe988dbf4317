// Read-only places, on a real read-only file system (a tmpfs remounted ro; root only, else skipped with the reason):
// readers (status, export, analyze, report) work on a store in a read-only directory and on a read-only file and
// print what they print on the writable original; writers say what they cannot write and where.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, copyFileSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { tinyFs, type TinyFs } from "../helpers/tinyfs.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });
const fs = tinyFs("8m");
const skip = tiny.skip || (typeof fs === "string" ? fs : false);
after(() => { if (typeof fs !== "string") fs.cleanup(); });

/** What the readers print (report: the file it writes, outside the read-only place). */
function readAll(db: string): string[] {
  const out: string[] = [];
  for (const args of [["status", "--db", db, "--json"], ["export", "--db", db], ["analyze", "--db", db, "--json"]]) {
    const r = cli(args);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    out.push(r.stdout);
  }
  const html = join(mkdtempSync(join(tmpdir(), "frh-ro-rep-")), "r.md");
  const r = cli(["report", "--db", db, "--format", "md", "--out", html]);
  assert.equal(r.status, 0, r.stderr);
  out.push(readFileSync(html, "utf8").replace(/^.*(generated|written|created).*$/gim, "").replace(/\/[^\s)]*\.sqlite/g, "<db>"));
  return out;
}

function refused(args: string[], pattern: RegExp) {
  const r = cli(args);
  assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status} ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, pattern, args.join(" "));
  assert.match(r.stderr, /\n {2}fix: /);
  assert.doesNotMatch(r.stderr, /unexpected error/);
}

test("readers on a read-only file system; writers say what and where", { skip }, () => {
  const t = fs as TinyFs;
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 8, seed: 21 }" });
  const home = mkdtempSync(join(tmpdir(), "frh-ro-"));
  const orig = join(home, "orig.sqlite");
  const r = cli(["run", study, "--model", tiny.path, "--db", orig, "--batch", "4"]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(`${orig}-wal`), "a finished run leaves one file");
  const want = readAll(orig);

  // 1. the store as a run leaves it (rollback journal at rest)
  copyFileSync(orig, join(t.dir, "rest.sqlite"));
  // 2. a WAL-mode header with no WAL content (stores of frh 0.1 were left so)
  copyFileSync(orig, join(t.dir, "walmode.sqlite"));
  const w = new Database(join(t.dir, "walmode.sqlite")); w.pragma("journal_mode = WAL"); w.close();
  // 3. a killed run: the last writes still in -wal, no -shm (as a copy of the two files would be)
  const live = join(home, "live.sqlite");
  copyFileSync(orig, live);
  const l = new Database(live);
  l.pragma("journal_mode = WAL"); l.pragma("wal_autocheckpoint = 0");
  l.prepare(`INSERT INTO runs (started_at, status, command, study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings)
    SELECT started_at, 'done', 'from the wal', study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings FROM runs LIMIT 1`).run();
  copyFileSync(live, join(t.dir, "killed.sqlite"));
  copyFileSync(`${live}-wal`, join(t.dir, "killed.sqlite-wal"));
  l.close();
  t.readOnly();
  try {
    const before = readdirSync(t.dir).sort();
    assert.deepEqual(readAll(join(t.dir, "rest.sqlite")), want);
    assert.deepEqual(readAll(join(t.dir, "walmode.sqlite")), want);
    const killed = join(t.dir, "killed.sqlite");
    refused(["status", "--db", killed], /still in .*killed\.sqlite-wal .*read-only/);
    assert.deepEqual(readdirSync(t.dir).sort(), before, "a reader created a file");

    const rest = join(t.dir, "rest.sqlite");
    refused(["run", study, "--model", tiny.path, "--db", rest], /cannot write .*rest\.sqlite: its directory .* is not writable \(read-only file system\)/);
    refused(["run", study, "--model", tiny.path, "--db", join(t.dir, "new.sqlite")], /cannot write .*new\.sqlite: its directory .* is not writable \(read-only file system\)/);
    refused(["run", study, "--model", tiny.path, "--db", join(t.dir, "sub", "new.sqlite")], /cannot create the directory for the store at .*sub: read-only file system/);
    refused(["rescore", "--db", rest, "--detector", "rules@2"], /cannot write .*rest\.sqlite/);
    refused(["status", "--db", rest, "--checkpoint"], /cannot write .*rest\.sqlite/);
    refused(["merge", "--out", join(t.dir, "m.sqlite"), orig], /cannot write .*m\.sqlite/);
  } finally {
    t.writable();
  }
  // where it is writable, --checkpoint folds the WAL in; read-only again, the store is complete in one file
  const killed = join(t.dir, "killed.sqlite");
  const c = cli(["status", "--db", killed, "--checkpoint", "--json"]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /checkpoint: \d+ WAL pages folded into/);
  assert.ok(!existsSync(`${killed}-wal`));
  t.readOnly();
  try {
    const s = JSON.parse(cli(["status", "--db", killed, "--json"]).stdout);
    assert.equal(s.runs, 2, "the run that was only in the -wal is in the store file");
  } finally {
    t.writable();
  }
});

test("a read-only store file in a writable directory: readers work, a writer names the file", { skip }, () => {
  const t = fs as TinyFs;
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 4, seed: 22 }" });
  const orig = join(mkdtempSync(join(tmpdir(), "frh-rofile-")), "o.sqlite");
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", orig]).status, 0);
  const want = readAll(orig);
  const dir = mkdtempSync(join(tmpdir(), "frh-rofile-dir-"));
  const file = join(dir, "ro.sqlite");
  copyFileSync(orig, join(t.dir, "src.sqlite"));
  writeFileSync(file, "");
  // a read-only bind mount of one file: read-only even for root
  const m = spawnSync("mount", ["--bind", join(t.dir, "src.sqlite"), file]);
  assert.equal(m.status, 0, String(m.stderr));
  try {
    assert.equal(spawnSync("mount", ["-o", "remount,bind,ro", file]).status, 0);
    assert.deepEqual(readAll(file), want);
    refused(["rescore", "--db", file, "--detector", "rules@2"], /cannot write .*ro\.sqlite: the store file is not writable \(read-only file system\)/);
  } finally {
    spawnSync("umount", [file]);
  }
});
