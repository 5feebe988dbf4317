// Expands a study into its plan: the trials to run, in a seeded random order (the sequential design: its rounds).
// The order matters: `--limit n` and any interrupted run then cover a random sample across all factors.
import type { ModelRef, PlannedTrial } from "../types.ts";
import { DataError } from "../errors.ts";
import { mulberry32, randInt, shuffled, type Rng } from "../util/random.ts";
import type { Study } from "./study.ts";

/** A cell without the persona: (model, task, paraphrase, item, replicate) as indices. */
interface Cell { m: number; t: number; p: number; i: number; r: number }

function cellsPerModel(study: Study): number {
  return study.replicates * study.tasks.reduce((s, t) => s + t.paraphrases.length * t.items.length, 0);
}

function cellCount(study: Study, models: ModelRef[]): number {
  return models.length * cellsPerModel(study);
}

function allCells(study: Study, models: ModelRef[]): Cell[] {
  const cells: Cell[] = [];
  models.forEach((_, m) => study.tasks.forEach((ts, t) => ts.paraphrases.forEach((_, p) => ts.items.forEach((_, i) => {
    for (let r = 0; r < study.replicates; r++) cells.push({ m, t, p, i, r });
  }))));
  return cells;
}

/** Each factor drawn uniformly and independently (task first, then its paraphrase and item). */
function drawCell(study: Study, models: ModelRef[], rng: Rng): Cell {
  const t = randInt(rng, study.tasks.length);
  const ts = study.tasks[t];
  return { m: randInt(rng, models.length), t, p: randInt(rng, ts.paraphrases.length), i: randInt(rng, ts.items.length), r: randInt(rng, study.replicates) };
}

const cellKey = (c: Cell, persona = -1) => `${c.m}/${c.t}/${c.p}/${c.i}/${c.r}/${persona}`;

/**
 * Distinct draws: a repeated cell would be the same trial (same prompt and seed). When the sample is more than
 * half of the space, rejection is slow, so a shuffled enumeration is used instead (uniform over cells).
 */
function distinctDraws<T>(n: number, space: number, draw: () => T, key: (x: T) => string, enumerate: () => T[], rng: Rng): T[] {
  if (n > space / 2) return shuffled(enumerate(), rng).slice(0, n);
  const seen = new Set<string>();
  const out: T[] = [];
  while (out.length < n) {
    const x = draw();
    const k = key(x);
    if (!seen.has(k)) { seen.add(k); out.push(x); }
  }
  return out;
}

/** The index-th cell of allCells' order (model, task, paraphrase, item, replicate), without enumerating them. */
function cellAt(study: Study, index: number): Cell {
  const perModel = cellsPerModel(study);
  const m = Math.floor(index / perModel);
  let rest = index - m * perModel;
  for (let t = 0; t < study.tasks.length; t++) {
    const ts = study.tasks[t];
    const size = ts.paraphrases.length * ts.items.length * study.replicates;
    if (rest < size) {
      const perParaphrase = ts.items.length * study.replicates;
      const p = Math.floor(rest / perParaphrase);
      rest -= p * perParaphrase;
      return { m, t, p, i: Math.floor(rest / study.replicates), r: rest % study.replicates };
    }
    rest -= size;
  }
  throw new RangeError(`cell index ${index} out of range`);
}

/**
 * A uniformly random permutation of 0..n−1, produced one element at a time (Fisher–Yates with the swaps kept in a
 * map). The first k outputs do not depend on how many more are asked for, so a longer stream extends a shorter one.
 */
function permutationStream(n: number, rng: Rng): () => number | undefined {
  const swapped = new Map<number, number>();
  let i = 0;
  return () => {
    if (i >= n) return undefined;
    const j = i + randInt(rng, n - i);
    const at = (k: number) => swapped.get(k) ?? k;
    const out = at(j);
    swapped.set(j, at(i));
    swapped.delete(i);
    i++;
    return out;
  };
}

