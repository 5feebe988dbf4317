import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadStudy } from "../../../src/spec/study.ts";
import { DataError } from "../../../src/errors.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

test("a valid study loads with personas, control, tasks and hashes of every file", () => {
  const { study } = writeTinyStudy();
  const s = loadStudy(study);
  assert.equal(s.personas.length, 4);
  assert.equal(s.control.id, "control");
  assert.deepEqual(s.tasks[0].task.labels.map((l) => l.id), ["offensive", "not_offensive"]);
  assert.equal(s.tasks[0].paraphrases.length, 3);
  assert.equal(s.tasks[0].items.length, 6);
  assert.equal(s.decoding.maxTokens, 8);
  assert.equal(s.decoding.temperature, 0);
  assert.deepEqual(s.files.map((f) => f.role), ["study", "personas", "task:offensiveness", "paraphrases:offensiveness", "items:offensiveness"]);
  for (const f of s.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
});

function expectDataError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof DataError && pattern.test(e.message), `expected DataError matching ${pattern}`);
}

test("malformed YAML points at the file and line", () => {
  const { study } = writeTinyStudy();
  writeFileSync(study, readFileSync(study, "utf8") + "\nbroken: [unclosed\n");
  expectDataError(() => loadStudy(study), /study\.yaml:\d+:\d+: malformed YAML/);
});

test("an unknown key is reported with its field path", () => {
  const { study } = writeTinyStudy({ studyExtra: "decoding2: 1" });
  expectDataError(() => loadStudy(study), /study\.yaml: unknown key 'decoding2'/);
  const s2 = writeTinyStudy({ sampling: "{ design: random, n: 5, sed: 1 }" });
  expectDataError(() => loadStudy(s2.study), /sampling: unknown key 'sed'/);
});

test("a wrong type names file and field", () => {
  const s = writeTinyStudy({ sampling: "{ design: random, n: -3 }" });
  expectDataError(() => loadStudy(s.study), /study\.yaml: sampling\.n: /);
});

test("an unknown persona id suggests the closest one", () => {
  const s = writeTinyStudy({ studyExtra: "includePersonas: [muslim_persn]" });
  expectDataError(() => loadStudy(s.study), /unknown persona 'muslim_persn'.*did you mean 'muslim_person'/);
});

test("a dataset file with a missing column names the column and the columns present", () => {
  const { dir, study } = writeTinyStudy();
  writeFileSync(join(dir, "d", "items.csv"), "id,sentence\na,hello\n");
  expectDataError(() => loadStudy(study), /missing column 'text'.*the file has id, sentence/);
});

test("a paraphrase without the item's placeholder is rejected", () => {
  const { dir, study } = writeTinyStudy();
  writeFileSync(join(dir, "d", "paraphrases.yaml"), "task: offensiveness\nparaphrases:\n  - { id: p1, template: 'Is it offensive or not offensive?' }\n");
  expectDataError(() => loadStudy(study), /paraphrases\[0\]\.template: missing placeholder \{text\}/);
});

test("a missing file says which and why", () => {
  expectDataError(() => loadStudy("/nonexistent/study.yaml"), /study file not found/);
});

test("a gold label outside the task's labels is rejected with its line", () => {
  const { dir, study } = writeTinyStudy();
  writeFileSync(join(dir, "d", "items.csv"), "id,text,gold\na,hello,rude\n");
  expectDataError(() => loadStudy(study), /items\.csv:2: gold 'rude' is not a label/);
});

test("the built-in default study: 15 personas + control over 4 groups, 3 tasks × 9 paraphrases, ≥ 20 items each", () => {
  const s = loadStudy();
  assert.equal(s.personas.length, 16);
  assert.equal(s.personas.filter((p) => p.isControl).length, 1);
  assert.deepEqual([...new Set(s.personas.filter((p) => !p.isControl).map((p) => p.group))].sort(), ["disability", "gender", "race", "religion"]);
  assert.deepEqual(s.tasks.map((t) => t.task.id), ["nli", "politeness", "offensiveness"]);
  for (const t of s.tasks) {
    assert.equal(t.paraphrases.length, 9);
    assert.ok(t.items.length >= 20);
    assert.equal(new Set(t.paraphrases.map((p) => p.template)).size, 9, "paraphrases differ");
  }
  assert.ok(s.personaTemplate.includes("{persona}"));
});
