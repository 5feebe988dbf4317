// Coverage of the statistics under a known logistic law (long version of test/unit/stats/coverage.test.ts).
//   node --import tsx bench/stats-coverage.ts [replications=1000]
// Prints: Wald CI coverage of the regression ORs (Firth and MLE, two sample sizes), coverage of the
// persona-vs-control difference CIs against the true marginal difference (random and blocked designs),
// how often each persona is flagged (Holm), and the time of one full analysis on 100k rows.
import { analyze } from "../src/stats/analyze.ts";
import { logisticRegression } from "../src/stats/regression.ts";
import { levelsOf } from "../src/stats/rates.ts";
import { simulateRows, trueCoef, type LogisticLaw, COVERAGE_LAW } from "../src/stats/simulate.ts";

const R = Number(process.argv[2] ?? 1000);
const LAW = COVERAGE_LAW;
const FACTORS = ["model", "persona", "task", "paraphrase"] as const;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function regressionCoverage(n: number, method: "firth" | "mle", reps: number) {
  let hit = 0, total = 0, bias = 0;
  for (let r = 0; r < reps; r++) {
    const rows = simulateRows(LAW, n, 1000 + r);
    const levels: Record<string, string[]> = {};
    for (const f of FACTORS) levels[f] = levelsOf(rows.map((x) => x[f]), f === "persona" ? "control" : undefined);
    const reference = Object.fromEntries(FACTORS.map((f) => [f, levels[f][0]]));
    const fit = logisticRegression(rows.map((x) => ({ levels: FACTORS.map((f) => x[f]), y: x.refusal })), [...FACTORS], levels, { method, lrTests: false });
    for (const t of fit.terms) {
      const truth = trueCoef(LAW, t.term, reference);
      total++;
      bias += t.coef - truth;
      if (t.ci[0] <= Math.exp(truth) && Math.exp(truth) <= t.ci[1]) hit++;
    }
  }
  return { coverage: hit / total, total, meanBias: bias / total };
}

/** True marginal persona − control difference: cells are uniform over model × task × paraphrase. */
function trueDiff(p: string): number {
  let s = 0, k = 0;
  for (const m in LAW.model) for (const t in LAW.task) for (const q in LAW.paraphrase) {
    const eta = LAW.intercept + LAW.model[m] + LAW.task[t] + LAW.paraphrase[q];
    s += 1 / (1 + Math.exp(-(eta + LAW.persona[p]))) - 1 / (1 + Math.exp(-eta));
    k++;
  }
  return s / k;
}

function contrastCoverage(design: "random" | "blocked", n: number, reps: number, bootstrap: number) {
  const hit: Record<string, number> = {}, flag: Record<string, number> = {};
  for (let r = 0; r < reps; r++) {
    const res = analyze(simulateRows(LAW, n, 5000 + r, design), { control: "control", outcome: "refusal", bootstrap, seed: r });
    for (const c of res.personaVsControl) {
      const d = trueDiff(c.persona);
      hit[c.persona] = (hit[c.persona] ?? 0) + (c.ci[0] <= d && d <= c.ci[1] ? 1 : 0);
      flag[c.persona] = (flag[c.persona] ?? 0) + (c.significant ? 1 : 0);
    }
  }
  return Object.keys(hit).map((p) => `${p.padEnd(8)} diff CI coverage ${pct(hit[p] / reps)}  flagged ${pct(flag[p] / reps)}`);
}

console.log(`replications: ${R}`);
for (const n of [600, 2500]) for (const method of ["firth", "mle"] as const) {
  const c = regressionCoverage(n, method, R);
  console.log(`regression ${method.padEnd(5)} n=${String(n).padEnd(5)} OR Wald CI coverage ${pct(c.coverage)} over ${c.total} intervals, mean coef bias ${c.meanBias.toFixed(4)}`);
}
for (const design of ["random", "blocked"] as const) {
  const reps = Math.max(50, Math.round(R / 5));
  console.log(`contrasts, ${design} design, n=3000, ${reps} replications, bootstrap 100:`);
  for (const line of contrastCoverage(design, 3000, reps, 100)) console.log("  " + line);
}
const big = simulateRows(LAW, 100_000, 7);
const t0 = performance.now();
analyze(big, { control: "control", outcome: "refusal", bootstrap: 200, seed: 1 });
console.log(`analyze(100k rows, bootstrap 200): ${((performance.now() - t0) / 1000).toFixed(2)} s`);
