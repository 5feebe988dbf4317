// Random (and blocked) designs against the full factorial on a planted law: how many trials a design needs to reach
// the full design's persona ranking and CI widths.
//   npm run bench:designs [-- --law file.json …] [--study file.yaml] [--seeds 20] [--delta 0.05] [--out file.json]
//
// Outcomes: each trial's outcome is the Bernoulli draw a planted model makes with sampled decoding — refusal with the
// law's exact probability for the prompt as the model's chat template renders it (the planted GGUF is built and
// loaded only to render; nothing is generated). The uniform is the trial's own (from its sampling seed), so a trial
// has one outcome whichever design contains it, as in the harness where a trial id has one stored answer. Sampling
// the law instead of running llama.cpp keeps 800 designs within seconds; the planted model reproduces these
// probabilities to about 0.03 (test/integration/cli/planted-run.test.ts), so only the draws differ, not their law.
//
// Ranking: the true marginal effect of persona a is Δa = mean over the full design's cells of P(a, cell) − P(control,
// cell), exact from the law. A pair of personas is *resolved* when |Δa − Δb| ≥ delta (default 0.05). A design
// reaches the full design's ranking when its estimated differences order every resolved pair as the full design's
// do (pairs closer than delta are noise in both). CI width: widest persona-vs-control 95% CI half-width
// (stoppingHalfWidth: analyze()'s contrasts with its defaults), as a ratio to the full design's.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { loadStudy, REPO_ROOT, type Study } from "../src/spec/study.ts";
import { expandPlan, sequentialRounds } from "../src/spec/design.ts";
import { buildMessages } from "../src/prompts/render.ts";
import { loadBackend } from "../src/backends/index.ts";
import { parseLaw, writePlantedGguf, explainPrompt, type Law } from "../src/plant/index.ts";
import { trialSeed } from "../src/run/run.ts";
import { personaContrasts } from "../src/stats/contrasts.ts";
import { maxCiHalfWidth, stoppingHalfWidth } from "../src/stats/designs.ts";
import type { AnalysisRow } from "../src/stats/types.ts";
import type { PlannedTrial } from "../src/types.ts";
import { mulberry32 } from "../src/util/random.ts";

const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };
const args = (name: string) => process.argv.flatMap((a, i) => (a === `--${name}` ? [process.argv[i + 1]] : []));
const SHARES = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9];
const SEEDS = Number(arg("seeds") ?? 20);
const DELTA = Number(arg("delta") ?? 0.05);
const WIDTH_OK = 1.5;
const RANK_OK = 0.9;

const lawDir = join(REPO_ROOT, "datasets", "laws");
const lawPaths = args("law").length ? args("law").map((p) => resolve(p)) : readdirSync(lawDir).filter((f) => /^demo-.*\.json$/.test(f)).sort().map((f) => join(lawDir, f));
const baseStudy = loadStudy(resolve(arg("study") ?? join(REPO_ROOT, "datasets", "studies", "demo.yaml")));

const key = (t: PlannedTrial) => [t.model.id, t.persona.id, t.task.id, t.paraphrase.id, t.item.id, t.replicate].join("\u0000");
const cellKey = (r: AnalysisRow) => [r.task, r.paraphrase, r.item].join("\u0000");

/** Every trial of the full design with its planted probability and its fixed Bernoulli outcome. */
async function trialTable(law: Law, study: Study) {
  const model = join(mkdtempSync(join(tmpdir(), "frh-bench-designs-")), "planted.gguf");
  writePlantedGguf(law, model);
  const backend = await loadBackend(model, { batch: 1, plainTemplate: study.prompt.plainTemplate });
  const ref = { id: "planted", source: model };
  const placement = study.prompt.personaPlacement === "auto" ? (backend.info.supportsSystem ? "system" : "user-prefix") : study.prompt.personaPlacement;
  const rows = new Map<string, AnalysisRow>();
  try {
    for (const t of expandPlan({ ...study, sampling: { design: "full", seed: 1 } }, [ref])) {
      const text = backend.render(buildMessages(t.persona, t.paraphrase, t.item, { personaTemplate: study.personaTemplate, placement }).messages);
      const p = explainPrompt(law, text).probability;
      const u = mulberry32(trialSeed(study.decoding, t.replicate, text))();
      rows.set(key(t), { model: ref.id, persona: t.persona.id, personaGroup: t.persona.group, task: t.task.id, paraphrase: t.paraphrase.id, item: t.item.id, refusal: u < p ? 1 : 0, pRefusal: p });
    }
  } finally {
    await backend.dispose();
  }
  return { rows, ref };
}

