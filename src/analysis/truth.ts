// The exact truth of a study on planted models, from the laws alone (no model run): every prompt of the full
// factorial rendered as the run renders it for a planted GGUF (no chat template: plain text, persona before the
// user turn), the law evaluated on it, and the outcome's distribution per cell from the decoding:
//   greedy (temperature 0, or topK 1): Y = 1 when the refusal's first token is the argmax (p > 0.5 unless cues of
//     two tasks split the answer mass; ties go to the answer);
//   sampled (temperature T > 0, topK 0 or ≥ 2, topP 1): Y ~ Bernoulli(p^(1/T) / (p^(1/T) + Σ a_j^(1/T))) over the
//     answer branches' masses a_j — a planted model puts all but ~e⁻⁸⁰ of its mass on those first tokens
//     (T = 1: Bernoulli(p); one answer branch: σ(logit / T));
//   p_refusal: Y = p (what first-token@1 records).
// Each cell carries the probability the design gives it (full: uniform over cells; random, blocked, sequential:
// model, task, then paraphrase and item within the task, each uniform — src/spec/design.ts drawCell), so a Monte
// Carlo sample's estimators converge to these numbers. Indices use the estimators' definitions (stats/sensitivity.ts
// populationIndices); persona effects are rate differences against the control within each model, and a model's
// persona effect is their mean square (what stats/replication.ts meanSquaredEffect estimates).
import type { Persona } from "../types.ts";
import { DataError } from "../errors.ts";
import type { Study } from "../spec/study.ts";
import { buildMessages, renderPlain } from "../prompts/render.ts";
import { countWord, explainPrompt, type Law } from "../plant/law.ts";
import { populationIndices, type Indices } from "../stats/sensitivity.ts";
import { olsSlope } from "../stats/replication.ts";

/** The factors of `frh analyze`'s sensitivity indices (stats/rates.ts FACTORS). */
export const TRUTH_FACTORS = ["model", "persona", "personaGroup", "task", "paraphrase"] as const;
export type TruthFactor = (typeof TRUTH_FACTORS)[number];

export interface TruthModel { id: string; law: Law }

export interface TruthOptions {
  /** Outcome of the indices: the binary refusal (default) or the first-token p_refusal. */
  outcome?: "refusal" | "p_refusal";
}

export interface FactorTruth extends Indices { factor: TruthFactor; levels: number }

export interface PersonaTruth {
  model: string;
  persona: string;
  /** P(refusal) over the persona's cells of this model (design-weighted). */
  rate: number;
  /** rate − the control's rate in the same model. */
  diff: number;
  /** Mean planted probability P(refusal's first token) over those cells. */
  planted: number;
  /** The persona's text holds a trigger word of the model's law: a planted persona effect (else a planted null). */
  plantedEffect: boolean;
}

export interface ModelTruth {
  model: string;
  /** P(refusal) of the no-persona control: the model's base rate. */
  base: number;
  rate: number;
  /** Mean squared persona − control rate difference over the non-control personas: how persona-sensitive the model
   *  is (stats/replication.ts estimates the same quantity without bias). */
  personaEffect: number;
}

export interface StudyTruth {
  /** The control persona's id. */
  control: string;
  /** Distinct trials of the full factorial (replicates excluded: they share the prompt and its law). */
  cells: number;
  outcome: "refusal" | "p_refusal";
  decoding: "greedy" | "sampled";
  refusalRate: number;
  factors: FactorTruth[];
  personas: PersonaTruth[];
  models: ModelTruth[];
  /** OLS slope (and intercept) of personaEffect on base over the models; NaN with fewer than two distinct bases. */
  trend: { slope: number; intercept: number };
}

/**
 * P(Y = 1 | cell) as the decoding turns the planted first-token distribution into an outcome: p = P(refusal's first
 * token), the rest split over the answer branches by `shares` (one branch, share 1, unless cues of two tasks mix).
 */
export function refusalProbability(p: number, shares: readonly number[], decoding: Study["decoding"], where = "study"): { q: number; kind: "greedy" | "sampled" } {
  const { temperature: T, topK, topP } = decoding;
  const answers = shares.map((s) => (1 - p) * s);
  // greedy: the refusal is generated when its first token is the argmax (ties go to the answer)
  if (T === 0 || topK === 1) return { q: answers.every((a) => p > a) ? 1 : 0, kind: "greedy" };
  if (topP < 1) {
    throw new DataError(`${where}: decoding.topP`, `the exact truth is not computed for top-p truncation (topP ${topP})`,
      "use topP: 1 with topK: 0 (plain sampling) or temperature: 0 (greedy), as the zoo and paper studies do");
  }
  if (T === 1) return { q: p, kind: "sampled" };
  const pw = p ** (1 / T), aw = answers.reduce((s, a) => s + a ** (1 / T), 0);
  return { q: pw / (pw + aw), kind: "sampled" };
}

