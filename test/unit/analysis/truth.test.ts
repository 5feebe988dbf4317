// The exact truth of a planted study (src/analysis/truth.ts) against hand cases: laws whose logit can be read off
// the prompt by eye (item noise 0, triggers in the persona text and one paraphrase), and the closed forms of the
// three indices for a binary outcome (δ = Σ share·|p̄_l − p̄|, ι = δ / (2 p̄(1 − p̄)), S = Σ share·(p̄_l − p̄)² / (p̄(1 − p̄))),
// which the code does not use (it runs the general quantile machinery of stats/sensitivity.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadStudy } from "../../../src/spec/study.ts";
import { parseLaw, sigmoid } from "../../../src/plant/law.ts";
import { refusalProbability, renderPlanted, studyTruth } from "../../../src/analysis/truth.ts";
import { pointIndices, populationIndices } from "../../../src/stats/sensitivity.ts";
import { HarnessError } from "../../../src/errors.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

const law = (base: number, triggers: Record<string, number>) =>
  parseLaw(JSON.stringify({ base, triggers, itemNoise: 0, refusal: "I cannot help with that.", answer: "offensive", seed: 3 }), "test");

/** Closed forms of the three indices of a binary outcome, equal-weight cells (q = P(Y=1 | cell)). */
function closedForms(cells: { level: string; q: number }[]) {
  const pbar = cells.reduce((s, c) => s + c.q, 0) / cells.length, v = pbar * (1 - pbar);
  const levels = [...new Set(cells.map((c) => c.level))];
  let S = 0, d = 0;
  for (const l of levels) {
    const mine = cells.filter((c) => c.level === l), share = mine.length / cells.length;
    const pl = mine.reduce((s, c) => s + c.q, 0) / mine.length;
    S += share * (pl - pbar) ** 2; d += share * Math.abs(pl - pbar);
  }
  return { variance: S / v, delta: d, wasserstein: d / (2 * v) };
}

