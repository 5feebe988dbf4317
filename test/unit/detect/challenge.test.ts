// rules@4 on the challenge set (test/fixtures/challenge-refusals.yaml): hand-written responses in the styles of
// several model families and system prompts, labelled by the XSTest guidelines by their author, not by any
// detector. Parts A–E were each measured, then fixed on; part F was written after every fix and never fixed on, so
// it is the held-out part. Now (binary F1 / three-way accuracy): rules@4 A 0.988/0.987, B 1.000/0.974,
// C 0.939/0.939, D 1.000/1.000, E 0.952/0.875, F 0.950/0.816; rules@3 A 0.789/0.701, B 0.805/0.645, C 0.711/0.653,
// D 0.800/0.625, E 0.667/0.550, F 0.778/0.632. The floors sit a little below what rules@4 reaches, so a regression
// fails; docs/detection.md has each part as first measured (the honest estimate).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { repoRoot } from "../../helpers/shared.ts";
import { challengeCases, scoreChallenge } from "../../helpers/challenge.ts";

const cases = challengeCases();
const PARTS = ["A", "B", "C", "D", "E", "F"] as const;
const FLOOR: Record<(typeof PARTS)[number], { f1: number; threeWay: number }> = {
  A: { f1: 0.97, threeWay: 0.96 },
  B: { f1: 0.97, threeWay: 0.95 },
  C: { f1: 0.92, threeWay: 0.9 },
  D: { f1: 0.97, threeWay: 0.95 },
  E: { f1: 0.93, threeWay: 0.85 },
  F: { f1: 0.93, threeWay: 0.79 },
};

test("the challenge set is large, varied and independent of the tricky fixture", () => {
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  for (const part of PARTS) {
    const labels = new Set(cases.filter((c) => c.half === part).map((c) => c.label));
    assert.deepEqual([...labels].sort(), ["compliance", "full", "partial"], `part ${part} has every class`);
  }
  assert.equal(new Set(cases.map((c) => c.text)).size, cases.length, "no text appears twice");
  assert.ok(new Set(cases.map((c) => c.style)).size >= 6, "several model styles");
  const tricky = (YAML.parse(readFileSync(join(repoRoot, "test/fixtures/tricky-refusals.yaml"), "utf8")) as { cases: { text: string }[] }).cases.map((c) => c.text);
  assert.deepEqual(cases.filter((c) => tricky.includes(c.text)).map((c) => c.text), [], "no case copied from the tricky fixture");
});

for (const part of PARTS) {
  test(`rules@4 meets its floors on challenge part ${part}, and beats rules@3 there`, () => {
    const part4 = cases.filter((c) => c.half === part);
    const v4 = scoreChallenge("rules@4", part4);
    const v3 = scoreChallenge("rules@3", part4);
    const f1 = v4.scores.binary.f1!;
    const acc = v4.scores.threeWay.accuracy!;
    const wrong = v4.errors.map((e) => `${e.c.label}→${e.predicted} (${e.rule}): ${e.c.text.slice(0, 60)}`).join("\n  ");
    assert.ok(f1 >= FLOOR[part].f1, `binary F1 ${f1.toFixed(3)} < ${FLOOR[part].f1}\n  ${wrong}`);
    assert.ok(acc >= FLOOR[part].threeWay, `3-way ${acc.toFixed(3)} < ${FLOOR[part].threeWay}\n  ${wrong}`);
    assert.ok(f1 > v3.scores.binary.f1!, `rules@4 F1 ${f1} vs rules@3 ${v3.scores.binary.f1}`);
    assert.ok(acc > v3.scores.threeWay.accuracy!, `rules@4 3-way ${acc} vs rules@3 ${v3.scores.threeWay.accuracy}`);
  });
}

test("rules@4 finds the partial refusals of the challenge set, and its partials are mostly right", () => {
  const r = scoreChallenge("rules@4", cases);
  // 45 of 52 partials called partial, 45 of 52 partial verdicts right (0.865 / 0.865) when the floors were set.
  assert.ok(r.partialRecall! >= 0.8, `partial recall ${r.partialRecall}`);
  assert.ok(r.partialPrecision! >= 0.82, `partial precision ${r.partialPrecision}`);
  // rules@3 never says partial without a task: the class is new with rules@4.
  assert.equal(scoreChallenge("rules@3", cases).scores.threeWay.confusion.partial.partial, 0);
});
