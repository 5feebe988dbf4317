// What frh can guarantee about stored numbers across interruptions (issue 18 item 9; docs/store.md):
//  - the statistics do not depend on the order rows arrive in (float sums in a fixed order);
//  - a run stopped part-way and resumed (other batches, other KV-cache prefixes) stores the same trials with the same
//    texts and outcomes as an uninterrupted run, and p_refusal within 1e-6 (bitwise equality is not promised:
//    llama.cpp's sums depend on batch composition).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot, tinyGguf } from "../helpers/shared.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { levelRates, orderFreeSum } from "../../src/stats/rates.ts";
import { mulberry32 } from "../../src/util/random.ts";
import type { AnalysisRow } from "../../src/stats/types.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, env: { ...process.env, CI: "true" } });

test("mean p_refusal is bitwise the same for any order of the rows (a plain running sum is not)", () => {
  const rnd = mulberry32(7);
  // probabilities of very different sizes, as a refusal-onset law gives: 0.9 next to 3e-9
  const ps = Array.from({ length: 600 }, () => (rnd() < 0.5 ? rnd() : rnd() * 1e-8));
  const rows = (order: number[]): AnalysisRow[] => order.map((i) => ({ model: "m", persona: "p", personaGroup: "g", task: "t", paraphrase: "q", item: String(i), refusal: 0, pRefusal: ps[i], outcome: "answer" }));
  const idx = ps.map((_, i) => i);
  const naive = (o: number[]) => o.reduce((s, i) => s + ps[i], 0);
  const means = new Set<number>(), naives = new Set<number>();
  for (let k = 0; k < 20; k++) {
    const o = [...idx].sort(() => rnd() - 0.5);
    means.add(levelRates(rows(o), "persona")[0].meanPRefusal!);
    naives.add(naive(o));
  }
  assert.ok(naives.size > 1, "this test needs data where the order of a plain sum matters");
  assert.equal(means.size, 1);
  assert.equal([...means][0], orderFreeSum(ps) / ps.length);
});

test("a run stopped after 7 trials and resumed stores what an uninterrupted run stores (texts, outcomes; p_refusal within 1e-6)", { skip: tiny.skip }, (t) => {
  const { study } = writeTinyStudy({ sampling: "{ design: random, n: 20, seed: 51 }", items: 6 });
  const dir = mkdtempSync(join(tmpdir(), "frh-repro-"));
  const one = join(dir, "one.sqlite"), two = join(dir, "two.sqlite");
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", one, "--batch", "4"]).status, 0);
  // the resumed store: 7 trials in batches of 3, then the rest in batches of 5 — other batches, other cached prefixes
  assert.equal(cli(["run", study, "--model", tiny.path, "--db", two, "--batch", "3", "--limit", "7"]).status, 0);
  const r = cli(["run", study, "--model", tiny.path, "--db", two, "--batch", "5"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /13 trials run, 7 already done/);
  const read = (p: string) => {
    const d = new Database(p, { readonly: true });
    try {
      return new Map((d.prepare(`SELECT t.trial_id, t.response, t.p_refusal, d.outcome FROM trials t JOIN detections d ON d.trial_id = t.trial_id AND d.detector LIKE 'rules@%'`).all() as
        { trial_id: string; response: string; p_refusal: number; outcome: string }[]).map((x) => [x.trial_id, x]));
    } finally { d.close(); }
  };
  const a = read(one), b = read(two);
  assert.equal(a.size, 20);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  let bitwise = 0, max = 0;
  for (const [id, x] of a) {
    const y = b.get(id)!;
    assert.equal(y.response, x.response, `trial ${id}: text differs`);
    assert.equal(y.outcome, x.outcome);
    const d = Math.abs(y.p_refusal - x.p_refusal);
    max = Math.max(max, d);
    if (d === 0) bitwise++;
  }
  assert.ok(max <= 1e-6, `p_refusal differs by ${max}`);
  // the analyses agree to the same tolerance (bitwise when every p_refusal is)
  const an = (p: string) => JSON.parse(cli(["analyze", "--db", p, "--json"]).stdout);
  const [x, y] = [an(one), an(two)];
  const close = (u: unknown, v: unknown, path: string): void => {
    if (typeof u === "number" && typeof v === "number") { assert.ok(Math.abs(u - v) <= 1e-6 * Math.max(1, Math.abs(u)), `${path}: ${u} vs ${v}`); return; }
    if (u && typeof u === "object") { for (const k of Object.keys(u)) close((u as never)[k], (v as never)[k], `${path}.${k}`); return; }
    assert.deepEqual(v, u, path);
  };
  close(x, y, "analysis");
  if (bitwise === a.size) assert.deepEqual(y, x);
  t.diagnostic(`resumed vs uninterrupted: ${bitwise}/${a.size} p_refusal bitwise equal, max |Δ| ${max}`);
});
