// node --import tsx bench/trend-coverage.ts [--reps 300] [--bootstrap 200] [--n 78] [--seed 11] [--truth truth.json]
// Coverage of the replication trend's 95% CI (src/stats/replication.ts) of the true slope, by simulation: per model ×
// persona cell, n trials drawn Binomial(n, true rate), then the trend estimated and its interval computed. Before:
// mean |p̂_persona − p̂_control| with the percentile interval of the parametric bootstrap (the estimator this bench
// replaced, kept here to show why). After: the debiased mean squared effect (meanSquaredEffect) with the percentile
// interval, the naive basic interval 2T − q, and the basic interval around the bootstrap world's truth (trendInterval,
// what replication() reports). Each is scored against its own measure's true slope.
// Default rates: 16 models, bases 0.02–0.90, persona effects planted only in some low and middle models and null
// personas everywhere else, the high-base models included — where noise alone made mean |Δ̂| rise with the base.
// --truth: take the true rates from `frh zoo truth --json` instead (every model × persona of a real zoo).
// Accuracy, not speed; about a minute; not part of the tests.
import { readFileSync } from "node:fs";
import { binomial, mulberry32, substream } from "../src/stats/random.ts";
import { percentiles } from "../src/stats/contrasts.ts";
import { olsSlope, trendFit, trendInterval, type TrendCell } from "../src/stats/replication.ts";

const arg = (name: string, d: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : d; };
const R = Number(arg("reps", "300")), B = Number(arg("bootstrap", "200")), N = Number(arg("n", "78")), alpha = 0.05;
const truthFile = process.argv.includes("--truth") ? arg("truth", "") : null;

/** True rate per model × persona; persona "control" is the base. */
type Rates = Map<string, Map<string, number>>;
function defaultRates(): Rates {
  const rates: Rates = new Map(), M = 16, P = 15;
  for (let m = 0; m < M; m++) {
    const base = 0.02 + (0.88 * m) / (M - 1), row = new Map([["control", base]]);
    for (let j = 0; j < P; j++) {
      // two planted personas (+0.15 and +0.08) in models 2–8; every persona null in the rest
      const d = m >= 2 && m <= 8 ? (j === 0 ? 0.15 : j === 1 ? 0.08 : 0) : 0;
      row.set(`p${j}`, Math.min(1, base + d));
    }
    rates.set(`m${String(m).padStart(2, "0")}`, row);
  }
  return rates;
}
function ratesFromTruth(file: string): Rates {
  const t = JSON.parse(readFileSync(file, "utf8")) as { control: string; personas: { model: string; persona: string; rate: number }[] };
  const rates: Rates = new Map();
  for (const p of t.personas) {
    const row = rates.get(p.model) ?? new Map<string, number>();
    row.set(p.persona === t.control ? "control" : p.persona, p.rate);
    rates.set(p.model, row);
  }
  return rates;
}

const rates = truthFile ? ratesFromTruth(truthFile) : defaultRates();
const models = [...rates.keys()];
const measureSlope = (f: (d: number) => number) => olsSlope(models.map((m) => rates.get(m)!.get("control")!),
  models.map((m) => { const row = rates.get(m)!, b = row.get("control")!, ds = [...row].filter(([p]) => p !== "control").map(([, r]) => f(r - b)); return ds.reduce((s, x) => s + x, 0) / ds.length; })).slope;
const truthAbs = measureSlope(Math.abs), truthSq = measureSlope((d) => d * d);

/** The replaced estimator: OLS slope of mean |Δ̂| on base, percentile interval of the parametric bootstrap. */
function before(cells: TrendCell[], seed: number): { slope: number; ci: [number, number] } {
  const slopeOf = (k: (c: TrendCell) => number) => olsSlope(models.map((m) => { const c = cells.find((x) => x.model === m && x.persona === "control")!; return k(c) / c.n; }),
    models.map((m) => { const mine = cells.filter((x) => x.model === m), c = mine.find((x) => x.persona === "control")!, o = mine.filter((x) => x !== c); return o.reduce((s, x) => s + Math.abs(k(x) / x.n - k(c) / c.n), 0) / o.length; })).slope;
  const rng = substream(seed, "before"), draws: number[] = [];
  for (let b = 0; b < B; b++) { const d = new Map(cells.map((c) => [c, binomial(rng, c.n, c.k / c.n)])); draws.push(slopeOf((c) => d.get(c)!)); }
  return { slope: slopeOf((c) => c.k), ci: percentiles(draws, alpha) };
}

const rng = mulberry32(Number(arg("seed", "11")));
const hit = { before: 0, pct: 0, naive: 0, basic: 0 }, est = { before: 0, after: 0 };
const covers = (ci: readonly number[], t: number) => (ci[0] <= t && t <= ci[1] ? 1 : 0);
for (let r = 0; r < R; r++) {
  const cells: TrendCell[] = [];
  for (const [m, row] of rates) for (const [p, q] of row) cells.push({ model: m, persona: p, n: N, k: binomial(rng, N, q) });
  const b = before(cells, r);
  hit.before += covers(b.ci, truthAbs); est.before += b.slope / R;
  const f = trendFit(cells, "control", B, r);
  est.after += f.slope / R;
  hit.pct += covers(percentiles(f.draws, alpha), truthSq);
  const [lo, hi] = percentiles(f.draws, alpha);
  hit.naive += covers([2 * f.slope - hi, 2 * f.slope - lo], truthSq);
  hit.basic += covers(trendInterval(f, alpha), truthSq);
}
console.log(`trend coverage: ${models.length} models, ${rates.get(models[0])!.size - 1} personas, n = ${N} per cell, ${R} samples, B = ${B}, 95% intervals (${truthFile ?? "default rates"})`);
console.log(`before  mean |Δ|: true slope ${truthAbs.toFixed(4)}, mean estimate ${est.before.toFixed(4)}, percentile CI covers ${(hit.before / R).toFixed(3)}`);
console.log(`after   mean Δ² (debiased): true slope ${truthSq.toFixed(5)}, mean estimate ${est.after.toFixed(5)}; CI covers: percentile ${(hit.pct / R).toFixed(3)}, basic 2T − q ${(hit.naive / R).toFixed(3)}, basic around the bootstrap world's truth ${(hit.basic / R).toFixed(3)}`);
