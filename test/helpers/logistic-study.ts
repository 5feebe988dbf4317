// Test-only helpers for the `frh analyze` tests, written apart from src/stats on purpose:
// a study simulator drawn from a logistic law with random coefficients (its own PRNG, not src/stats/simulate.ts),
// writers for the export format (CSV with its own RFC-4180 quoting, JSONL), and straightforward row-level
// computations of the formulas `frh analyze` reports (Wilson, first-order variance index, Borgonovo δ,
// Wasserstein-2 index). Nothing here imports src/.

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  const sm = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = sm(), b = sm(), c = sm(), d = sm();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

export function gauss(rng: () => number): number {
  const u = 1 - rng(), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const expit = (x: number) => 1 / (1 + Math.exp(-x));

export interface SimLaw {
  intercept: number;
  model: Map<string, number>;
  /** Effects relative to the control (control = 0). */
  persona: Map<string, number>;
  group: Map<string, string>;
  task: Map<string, number>;
  /** Paraphrase ids per task (nested: ids differ per task) with their effects. */
  paraphrase: Map<string, Map<string, number>>;
  itemsPerTask: number;
  /** SD of p_refusal's extra log-odds noise around the trial's law. */
  pNoise: number;
  /** SD of a random item effect (per task and item) on the log-odds; 0 = none. */
  itemSd: number;
}

export interface SimOptions {
  /** Null personas (effect 0) and non-null personas (|effect| in [0.5, 0.9], random sign). */
  nulls: number;
  nonNulls: number;
  models?: number;
  tasks?: number;
  paraphrases?: number;
  /** Paraphrase ids shared by all tasks (crossed) or distinct per task (nested, as real studies). */
  nestedParaphrases?: boolean;
  itemsPerTask?: number;
  itemSd?: number;
}

/** A random law: coefficients drawn from the seed. */
export function randomLaw(seed: number, o: SimOptions): SimLaw {
  const rng = makeRng(seed * 7919 + 11);
  const model = new Map<string, number>(), persona = new Map<string, number>([["control", 0]]), group = new Map([["control", "control"]]);
  const task = new Map<string, number>(), paraphrase = new Map<string, Map<string, number>>();
  for (let m = 0; m < (o.models ?? 3); m++) model.set(`model-${String.fromCharCode(97 + m)}`, 0.7 * gauss(rng));
  for (let k = 0; k < o.nulls; k++) persona.set(`null_${k + 1}`, 0);
  for (let k = 0; k < o.nonNulls; k++) persona.set(`effect_${k + 1}`, (rng() < 0.5 ? -1 : 1) * (0.5 + 0.4 * rng()));
  const groups = ["gender", "religion", "age"];
  [...persona.keys()].slice(1).forEach((p, i) => group.set(p, groups[i % groups.length]));
  const nq = o.paraphrases ?? 2;
  // Crossed: one effect per paraphrase id, shared by every task (additive, so the main-effects model is true).
  const shared = new Map(Array.from({ length: nq }, (_, q) => [`p${q + 1}`, 0.3 * gauss(rng)] as const));
  for (let t = 0; t < (o.tasks ?? 3); t++) {
    const id = `task_${t + 1}`;
    task.set(id, 0.5 * gauss(rng));
    const qs = new Map<string, number>();
    for (let q = 0; q < nq; q++) qs.set(o.nestedParaphrases ? `${id}/p${q + 1}` : `p${q + 1}`, o.nestedParaphrases ? 0.3 * gauss(rng) : shared.get(`p${q + 1}`)!);
    paraphrase.set(id, qs);
  }
  return { intercept: -1 + 0.3 * gauss(rng), model, persona, group, task, paraphrase, itemsPerTask: o.itemsPerTask ?? 200, pNoise: 0.6, itemSd: o.itemSd ?? 0 };
}

export interface SimRow {
  model: string; persona: string; persona_group: string; task: string; paraphrase: string; item: string;
  refusal: 0 | 1; p_refusal: number | null; outcome: string;
}

const pickKey = <T>(m: Map<string, T>, rng: () => number) => [...m.keys()][Math.floor(rng() * m.size)];

export function eta(law: SimLaw, r: { model: string; persona: string; task: string; paraphrase: string }): number {
  return law.intercept + law.model.get(r.model)! + law.persona.get(r.persona)! + law.task.get(r.task)! + law.paraphrase.get(r.task)!.get(r.paraphrase)!;
}

/**
 * `random`: every trial draws model, persona, task, paraphrase and item uniformly. `blocked`: cells (model, task,
 * paraphrase, item) drawn uniformly, each run under every persona. refusal ~ Bernoulli(expit(η)); p_refusal =
 * expit(η + pNoise·ε), a first-token probability that tracks the law without being the outcome.
 */
export function simulate(law: SimLaw, n: number, seed: number, layout: "random" | "blocked"): SimRow[] {
  const rng = makeRng(seed);
  const rows: SimRow[] = [];
  const itemEffect = new Map<string, number>();
  const u = (task: string, item: string) => {
    if (!law.itemSd) return 0;
    let v = itemEffect.get(`${task}/${item}`);
    if (v === undefined) itemEffect.set(`${task}/${item}`, (v = law.itemSd * gauss(rng)));
    return v;
  };
  const trial = (model: string, persona: string, task: string, paraphrase: string, item: string) => {
    const e = eta(law, { model, persona, task, paraphrase }) + u(task, item);
    const refusal = rng() < expit(e) ? 1 : 0;
    const p = expit(e + law.pNoise * gauss(rng));
    rows.push({ model, persona, persona_group: law.group.get(persona)!, task, paraphrase, item, refusal, p_refusal: p, outcome: refusal ? (rng() < 0.2 ? "partial" : "refusal") : "answer" });
  };
  const cell = () => {
    const t = pickKey(law.task, rng);
    return [pickKey(law.model, rng), t, pickKey(law.paraphrase.get(t)!, rng), `i${Math.floor(rng() * law.itemsPerTask)}`] as const;
  };
  if (layout === "random") {
    while (rows.length < n) {
      const [m, t, q, it] = cell();
      trial(m, pickKey(law.persona, rng), t, q, it);
    }
  } else {
    while (rows.length < n) {
      const [m, t, q, it] = cell();
      for (const p of law.persona.keys()) trial(m, p, t, q, it);
    }
  }
  return rows;
}

/** The columns `frh export` writes (src/store/trials.ts finishedTrials), in its order. */
export const EXPORT_COLUMNS = ["trial_id", "run_id", "seq", "study", "model", "model_sha256", "persona", "persona_group", "task", "paraphrase",
  "item", "item_gold", "replicate", "placement", "prompt", "response", "answer", "outcome", "refusal", "p_refusal", "detector", "rule",
  "latency_ms", "generated_tokens"] as const;

/** Full export records: the simulated factors plus the other export columns with awkward text (quotes, commas, newlines). */
export function exportRecords(rows: SimRow[]): Record<string, unknown>[] {
  return rows.map((r, i) => ({
    trial_id: `t${i.toString(16).padStart(8, "0")}`, run_id: 1, seq: i, study: "sim", model: r.model, model_sha256: "ab".repeat(32),
    persona: r.persona, persona_group: r.persona_group, task: r.task, paraphrase: r.paraphrase, item: r.item, item_gold: i % 2 ? "yes" : "no",
    replicate: 0, placement: "system", prompt: `Respond as "${r.persona}" would, please.\nText: a, b; c`, response: r.refusal ? "I'm sorry, I can't, \"really\"." : "Yes.",
    answer: r.refusal ? null : "yes", outcome: r.outcome, refusal: r.refusal, p_refusal: r.p_refusal, detector: "rules@3", rule: r.refusal ? "sorry" : null,
    latency_ms: 12.5, generated_tokens: 4,
  }));
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes. null → empty field. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsvText(recs: Record<string, unknown>[]): string {
  const cols = Object.keys(recs[0]);
  return [cols.join(","), ...recs.map((r) => cols.map((c) => csvField(r[c])).join(","))].join("\n") + "\n";
}

export function toJsonlText(recs: Record<string, unknown>[]): string {
  return recs.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

// ---- Direct computations of the reported formulas, one row at a time ----

/** Wilson score interval, from its textbook form (p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). */
export function wilsonHand(x: number, n: number): [number, number] {
  const z = 1.959963984540054, p = x / n;
  const den = 1 + (z * z) / n, mid = p + (z * z) / (2 * n), rad = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(mid - rad) / den, (mid + rad) / den];
}

function groupBy(y: number[], labels: string[]): Map<string, number[]> {
  const g = new Map<string, number[]>();
  labels.forEach((l, i) => { const a = g.get(l); if (a) a.push(y[i]); else g.set(l, [y[i]]); });
  return g;
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** Population variance (divide by n). */
const pvar = (a: number[]) => { const m = mean(a); return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length; };

/** First-order index Var(E[Y|X]) / Var(Y), with the level means and shares of the sample. */
export function varianceIndex(y: number[], labels: string[]): number {
  const m = mean(y), n = y.length;
  let between = 0;
  for (const yl of groupBy(y, labels).values()) between += (yl.length / n) * (mean(yl) - m) ** 2;
  return between / pvar(y);
}

/**
 * The class of each outcome value that δ compares distributions over. sensitivity.ts's definition: an outcome with
 * ≤ 20 distinct values is discrete (one class per value); otherwise 10 bins of the pooled sample with edges at
 * the order statistics sorted[⌊k·n/10⌋], k = 1..9 (equal edges merge), a value's bin = number of edges ≤ it.
 */
export function deltaClasses(y: number[]): number[] {
  const distinct = [...new Set(y)].sort((a, b) => a - b);
  if (distinct.length <= 20) return y.map((v) => distinct.indexOf(v));
  const s = [...y].sort((a, b) => a - b), n = y.length;
  const edges = [...new Set([1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => s[Math.floor((k * n) / 10)]))];
  return y.map((v) => edges.filter((e) => e <= v).length);
}

/** Borgonovo δ = ½ Σ_l share_l Σ_k |P(class k) − P(class k | l)|. */
export function deltaIndex(y: number[], labels: string[]): number {
  const cls = deltaClasses(y), n = y.length;
  const count = (idx: number[]) => { const c = new Map<number, number>(); for (const i of idx) c.set(cls[i], (c.get(cls[i]) ?? 0) + 1); return c; };
  const all = count(y.map((_, i) => i));
  const byLevel = new Map<string, number[]>();
  labels.forEach((l, i) => { const a = byLevel.get(l); if (a) a.push(i); else byLevel.set(l, [i]); });
  let d = 0;
  for (const idx of byLevel.values()) {
    const c = count(idx);
    let tv = 0;
    for (const k of new Set([...all.keys(), ...c.keys()])) tv += Math.abs((all.get(k) ?? 0) / n - (c.get(k) ?? 0) / idx.length);
    d += (idx.length / n) * 0.5 * tv;
  }
  return d;
}

/**
 * W₂² between two empirical distributions, in exact integer arithmetic on u: with a = sorted sample of size na and
 * b of size nb, the quantile functions are constant between the breakpoints i·nb and j·na on the scale
 * u·na·nb; on a piece [lo, hi) both indices are floor(lo/nb) and floor(lo/na).
 */
export function w2sq(a: number[], b: number[]): number {
  const sa = [...a].sort((x, z) => x - z), sb = [...b].sort((x, z) => x - z), na = sa.length, nb = sb.length;
  const cuts = new Set<number>();
  for (let i = 0; i <= na; i++) cuts.add(i * nb);
  for (let j = 0; j <= nb; j++) cuts.add(j * na);
  const c = [...cuts].sort((x, z) => x - z);
  let s = 0;
  for (let k = 0; k + 1 < c.length; k++) s += (c[k + 1] - c[k]) * (sa[Math.floor(c[k] / nb)] - sb[Math.floor(c[k] / na)]) ** 2;
  return s / (na * nb);
}

/** Wasserstein-2 index Σ_l share_l W₂²(P_Y, P_{Y|l}) / (2 Var Y). */
export function wassersteinIndex(y: number[], labels: string[]): number {
  let s = 0;
  for (const yl of groupBy(y, labels).values()) s += (yl.length / y.length) * w2sq(y, yl);
  return s / (2 * pvar(y));
}
