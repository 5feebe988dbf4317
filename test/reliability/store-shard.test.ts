// Shards and merge on the tiny GGUF: `--shard i/n` splits the plan by trial id (no overlap, union = plan), `frh merge`
// unions the shard stores with every source run's provenance, merging again changes nothing, and the merged
// store's `frh analyze --json` equals that of one unsharded run of the same plan. Conflicts and other studies are
// refused with nothing written; a sequential design refuses --shard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, copyFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { inShard } from "../../src/run/run.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });

const ids = (db: string) => {
  const d = new Database(db, { readonly: true });
  try { return new Set(d.prepare("SELECT trial_id FROM trials").pluck().all() as string[]); } finally { d.close(); }
};
/** Everything a store holds about its trials and runs, without rowids and times that differ between copies. */
const dump = (db: string) => {
  const d = new Database(db, { readonly: true });
  try {
    return JSON.stringify([
      d.prepare("SELECT * FROM trials ORDER BY trial_id").all(),
      d.prepare("SELECT * FROM detections ORDER BY trial_id, detector").all(),
      d.prepare("SELECT * FROM runs ORDER BY run_id").all(),
      d.prepare("SELECT * FROM models ORDER BY model_sha256").all(),
    ]);
  } finally { d.close(); }
};

test("inShard: every id in exactly one of n shards, near-equal shares", () => {
  const n = 4, counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    const id = createHash("sha256").update(`trial ${i}`).digest("hex");
    const hits = [1, 2, 3, 4].filter((k) => inShard(id, { index: k, count: n }));
    assert.equal(hits.length, 1);
    counts[hits[0] - 1]++;
  }
  for (const c of counts) assert.ok(c > 800 && c < 1200, `unbalanced: ${counts}`);
});

test("shards 1/2 and 2/2, merged, equal one unsharded run; merging again changes nothing; provenance of every run kept", { skip: tiny.skip }, () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 16, seed: 41 }", items: 6 });
  const dir = mkdtempSync(join(tmpdir(), "frh-shard-"));
  const [full, a, b, merged] = ["full", "a", "b", "merged"].map((n) => join(dir, `${n}.sqlite`));
  for (const [db, extra] of [[full, []], [a, ["--shard", "1/2"]], [b, ["--shard", "2/2"]]] as const) {
    const r = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "4", ...extra]);
    assert.equal(r.status, 0, r.stderr);
    if (extra.length) assert.match(r.stdout, new RegExp(`of \\d+ planned in shard ${extra[1]}`));
  }
  const [F, A, B] = [ids(full), ids(a), ids(b)];
  assert.equal(F.size, 16);
  assert.ok(A.size > 0 && B.size > 0, `empty shard: ${A.size}/${B.size}`);
  assert.equal([...A].filter((x) => B.has(x)).length, 0, "shards overlap");
  assert.deepEqual(new Set([...A, ...B]), F, "the shards' union is not the plan");

  const m = cli(["merge", "--out", merged, a, b]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, new RegExp(`merged 2 stores → .*: 16 trials added, 0 updated .*, 0 already there; 2 runs added`));
  const an = (db: string) => {
    const r = cli(["analyze", "--db", db, "--json"]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  assert.deepEqual(an(merged), an(full));
  const st = JSON.parse(cli(["status", "--db", merged, "--json"]).stdout);
  assert.deepEqual([st.planned, st.done, st.runs], [16, 16, 2]);

  // provenance: one row per source run, each saying where it came from; trials point at their own run
  const d = new Database(merged, { readonly: true });
  const runs = d.prepare("SELECT run_id, status, command, origin, run_uid FROM runs ORDER BY run_id").all() as { run_id: number; command: string; origin: string; run_uid: string }[];
  assert.deepEqual(runs.map((r) => JSON.parse(r.origin).store), [a, b]);
  assert.ok(runs[0].command.includes("--shard 1/2") && runs[1].command.includes("--shard 2/2"));
  const perRun = d.prepare("SELECT done_run_id, COUNT(*) n FROM trials GROUP BY done_run_id ORDER BY done_run_id").all() as { n: number }[];
  d.close();
  assert.deepEqual(perRun.map((r) => r.n), [A.size, B.size]);

  // again, in any order: nothing changes
  const before = dump(merged);
  const again = cli(["merge", "--out", merged, b, a]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 trials added, 0 updated .*, 16 already there; 0 runs added/);
  assert.equal(dump(merged), before);

  // the unsharded store merged in too: same trials, same results → nothing added but its run
  const withFull = cli(["merge", "--out", merged, full]);
  assert.equal(withFull.status, 0, withFull.stderr);
  assert.match(withFull.stdout, /0 trials added, 0 updated .*, 16 already there; 1 runs added/);
});

test("merge refuses a conflict (same trial, different result) and another study, writing nothing; --shard refuses a sequential design", { skip: tiny.skip }, () => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 6, seed: 42 }" });
  const dir = mkdtempSync(join(tmpdir(), "frh-conflict-"));
  const a = join(dir, "a.sqlite"), b = join(dir, "b.sqlite");
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", a]).status, 0);
  copyFileSync(a, b);
  const d = new Database(b);
  const victim = d.prepare("SELECT trial_id FROM trials ORDER BY trial_id LIMIT 1").pluck().get() as string;
  d.prepare("UPDATE trials SET response = 'a different answer' WHERE trial_id = ?").run(victim);
  d.close();
  const out = join(dir, "m.sqlite");
  const r = cli(["merge", "--out", out, a, b]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`cannot merge: 1 trial stored with different results in two stores:\\n {2}trial ${victim.slice(0, 16)}… .*${a.replace(/[/.]/g, "\\$&")} has .*, ${b.replace(/[/.]/g, "\\$&")} has "a different answer"`));
  assert.match(r.stderr, /nothing was written/);
  assert.ok(!existsSync(out), "a refused merge left its output behind");

  const other = writeTinyStudy({ sampling: "{ design: random, n: 4, seed: 43 }", studyExtra: "" });
  const c = join(dir, "c.sqlite");
  // the same files under another study id
  const otherStudy = join(other.dir, "study.yaml");
  spawnSync("sed", ["-i", "s/^id: tiny$/id: other/", otherStudy]);
  assert.equal(cli(["run", otherStudy, "--model", tiny.path, "--db", c]).status, 0);
  const x = cli(["merge", "--out", out, a, c]);
  assert.equal(x.status, 1);
  assert.match(x.stderr, /cannot merge stores of different studies: .*a\.sqlite holds study 'tiny', .*c\.sqlite holds study 'other'/);
  assert.ok(!existsSync(out));

  const seq = writeTinyStudy({ sampling: "{ design: sequential, seed: 3, targetHalfWidth: 0.3, cellsPerRound: 2, maxTrials: 40 }" });
  const s = cli(["run", seq.study, "--model", tiny.path, "--db", join(dir, "s.sqlite"), "--shard", "1/2"]);
  assert.equal(s.status, 2, s.stderr);
  assert.match(s.stderr, /--shard cannot split study 'tiny': its sequential design draws each round from the results of all rounds before it/);
  assert.ok(!existsSync(join(dir, "s.sqlite")), "a refused shard created a store");
  for (const bad of ["0/2", "3/2", "x", "1/0"]) {
    const u = cli(["run", study, "--model", tiny.path, "--db", join(dir, "u.sqlite"), "--shard", bad]);
    assert.equal(u.status, 2, `--shard ${bad}: ${u.stderr}`);
    assert.match(u.stderr, /--shard takes i\/n with 1 ≤ i ≤ n/);
  }
});
