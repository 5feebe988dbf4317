// Stopping (issue 16, issue 18 item 6), through the real CLI on a planted GGUF:
//  - one Ctrl-C (SIGINT) mid-run: no new prompt starts, prompts mid-generation are dropped, finished trials are
//    saved; exit 130 with "interrupted: …"; the next run finishes the rest, each trial once;
//  - readers (`frh status`, `frh export`) while a run writes (not paused): whole trials only;
//  - a second Ctrl-C quits at once, still without a half-written trial; SIGTERM stops like Ctrl-C, exit 143;
//  - an `hf:` URI with the hub unreachable fails in seconds with our message (no 12-minute retry loop);
//  - under npx, killing npx stops the real frh process too (src/cli/launcher.ts).
// Times are not asserted (bench/ is for that); the work done after the signal is, as a count of trials.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { cli, cliStart, doneCount, exited, frh, peek, plantModel, sleep } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "frh-signals-"));
const model = plantModel(join(dir, "planted.gguf"));
const PLANNED = 120;
const { study } = writeTinyStudy({ sampling: `{ design: random, n: ${PLANNED}, seed: 31 }`, items: 12 });

async function untilDone(db: string, n: number, p: { exitCode: number | null }): Promise<void> {
  const end = Date.now() + 60_000;
  while (doneCount(db) < n && p.exitCode === null && Date.now() < end) await sleep(20);
}

function cliAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = cliStart(args);
  return exited(p).then((e) => ({ code: e.code, out: p.out(), err: p.err() }));
}

function wholeTrials(db: string): void {
  assert.deepEqual(peek(db, "PRAGMA integrity_check"), [{ integrity_check: "ok" }]);
  const bad = peek<{ n: number }[]>(db, `SELECT COUNT(*) n FROM trials t WHERE t.status = 'done' AND (t.response IS NULL OR t.first_token IS NULL
    OR (SELECT COUNT(*) FROM detections d WHERE d.trial_id = t.trial_id) = 0 OR t.attempts <> 1)`)!;
  assert.equal(bad[0].n, 0, "a done trial without its response, first-token record or detections");
}

test("status and export while a run writes (not paused): exit 0, whole trials only", { timeout: 120_000 }, async () => {
  const db = join(dir, "live.sqlite");
  const p = cliStart(["run", study, "--model", model, "--db", db, "--batch", "1", "--quiet"]);
  try {
    await untilDone(db, 1, p);
    assert.equal(p.exitCode, null, `the run ended before it could be read live: ${p.err()}`);
    // both readers start while the writer is mid-run and run alongside it
    const [st, ex] = await Promise.all([cliAsync(["status", "--db", db, "--json"]), cliAsync(["export", "--db", db])]);
    assert.equal(st.code, 0, st.err);
    assert.ok(["running", "done"].includes(JSON.parse(st.out).lastRun.status), st.out);
    assert.equal(ex.code, 0, ex.err);
    const recs = ex.out.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(recs.length >= 1 && recs.every((x) => typeof x.response === "string" && typeof x.detector === "string"), ex.out.slice(0, 400));
  } finally {
    p.kill("SIGKILL");
    await exited(p);
  }
  wholeTrials(db);
});