/** Δa for every non-control persona: mean over cells of the planted P(a) − P(control). */
function trueEffects(rows: AnalysisRow[], control: string): Map<string, number> {
  const controlP = new Map(rows.filter((r) => r.persona === control).map((r) => [cellKey(r), r.pRefusal!]));
  const sums = new Map<string, { s: number; n: number }>();
  for (const r of rows) {
    if (r.persona === control) continue;
    const a = sums.get(r.persona) ?? { s: 0, n: 0 };
    a.s += r.pRefusal! - controlP.get(cellKey(r))!;
    a.n++;
    sums.set(r.persona, a);
  }
  return new Map([...sums].map(([p, a]) => [p, a.s / a.n]));
}

function estimate(rows: AnalysisRow[], control: string) {
  const contrasts = personaContrasts(rows, { control, alpha: 0.05, bootstrap: 200, seed: 1 });
  return { diff: new Map(contrasts.map((c) => [c.persona, c.diff])), maxHalfWidth: maxCiHalfWidth({ personaVsControl: contrasts }) };
}

/** Share of resolved pairs that `diff` orders as `reference` does. */
function agreement(diff: Map<string, number>, reference: Map<string, number>, pairs: [string, string][]): number {
  if (pairs.length === 0) return 1;
  const same = pairs.filter(([a, b]) => Math.sign((diff.get(a) ?? NaN) - (diff.get(b) ?? NaN)) === Math.sign(reference.get(a)! - reference.get(b)!)).length;
  return same / pairs.length;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const h = (s.length - 1) / 2; return (s[Math.floor(h)] + s[Math.ceil(h)]) / 2; };

async function benchLaw(path: string) {
  const law = parseLaw(readFileSync(path, "utf8"), path);
  const { rows: table, ref } = await trialTable(law, baseStudy);
  const control = baseStudy.control.id;
  const all = [...table.values()];
  const truth = trueEffects(all, control);
  const personas = [...truth.keys()];
  const pairs: [string, string][] = [];
  for (let i = 0; i < personas.length; i++) for (let j = i + 1; j < personas.length; j++) {
    if (Math.abs(truth.get(personas[i])! - truth.get(personas[j])!) >= DELTA) pairs.push([personas[i], personas[j]]);
  }
  const full = estimate(all, control);
  const fullVsTruth = agreement(full.diff, truth, pairs);
  const cells = all.length / baseStudy.personas.length;
  const lines: { design: string; share: number; trials: number; rankingMatch: number; pairAgreement: number; widthRatio: { median: number; min: number; max: number } }[] = [];
  for (const design of ["random", "blocked"] as const) {
    for (const share of SHARES) {
      const matches: number[] = [], agree: number[] = [], ratios: number[] = [];
      let trials = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const sampling = design === "random"
          ? { design, n: Math.round(share * all.length), seed }
          : { design, cells: Math.max(1, Math.round(share * cells)), seed };
        const plan = expandPlan({ ...baseStudy, sampling }, [ref]);
        trials = plan.length;
        const est = estimate(plan.map((t) => table.get(key(t))!), control);
        const a = agreement(est.diff, full.diff, pairs);
        agree.push(a);
        matches.push(a === 1 ? 1 : 0);
        ratios.push(est.maxHalfWidth / full.maxHalfWidth);
      }
      lines.push({
        design, share, trials, rankingMatch: matches.reduce((s, x) => s + x, 0) / SEEDS, pairAgreement: agree.reduce((s, x) => s + x, 0) / SEEDS,
        widthRatio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
      });
    }
  }
  // The sequential design aimed at WIDTH_OK × the full design's width: the share of trials it stops at.
  const target = WIDTH_OK * full.maxHalfWidth, cellsPerRound = Math.max(1, Math.round(0.05 * cells));
  const seqRuns = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rounds = sequentialRounds({ ...baseStudy, sampling: { design: "sequential", cellsPerRound, targetHalfWidth: target, maxTrials: all.length, seed } }, [ref]);
    let done: AnalysisRow[] = [];
    for (const round of rounds) {
      done = done.concat(round.map((t) => table.get(key(t))!));
      if (stoppingHalfWidth(done, control) <= target) break;
    }
    seqRuns.push({ share: done.length / all.length, ranking: agreement(estimate(done, control).diff, full.diff, pairs) === 1 ? 1 : 0 });
  }
  const sequential = {
    target, cellsPerRound, medianShare: median(seqRuns.map((r) => r.share)), minShare: Math.min(...seqRuns.map((r) => r.share)),
    maxShare: Math.max(...seqRuns.map((r) => r.share)), rankingMatch: seqRuns.reduce((n, r) => n + r.ranking, 0) / SEEDS,
  };
  /** The smallest share from which on every larger share passes too (seed noise can make a single share pass early). */
  const smallest = (design: string, ok: (l: (typeof lines)[number]) => boolean) => {
    const mine = lines.filter((l) => l.design === design);
    const firstOfRun = mine.findIndex((_, i) => mine.slice(i).every(ok));
    return firstOfRun >= 0 ? mine[firstOfRun] : null;
  };
  const summary = Object.fromEntries(["random", "blocked"].map((d) => [d, {
    ranking: smallest(d, (l) => l.rankingMatch >= RANK_OK)?.share ?? null,
    width: smallest(d, (l) => l.widthRatio.median <= WIDTH_OK)?.share ?? null,
    both: smallest(d, (l) => l.rankingMatch >= RANK_OK && l.widthRatio.median <= WIDTH_OK)?.share ?? null,
  }]));
  return { law: basename(path), fullTrials: all.length, fullMaxHalfWidth: full.maxHalfWidth, resolvedPairs: pairs.length, pairsTotal: personas.length * (personas.length - 1) / 2, fullVsTruth, truth: Object.fromEntries(truth), lines, summary, sequential };
}

