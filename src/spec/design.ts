// Expands a study into its plan: the trials to run, in a seeded random order.
// The order matters: `--limit n` and any interrupted run then cover a random sample across all factors.
import type { ModelRef, PlannedTrial } from "../types.ts";
import { DataError } from "../errors.ts";
import { mulberry32, randInt, shuffled, type Rng } from "../util/random.ts";
import type { Study } from "./study.ts";

/** A cell without the persona: (model, task, paraphrase, item, replicate) as indices. */
interface Cell { m: number; t: number; p: number; i: number; r: number }

function cellCount(study: Study, models: ModelRef[]): number {
  return models.length * study.replicates * study.tasks.reduce((s, t) => s + t.paraphrases.length * t.items.length, 0);
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

export function expandPlan(study: Study, models: ModelRef[]): PlannedTrial[] {
  if (models.length === 0) throw new DataError(study.path, "no models to run", "name models in the study file's `models:` or pass --model <path>");
  const s = study.sampling;
  const rng = mulberry32(s.seed);
  const personas = study.personas;
  const make = (c: Cell, pi: number, seq: number): PlannedTrial => {
    const ts = study.tasks[c.t];
    return { seq, model: models[c.m], persona: personas[pi], task: ts.task, paraphrase: ts.paraphrases[c.p], item: ts.items[c.i], replicate: c.r };
  };
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
