// Two writers on one store: the second `frh run` is refused while the first is alive (real processes), runs that
// start at the same instant never compute a trial twice, and a killed run is recorded as interrupted — only once
// its process is really gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir, hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { openDb, closeDb } from "../../src/store/db.ts";
import { startRun, finishRun, type RunStart } from "../../src/store/trials.ts";
import { HarnessError } from "../../src/errors.ts";
import { ggufOfUnknownArchitecture } from "./helpers.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });
const tmp = () => mkdtempSync(join(tmpdir(), "frh-writers-"));

function q<T>(db: string, sql: string): T {
  const d = new Database(db, { readonly: true });
  try { return d.prepare(sql).all() as T; } finally { d.close(); }
}

async function waitFor(what: string, ok: () => boolean, ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (ok()) return; } catch { /* store not there yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("a second frh run on a store being written is refused with who writes it; the first is killed; the next run marks it interrupted and finishes once", { skip: tiny.skip }, async () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 32, seed: 11 }", items: 6 });
  const db = join(tmp(), "w.sqlite");
  const a = spawn(process.execPath, [frh, "run", study, "--model", tiny.path, "--db", db, "--batch", "1", "--quiet"], { cwd: repoRoot, stdio: "ignore" });
  try {
    await waitFor("the first run to store a trial", () => existsSync(db) && q<{ n: number }[]>(db, "SELECT COUNT(*) n FROM trials WHERE status = 'done'")[0].n >= 1);
    // paused (alive, holding the store) so that it cannot finish before the second run looks, however slow this machine
    a.kill("SIGSTOP");
    const b = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "8"]);
    assert.equal(b.status, 1, b.stdout + b.stderr);
    assert.match(b.stderr, new RegExp(`is being written by another frh run #1 \\(pid ${a.pid} on ${hostname()}`));
    assert.match(b.stderr, /fix: wait for it to finish/);
    // refused before its model loads: a model llama.cpp cannot load still gets the writer's message
    const unloadable = ggufOfUnknownArchitecture(tiny.path, join(tmp(), "arch.gguf"));
    const b2 = cli(["run", study, "--model", unloadable, "--db", db]);
    assert.equal(b2.status, 1, b2.stdout + b2.stderr);
    assert.match(b2.stderr, /is being written by another frh run #1/);
    const st = cli(["status", "--db", db]);
    assert.match(st.stdout, new RegExp(`a run is writing now: run #1, pid ${a.pid}`));
    // readers while it writes: whole trials only, every exported line a complete record
    const ex = cli(["export", "--db", db]);
    assert.equal(ex.status, 0, ex.stderr);
    const recs = ex.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(recs.length >= 1 && recs.every((x) => typeof x.response === "string" && x.detector), ex.stdout);
  } finally {
    a.kill("SIGKILL");
    await new Promise((r) => a.once("exit", r));
  }
  // the killed run still says 'running' in the file; readers report it as interrupted, the next writer records it
  assert.equal(q<{ status: string }[]>(db, "SELECT status FROM runs WHERE run_id = 1")[0].status, "running");
  const st = JSON.parse(cli(["status", "--db", db, "--json"]).stdout);
  assert.equal(st.lastRun.status, "interrupted");
  const c = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "8"]);
  assert.equal(c.status, 0, c.stderr);
  const runs = q<{ run_id: number; status: string; error: string | null }[]>(db, "SELECT run_id, status, error FROM runs ORDER BY run_id");
  assert.deepEqual(runs.map((r) => [r.run_id, r.status]), [[1, "interrupted"], [2, "done"]], "the refused run left no row");
  assert.match(runs[0].error ?? "", /process ended without finishing/);
  const t = q<{ n: number; ids: number; done: number; twice: number }[]>(db, "SELECT COUNT(*) n, COUNT(DISTINCT trial_id) ids, SUM(status = 'done') done, SUM(attempts > 1) twice FROM trials")[0];
  assert.deepEqual([t.n, t.ids, t.done, t.twice], [32, 32, 32, 0]);
});

test("two frh run started at the same instant on a new store: one runs, the other is refused or finds nothing left; no trial runs twice", { skip: tiny.skip }, async () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 12, seed: 12 }", items: 6 });
  const db = join(tmp(), "race.sqlite");
  const start = () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [frh, "run", study, "--model", tiny.path, "--db", db, "--batch", "2"], { cwd: repoRoot });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => resolve({ code, out, err }));
  });
  const [x, y] = await Promise.all([start(), start()]);
  const ran = [x, y].filter((r) => r.code === 0 && /\b12 trials run/.test(r.out));
  const refused = [x, y].filter((r) => r.code === 1 && /is being written by another frh run/.test(r.err));
  const idle = [x, y].filter((r) => r.code === 0 && /0 trials run, 12 already done/.test(r.out));
  assert.equal(ran.length, 1, JSON.stringify([x, y]));
  assert.equal(refused.length + idle.length, 1, JSON.stringify([x, y]));
  const t = q<{ n: number; done: number; twice: number }[]>(db, "SELECT COUNT(*) n, SUM(status = 'done') done, SUM(attempts > 1) twice FROM trials")[0];
  assert.deepEqual([t.n, t.done, t.twice], [12, 12, 0]);
});

const runStart = (pid: string): RunStart => ({ command: `test ${pid}`, studyId: "s", studyPath: "s.yaml", studyText: "x", studySha256: "0", toolVersion: "0", packages: {}, environment: {}, datasets: [], settings: {} });

test("the lock tells a live writer from a dead pid, a reused pid and a run on another machine (--take-over)", () => {
  const path = join(tmp(), "l.sqlite");
  let db = openDb(path);
  const first = startRun(db, runStart("a"));
  // this process is alive: a second run is refused
  assert.throws(() => startRun(db, runStart("b")), (e: unknown) => e instanceof HarnessError && /is being written by another frh run #1 \(pid \d+/.test(e.message));
  // the same pid with another start time is a reused pid: that run is gone
  db.prepare(`UPDATE runs SET proc_start = 'not-this-process' WHERE run_id = ?`).run(first);
  const second = startRun(db, runStart("c"));
  assert.equal(db.prepare(`SELECT status FROM runs WHERE run_id = ?`).pluck().get(first), "interrupted");
  finishRun(db, second, "done");
  // a dead pid (a child that has exited) is marked interrupted by the next writer's open
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  db.prepare(`INSERT INTO runs (started_at, status, command, study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings, pid, host)
    VALUES ('t', 'running', 'dead', 's', 's', 'x', '0', '0', '{}', '{}', '[]', '{}', ?, ?)`).run(Number(child.stdout), hostname());
  closeDb(db);
  db = openDb(path);
  assert.deepEqual(db.prepare(`SELECT status FROM runs WHERE command = 'dead'`).pluck().all(), ["interrupted"]);
  // another host: frh cannot see it; refused unless --take-over
  db.prepare(`INSERT INTO runs (started_at, status, command, study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings, pid, host)
    VALUES ('t', 'running', 'far', 's', 's', 'x', '0', '0', '{}', '{}', '[]', '{}', 1, 'elsewhere.example')`).run();
  closeDb(db);
  db = openDb(path);
  assert.throws(() => startRun(db, runStart("d")), (e: unknown) => e instanceof HarnessError && /recorded as running on another machine/.test(e.message) && /--take-over/.test(e.hint ?? ""));
  const taken = startRun(db, { ...runStart("e"), takeOver: true });
  assert.deepEqual(db.prepare(`SELECT status FROM runs WHERE command = 'far'`).pluck().all(), ["interrupted"]);
  finishRun(db, taken, "done");
  closeDb(db);
});
