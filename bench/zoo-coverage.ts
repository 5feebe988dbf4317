// node --import tsx bench/zoo-coverage.ts [--decoding greedy|sampled|shared] [--resample rows|stratified] [--alpha 0.05] [--reps 100] [--seed 7]
// Coverage of the variance-index CIs on the zoo test's design (test/helpers/zoo-study.ts), by simulation from the exact
// truth: 3,600 cells drawn at random from the factorial, outcomes drawn from each cell's planted probability, the
// analysis's bootstrap (400), and for each factor whether the bias-corrected interval (sensitivity.ts
// debiasedInterval) and the plain percentile interval cover the true index; "all" = every factor at once.
// --decoding: greedy (Y = 1[p > 0.5]), sampled (independent uniform draws), shared (one draw per prompt text across
// models, as the engine's prompt-derived trial seeds give). Accuracy, not speed; minutes, not part of the tests.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStudy } from "../src/spec/study.ts";
import { factorialCells, studyTruth } from "../src/analysis/truth.ts";
import { debiasedInterval, sensitivityIndices } from "../src/stats/sensitivity.ts";
import { mulberry32 } from "../src/util/random.ts";
import { testZoo, writeZooStudy } from "../test/helpers/zoo-study.ts";

const arg = (name: string, d: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : d; };
const decoding = arg("decoding", "greedy"), alpha = Number(arg("alpha", "0.05")), R = Number(arg("reps", "100")), N = 3600;
const study = loadStudy(writeZooStudy(mkdtempSync(join(tmpdir(), "frh-zoo-coverage-"))));
study.decoding = { ...study.decoding, temperature: decoding === "greedy" ? 0 : 1, topK: 0, topP: 1 };
const zoo = testZoo();
const truth = studyTruth(study, zoo);
const cells = [...factorialCells(study, zoo)].map((c) => ({ model: c.model, persona: c.persona.id, personaGroup: c.persona.group, task: c.task, paraphrase: c.paraphrase, p: c.p, text: c.text }));
const F = ["model", "persona", "personaGroup", "task", "paraphrase"] as const;
const rng = mulberry32(Number(arg("seed", "7")));
const hit: Record<string, number> = {}, est: Record<string, number[]> = {};
for (let r = 0; r < R; r++) {
  const shared = new Map<string, number>();
  const rows = Array.from({ length: N }, () => {
    const c = cells[Math.floor(rng() * cells.length)];
    let u = rng();
    if (decoding === "shared") { if (!shared.has(c.text)) shared.set(c.text, u); u = shared.get(c.text)!; }
    // the engine's first-token draw: the likelier token first in the cumulative order
    const y = decoding === "greedy" ? (c.p > 0.5 ? 1 : 0) : (c.p > 0.5 ? u < c.p : u >= 1 - c.p) ? 1 : 0;
    return { ...c, y };
  });
  const s = sensitivityIndices(rows.map((x) => x.y), F.map((f) => ({ name: f, labels: rows.map((x) => x[f]) })), { bootstrap: 400, seed: r, alpha, resample: arg("resample", "rows") as "rows" | "stratified" });
  let all = true;
  for (const x of s) {
    const t = truth.factors.find((f) => f.factor === x.factor)!.variance;
    const ci = debiasedInterval(x.ci.variance, x.levels ?? 2, N), pci = x.ci.variance;
    const ok = ci[0] <= t && t <= ci[1];
    if (!ok) all = false;
    hit[x.factor] = (hit[x.factor] ?? 0) + (ok ? 1 : 0);
    hit[`${x.factor} pct`] = (hit[`${x.factor} pct`] ?? 0) + (pci[0] <= t && t <= pci[1] ? 1 : 0);
    (est[x.factor] ??= []).push(x.variance);
  }
  hit.all = (hit.all ?? 0) + (all ? 1 : 0);
}
console.log(`zoo coverage: ${decoding} decoding, ${R} simulated samples of ${N}, intervals at ${1 - alpha}`);
console.log("factor        truth    mean est  sd      bias-corrected  percentile");
for (const f of F) {
  const xs = est[f], m = xs.reduce((a, b) => a + b, 0) / R, sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1));
  console.log(`${f.padEnd(12)}  ${truth.factors.find((x) => x.factor === f)!.variance.toFixed(4)}   ${m.toFixed(4)}    ${sd.toFixed(4)}  ${(hit[f] / R).toFixed(2).padStart(14)}  ${(hit[`${f} pct`] / R).toFixed(2).padStart(10)}`);
}
console.log(`all five covered at once (bias-corrected): ${(hit.all / R).toFixed(2)}`);
