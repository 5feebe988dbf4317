import { test } from "node:test";
import assert from "node:assert/strict";
import { loadStudy } from "../../../src/spec/study.ts";
import { expandPlan, sequentialRounds } from "../../../src/spec/design.ts";
import { chi2Sf } from "../../../src/stats/dist.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

const models = [{ id: "a", source: "/m/a.gguf" }, { id: "b", source: "/m/b.gguf" }];
const key = (t: { model: { id: string }; persona: { id: string }; paraphrase: { id: string }; item: { id: string }; replicate: number }) =>
  `${t.model.id}|${t.persona.id}|${t.paraphrase.id}|${t.item.id}|${t.replicate}`;

test("full design: every cell once, shuffled, same seed → same order", () => {
  const s = loadStudy(writeTinyStudy().study);
  const plan = expandPlan(s, models);
  assert.equal(plan.length, 2 * 4 * 3 * 6);
  assert.equal(new Set(plan.map(key)).size, plan.length);
  assert.deepEqual(plan.map((t) => t.seq), plan.map((_, i) => i));
  assert.deepEqual(expandPlan(s, models).map(key), plan.map(key));
  // shuffled: the first 48 trials are not all of model a (a sorted plan would be)
  assert.ok(new Set(plan.slice(0, 48).map((t) => t.model.id)).size === 2);
});

test("random design: n distinct draws, reproducible, and roughly uniform over personas", () => {
  const s = loadStudy(writeTinyStudy({ sampling: "{ design: random, n: 100, seed: 9 }", items: 40 }).study);
  const plan = expandPlan(s, models);
  assert.equal(plan.length, 100);
  assert.equal(new Set(plan.map(key)).size, 100);
  assert.deepEqual(expandPlan(s, models).map(key), plan.map(key));
  const other = loadStudy(writeTinyStudy({ sampling: "{ design: random, n: 100, seed: 10 }", items: 40 }).study);
  assert.notDeepEqual(expandPlan(other, models).map(key), plan.map(key));
  const counts = new Map<string, number>();
  for (const t of plan) counts.set(t.persona.id, (counts.get(t.persona.id) ?? 0) + 1);
  for (const c of counts.values()) assert.ok(c > 10 && c < 45, `persona count ${c} far from 25`);
});

test("random design larger than the space is an error", () => {
  const s = loadStudy(writeTinyStudy({ sampling: "{ design: random, n: 100000 }" }).study);
  assert.throws(() => expandPlan(s, models), /only 144 distinct trials/);
});

test("blocked design: every persona appears in every drawn cell", () => {
  const s = loadStudy(writeTinyStudy({ sampling: "{ design: blocked, cells: 10, seed: 2 }" }).study);
  const plan = expandPlan(s, models);
  assert.equal(plan.length, 40);
  const cells = new Map<string, Set<string>>();
  for (const t of plan) {
    const c = `${t.model.id}|${t.paraphrase.id}|${t.item.id}`;
    cells.set(c, (cells.get(c) ?? new Set()).add(t.persona.id));
  }
  assert.equal(cells.size, 10);
  for (const ps of cells.values()) assert.equal(ps.size, 4);
});

// --- sequential design

const seqStudy = (sampling: string, items = 10) => loadStudy(writeTinyStudy({ sampling, items }).study);
const cellOf = (t: { model: { id: string }; paraphrase: { id: string }; item: { id: string }; replicate: number }) => `${t.model.id}|${t.paraphrase.id}|${t.item.id}|${t.replicate}`;

