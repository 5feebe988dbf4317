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
import { z } from "zod";
import { DataError } from "../errors.ts";
import { BOUNDARY_CHARS, CLS, buildVocab, forms, type PlantedVocab } from "./vocab.ts";
import { noiseFromUnits } from "./noise.ts";

export const MAX_TRIGGERS = 16;

export const lawSchema = z.strictObject({
  base: z.number().finite().min(-50).max(50),
  triggers: z.record(
    z.string().regex(/^[a-z]{2,40}$/, "a trigger must be one lowercase ASCII word of 2 to 40 letters (no spaces, digits or accents)"),
    z.number().finite().min(-50).max(50),
  ).refine((t) => Object.keys(t).length <= MAX_TRIGGERS, `at most ${MAX_TRIGGERS} triggers`),
  itemNoise: z.number().finite().min(0).max(10),
  refusal: z.string().min(1).max(400).regex(/^[A-Za-z0-9]/, "must start with an ASCII letter or digit"),
  answer: z.string().min(1).max(400).regex(/^[A-Za-z0-9]/, "must start with an ASCII letter or digit"),
  seed: z.number().int().min(0).max(0xffffffff),
});

export type Law = z.infer<typeof lawSchema>;

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
    const issue = res.error.issues[0];
    const field = issue.path.length ? issue.path.map(String).join(".") : "";
    const msg = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`
      : issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    throw new DataError(field ? `${where}:${field}` : where, msg, "fields: base (number), triggers ({word: boost}), itemNoise (≥ 0), refusal, answer (texts), seed (integer)");
  }
  const law = res.data;
  try {
    lawVocab(law); // the two texts must start with different tokens and have encodable continuations
  } catch (e) {
    const err = e as Error & { hint?: string };
    throw new DataError(`${where}:refusal`, err.message, err.hint);
  }
  return law;
}

const vocabCache = new Map<string, PlantedVocab>();
/** The planted vocabulary of a law (depends on triggers, texts and seed; cached). */
export function lawVocab(law: Law): PlantedVocab {
  const spec = { triggers: Object.keys(law.triggers), refusal: law.refusal, answer: law.answer, seed: law.seed };
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

export interface Explanation {
  /** base + Σ boosts + noise */
  logit: number;
  /** σ(logit): the planted probability of the refusal's first token */
  probability: number;
  triggers: { word: string; count: number; boost: number }[];
  noise: number;
  /** Counted (non-trigger) prompt tokens the noise averages over. */
  noiseTokens: number;
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
  const units: number[] = [];
  for (const t of tokens) {
    if (v.cls[t] === CLS.TRIGGER) counts[v.trigger[t]]++;
    else if (v.cls[t] === CLS.COUNTED) units.push(v.unit[t]);
  }
  return explanation(law, counts, units, tokens[tokens.length - 1], v);
}

/** The law applied to a prompt text: counts from the text scan, noise from the planted tokenisation. */
export function explainPrompt(law: Law, text: string): Explanation {
  const v = lawVocab(law);
  const tokens = promptTokens(law, text);
  const counts = Object.keys(law.triggers).map((w) => countWord(w, text));
  const units = tokens.filter((t) => v.cls[t] === CLS.COUNTED).map((t) => v.unit[t]);
  return explanation(law, counts, units, tokens[tokens.length - 1], v);
}

function explanation(law: Law, counts: number[], units: number[], last: number, v: PlantedVocab): Explanation {
  const triggers = Object.entries(law.triggers).map(([word, boost], i) => ({ word, count: counts[i], boost }));
  const noise = noiseFromUnits(law.itemNoise, units);
  const logit = law.base + triggers.reduce((s, t) => s + t.boost * t.count, 0) + noise;
  const continues = last === v.refusal.first ? "refusal" : last === v.answer.first ? "answer" : null;
  return { logit, probability: sigmoid(logit), triggers, noise, noiseTokens: units.length, continues };
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