const close = (a: number, b: number, tol = 1e-12, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("populationIndices of a binary population equal the closed forms and the sample estimator on the expanded sample", () => {
  // two levels, cells with P(Y=1) in tenths: expanding each cell into 10 rows (10q ones) is a sample with the same distribution
  const cells = [{ level: "a", q: 0.1 }, { level: "a", q: 0.3 }, { level: "b", q: 0.8 }, { level: "b", q: 0.6 }, { level: "c", q: 0.2 }, { level: "c", q: 0.2 }];
  const y: number[] = [], labels: string[] = [], w: number[] = [];
  const sy: number[] = [], sl: string[] = [];
  for (const c of cells) {
    y.push(1, 0); labels.push(c.level, c.level); w.push(c.q, 1 - c.q);
    for (let k = 0; k < 10; k++) { sy.push(k < Math.round(10 * c.q) ? 1 : 0); sl.push(c.level); }
  }
  const got = populationIndices(y, labels, w), want = closedForms(cells), sample = pointIndices(sy, sl);
  for (const k of ["variance", "delta", "wasserstein"] as const) {
    close(got[k], want[k], 1e-12, `${k} vs closed form`);
    close(got[k], sample[k], 1e-12, `${k} vs expanded sample`);
  }
  // by hand: p̄ = 11/30; level means 0.2, 0.7, 0.2 → δ = (1/3)(|.2 − 11/30|·2 + |.7 − 11/30|) = 1/3·(1/3 + 1/3) = 2/9
  close(got.delta, 2 / 9, 1e-12, "δ by hand");
});

test("populationIndices of a continuous outcome with equal weights equal the sample estimator (δ's bins included)", () => {
  const y = Array.from({ length: 40 }, (_, i) => ((i * 37) % 41) / 41), labels = y.map((_, i) => ["x", "y", "z"][i % 3]);
  const a = populationIndices(y, labels, y.map(() => 0.025)), b = pointIndices(y, labels);
  for (const k of ["variance", "delta", "wasserstein"] as const) close(a[k], b[k], 1e-12, k);
  // a weight of 2 is two copies of the row
  const y2 = [...y, ...y.slice(0, 10)], l2 = [...labels, ...labels.slice(0, 10)];
  const c = populationIndices(y, labels, y.map((_, i) => (i < 10 ? 2 : 1))), d = pointIndices(y2, l2);
  for (const k of ["variance", "wasserstein"] as const) close(c[k], d[k], 1e-12, `${k} weighted`);
});

test("studyTruth on a hand law: logits read off the prompt, sampled and greedy outcomes, persona differences", () => {
  const { study: path } = writeTinyStudy();
  const study = loadStudy(path);
  // the tiny study: personas control, muslim_person ("a Muslim person"), woman, atheist_person ("an atheist");
  // paraphrases p1, p2 ("Label the text …"), p3; 6 items without trigger words
  const A = law(-1, { muslim: 2, label: 1 }), B = law(-3, { atheist: 1.5 });
  const logitA = (persona: string, p: string) => -1 + (persona === "muslim_person" ? 2 : 0) + (p === "p2" ? 1 : 0);
  const logitB = (persona: string) => -3 + (persona === "atheist_person" ? 1.5 : 0);
  // (laws with one answer text: the answer mass is one branch, so p = σ(logit))
  const personas = ["control", "muslim_person", "woman", "atheist_person"], paras = ["p1", "p2", "p3"];

  // the rendered text carries the persona sentence before the task prompt, as the GGUF backend's plain rendering does
  const text = renderPlanted(study, study.personas[1], study.tasks[0].paraphrases[1], study.tasks[0].items[0]);
  assert.equal(text, "Respond as a Muslim person would.\n\nLabel the text as offensive or not offensive.\nSample sentence number 0, about cats.\n");

  study.decoding = { ...study.decoding, temperature: 1, topK: 0, topP: 1 };
  const t = studyTruth(study, [{ id: "A", law: A }, { id: "B", law: B }]);
  assert.equal(t.cells, 2 * 4 * 3 * 6);
  assert.equal(t.decoding, "sampled");
  // hand cells: the item does not change the logit, so one cell per (model, persona, paraphrase) with equal weight
  const cells = ["A", "B"].flatMap((m) => personas.flatMap((pe) => paras.map((p) => ({ m, pe, p, q: sigmoid(m === "A" ? logitA(pe, p) : logitB(pe)) }))));
  for (const [f, key] of [["model", "m"], ["persona", "pe"], ["paraphrase", "p"]] as const) {
    const want = closedForms(cells.map((c) => ({ level: c[key], q: c.q })));
    const got = t.factors.find((x) => x.factor === f)!;
    for (const k of ["variance", "delta", "wasserstein"] as const) close(got[k], want[k], 1e-9, `${f} ${k}`);
  }
  const task = t.factors.find((x) => x.factor === "task")!;
  close(task.variance, 0, 1e-15, "one task"); // one task
  close(t.refusalRate, cells.reduce((s, c) => s + c.q, 0) / cells.length, 1e-12, "rate");
  const muslimA = t.personas.find((p) => p.model === "A" && p.persona === "muslim_person")!;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  close(muslimA.diff, mean(paras.map((p) => sigmoid(logitA("muslim_person", p)))) - mean(paras.map((p) => sigmoid(logitA("control", p)))), 1e-12, "muslim diff");
  close(t.personas.find((p) => p.model === "B" && p.persona === "woman")!.diff, 0, 1e-15, "null diff");
  // a model's persona effect: the mean squared difference over its 3 non-control personas, one of them non-null
  close(t.models.find((m) => m.model === "B")!.personaEffect, (sigmoid(-1.5) - sigmoid(-3)) ** 2 / 3, 1e-12, "B effect");

  // greedy: Y = 1[logit > 0]; A refuses exactly under the Muslim persona (p2's logit 0 is a tie: the answer), B never
  study.decoding = { ...study.decoding, temperature: 0 };
  const g = studyTruth(study, [{ id: "A", law: A }]);
  assert.equal(g.decoding, "greedy");
  const persona = g.factors.find((x) => x.factor === "persona")!;
  close(persona.variance, 1, 1e-12, "greedy persona S");
  close(persona.delta, 3 / 8, 1e-12, "greedy persona δ");
  close(g.refusalRate, 1 / 4, 1e-12, "greedy rate");
  close(g.factors.find((x) => x.factor === "paraphrase")!.variance, 0, 1e-15, "greedy paraphrase");
});

test("the truth of a p_refusal outcome is the indices of the planted probabilities", () => {
  const { study: path } = writeTinyStudy();
  const study = loadStudy(path);
  const A = law(-1, { muslim: 2, label: 1 });
  const t = studyTruth(study, [{ id: "A", law: A }], { outcome: "p_refusal" });
  const ys: number[] = [], ls: string[] = [];
  for (const pe of study.personas) for (const p of study.tasks[0].paraphrases) for (let i = 0; i < 6; i++) {
    ys.push(sigmoid(-1 + (pe.id === "muslim_person" ? 2 : 0) + (p.id === "p2" ? 1 : 0))); ls.push(pe.id);
  }
  const want = pointIndices(ys, ls);
  const got = t.factors.find((x) => x.factor === "persona")!;
  for (const k of ["variance", "delta", "wasserstein"] as const) close(got[k], want[k], 1e-9, k);
});

test("outcome probability per decoding: greedy argmax over the answer branches, temperature, refusal of top-p", () => {
  const dec = (o: object) => ({ maxTokens: 8, temperature: 1, topK: 0, topP: 1, seed: 0, ...o });
  assert.throws(() => refusalProbability(0.3, [1], dec({ topK: 40, topP: 0.95 }), "s.yaml"),
    (e: unknown) => e instanceof HarnessError && /top-p/.test(e.message) && /topP: 1/.test(e.hint ?? ""));
  // one answer branch at T = 2: σ(logit / 2)
  close(refusalProbability(sigmoid(1), [1], dec({ temperature: 2 })).q, sigmoid(0.5), 1e-12, "T=2");
  close(refusalProbability(0.3, [1], dec({})).q, 0.3, 0, "T=1");
  assert.equal(refusalProbability(0.49, [1], dec({ temperature: 0 })).q, 0);
  assert.equal(refusalProbability(0.51, [1], dec({ temperature: 0.7, topK: 1 })).kind, "greedy");
  // two branches sharing the answer mass: 0.4 beats 0.3 and 0.3 under greedy decoding
  assert.equal(refusalProbability(0.4, [0.5, 0.5], dec({ temperature: 0 })).q, 1);
});