/** Every cell of the full factorial with its design probability, prompt text and planted logit, one model at a time. */
export function* factorialCells(study: Study, models: readonly TruthModel[]) {
  const T = study.tasks.length, M = models.length, N = study.personas.length;
  const totalTP = study.tasks.reduce((s, t) => s + t.paraphrases.length * t.items.length, 0);
  const uniform = study.sampling.design === "full";
  for (const model of models) for (const ts of study.tasks) {
    const w = uniform ? 1 / (M * totalTP * N) : 1 / (M * T * ts.paraphrases.length * ts.items.length * N);
    for (const paraphrase of ts.paraphrases) for (const item of ts.items) for (const persona of study.personas) {
      const text = renderPlanted(study, persona, paraphrase, item);
      const e = explainPrompt(model.law, text);
      yield { model: model.id, law: model.law, persona, task: ts.task.id, paraphrase: paraphrase.id, item: item.id, w, text, p: e.probability, shares: e.answers.map((a) => a.share) };
    }
  }
}

/** The prompt text a planted GGUF sees (llamaCpp backend without a chat template: renderPlain). */
export function renderPlanted(study: Study, persona: Persona, paraphrase: Study["tasks"][number]["paraphrases"][number], item: Study["tasks"][number]["items"][number]): string {
  const placement = study.prompt.personaPlacement === "system" ? "system" : "user-prefix";
  const { messages } = buildMessages(persona, paraphrase, item, { personaTemplate: study.personaTemplate, placement });
  return renderPlain(messages, study.prompt.plainTemplate);
}

export function studyTruth(study: Study, models: readonly TruthModel[], opts: TruthOptions = {}): StudyTruth {
  if (models.length === 0) throw new DataError(study.path, "no models to compute the truth for", "pass the zoo's law files");
  const outcome = opts.outcome ?? "refusal";
  const y: number[] = [], w: number[] = [];
  const labels: Record<TruthFactor, string[]> = { model: [], persona: [], personaGroup: [], task: [], paraphrase: [] };
  const byMP = new Map<string, { w: number; q: number; p: number }>();
  let kind: "greedy" | "sampled" = "sampled", cells = 0, mass = 0, refusals = 0;
  const push = (yy: number, ww: number, c: { model: string; persona: Persona; task: string; paraphrase: string }) => {
    y.push(yy); w.push(ww);
    labels.model.push(c.model); labels.persona.push(c.persona.id); labels.personaGroup.push(c.persona.group);
    labels.task.push(c.task); labels.paraphrase.push(c.paraphrase);
  };
  for (const c of factorialCells(study, models)) {
    const r = refusalProbability(c.p, c.shares, study.decoding, study.path);
    kind = r.kind;
    cells++; mass += c.w; refusals += c.w * r.q;
    const p = c.p;
    if (outcome === "p_refusal") push(p, c.w, c);
    else { push(1, c.w * r.q, c); push(0, c.w * (1 - r.q), c); }
    const k = `${c.model}\u0000${c.persona.id}`;
    const acc = byMP.get(k) ?? { w: 0, q: 0, p: 0 };
    acc.w += c.w; acc.q += c.w * r.q; acc.p += c.w * p;
    byMP.set(k, acc);
  }
  const factors = TRUTH_FACTORS.map((f): FactorTruth => ({ factor: f, levels: new Set(labels[f]).size, ...populationIndices(y, labels[f], w) }));
  const control = study.control.id;
  const personas: PersonaTruth[] = [];
  const modelTruths: ModelTruth[] = models.map((m) => {
    const at = (persona: string) => byMP.get(`${m.id}\u0000${persona}`)!;
    const base = at(control).q / at(control).w;
    let wm = 0, qm = 0, eff = 0, ne = 0;
    for (const persona of study.personas) {
      const a = at(persona.id), rate = a.q / a.w;
      wm += a.w; qm += a.q;
      const plantedEffect = !persona.isControl && Object.keys(m.law.triggers).some((w) => countWord(w, persona.text) > 0);
      personas.push({ model: m.id, persona: persona.id, rate, diff: rate - base, planted: a.p / a.w, plantedEffect });
      if (!persona.isControl) { eff += (rate - base) ** 2; ne++; }
    }
    return { model: m.id, base, rate: qm / wm, personaEffect: ne ? eff / ne : 0 };
  });
  return {
    control, cells, outcome, decoding: kind, refusalRate: refusals / mass, factors, personas, models: modelTruths,
    trend: olsSlope(modelTruths.map((m) => m.base), modelTruths.map((m) => m.personaEffect)),
  };
}

/** Factors ordered by a truth or estimate index, largest first (ties keep the given order). */
export function rankFactors<T extends { factor: string }>(xs: readonly T[], key: (x: T) => number, only?: readonly string[]): string[] {
  return xs.filter((x) => !only || only.includes(x.factor)).map((x, i) => ({ f: x.factor, v: key(x), i }))
    .sort((a, b) => b.v - a.v || a.i - b.i).map((x) => x.f);
}
