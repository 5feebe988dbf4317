// Coverage simulation (small; bench/stats-coverage.ts runs the long version): outcomes from a known logistic
// law with null and non-null personas; Wald CIs of the Firth ORs should cover the truth ~95% of the time, and
// the persona-vs-control tests should flag the non-null personas and (mostly) not the null ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "../../../src/stats/analyze.ts";
import { simulateRows, trueCoef, type LogisticLaw, COVERAGE_LAW } from "../../../src/stats/simulate.ts";
import { logisticRegression } from "../../../src/stats/regression.ts";
import { levelsOf } from "../../../src/stats/rates.ts";

export const LAW = COVERAGE_LAW;
const FACTORS = ["model", "persona", "task", "paraphrase"] as const;

test("Firth Wald 95% CIs of the ORs cover the true values 93–97% of the time (400 datasets × 11 terms)", () => {
  let hit = 0, total = 0;
  for (let r = 0; r < 400; r++) {
    const rows = simulateRows(LAW, 2500, 1000 + r);
    const levels: Record<string, string[]> = {};
    for (const f of FACTORS) levels[f] = levelsOf(rows.map((x) => x[f]), f === "persona" ? "control" : undefined);
    const reference = Object.fromEntries(FACTORS.map((f) => [f, levels[f][0]]));
    const fit = logisticRegression(rows.map((x) => ({ levels: FACTORS.map((f) => x[f]), y: x.refusal })), [...FACTORS], levels, { lrTests: false });
    for (const t of fit.terms) {
      const truth = Math.exp(trueCoef(LAW, t.term, reference));
      total++;
      if (t.ci[0] <= truth && truth <= t.ci[1]) hit++;
    }
  }
  const cov = hit / total;
  assert.ok(cov >= 0.93 && cov <= 0.97, `coverage ${cov.toFixed(3)} over ${total} intervals`);
});

test("persona vs control: non-null personas flagged, null ones mostly not (random and blocked designs)", () => {
  for (const design of ["random", "blocked"] as const) {
    const flagged: Record<string, number> = {};
    const R = 30;
    for (let r = 0; r < R; r++) {
      const rows = simulateRows(LAW, 3000, 5000 + r, design);
      const res = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 0, seed: r });
      for (const c of res.personaVsControl) flagged[c.persona] = (flagged[c.persona] ?? 0) + (c.significant ? 1 : 0);
      assert.equal(res.personaVsControl[0].method, design === "blocked" ? "paired" : "two-sample");
    }
    assert.ok(flagged.p_up >= 0.9 * R, `${design} p_up ${flagged.p_up}/${R}`);
    assert.ok(flagged.p_down >= 0.7 * R, `${design} p_down ${flagged.p_down}/${R}`);
    const nullFlags = flagged.p_null1 + flagged.p_null2 + flagged.p_null3;
    assert.ok(nullFlags <= 0.1 * 3 * R, `${design} null personas flagged ${nullFlags}/${3 * R}`);
  }
});
