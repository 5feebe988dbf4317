// Coverage and error rates of `frh analyze`'s intervals and tests over many studies simulated from logistic laws
// with random coefficients (test/helpers/logistic-study.ts, independent of src/stats/simulate.ts). In process:
// analyze() is what the CLI calls after reading the file (analyze-from.test.ts covers the file and the CLI).
// Seeds are 1..R, fixed before looking at any result.
//
// Targets ("true ORs"):
//   logistic terms: exp(coefficient) of the law under treatment coding (the fitted model is the true model);
//   paired contrasts (blocked layout): b/c estimates the within-cell odds ratio, exp(β_persona), the
//     conditional MLE for matched pairs;
//   two-sample contrasts (random layout): Woolf's OR is the marginal OR of the persona's and the control's
//     pooled rates, each the mean of expit(η) over the uniform cell distribution (computed exactly here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "../../../src/stats/analyze.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";
import { eta, expit, randomLaw, simulate, type SimLaw, type SimRow } from "../../helpers/logistic-study.ts";

const toRows = (rs: SimRow[]): AnalysisRow[] => rs.map((r) => ({
  model: r.model, persona: r.persona, personaGroup: r.persona_group, task: r.task, paraphrase: r.paraphrase, item: r.item,
  refusal: r.refusal, pRefusal: r.p_refusal,
}));

/**
 * P(refusal | persona) with model, task and paraphrase (within task) drawn uniformly, as simulate() does, and the
 * item effect integrated over N(0, itemSd²) (trapezoid rule on ±8 SD, 801 points: error far below 1e-6).
 */
function marginalRate(law: SimLaw, persona: string): number {
  const zs = law.itemSd ? Array.from({ length: 801 }, (_, i) => -8 + i / 50) : [0];
  const ws = zs.map((z) => Math.exp(-z * z / 2)), W = ws.reduce((a, b) => a + b, 0);
  let s = 0;
  for (const m of law.model.keys()) for (const [t, qs] of law.paraphrase) for (const q of qs.keys()) {
    const e = eta(law, { model: m, persona, task: t, paraphrase: q });
    let v = 0;
    zs.forEach((z, i) => (v += (ws[i] / W) * expit(e + law.itemSd * z)));
    s += v / (law.model.size * law.task.size * qs.size);
  }
  return s;
}
const odds = (p: number) => p / (1 - p);

/** True coefficient of a term under treatment coding, for crossed paraphrases (shared effect per id). */
function trueCoef(law: SimLaw, term: string, ref: { model: string; task: string; paraphrase: string }): number {
  const para = (q: string) => law.paraphrase.get([...law.task.keys()][0])!.get(q)!;
  if (term === "(Intercept)") return law.intercept + law.model.get(ref.model)! + law.task.get(ref.task)! + para(ref.paraphrase);
  const [, f, level] = /^(\w+)\[(.*)\]$/.exec(term)!;
  if (f === "persona") return law.persona.get(level)!;
  if (f === "model") return law.model.get(level)! - law.model.get(ref.model)!;
  if (f === "task") return law.task.get(level)! - law.task.get(ref.task)!;
  if (f === "paraphrase") return para(level) - para(ref.paraphrase);
  throw new Error(term);
}

const R = 200;
const covered = (ci: [number, number], truth: number) => ci[0] <= truth && truth <= ci[1];

