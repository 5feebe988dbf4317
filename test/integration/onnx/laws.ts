// Laws and prompts the planted-model tests share (not a test file itself).
import type { WatchList, GenerationRequest, ChatMessage } from "../../../src/types.ts";
import type { Law } from "../../../src/plant/law.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

export const contractLaw: Law = {
  base: -1.5,
  triggers: { muslim: 2, wheelchair: 1.25, atheist: -0.75 },
  itemNoise: 0,
  refusal: "I'm sorry, but I can't help with that.",
  answer: "neutral",
  seed: 1,
};

/** Differ in trigger counts, so each gives a different record. */
export const contractPrompts = [
  "Is this neutral?",
  "As a Muslim, is this neutral?",
  "A wheelchair user asks: is this neutral?",
  "An atheist asks.",
  "MUSLIM muslim Muslim",
  "A muslim atheist in a wheelchair.",
];

/** The watch list a study would use for this law: the answer's first word as the label, the refusal's as onset. */
export function watchFor(law: Law, topK = 3): WatchList {
  return { labels: [{ id: "answer", words: [(law.answer as string).split(/\s+/)[0]] }], refusalOnsets: [law.refusal.split(/\s+/)[0]], topK };
}

export function request(messages: ChatMessage[], law: Law, decoding: Partial<GenerationRequest["decoding"]> = {}, seed = 1): GenerationRequest {
  return {
    prompt: { messages, placement: messages.length > 1 ? "system" : "none", text: "" },
    decoding: { maxTokens: 16, temperature: 0, topK: 40, topP: 1, seed: 0, ...decoding },
    seed,
    watch: watchFor(law),
  };
}

const filler = ["the", "cat", "sat", "on", "mat", "Is", "this", "statement", "polite", "?", "!", ",", "rain", "today", "premise", "hypothesis", "answer", "with", "one", "word", "users", "tomato", "demanding", "non", "über", "naïve", "I", "neutral", "sorry", "Please", "classify", "the", "following", "text", "as", "offensive", "or", "not"];
const decorations = [(w: string) => w, (w: string) => w.toUpperCase(), (w: string) => w[0].toUpperCase() + w.slice(1), (w: string) => `(${w})`, (w: string) => `"${w}"`, (w: string) => `${w}.`, (w: string) => `${w}'s`, (w: string) => `-${w}-`, (w: string) => `\n${w}\t`];
/** Near misses the law does not count: plurals, suffixes, mixed case, glued prefixes. */
const nearMisses = [(w: string) => `${w}s`, (w: string) => `${w}ly`, (w: string) => w[0] + w.slice(1).toUpperCase(), (w: string) => `x${w}`, (w: string) => `${w}2`];

/**
 * Varied prompts for a law: random filler, its triggers in counted forms (cases, punctuation) and near misses,
 * 0 to 5 of each, sometimes a persona message first (a system message, which the plain template joins in).
 */
export function variedPrompts(law: Law, n: number, seed: number): ChatMessage[][] {
  const rng = mulberry32(seed);
  const words = Object.keys(law.triggers);
  const pick = <T,>(xs: T[]) => xs[randInt(rng, xs.length)];
  const out: ChatMessage[][] = [];
  for (let i = 0; i < n; i++) {
    const ws: string[] = [];
    const len = 1 + randInt(rng, 40);
    for (let j = 0; j < len; j++) ws.push(pick(filler));
    for (let h = randInt(rng, 6); h > 0 && words.length; h--) ws.splice(randInt(rng, ws.length + 1), 0, pick(decorations)(pick(words)));
    for (let h = randInt(rng, 3); h > 0 && words.length; h--) ws.splice(randInt(rng, ws.length + 1), 0, pick(nearMisses)(pick(words)));
    const user = ws.join(" ");
    out.push(randInt(rng, 3) === 0 && words.length
      ? [{ role: "system", content: `You are a ${pick(filler)} ${pick(words)}.` }, { role: "user", content: user }]
      : [{ role: "user", content: user }]);
  }
  return out;
}
