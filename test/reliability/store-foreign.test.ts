// Stores that are not ours, not this study's, too new, truncated or damaged: every command refuses with one clear
// message (exit 1, no "unexpected error", no stack trace) and the file is left byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, truncateSync, statSync, openSync, writeSync, closeSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { openDb, closeDb, SCHEMA_VERSION } from "../../src/store/db.ts";
import { finishRun, planTrials, startRun, type PlannedRow } from "../../src/store/trials.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });
const digest = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const tmp = () => mkdtempSync(join(tmpdir(), "frh-foreign-"));

/** Asserts one `frh: error` line matching `pattern`, exit 1, no internal text. */
function refuses(args: string[], pattern: RegExp) {
  const r = cli(args);
  assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern, args.join(" "));
  assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("frh: error")).length, 1, r.stderr);
  assert.match(r.stderr, /\n {2}fix: /, `no fix given: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /unexpected error|SqliteError|at .*\.ts:\d+/, r.stderr);
}

const readers = (db: string) => [["status", "--db", db], ["export", "--db", db], ["analyze", "--db", db, "--json"], ["report", "--db", db, "--out", join(tmpdir(), `frh-r-${process.pid}.html`)]];

/** A real store written by the store code (a run, `n` planned trials), closed as a run leaves it. */
function makeStore(path: string, study = "tiny", n = 400): void {
  const db = openDb(path);
  const runId = startRun(db, { command: "test", studyId: study, studyPath: "s.yaml", studyText: "x", studySha256: "0", toolVersion: "0", packages: {}, environment: {}, datasets: [], settings: {} });
  db.prepare(`INSERT INTO models (model_sha256, model_id, path, backend, details, first_seen) VALUES ('m', 'm', 'm', 'gguf', '{}', 'now')`).run();
  const rows: PlannedRow[] = Array.from({ length: n }, (_, i) => ({
    trialId: `t${String(i).padStart(5, "0")}`, runId, seq: i, studyId: study, model: "m", modelSha256: "m", persona: "control", personaGroup: "control",
    personaIsControl: true, personaAttributes: {}, task: "t", paraphrase: "p", item: `i${i}`, itemGold: null, replicate: 0, seed: i, placement: "system",
    prompt: `prompt ${i} `.repeat(20), promptHash: "h", decoding: {}, labels: [],
  }));
  planTrials(db, rows);
  finishRun(db, runId, "done");
  closeDb(db);
}

test("a zero-byte file: every command refuses it, names it, and leaves it empty", () => {
  const db = join(tmp(), "empty.sqlite");
  writeFileSync(db, "");
  for (const args of readers(db)) refuses(args, /empty file \(0 bytes\), not an frh store/);
  refuses(["rescore", "--db", db, "--detector", "rules@3"], /empty file/);
  assert.equal(statSync(db).size, 0);
});

test("another program's SQLite database: refused by readers and writers; no frh table is added", () => {
  const db = join(tmp(), "notes.sqlite");
  const d = new Database(db);
  d.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');");
  d.close();
  const before = digest(db);
  for (const args of readers(db)) refuses(args, /not an frh store: it is an SQLite database of another program \(tables: notes\)/);
  refuses(["rescore", "--db", db, "--detector", "rules@3"], /another program/);
  refuses(["merge", "--out", join(tmp(), "m.sqlite"), db], /another program/);
  assert.equal(digest(db), before);
  assert.ok(!existsSync(`${db}-wal`));
});

test("a text file, a directory and a missing file as --db", () => {
  const dir = tmp();
  const txt = join(dir, "x.sqlite");
  writeFileSync(txt, "id,text\n1,hello\n");
  refuses(["status", "--db", txt], /not an frh store \(not an SQLite database at all\)/);
  refuses(["status", "--db", dir], /is a directory/);
  refuses(["export", "--db", join(dir, "nope.sqlite")], /store not found: .*nope\.sqlite/);
  assert.ok(!existsSync(join(dir, "nope.sqlite")), "a reader must not create the store");
});

test("a store of a newer schema version: refused with the versions named, left unchanged", () => {
  const db = join(tmp(), "new.sqlite");
  makeStore(db, "tiny", 10);
  const d = new Database(db); d.pragma(`user_version = ${SCHEMA_VERSION + 1}`); d.close();
  const before = digest(db);
  for (const args of [...readers(db), ["rescore", "--db", db, "--detector", "rules@3"]]) {
    refuses(args, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this frh understands \\(${SCHEMA_VERSION}\\)`));
  }
  assert.equal(digest(db), before);
});

test("a truncated store and a store with damaged pages: 'truncated' / 'damaged', never 'unexpected error'", () => {
  const dir = tmp();
  const cut = join(dir, "cut.sqlite");
  makeStore(cut);
  const size = statSync(cut).size;
  assert.ok(size > 16384, `store too small to cut: ${size}`);
  truncateSync(cut, Math.floor(size / 2));
  for (const args of readers(cut)) refuses(args, /is truncated: \d+ bytes, but its header says \d+ pages/);
  refuses(["rescore", "--db", cut, "--detector", "rules@3"], /truncated/);

  const bad = join(dir, "bad.sqlite");
  makeStore(bad);
  // overwrite every page after the first two with noise: the trials' b-tree pages are damaged
  const fd = openSync(bad, "r+");
  const noise = Buffer.alloc(statSync(bad).size - 8192, 0xa5);
  writeSync(fd, noise, 0, noise.length, 8192);
  closeSync(fd);
  for (const args of [["export", "--db", bad], ["analyze", "--db", bad, "--json"], ["status", "--db", bad]]) refuses(args, /is damaged: SQLite says|not an frh store/);
});

const tiny = tinyGguf();
test("a store of another study: frh run refuses it before loading the model; the store gains no run", { skip: tiny.skip }, () => {
  const db = join(tmp(), "a.sqlite");
  makeStore(db, "other-study", 5);
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 4, seed: 1 }" });
  const before = digest(db);
  refuses(["run", study, "--model", tiny.path, "--db", db], /holds study 'other-study', not 'tiny': one store holds one study/);
  const d = new Database(db, { readonly: true });
  assert.equal(d.prepare("SELECT COUNT(*) FROM runs").pluck().get(), 1);
  d.close();
  assert.equal(digest(db), before);
});

test("a store that pools two studies (written before frh refused that): analyze, export and report refuse it; status warns", () => {
  const db = join(tmp(), "pooled.sqlite");
  makeStore(db, "tiny", 5);
  const d = new Database(db);
  d.prepare(`INSERT INTO runs (started_at, status, command, study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings)
    SELECT started_at, 'done', command, 'second', study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings FROM runs`).run();
  d.close();
  for (const args of readers(db).slice(1)) refuses(args, /pools trials of 2 studies \(second, tiny\)/);
  const st = cli(["status", "--db", db]);
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /warning: this store pools 2 studies \(second, tiny\); analyze and report refuse it/);
});
