// Draws analysis rows from a known logistic law, for coverage tests and benchmarks:
//   logit P(refusal) = intercept + model[m] + persona[p] + task[t] + paraphrase[q] + u_item,
// u_item ~ N(0, itemSd²) per (task, item), default 0 (then the fixed-effects regression is the true model).
import type { AnalysisRow } from "./types.ts";
import { mulberry32, normal, randInt } from "./random.ts";

export interface LogisticLaw {
  intercept: number;
  /** Effect per level (log-odds); the reference level of each factor should have 0. */
  model: Record<string, number>;
  persona: Record<string, number>;
  task: Record<string, number>;
  paraphrase: Record<string, number>;
  /** Persona → group; missing personas get their own id as group. */
  groups?: Record<string, string>;
  /** Items per task. */
  items: number;
  /** SD of a random item effect on the log-odds scale (clustering); default 0. */
  itemSd?: number;
}

/**
 * `random`: every row draws each factor uniformly (the random design). `blocked`: n/|personas| cells
 * (model, task, paraphrase, item) drawn uniformly, each run under every persona (the paired design).
 */
export function simulateRows(law: LogisticLaw, n: number, seed: number, design: "random" | "blocked" = "random"): AnalysisRow[] {
  const rng = mulberry32(seed);
  const itemEffect = new Map<string, number>();
  const u = (t: string, item: string) => {
    const k = `${t}/${item}`;
    let v = itemEffect.get(k);
    if (v === undefined) itemEffect.set(k, (v = (law.itemSd ?? 0) * normal(rng)));
    return v;
  };
  const pick = (o: Record<string, number>) => { const ks = Object.keys(o); return ks[randInt(rng, ks.length)]; };
  const row = (m: string, p: string, t: string, q: string, item: string): AnalysisRow => {
    const eta = law.intercept + law.model[m] + law.persona[p] + law.task[t] + law.paraphrase[q] + u(t, item);
    return {
      model: m, persona: p, personaGroup: law.groups?.[p] ?? p, task: t, paraphrase: q, item,
      refusal: rng() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, pRefusal: null,
    };
  };
  const rows: AnalysisRow[] = [];
  if (design === "random") {
    for (let i = 0; i < n; i++) {
      const t = pick(law.task);
      rows.push(row(pick(law.model), pick(law.persona), t, pick(law.paraphrase), `item${randInt(rng, law.items)}`));
    }
  } else {
    const personas = Object.keys(law.persona);
    for (let c = 0; c < Math.ceil(n / personas.length); c++) {
      const m = pick(law.model), t = pick(law.task), q = pick(law.paraphrase), item = `item${randInt(rng, law.items)}`;
      for (const p of personas) rows.push(row(m, p, t, q, item));
    }
  }
  return rows;
}

/** The true coefficient of a regression term ("(Intercept)" or `factor[level]`) under treatment coding. */
export function trueCoef(law: LogisticLaw, term: string, reference: Record<string, string>): number {
  const f = ["model", "persona", "task", "paraphrase"] as const;
  if (term === "(Intercept)") return law.intercept + f.reduce((s, k) => s + law[k][reference[k]], 0);
  const m = /^(\w+)\[(.*)\]$/.exec(term);
  if (!m) throw new Error(`unknown term ${term}`);
  const k = m[1] as (typeof f)[number];
  return law[k][m[2]] - law[k][reference[k]];
}

/** The law the coverage test and bench/stats-coverage.ts simulate from: two non-null personas, three null ones. */
export const COVERAGE_LAW: LogisticLaw = {
  intercept: -1.4,
  model: { m_a: 0, m_b: 0.8, m_c: -0.6 },
  persona: { control: 0, p_null1: 0, p_null2: 0, p_null3: 0, p_up: 0.7, p_down: -0.6 },
  task: { t_a: 0, t_b: 0.4 },
  paraphrase: { q_a: 0, q_b: 0.25, q_c: -0.2 },
  items: 30,
};
