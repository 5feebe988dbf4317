// detect-eval metrics on a hand-made CSV whose counts were worked out by hand (see the comments), the CSV
// errors, leave-one-group-out, and the CLI output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import YAML from "yaml";
import { Command } from "commander";
import { repoRoot } from "../../helpers/shared.ts";
import { evaluate, leaveOneGroupOut, loadLabelledCsv, parseLabelledCsv } from "../../../src/detect/eval.ts";
import { score } from "../../../src/detect/metrics.ts";
import { getDetector } from "../../../src/detect/index.ts";
import { DataError } from "../../../src/errors.ts";
import { loadTaskLabels } from "../../../src/spec/tasks.ts";
import { formatReport, registerDetectEval, toJson } from "../../../src/cli/commands/detect-eval.ts";

const small = join(repoRoot, "test/fixtures/detect-eval-small.csv");
const tasks = loadTaskLabels();
const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

// By hand, rules@2 on the 10 rows: refusals predicted for rows 1, 2, 3 (full), 7 (full; human: compliance)
// and 9 (partial). Human refusals: rows 1, 2, 3, 4, 9. So tp = 4 (1,2,3,9), fn = 1 (4), fp = 1 (7), tn = 4.
// P = 4/5, R = 4/5, F1 = 2·4/(2·4+1+1) = 0.8, accuracy 8/10. Three-way right: 1, 2, 5, 6, 8, 9, 10 = 7/10.
// Group A (rows 1–5): tp 3, fn 1, tn 1 → P 1, R 3/4, F1 6/7. Group B (6–10): tp 1, fp 1, tn 3 → P 1/2, R 1, F1 2/3.
test("binary, three-way and per-group scores match the hand count", () => {
  const r = evaluate(loadLabelledCsv(small, { taskColumn: "task", tasks }), getDetector("rules@2"));
  assert.equal(r.n, 10);
  assert.deepEqual(r.counts, { tp: 4, fp: 1, tn: 4, fn: 1 });
  close(r.binary.precision, 0.8);
  close(r.binary.recall, 0.8);
  close(r.binary.f1, 0.8);
  close(r.binary.accuracy, 0.8);
  close(r.threeWay.accuracy, 0.7);
  assert.deepEqual(r.threeWay.confusion, {
    compliance: { compliance: 4, full: 1, partial: 0 },
    full: { compliance: 1, full: 2, partial: 0 },
    partial: { compliance: 0, full: 1, partial: 1 },
  });
  assert.deepEqual(r.sensitivity, { value: 0.8, tp: 4, fn: 1 });
  assert.deepEqual(r.specificity, { value: 0.8, tn: 4, fp: 1 });
  assert.deepEqual(Object.keys(r.byGroup), ["A", "B"]);
  close(r.byGroup.A.binary.precision, 1);
  close(r.byGroup.A.binary.recall, 0.75);
  close(r.byGroup.A.binary.f1, 6 / 7);
  close(r.byGroup.B.binary.precision, 0.5);
  close(r.byGroup.B.binary.f1, 2 / 3);
  assert.equal(r.detector, "rules@2");
});

test("undefined ratios are null, not NaN", () => {
  const s = score([{ truth: "compliance", predicted: "compliance" }]);
  assert.equal(s.binary.precision, null);
  assert.equal(s.binary.recall, null);
  assert.equal(s.binary.f1, null);
  assert.equal(s.binary.accuracy, 1);
  assert.equal(score([]).binary.accuracy, null);
});

test("a missing column names the file, the column and the columns present", () => {
  assert.throws(
    () => loadLabelledCsv(small, { textColumn: "response" }),
    (e: unknown) => e instanceof DataError && e.message.includes(small) && e.message.includes("'response'") && e.message.includes("completion, annotation_1"),
  );
  assert.throws(() => loadLabelledCsv(small, { taskColumn: "tsk", tasks }), (e: unknown) => e instanceof DataError && /'tsk'/.test(e.message));
  assert.throws(() => loadLabelledCsv(join(repoRoot, "test/fixtures/no-such.csv")), (e: unknown) => e instanceof DataError && /ENOENT/.test(e.message));
});

test("bad labels and tasks are reported with their row", () => {
  assert.throws(() => parseLabelledCsv("completion,final_label\nhi,4_unsure\n", "x.csv"), (e: unknown) => e instanceof DataError && /x\.csv:row 2/.test(e.message) && /4_unsure/.test(e.message));
  assert.throws(
    () => parseLabelledCsv("completion,final_label,task\nhi,1_full_compliance,politenes\n", "x.csv", { taskColumn: "task", tasks }),
    (e: unknown) => e instanceof DataError && /did you mean 'politeness'/.test(e.hint ?? ""),
  );
  const rows = parseLabelledCsv("completion,final_label\nhi,1_full_compliance\n", "x.csv");
  assert.deepEqual(rows, [{ text: "hi", truth: "compliance", group: "all", labels: [] }], "no model column → one group");
});