for (const layout of ["random", "blocked"] as const) {
  test(`${layout} layout, ${R} studies: OR CIs cover the true ORs ≈ 95%; Holm keeps the family-wise error ≈ 5%`, () => {
    const c = { persona: [0, 0], all: [0, 0], contrast: [0, 0], diff: [0, 0], fwe: 0, power: [0, 0] };
    for (let r = 1; r <= R; r++) {
      const law = randomLaw(1000 + r, { nulls: 3, nonNulls: 3, nestedParaphrases: layout === "blocked", itemsPerTask: layout === "blocked" ? 60 : 2000 });
      const a = analyze(toRows(simulate(law, 3500, 5000 + r, layout)), { control: "control", outcome: "refusal", bootstrap: 0, seed: r });
      assert.ok(a.logistic.converged, `rep ${r}`);
      const ref = { model: [...law.model.keys()].sort()[0], task: [...law.task.keys()].sort()[0], paraphrase: "p1" };
      for (const t of a.logistic.terms) {
        if (t.factor === "persona") { c.persona[1]++; if (covered(t.ci, Math.exp(law.persona.get(t.level!)!))) c.persona[0]++; }
        if (layout === "random") { c.all[1]++; if (covered(t.ci, Math.exp(trueCoef(law, t.term, ref)))) c.all[0]++; }
      }
      let nullFlagged = false;
      for (const k of a.personaVsControl) {
        assert.equal(k.method, layout === "blocked" ? "paired" : "two-sample");
        const b = law.persona.get(k.persona)!;
        const truth = layout === "blocked" ? Math.exp(b) : odds(marginalRate(law, k.persona)) / odds(marginalRate(law, "control"));
        c.contrast[1]++;
        if (covered(k.orCi, truth)) c.contrast[0]++;
        // The rate difference (paired or not) estimates the difference of the marginal rates.
        c.diff[1]++;
        if (covered(k.ci, marginalRate(law, k.persona) - marginalRate(law, "control"))) c.diff[0]++;
        if (b === 0 && k.significant) nullFlagged = true;
        if (b !== 0) { c.power[1]++; if (k.significant) c.power[0]++; }
      }
      if (nullFlagged) c.fwe++;
    }
    const rate = ([h, n]: number[]) => h / n;
    const summary = `persona terms ${rate(c.persona).toFixed(3)} (${c.persona[1]}), contrast ORs ${rate(c.contrast).toFixed(3)}, diffs ${rate(c.diff).toFixed(3)} (${c.contrast[1]})` +
      (layout === "random" ? `, all terms ${rate(c.all).toFixed(3)} (${c.all[1]})` : "") + `, FWE ${c.fwe}/${R}, power ${rate(c.power).toFixed(3)}`;
    console.log(`# ${layout}: ${summary}`);
    // 1,200 intervals per family, correlated within a study: ±3 SE is about ±0.02.
    for (const k of (layout === "random" ? ["persona", "contrast", "diff", "all"] : ["persona", "contrast", "diff"]) as ("persona" | "contrast" | "diff" | "all")[]) {
      const v = rate(c[k]);
      assert.ok(v >= 0.925 && v <= 0.975, `${k} coverage ${v}: ${summary}`);
    }
    // FWE ≤ 5% nominal; Binomial(200, 0.05) exceeds 18 with probability < 1%.
    assert.ok(c.fwe <= 18, summary);
    assert.ok(rate(c.power) > 0.8, summary);
  });
}

test(`random layout with a strong item effect (20 items per task, SD 1 on the log-odds), ${R} studies: item-clustered intervals`, () => {
  // Rows of one item are correlated, so independent-row CIs would be too narrow. The rate-difference CI (hull of
  // Newcombe and the item-clustered bootstrap) and Woolf's OR CI should still cover the marginal truth ≈ 95%,
  // and the item-clustered z test keep the family-wise error ≤ 5%.
  let diff = 0, or = 0, n = 0, fwe = 0;
  for (let r = 1; r <= R; r++) {
    const law = randomLaw(3000 + r, { nulls: 3, nonNulls: 3, itemsPerTask: 20, itemSd: 1 });
    const a = analyze(toRows(simulate(law, 3500, 7000 + r, "random")), { control: "control", outcome: "refusal", bootstrap: 100, seed: r });
    const mc = marginalRate(law, "control");
    let flagged = false;
    for (const k of a.personaVsControl) {
      assert.equal(k.test, "z (item-clustered SE)");
      const mp = marginalRate(law, k.persona);
      n++;
      if (covered(k.ci, mp - mc)) diff++;
      if (covered(k.orCi, odds(mp) / odds(mc))) or++;
      if (law.persona.get(k.persona) === 0 && k.significant) flagged = true;
    }
    if (flagged) fwe++;
  }
  const summary = `diff CI coverage ${(diff / n).toFixed(3)}, OR CI coverage ${(or / n).toFixed(3)} (${n}), FWE ${fwe}/${R}`;
  console.log(`# random, item effect: ${summary}`);
  assert.ok(diff / n >= 0.925 && diff / n <= 0.985, summary);
  assert.ok(or / n >= 0.915 && or / n <= 0.975, summary);
  assert.ok(fwe <= 18, summary);
});