function trialMaker(study: Study, models: ModelRef[]) {
  return (c: Cell, pi: number, seq: number): PlannedTrial => {
    const ts = study.tasks[c.t];
    return { seq, model: models[c.m], persona: study.personas[pi], task: ts.task, paraphrase: ts.paraphrases[c.p], item: ts.items[c.i], replicate: c.r };
  };
}

function requireModels(study: Study, models: ModelRef[]): void {
  if (models.length === 0) throw new DataError(study.path, "no models to run", "name models in the study file's `models:` or pass --model <path>");
}

/**
 * The sequential design's rounds, up to its cap: blocked cells (every persona, control included) in one seeded
 * order without replacement, `cellsPerRound` cells a round; the last round is cut to whole cells within maxTrials.
 * seq numbers the stream: cell k of the stream holds seq k·P … k·P + P − 1 (P personas), so a round's trials are
 * recoverable from stored seq alone. Same seed → same rounds, and a higher cap only appends rounds.
 */
export function sequentialRounds(study: Study, models: ModelRef[]): PlannedTrial[][] {
  requireModels(study, models);
  const s = study.sampling;
  if (s.design !== "sequential") throw new Error(`sequentialRounds: design is '${s.design}'`);
  const P = study.personas.length;
  if (s.maxTrials < P) {
    throw new DataError(`${study.path}: sampling.maxTrials`, `${s.maxTrials} trials cannot hold one cell (each cell runs all ${P} personas)`, `raise maxTrials to at least ${P}`);
  }
  const rng = mulberry32(s.seed);
  const next = permutationStream(cellCount(study, models), rng);
  const make = trialMaker(study, models);
  const rounds: PlannedTrial[][] = [];
  let cellsLeft = Math.floor(s.maxTrials / P), k = 0;
  while (cellsLeft > 0) {
    const round: PlannedTrial[] = [];
    for (let c = 0; c < s.cellsPerRound && cellsLeft > 0; c++, cellsLeft--, k++) {
      const index = next();
      if (index === undefined) { cellsLeft = 0; break; }
      const cell = cellAt(study, index);
      shuffled(study.personas.map((_, i) => i), rng).forEach((pi, j) => round.push(make(cell, pi, k * P + j)));
    }
    if (round.length) rounds.push(round);
  }
  return rounds;
}

export function expandPlan(study: Study, models: ModelRef[]): PlannedTrial[] {
  requireModels(study, models);
  const s = study.sampling;
  if (s.design === "sequential") throw new Error("expandPlan: a sequential plan is drawn round by round (sequentialRounds)");
  const rng = mulberry32(s.seed);
  const personas = study.personas;
  const make = trialMaker(study, models);
  const cells = cellCount(study, models);
  if (s.design === "full") {
    const all = allCells(study, models).flatMap((c) => personas.map((_, pi) => ({ c, pi })));
    return shuffled(all, rng).map(({ c, pi }, seq) => make(c, pi, seq));
  }
  if (s.design === "random") {
    const space = cells * personas.length;
    if (s.n > space) throw new DataError(`${study.path}: sampling.n`, `${s.n} trials asked but the design has only ${space} distinct trials`, "lower n, or use design: full");
    const draws = distinctDraws(
      s.n, space,
      () => ({ c: drawCell(study, models, rng), pi: randInt(rng, personas.length) }),
      (d) => cellKey(d.c, d.pi),
      () => allCells(study, models).flatMap((c) => personas.map((_, pi) => ({ c, pi }))),
      rng,
    );
    return draws.map(({ c, pi }, seq) => make(c, pi, seq));
  }
  // blocked: every persona (control included) in each drawn cell, so persona and control are paired.
  if (s.cells > cells) throw new DataError(`${study.path}: sampling.cells`, `${s.cells} cells asked but the design has only ${cells}`, "lower cells, or use design: full");
  const drawn = distinctDraws(s.cells, cells, () => drawCell(study, models, rng), (c) => cellKey(c), () => allCells(study, models), rng);
  const plan: PlannedTrial[] = [];
  for (const c of drawn) for (const pi of shuffled(personas.map((_, i) => i), rng)) plan.push(make(c, pi, plan.length));
  return plan;
}