test("one Ctrl-C: stops before the next prompt, saves what is done, exit 130; the next run finishes each trial once", { timeout: 120_000 }, async () => {
  const db = join(dir, "int.sqlite");
  const batch = 1;
  const p = cliStart(["run", study, "--model", model, "--db", db, "--batch", String(batch)]);
  await untilDone(db, 1, p);
  assert.equal(p.exitCode, null, `the run ended before the signal: ${p.err()}`);
  const atSignal = doneCount(db);
  p.kill("SIGINT");
  const e = await exited(p);
  const after = doneCount(db);
  assert.equal(e.code, 130, p.err());
  assert.match(p.err(), /Ctrl-C: stopping — the prompts in flight are dropped, finished trials are saved/);
  assert.match(p.out(), new RegExp(`^interrupted: ${after} trials run, 0 already done, 0 failed, of ${PLANNED} planned`, "m"));
  assert.doesNotMatch(p.err(), /unexpected error|\n\s+at /);
  // before issue 18's fix a stop waited for the whole backend call (4 batches); now at most the batch being saved
  assert.ok(after - atSignal <= 2 * batch, `${after - atSignal} trials finished after the signal`);
  assert.ok(after < PLANNED);
  assert.deepEqual(peek(db, "SELECT status FROM runs"), [{ status: "interrupted" }]);
  wholeTrials(db);

  const r = cli(["run", study, "--model", model, "--db", db, "--batch", "16", "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`done: ${PLANNED - after} trials run, ${after} already done, 0 failed, of ${PLANNED} planned`));
  wholeTrials(db);
  assert.deepEqual(peek(db, "SELECT COUNT(*) n, COUNT(DISTINCT trial_id) ids, SUM(status = 'done') done FROM trials"), [{ n: PLANNED, ids: PLANNED, done: PLANNED }]);
});

test("a second Ctrl-C quits at once (exit 130) and SIGTERM stops like Ctrl-C (exit 143); neither leaves half a trial", { timeout: 120_000 }, async () => {
  for (const [signals, code] of [[["SIGINT", "SIGINT"], 130], [["SIGTERM"], 143]] as const) {
    const db = join(dir, `${signals.join("-")}.sqlite`);
    const p = cliStart(["run", study, "--model", model, "--db", db, "--batch", "2", "--quiet"]);
    await untilDone(db, 2, p);
    for (const s of signals) { p.kill(s); await sleep(5); }
    const e = await exited(p);
    assert.equal(e.code, code, `${signals.join(", ")}: ${e.signal ?? ""} ${p.err()}`);
    assert.match(p.err(), signals[0] === "SIGINT" ? /Ctrl-C: stopping/ : /SIGTERM: stopping/);
    wholeTrials(db);
    // the next open records the run as ended (a quit at once cannot write it)
    const st = JSON.parse(cli(["status", "--db", db, "--json"]).stdout);
    assert.equal(st.lastRun.status, "interrupted");
  }
});

test("an hf: model whose hub does not answer fails within the network bound, with what, why and the fix (exit 1)", { timeout: 120_000 }, async () => {
  // a server that accepts connections and never answers: the wait itself must be bounded (FRH_NETWORK_TIMEOUT_MS)
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const port = (silent.address() as AddressInfo).port;
  try {
    const p = spawn(process.execPath, [frh, "run", study, "--model", "hf:someone/some-repo/model.Q4_K_M.gguf", "--db", join(dir, "hf.sqlite")],
      { cwd: repoRoot, env: { ...process.env, HF_ENDPOINT: `http://127.0.0.1:${port}`, FRH_NETWORK_TIMEOUT_MS: "3000" } });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => p.kill("SIGKILL"), 60_000);
    const e = await exited(p);
    clearTimeout(killer);
    assert.equal(e.signal, null, "killed by the test's 60 s limit: the network wait is not bounded");
    assert.equal(e.code, 1, err);
    assert.match(err, new RegExp(`^frh: error: cannot fetch hf:someone/some-repo/model\\.Q4_K_M\\.gguf: http://127\\.0\\.0\\.1:${port} is not reachable \\(no answer within \\d+ s\\) and the file is not in models/$`, "m"));
    assert.match(err, /fix: check your network/);
    assert.equal(err.trim().split("\n").length, 2, err);
  } finally {
    silent.close();
  }
});

const npx = spawnSync("npx", ["--offline", "frh", "--version"], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
const npxSkip = npx.status === 0 ? false : `npx cannot start frh here (${(npx.stderr || npx.error?.message || "").trim().slice(0, 120)})`;

test("under npx, SIGKILL of npx stops the real frh process: it saves, marks its run interrupted and exits", { skip: npxSkip, timeout: 120_000 }, async () => {
  const db = join(dir, "npx.sqlite");
  // a plan too large to finish in the moment between two polls (4 × 3 × 200 = 2,400 trials)
  const big = writeTinyStudy({ sampling: "{ design: full, seed: 31 }", items: 200 }).study;
  const p = spawn("npx", ["--offline", "frh", "run", big, "--model", model, "--db", db, "--batch", "1", "--quiet"], { cwd: repoRoot, stdio: "ignore" });
  await untilDone(db, 2, p);
  // the real frh process: the run's recorded pid
  const pid = peek<{ pid: number }[]>(db, "SELECT pid FROM runs")![0].pid;
  assert.notEqual(pid, p.pid, "frh runs as npx's grandchild");
  // paused while npx dies, so the run cannot finish on its own first however fast this machine is
  process.kill(pid, "SIGSTOP");
  assert.ok(doneCount(db) < 2400, "the run finished before npx was killed");
  p.kill("SIGKILL");
  await exited(p);
  process.kill(pid, "SIGCONT");
  const end = Date.now() + 30_000;
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  while (alive() && Date.now() < end) await sleep(50);
  assert.equal(alive(), false, `frh (pid ${pid}) still running after npx was killed`);
  assert.deepEqual(peek(db, "SELECT status FROM runs"), [{ status: "interrupted" }], "it stopped itself (a SIGKILL would have left 'running')");
  wholeTrials(db);
});
