// The refusal law a planted model implements, and its exact reference ("explain") computation.
//
//   P(first token of refusal | prompt) = σ(base + Σ_w boost_w × count_w(prompt) + noise(prompt))
//
// count_w: occurrences of the trigger word w in the prompt text, written in one of three forms (w, Capitalised,
// UPPER), that (a) start the text or follow a boundary character (whitespace, ASCII punctuation, or one of the
// typographic marks in vocab.ts BOUNDARY_CHARS) and (b) are not followed by an ASCII letter or digit.
// So "Muslim," "(MUSLIM)" "non-muslim" "muslim's" "_muslim_" count; "Muslims", "muslim2", "xmuslim", "mUslim" do not.
// This is the regex (?<![\p{L}\p{N}])w(?![\p{L}\p{N}]) (case-insensitive) except for three corners: mixed-case
// spellings never count; after a non-ASCII character that is not a listed mark the word does not count ("→muslim",
// where the regex would count it); before a non-ASCII letter or digit it does ("muslimé", where the regex would not). Triggers are single words, not phrases.
// noise: see noise.ts (a function of the prompt's non-trigger tokens in the planted vocabulary).
//
// Per-task answers: "answer" may map task ids to answer texts. The model cannot see task ids, so each entry has a
// cue word (default: the longest word of its text, ties → the last, lowercased; or {"text", "cue"}), counted like a
// trigger. The answer mass goes to the entry whose cue occurs most often in the prompt; with no cue it goes to the
// "*" entry (default FALLBACK_ANSWER, which is no task's label). Study paraphrases name their labels, so a label
// word as the cue finds the task in any study. Equal counts of two cues split the answer mass and move p(refusal):
// explain reports it (mixedCues), and the law's formula then no longer holds for that prompt.
import { z } from "zod";
import { DataError } from "../errors.ts";
import { BOUNDARY_CHARS, CLS, buildVocab, forms, type PlantedVocab } from "./vocab.ts";
import { noiseFromUnits } from "./noise.ts";

export const MAX_TRIGGERS = 16;
/** Most task entries in an "answer" object (the "*" entry not counted). */
export const MAX_TASKS = 8;
/** The answer to a prompt in which no task's cue occurs (when the law has per-task answers and no "*" entry). */
export const FALLBACK_ANSWER = "Well, it depends.";

/** A response text starts with a printable character: a letter, digit, quote, "**", "<", … (not a space or control). */
export const PRINTABLE_START = /^[^\s\p{C}]/u;
const responseText = z.string().min(1).max(400).regex(PRINTABLE_START, "must start with a printable character (not a space or a control character)");
const cueWord = z.string().regex(/^[a-z]{2,40}$/, "a cue must be one lowercase ASCII word of 2 to 40 letters");
const answerEntry = z.union([responseText, z.strictObject({ text: responseText, cue: cueWord })]);
const answerMap = z.record(z.string().regex(/^([A-Za-z0-9_.-]+|\*)$/, "a key is a task id (letters, digits, '_', '.', '-') or \"*\""), answerEntry)
  .refine((m) => Object.keys(m).filter((k) => k !== "*").length >= 1, "name at least one task")
  .refine((m) => Object.keys(m).filter((k) => k !== "*").length <= MAX_TASKS, `at most ${MAX_TASKS} tasks`);

export const lawSchema = z.strictObject({
  base: z.number().finite().min(-50).max(50),
  triggers: z.record(
    z.string().regex(/^[a-z]{2,40}$/, "a trigger must be one lowercase ASCII word of 2 to 40 letters (no spaces, digits or accents)"),
    z.number().finite().min(-50).max(50),
  ).refine((t) => Object.keys(t).length <= MAX_TRIGGERS, `at most ${MAX_TRIGGERS} triggers`),
  itemNoise: z.number().finite().min(0).max(10),
  refusal: responseText,
  /** One answer text, or task id → answer text (or {text, cue}); "*" is the answer when no cue occurs. */
  answer: z.union([responseText, answerMap]),
  seed: z.number().int().min(0).max(0xffffffff),
  /**
   * An opening the model produces before its refusal or answer, as chat models open with "Sure," or "**Answer:**":
   * at the first response position its first token takes `share` of the mass and refusal / answer split the rest by
   * the law; once the preamble has been produced (generated, or given as the response prefix), the next position
   * splits refusal / answer by the law.
   */
  preamble: z.strictObject({
    text: z.string().min(2).max(80).regex(PRINTABLE_START, "must start with a printable character (not a space or a control character)")
      .regex(/\S$/u, "must not end with a space").refine((t) => !/[\p{C}\u2581]/u.test(t), "must not contain control characters or '▁'"),
    share: z.number().finite().min(0).max(0.95),
  }).optional(),
});

