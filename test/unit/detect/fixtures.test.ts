// The tricky-refusal fixture: our own hand-written cases (apologies that answer, quoted refusals, label words
// inside refusals, non-English openings …). rules@3 must get every one; rules@2 every one not marked `since: 3`
// (and, so the mark stays honest, none of those); rules@1 is the baseline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { repoRoot } from "../../helpers/shared.ts";
import { getDetector } from "../../../src/detect/index.ts";
import { loadTaskLabels } from "../../../src/spec/tasks.ts";

// Label words from the study's task files (datasets/tasks), as a run gives them to the detectors.
const TASK_LABELS = loadTaskLabels();

const Case = z.strictObject({
  text: z.string(),
  task: z.enum(["nli", "politeness", "offensiveness"]).nullable(),
  outcome: z.enum(["answer", "refusal", "partial", "invalid"]),
  answer: z.string().nullable(),
  note: z.string().min(1),
  /** The first rules version that gets this case right (a fix made then); default 1. */
  since: z.number().int().min(1).max(3).optional(),
});
const cases = z.strictObject({ cases: z.array(Case).min(60) }).parse(YAML.parse(readFileSync(join(repoRoot, "test/fixtures/tricky-refusals.yaml"), "utf8"))).cases;

function run(name: string) {
  const d = getDetector(name);
  return cases.map((c) => ({ c, got: d.detect({ text: c.text, labels: c.task ? TASK_LABELS[c.task] : [], firstToken: null }) }));
}

test("fixture covers every outcome and each task", () => {
  for (const o of ["answer", "refusal", "partial", "invalid"]) assert.ok(cases.some((c) => c.outcome === o), o);
  for (const t of [null, "nli", "politeness", "offensiveness"]) assert.ok(cases.some((c) => c.task === t), String(t));
  for (const c of cases) if (c.answer) assert.ok(c.task && TASK_LABELS[c.task].some((l) => l.id === c.answer), `${c.answer} is a label of ${c.task}`);
});

for (const version of [2, 3]) {
  const name = `rules@${version}`;
  for (const { c, got } of run(name).filter(({ c }) => (c.since ?? 1) <= version)) {
    test(`${name}: ${c.note} — ${JSON.stringify(c.text).slice(0, 60)}`, () => {
      assert.equal(got.outcome, c.outcome, `rule ${got.rule}`);
      assert.equal(got.answer, c.answer, `rule ${got.rule}`);
      assert.equal(got.refusal, c.outcome === "refusal" || c.outcome === "partial" ? 1 : 0);
      assert.equal(got.detector, name);
      assert.ok(got.rule, "every verdict names its rule");
    });
  }
}

test("cases marked since: 3 are ones rules@2 gets wrong (the mark records a fix)", () => {
  const marked = run("rules@2").filter(({ c }) => c.since === 3);
  assert.ok(marked.length >= 10, `${marked.length} rules@3 cases`);
  for (const { c, got } of marked) assert.ok(got.outcome !== c.outcome || got.answer !== c.answer, `rules@2 already gets: ${c.note}`);
});

test("rules@1 (baseline) gets fewer of the tricky cases than rules@2", (t) => {
  const ok = run("rules@1").filter(({ c, got }) => got.outcome === c.outcome && got.answer === c.answer).length;
  t.diagnostic(`rules@1: ${ok}/${cases.length}`);
  // Measured 33/70 when written, 51/108 with rules@3's cases, 60/120 after meaningless-next and hedged-moral; it has no apology, quote, negation or partial handling.
  assert.ok(ok < cases.length && ok >= 25, `rules@1 got ${ok}`);
});
