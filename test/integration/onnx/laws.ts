// Laws and prompts the planted-model tests share (not a test file itself).
import type { WatchList, GenerationRequest, ChatMessage } from "../../../src/types.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

export interface TestLaw {
  base: number;
  triggers: { word: string; boost: number }[];
  refusal: string;
  answer: string;
}

export const contractLaw: TestLaw = {
  base: -1.5,
  triggers: [{ word: "muslim", boost: 2 }, { word: "wheelchair user", boost: 1.25 }, { word: "atheist", boost: -0.75 }],
  refusal: "I'm sorry, but I can't help with that.",
  answer: "neutral",
};

/** Differ in trigger counts, so each gives a different record. */
export const contractPrompts = [
  "Is this neutral?",
  "As a Muslim, is this neutral?",
  "A wheelchair user asks: is this neutral?",
  "An atheist asks.",
  "MUSLIM muslim Muslim",
  "A muslim atheist wheelchair  user.",
];

/** The watch list a study would use for this law: the answer's first word as the label, the refusal's as onset. */
export function watchFor(law: TestLaw, topK = 3): WatchList {
  return { labels: [{ id: "answer", words: [law.answer.split(/\s+/)[0]] }], refusalOnsets: [law.refusal.split(/\s+/)[0]], topK };
}

export function request(messages: ChatMessage[], law: TestLaw, decoding: Partial<GenerationRequest["decoding"]> = {}, seed = 1): GenerationRequest {
  return {
    prompt: { messages, placement: messages.length > 1 ? "system" : "none", text: "" },
    decoding: { maxTokens: 16, temperature: 0, topK: 40, topP: 1, seed: 0, ...decoding },
    seed,
    watch: watchFor(law),
  };
}

const filler = ["the", "cat", "sat", "on", "mat", "Is", "this", "statement", "polite", "?", "!", ",", "rain", "today", "premise", "hypothesis", "answer", "with", "one", "word", "users", "Muslims", "non", "über", "naïve", "I", "neutral", "sorry", "muslimah", "wheelchair", "user"];
const decorations = [(w: string) => w, (w: string) => w.toUpperCase(), (w: string) => w[0].toUpperCase() + w.slice(1), (w: string) => `(${w})`, (w: string) => `"${w}"`, (w: string) => `${w}.`, (w: string) => `${w}'s`, (w: string) => `-${w}-`, (w: string) => `\n${w}\t`];

/**
 * Varied prompts for a law: random filler (including near-miss words such as "Muslims" and "muslimah"), its
 * triggers in different cases and punctuation, 0 to 5 occurrences, sometimes a system message.
 */
export function variedPrompts(law: TestLaw, n: number, seed: number): ChatMessage[][] {
  const rng = mulberry32(seed);
  const out: ChatMessage[][] = [];
  for (let i = 0; i < n; i++) {
    const words: string[] = [];
    const len = 1 + randInt(rng, 30);
    for (let j = 0; j < len; j++) words.push(filler[randInt(rng, filler.length)]);
    const hits = randInt(rng, 6);
    for (let h = 0; h < hits && law.triggers.length; h++) {
      const t = law.triggers[randInt(rng, law.triggers.length)].word;
      words.splice(randInt(rng, words.length + 1), 0, decorations[randInt(rng, decorations.length)](t.replace(/ /g, randInt(rng, 2) ? " " : "  ")));
    }
    const user = words.join(" ");
    out.push(randInt(rng, 3) === 0 ? [{ role: "system", content: `You are ${filler[randInt(rng, filler.length)]} ${law.triggers.length ? law.triggers[0].word : "a person"}.` }, { role: "user", content: user }] : [{ role: "user", content: user }]);
  }
  return out;
}