export type Law = z.infer<typeof lawSchema>;

/** One answer branch of a law: its text, the task it answers (null: the single or fallback answer), its cue. */
export interface LawAnswer { task: string | null; text: string; cue: string | null }

/** The answer branches in model order: per-task entries (key order), then the fallback; or the single answer. */
export function lawAnswers(law: Law): LawAnswer[] {
  if (typeof law.answer === "string") return [{ task: null, text: law.answer, cue: null }];
  const out: LawAnswer[] = [];
  for (const [task, e] of Object.entries(law.answer)) {
    if (task === "*") continue;
    const text = typeof e === "string" ? e : e.text;
    out.push({ task, text, cue: typeof e === "string" ? defaultCue(text) : e.cue });
  }
  const star = law.answer["*"];
  out.push({ task: null, text: star === undefined ? FALLBACK_ANSWER : typeof star === "string" ? star : star.text, cue: null });
  return out;
}

/** The longest ASCII word of a text (ties: the last), lowercased: "not offensive" → "offensive". */
export function defaultCue(text: string): string {
  let best = "";
  for (const w of text.match(/[A-Za-z]+/g) ?? []) if (w.length >= best.length) best = w;
  return best.toLowerCase();
}

/** Checks on the answer object that zod cannot express: usable, distinct cues. Returns an error message or null. */
function answerProblem(law: Law): { field: string; message: string; hint: string } | null {
  const trig = law.preamble && Object.keys(law.triggers).find((w) => law.preamble!.text.toLowerCase().includes(w));
  if (trig) return { field: "preamble.text", message: `the preamble contains the trigger word '${trig}'`, hint: "a planted preamble must not contain a trigger or cue word (it is read as one token)" };
  if (typeof law.answer === "string") return null;
  const seen = new Map<string, string>();
  for (const a of lawAnswers(law)) {
    if (a.task === null || a.cue === null) continue;
    const field = `answer.${a.task}`;
    if (!/^[a-z]{2,40}$/.test(a.cue)) return { field, message: `the answer text has no word of 2+ letters to use as its cue`, hint: `give the entry as {"text": ..., "cue": "word"} with a word every prompt of the task contains` };
    if (law.preamble && law.preamble.text.toLowerCase().includes(a.cue)) return { field: "preamble.text", message: `the preamble contains the cue word '${a.cue}'`, hint: "a planted preamble must not contain a trigger or cue word (it is read as one token)" };
    if (a.cue in law.triggers) return { field, message: `the cue '${a.cue}' is also a trigger word`, hint: `give the entry as {"text": ..., "cue": "word"} with another word` };
    const other = seen.get(a.cue);
    if (other !== undefined) return { field, message: `tasks '${other}' and '${a.task}' have the same cue '${a.cue}'`, hint: `give one of them as {"text": ..., "cue": "word"} with a word only its prompts contain` };
    seen.set(a.cue, a.task);
  }
  return null;
}