test("leave-one-group-out: one candidate equals per-group; several pick by the other groups' F1", () => {
  const rows = loadLabelledCsv(small, { taskColumn: "task", tasks });
  const v2 = getDetector("rules@2");
  const one = leaveOneGroupOut(rows, [{ name: "rules@2", detector: v2 }]);
  assert.match(one.note ?? "", /equals the per-group score/);
  const per = evaluate(rows, v2).byGroup;
  for (const g of one.groups) assert.equal(g.heldOutF1, per[g.group].binary.f1);
  // Independent check of the choice: for each held-out group, the candidate with the best F1 on the rest.
  const cands = [{ name: "rules@1", detector: getDetector("rules@1") }, { name: "rules@2", detector: v2 }];
  const two = leaveOneGroupOut(rows, cands);
  for (const g of two.groups) {
    const rest = rows.filter((r) => r.group !== g.group);
    const f1s = cands.map((c) => evaluate(rest, c.detector).binary.f1 ?? -1);
    const best = f1s[1] > f1s[0] ? 1 : 0;
    assert.equal(g.chosen, cands[best].name);
    assert.equal(g.heldOutF1, evaluate(rows.filter((r) => r.group === g.group), cands[best].detector).binary.f1);
  }
});

test("table stays within 100 columns; JSON has the documented keys", () => {
  const rows = loadLabelledCsv(small, { taskColumn: "task", tasks });
  const r = evaluate(rows, getDetector("rules@2"));
  const text = formatReport(r, leaveOneGroupOut(rows, [{ name: "rules@2", detector: getDetector("rules@2") }]));
  for (const line of text.split("\n")) assert.ok(line.length <= 100, line);
  assert.match(text, /ALL\s+10\s+0\.800/);
  // Per class, from the hand-counted confusion above: partial row {compliance 0, full 1, partial 1}, partial column
  // {0, 0, 1} → recall 1/2, precision 1/1; full row {1, 2, 0}, column {1, 2, 1} → recall 2/3, precision 2/4.
  assert.match(text, /partial refusals called partial: 1 of 2/);
  assert.match(text, /full\s+3\s+0\.667\s+0\.500/);
  const j = toJson(r);
  for (const k of ["n", "binary", "threeWay", "perClass", "byGroup", "detector", "counts"]) assert.ok(k in j, k);
  assert.deepEqual((j.perClass as Record<string, unknown>).partial, { n: 2, recall: 0.5, precision: 1 });
  assert.deepEqual(Object.keys(j.binary as object), ["precision", "recall", "f1", "accuracy"]);
});

test("the command prints JSON and throws DataError for a bad column", async () => {
  const program = new Command("frh").exitOverride();
  registerDetectEval(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(s), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(["node", "frh", "detect-eval", "--data", small, "--task-column", "task", "--detector", "rules@2", "--json"]);
  } finally {
    process.stdout.write = write;
  }
  const out = JSON.parse(chunks.join(""));
  assert.equal(out.n, 10);
  assert.deepEqual(out.counts, { tp: 4, fp: 1, tn: 4, fn: 1 });
  assert.equal(out.detector, "rules@2");
  const p2 = new Command("frh").exitOverride();
  registerDetectEval(p2);
  await assert.rejects(p2.parseAsync(["node", "frh", "detect-eval", "--data", small, "--label-column", "gold"]), DataError);
});

test("task label words come from the task files, not a copy: a word only datasets/tasks/nli.yaml has counts", () => {
  const byHand = YAML.parse(readFileSync(join(repoRoot, "datasets/tasks/nli.yaml"), "utf8")) as { labels: { id: string; words: string[] }[] };
  assert.deepEqual(tasks.nli, byHand.labels);
  const csv = "completion,final_label,task\nThe hypothesis is contradicted by the premise.,1_full_compliance,nli\n";
  const rows = parseLabelledCsv(csv, "x.csv", { taskColumn: "task", tasks });
  const d = getDetector("rules@3").detect({ text: rows[0].text, labels: rows[0].labels, firstToken: null });
  assert.deepEqual([d.outcome, d.answer], ["answer", "contradiction"]);
  // Another folder's task files replace the built-in ones.
  const dir = mkdtempSync(join(tmpdir(), "frh-tasks-"));
  writeFileSync(join(dir, "mood.yaml"), "id: mood\nfields: [text]\nlabels:\n  - { id: happy, words: [happy, glad] }\n  - { id: sad, words: [sad] }\n");
  const mine = loadTaskLabels(dir);
  assert.deepEqual(Object.keys(mine), ["mood"]);
  const r = parseLabelledCsv("completion,final_label,task\nI am glad.,1_full_compliance,mood\n", "y.csv", { taskColumn: "task", tasks: mine });
  assert.deepEqual(getDetector("rules@3").detect({ text: r[0].text, labels: r[0].labels, firstToken: null }).answer, "happy");
  assert.throws(() => parseLabelledCsv(csv, "x.csv", { taskColumn: "task", tasks: mine }), (e: unknown) => e instanceof DataError && /unknown task 'nli'/.test(e.message) && /tasks: mood/.test(e.message));
  assert.throws(() => parseLabelledCsv(csv, "x.csv", { taskColumn: "task" }), (e: unknown) => e instanceof DataError && /no task files/.test(e.message));
  assert.throws(() => loadTaskLabels(join(dir, "none")), (e: unknown) => e instanceof DataError && /ENOENT/.test(e.message));
});
