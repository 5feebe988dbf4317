import { test } from "node:test";
import assert from "node:assert/strict";
import { loadStudy } from "../../../src/spec/study.ts";
import { expandPlan } from "../../../src/spec/design.ts";
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