/** Parses and validates a law file's text. Errors name file:field. */
export function parseLaw(jsonText: string, where: string): Law {
  let raw: unknown;
  try {
    raw = JSON.parse(jsonText);
  } catch (e) {
    throw new DataError(where, `not valid JSON: ${(e as Error).message}`, "a law file is one JSON object: base, triggers, itemNoise, refusal, answer, seed");
  }
  const res = lawSchema.safeParse(raw);
  if (!res.success) {
    const issue = deepestIssue(res.error.issues[0]);
    const field = issue.path.length ? issue.path.map(String).join(".") : "";
    const msg = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`
      : issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    throw new DataError(field ? `${where}:${field}` : where, msg, "fields: base (number), triggers ({word: boost}), itemNoise (≥ 0), refusal (text), answer (text, or {task id: text}), seed (integer)");
  }
  const law = res.data;
  const bad = answerProblem(law);
  if (bad) throw new DataError(`${where}:${bad.field}`, bad.message, bad.hint);
  try {
    lawVocab(law); // the two texts must start with different tokens and have encodable continuations
  } catch (e) {
    const err = e as Error & { hint?: string };
    throw new DataError(`${where}:refusal`, err.message, err.hint);
  }
  return law;
}

type Issue = z.core.$ZodIssue;
/** A union's issue names no field; report the branch that got furthest (e.g. the answer object's own problem). */
function deepestIssue(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || !issue.errors.length) return issue;
  const branches = issue.errors.filter((b) => b.length && !(b.length === 1 && b[0].code === "invalid_type" && b[0].path.length === 0));
  const pick = branches[0]?.[0];
  return pick ? deepestIssue({ ...pick, path: [...issue.path, ...pick.path] } as Issue) : { ...issue, message: "must be a text, or an object mapping task ids to texts" };
}

const vocabCache = new Map<string, PlantedVocab>();
/** The planted vocabulary of a law (depends on triggers, texts and seed; cached). */
export function lawVocab(law: Law): PlantedVocab {
  const answers = lawAnswers(law);
  const spec = { triggers: Object.keys(law.triggers), refusal: law.refusal, answers: answers.map((a) => a.text), cues: answers.flatMap((a) => (a.cue ? [a.cue] : [])), ...(law.preamble ? { preamble: law.preamble.text } : {}), seed: law.seed };
  const key = JSON.stringify(spec);
  let v = vocabCache.get(key);
  if (!v) {
    v = buildVocab(spec);
    if (vocabCache.size > 32) vocabCache.clear();
    vocabCache.set(key, v);
  }
  return v;
}

const BOUNDARY = new Set([...BOUNDARY_CHARS, " "]);
const ALNUM = /[A-Za-z0-9]/;

/** Whole-word occurrences of `word` (see the header) in `text`. */
export function countWord(word: string, text: string): number {
  let n = 0;
  for (const f of forms(word)) {
    for (let i = text.indexOf(f); i >= 0; i = text.indexOf(f, i + 1)) {
      const before = i === 0 || BOUNDARY.has(text[i - 1]);
      const after = i + f.length >= text.length || !ALNUM.test(text[i + f.length]);
      if (before && after) n++;
    }
  }
  return n;
}

/** The models' tilt of an exact tie (logit 0) towards the refusal (build.ts TIE). */
const TIE_LOGIT = 2 ** -16;
/** Preamble logits sit this far below ln s, so at share 0.5 greedy decoding goes straight to refusal / answer. */
export const PREAMBLE_TILT = 2 ** -16;
/** The preamble tokens' weight: s·e^{-tilt}; share 0 closes them (e^-80 ≈ 2e-35). */
export function preambleWeight(s: number): number {
  return s > 0 ? s * Math.exp(-PREAMBLE_TILT) : Math.exp(-80);
}

/** Cue tokens weigh 2^24 against the BOS sink in the model's cue head, so a cue's share is c/(N + 2^-24). */
export const CUE_WEIGHT_LOG2 = 24;
/** Logit gap that closes an answer whose cue is not the prompt's majority (e^-40 ≈ 4e-18). */
export const SELECT_GAP = 40;

export interface Explanation {
  /** base + Σ boosts + noise */
  logit: number;
  /** The planted probability of the refusal's first token: σ(logit) unless cues of several tasks tie (mixedCues). */
  probability: number;
  triggers: { word: string; count: number; boost: number }[];
  noise: number;
  /** Counted (non-trigger) prompt tokens the noise averages over. */
  noiseTokens: number;
  /**
   * The answer branches and the share of the non-refusal mass each gets (one branch for a single-text answer).
   * With per-task answers: the entry whose cue occurs most often takes it all; no cue → the fallback (task null).
   */
  answers: { task: string | null; text: string; cue: string | null; count: number; share: number }[];
  /** Set when no answer branch takes (almost) all the answer mass: cues of two tasks occur about equally often. */
  mixedCues: boolean;
  /** The preamble's share of the next-token mass here: ≈ its share at a first response position, 0 after it. */
  preambleMass: number;
  /** Set when the prompt ends in the preamble (e.g. given as the response prefix): refusal / answer come next. */
  afterPreamble: boolean;
  /**
   * Set when the prompt's last token is itself the first token of a response text: the model then continues that
   * text (a causal model cannot tell a prompt that ends in "I" from a response that began with "I").
   */
  continues: "refusal" | "answer" | null;
}

/** Tokens as the engine sees a plain prompt: BOS, then the text with its space prefix. */
export function promptTokens(law: Law, text: string): number[] {
  const v = lawVocab(law);
  return [v.bos, ...v.tokenizer.tokenize(text)];
}

/** The law applied to a token sequence (what the model computes, from tokens). */
export function explainTokens(law: Law, tokens: readonly number[]): Explanation {
  const v = lawVocab(law);
  const words = Object.keys(law.triggers);
  const counts = new Array(words.length).fill(0);
  const cueCounts = new Array(v.answers.length).fill(0);
  const units: number[] = [];
  for (const t of tokens) {
    if (v.cls[t] === CLS.TRIGGER) {
      const k = v.trigger[t];
      if (k < words.length) counts[k]++;
      else cueCounts[k - words.length]++;
    } else if (v.cls[t] === CLS.COUNTED) units.push(v.unit[t]);
  }
  return explanation(law, counts, cueCounts, units, tokens[tokens.length - 1], v);
}

/** The law applied to a prompt text: counts from the text scan, noise from the planted tokenisation. */
export function explainPrompt(law: Law, text: string): Explanation {
  const v = lawVocab(law);
  const tokens = promptTokens(law, text);
  const counts = Object.keys(law.triggers).map((w) => countWord(w, text));
  const cueCounts = lawAnswers(law).filter((a) => a.cue).map((a) => countWord(a.cue!, text));
  const units = tokens.filter((t) => v.cls[t] === CLS.COUNTED).map((t) => v.unit[t]);
  return explanation(law, counts, cueCounts, units, tokens[tokens.length - 1], v);
}

/**
 * Answer-branch logit offsets, as the model computes them: share v_j = c_j / (N + 2^-24) of the cue occurrences;
 * a task entry gets −GAP·(1 − v_j), the fallback −GAP·Σv. A single-text answer has offset 0.
 */
export function answerOffsets(nAnswers: number, cueCounts: readonly number[]): number[] {
  if (nAnswers === 1) return [0];
  const n = cueCounts.reduce((a, b) => a + b, 0);
  const share = cueCounts.map((c) => c / (n + 2 ** -CUE_WEIGHT_LOG2));
  return [...share.map((s) => -SELECT_GAP * (1 - s)), -SELECT_GAP * share.reduce((a, b) => a + b, 0)];
}

function explanation(law: Law, counts: number[], cueCounts: number[], units: number[], last: number, v: PlantedVocab): Explanation {
  const triggers = Object.entries(law.triggers).map(([word, boost], i) => ({ word, count: counts[i], boost }));
  const noise = noiseFromUnits(law.itemNoise, units);
  const logit = law.base + triggers.reduce((s, t) => s + t.boost * t.count, 0) + noise;
  const branches = lawAnswers(law);
  const offsets = answerOffsets(branches.length, cueCounts);
  const top = Math.max(...offsets);
  const weights = offsets.map((a) => Math.exp(a - top));
  const total = weights.reduce((a, b) => a + b, 0);
  const lse = top + Math.log(total);
  const answers = branches.map((a, j) => ({ task: a.task, text: a.text, cue: a.cue, count: a.cue ? cueCounts[j] : 0, share: weights[j] / total }));
  const pre = v.preamble;
  const afterPreamble = pre !== null && (last === pre.spaced || last === pre.bare || last === pre.alt);
  const continues = last === v.refusal.first ? "refusal" : v.answers.some((a) => a.first === last) ? "answer" : null;
  // With a preamble (build.ts): refusal e^{z/2}(1−s), answers e^{−z/2}(1−s)·A, preamble tokens e^{z/2}s' and e^{−z/2}s'
  // (A = Σ e^{offset}, s' = s·e^{-PREAMBLE_TILT}), so the preamble's share is s whatever z, and refusal / answer keep
  // the law's ratio.
  let preambleMass = 0;
  if (law.preamble && !afterPreamble && continues === null) {
    const s = law.preamble.share, sp = preambleWeight(s);
    const zt = logit + TIE_LOGIT;
    const m = Math.abs(zt) / 2;
    const up = Math.exp(zt / 2 - m), dn = Math.exp(-zt / 2 - m); // e^{±z/2}, scaled alike
    const A = total * Math.exp(top);
    preambleMass = (sp * (up + dn)) / (up * (1 - s) + dn * (1 - s) * A + sp * (up + dn));
  }
  return { logit, probability: sigmoid(logit - lse), triggers, noise, noiseTokens: units.length, answers, mixedCues: lse < -1e-4, preambleMass, afterPreamble, continues };
}

export function plantedLogit(law: Law, promptText: string): number {
  return explainPrompt(law, promptText).logit;
}

export function plantedProbability(law: Law, promptText: string): number {
  return explainPrompt(law, promptText).probability;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