const pct = (x: number | null) => (x === null ? "—" : `${Math.round(100 * x)}%`);
const results = [];
for (const path of lawPaths) {
  const r = await benchLaw(path);
  results.push(r);
  console.log(`\n${r.law}: full design ${r.fullTrials} trials, widest persona-vs-control CI half-width ${r.fullMaxHalfWidth.toFixed(3)}; ` +
    `${r.resolvedPairs} of ${r.pairsTotal} persona pairs resolved (true effects ≥ ${DELTA} apart), full design orders ${pct(r.fullVsTruth)} of them as the truth`);
  console.log(`  design   share  trials  ranking = full  pairs agreeing  CI half-width ÷ full: median [min, max]   (${SEEDS} seeds)`);
  for (const l of r.lines) {
    console.log(`  ${l.design.padEnd(7)} ${pct(l.share).padStart(5)}  ${String(l.trials).padStart(6)}  ${pct(l.rankingMatch).padStart(14)}  ${pct(l.pairAgreement).padStart(14)}  ${l.widthRatio.median.toFixed(2).padStart(6)} [${l.widthRatio.min.toFixed(2)}, ${l.widthRatio.max.toFixed(2)}]`);
  }
  for (const [d, s] of Object.entries(r.summary)) {
    console.log(`  smallest ${d} share: ranking = full in ≥ ${pct(RANK_OK)} of seeds ${pct(s.ranking)}; median width ≤ ${WIDTH_OK}× full ${pct(s.width)}; both ${pct(s.both)}`);
  }
  const q = r.sequential;
  console.log(`  sequential, target ${WIDTH_OK}× full width (${q.target.toFixed(3)}), ${q.cellsPerRound} cells a round: stops at ${pct(q.medianShare)} of the full design's trials (median; ${pct(q.minShare)}–${pct(q.maxShare)}), ranking = full in ${pct(q.rankingMatch)} of seeds`);
}
const out = arg("out");
if (out) {
  writeFileSync(resolve(out), JSON.stringify({ shares: SHARES, seeds: SEEDS, delta: DELTA, widthOk: WIDTH_OK, rankOk: RANK_OK, study: baseStudy.path, results }, null, 2) + "\n");
  console.log(`\nwrote ${resolve(out)}`);
}