test("sequential design: same seed → same rounds; whole cells, no cell twice, seq numbers the stream", () => {
  const s = seqStudy("{ design: sequential, cellsPerRound: 7, targetHalfWidth: 0.05, maxTrials: 200, seed: 4 }");
  const rounds = sequentialRounds(s, models);
  assert.deepEqual(sequentialRounds(s, models).map((r) => r.map(key)), rounds.map((r) => r.map(key)));
  const other = seqStudy("{ design: sequential, cellsPerRound: 7, targetHalfWidth: 0.05, maxTrials: 200, seed: 5 }");
  assert.notDeepEqual(sequentialRounds(other, models)[0].map(key), rounds[0].map(key));
  // 200 trials hold 50 cells of 4 personas: rounds of 7 cells, the last one 1 cell
  assert.deepEqual(rounds.map((r) => r.length), [28, 28, 28, 28, 28, 28, 28, 4]);
  const all = rounds.flat();
  assert.equal(new Set(all.map(key)).size, all.length);
  assert.deepEqual(all.map((t) => t.seq), all.map((_, i) => i));
  const cells = new Map<string, string[]>();
  for (const t of all) cells.set(cellOf(t), [...(cells.get(cellOf(t)) ?? []), t.persona.id]);
  assert.equal(cells.size, 50);
  for (const [c, ps] of cells) assert.deepEqual([...ps].sort(), ["atheist_person", "control", "muslim_person", "woman"], c);
  // a cell's trials are contiguous in seq: cell k holds seq 4k … 4k + 3
  for (let k = 0; k < 50; k++) assert.equal(new Set(all.slice(4 * k, 4 * k + 4).map(cellOf)).size, 1);
});

test("sequential design: a higher cap only appends rounds (the stream is prefix-stable)", () => {
  const short = sequentialRounds(seqStudy("{ design: sequential, cellsPerRound: 5, targetHalfWidth: 0.05, maxTrials: 60, seed: 8 }"), models).flat();
  const long = sequentialRounds(seqStudy("{ design: sequential, cellsPerRound: 5, targetHalfWidth: 0.05, maxTrials: 400, seed: 8 }"), models).flat();
  assert.equal(short.length, 60);
  assert.deepEqual(long.slice(0, 60).map(key), short.map(key));
});

test("sequential design: the stream draws every cell once, then ends; draws are uniform over cells", () => {
  // 2 models × 3 paraphrases × 10 items = 60 cells; a cap above the space ends with the space
  const s = seqStudy("{ design: sequential, cellsPerRound: 8, targetHalfWidth: 0.05, maxTrials: 100000, seed: 2 }");
  const all = sequentialRounds(s, models).flat();
  assert.equal(all.length, 60 * 4);
  assert.equal(new Set(all.map(cellOf)).size, 60);
  // first cell of the stream over 600 seeds: each of the 60 cells about 10 times (chi-square goodness of fit, 59 df)
  const one = seqStudy("{ design: sequential, cellsPerRound: 1, targetHalfWidth: 0.05, maxTrials: 4 }");
  const counts = new Map<string, number>();
  for (let seed = 0; seed < 600; seed++) {
    one.sampling = { ...one.sampling, seed };
    const c = cellOf(sequentialRounds(one, models)[0][0]);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const chi2 = [...counts.values()].reduce((x, n) => x + (n - 10) ** 2 / 10, 0) + (60 - counts.size) * 10;
  assert.ok(chi2Sf(chi2, 59) > 1e-4, `first cells far from uniform: chi2 ${chi2.toFixed(1)} on 59 df`);
});

test("sequential design: a cap below one cell is a clear error; expandPlan refuses the design", () => {
  const s = seqStudy("{ design: sequential, cellsPerRound: 5, targetHalfWidth: 0.05, maxTrials: 3 }");
  assert.throws(() => sequentialRounds(s, models), /3 trials cannot hold one cell .*4 personas/);
  assert.throws(() => expandPlan(s, models), /round by round/);
  assert.throws(() => seqStudy("{ design: sequential, cellsPerRound: 5, targetHalfWidth: 5, maxTrials: 300 }"), /targetHalfWidth: must be < 1/);
  assert.throws(() => seqStudy("{ design: sequential, cellsPerRound: 0, targetHalfWidth: 0.05, maxTrials: 300 }"), /cellsPerRound/);
  assert.throws(() => seqStudy("{ design: sequential, targetHalfWidth: 0.05, maxTrials: 300 }"), /cellsPerRound/);
});
