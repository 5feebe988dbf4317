// analyze(): assembly, errors, p_refusal outcome, detector agreement, the text format and the stopping rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "../../../src/stats/analyze.ts";
import { formatAnalysis } from "../../../src/report/text/analysis.ts";
import { ciHalfWidthsReached, maxCiHalfWidth } from "../../../src/stats/designs.ts";
import { simulateRows, type LogisticLaw } from "../../../src/stats/simulate.ts";
import { mulberry32 } from "../../../src/stats/random.ts";
import { DataError } from "../../../src/errors.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";

const LAW: LogisticLaw = {
  intercept: -1.2,
  model: { "llama-3.1-8b-instruct-q4_k_m": 0, "qwen2.5-7b-instruct": 0.5, gemma: -9 },
  persona: { control: 0, "a_person_with_an_extremely_long_descriptive_persona_identifier": 0.6, woman: 0, muslim_person: 0.3 },
  task: { nli: 0, offensiveness: 0.5 },
  paraphrase: { p1: 0, p2: 0.2 },
  groups: { control: "control", woman: "gender", muslim_person: "religion", "a_person_with_an_extremely_long_descriptive_persona_identifier": "disability" },
  items: 20,
};

function withP(rows: AnalysisRow[], seed: number): AnalysisRow[] {
  const rng = mulberry32(seed);
  return rows.map((r) => {
    const p = Math.min(1, Math.max(0, r.refusal ? 0.6 + 0.4 * rng() : 0.5 * rng()));
    return { ...r, pRefusal: p, outcome: r.refusal ? (rng() < 0.2 ? "partial" : "refusal") : rng() < 0.02 ? "invalid" : "answer" };
  });
}

test("clear errors: no rows, unknown control (with a suggestion), p_refusal without probabilities", () => {
  assert.throws(() => analyze([], { control: "control", outcome: "refusal" }), (e) => e instanceof DataError && /no finished trials/.test(e.message));
  const rows = simulateRows(LAW, 200, 1);
  assert.throws(() => analyze(rows, { control: "contrl", outcome: "refusal" }), (e) => e instanceof DataError && /'contrl' not found/.test(e.message) && /did you mean 'control'/.test(e.hint ?? ""));
  assert.throws(() => analyze(rows, { control: "control", outcome: "p_refusal" }), (e) => e instanceof DataError && /p_refusal/.test(e.message));
});

test("result shape: byFactor keys, contrasts per persona, regression on 4 factors, sensitivity on 5", () => {
  const rows = withP(simulateRows(LAW, 3000, 2), 3);
  const r = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 50, seed: 4 });
  assert.deepEqual(Object.keys(r.byFactor), ["model", "persona", "personaGroup", "task", "paraphrase"]);
  assert.equal(r.byFactor.persona[0].level, "control");
  assert.equal(r.n, 3000);
  assert.equal(r.personaVsControl.length, 3);
  assert.ok(r.logistic.converged && r.logistic.method === "firth");
  assert.ok(r.logistic.terms.every((t) => Number.isFinite(t.coef)), "separated model (gemma never refuses) stays finite");
  assert.deepEqual(r.logistic.lrTests.map((t) => t.factor), ["model", "persona", "task", "paraphrase"]);
  assert.deepEqual(r.sensitivity.map((s) => s.factor), ["model", "persona", "personaGroup", "task", "paraphrase"]);
  assert.ok(r.sensitivity[0].aboveDummy, "model dominates");
  // Same seed, same numbers.
  assert.deepEqual(analyze(rows, { control: "control", outcome: "refusal", bootstrap: 50, seed: 4 }), r);
});

test("single-level factors are left out of the regression", () => {
  const rows = simulateRows({ ...LAW, task: { nli: 0 }, paraphrase: { p1: 0 } }, 1500, 5);
  const r = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 0 });
  assert.deepEqual(r.logistic.dropped, ["task", "paraphrase"]);
  assert.ok(!r.logistic.terms.some((t) => t.term.startsWith("task[")));
});

test("p_refusal outcome: sensitivity on the probability, rates and tests stay on refusal; agreement table and kappa", () => {
  const rows = withP(simulateRows(LAW, 2000, 6), 7);
  const a = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 30 });
  const b = analyze(rows, { control: "control", outcome: "p_refusal", bootstrap: 30 });
  assert.deepEqual(b.personaVsControl, a.personaVsControl);
  assert.notDeepEqual(b.sensitivity, a.sensitivity);
  assert.equal(b.sensitivityOutcome, "p_refusal");
  const g = b.agreement!;
  assert.deepEqual(g.detectors[0], "rules");
  // By construction refusals have p in [0.6, 1] and answers p in [0, 0.5]: perfect agreement on the binary call.
  assert.equal(g.kappa, 1);
  assert.equal(g.table.answer.refusal, 0);
  assert.equal(Object.values(g.table).reduce((s, r) => s + r.refusal + r.answer, 0), 2000);
  assert.equal(analyze(simulateRows(LAW, 300, 1), { control: "control", outcome: "refusal", bootstrap: 0 }).agreement, null);
});

test("formatAnalysis: every line fits 100 columns, long persona names included", () => {
  const rows = withP(simulateRows(LAW, 2000, 8), 9);
  const text = formatAnalysis(analyze(rows, { control: "control", outcome: "p_refusal", bootstrap: 20 }));
  const long = text.split("\n").filter((l) => l.length > 100);
  assert.deepEqual(long, []);
  for (const h of ["Refusal by persona", "Persona vs control", "Logistic regression", "Likelihood-ratio", "Sensitivity of p_refusal", "noise floor", "Cohen's kappa"]) assert.ok(text.includes(h), h);
  assert.ok(text.includes("a_person_with"), "long name shown (clipped)");
});

test("formatAnalysis: a constant outcome is named before the tables; a varying one is not; the CI method is shown", () => {
  const rows = simulateRows(LAW, 600, 11);
  const none = rows.map((r) => ({ ...r, refusal: 0 as const }));
  const all = rows.map((r) => ({ ...r, refusal: 1 as const }));
  const head = (x: AnalysisRow[]) => formatAnalysis(analyze(x, { control: "control", outcome: "refusal", bootstrap: 0 })).split("\n").slice(0, 3).join("\n");
  assert.match(head(none), /Note: no trial was a refusal/);
  assert.match(head(all), /Note: every trial was a refusal/);
  assert.doesNotMatch(head(rows), /Note:/);
  assert.match(formatAnalysis(analyze(rows, { control: "control", outcome: "refusal", bootstrap: 0, regressionCi: "profile" })), /Logistic regression \(firth, profile CIs/);
});

test("stopping rule: CI half-widths shrink with n and reach a target", () => {
  const small = analyze(simulateRows(LAW, 800, 10, "blocked"), { control: "control", outcome: "refusal", bootstrap: 0 });
  const big = analyze(simulateRows(LAW, 16000, 10, "blocked"), { control: "control", outcome: "refusal", bootstrap: 0 });
  assert.ok(maxCiHalfWidth(big) < maxCiHalfWidth(small));
  assert.equal(ciHalfWidthsReached(small, 0.03), false);
  assert.equal(ciHalfWidthsReached(big, 0.03), true, String(maxCiHalfWidth(big)));
  assert.equal(big.personaVsControl[0].method, "paired");
});
