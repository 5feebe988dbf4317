// The tricky-refusal fixture: our own hand-written cases (apologies that answer, quoted refusals, label words
// inside refusals, non-English openings, moral lectures, disclaimers before an answer, partial refusals …). Each
// rules version from 2 on must get every case whose `since` is at most its version (and, so the mark stays honest,
// the version before must miss each case marked with a later one); rules@1 is the baseline.
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
  since: z.number().int().min(1).max(4).optional(),
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

for (const version of [2, 3, 4]) {
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

for (const [version, min] of [[3, 10], [4, 15]] as const) {
  test(`cases marked since: ${version} are ones rules@${version - 1} gets wrong (the mark records a fix)`, () => {
    const marked = run(`rules@${version - 1}`).filter(({ c }) => c.since === version);
    assert.ok(marked.length >= min, `${marked.length} rules@${version} cases`);
    for (const { c, got } of marked) assert.ok(got.outcome !== c.outcome || got.answer !== c.answer, `rules@${version - 1} already gets: ${c.note}`);
  });
}

test("rules@4's classes are all in the fixture: lectures, disclaimer + answer, partial in either order", () => {
  const v4 = cases.filter((c) => c.since === 4);
  for (const o of ["refusal", "answer", "partial"]) assert.ok(v4.filter((c) => c.outcome === o).length >= 4, o);
});

test("rules@1 (baseline) gets fewer of the tricky cases than rules@2", (t) => {
  const ok = run("rules@1").filter(({ c, got }) => got.outcome === c.outcome && got.answer === c.answer).length;
  t.diagnostic(`rules@1: ${ok}/${cases.length}`);
  // Measured 33/70 when written, 51/108 with rules@3's cases, 60/120 after meaningless-next and hedged-moral; it has no apology, quote, negation or partial handling.
  assert.ok(ok < cases.length && ok >= 25, `rules@1 got ${ok}`);
});
