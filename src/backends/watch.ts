// Which first tokens count for each label and for refusal onsets, and how to reduce a distribution to a record.
// Backend-neutral: a backend supplies `firstTokens(text)` for its tokenizer.
import type { FirstTokenRecord, WatchList } from "../types.ts";

export interface WatchTokens {
  /** label id → token ids that can start one of its words. */
  labels: Map<string, Set<number>>;
  /** Refusal-onset first tokens that are not also label first tokens (a shared token is ambiguous). */
  refusal: Set<number>;
  /** Union of all label first tokens. */
  answer: Set<number>;
}

/** Spellings a response may start with: as written, capitalised, upper case; the backend adds space variants. */
export function surfaceVariants(word: string): string[] {
  const cap = word.charAt(0).toUpperCase() + word.slice(1);
  return [...new Set([word, word.toLowerCase(), cap, word.toUpperCase()])];
}

export function buildWatchTokens(watch: WatchList, firstTokens: (text: string) => number[]): WatchTokens {
  const labels = new Map<string, Set<number>>();
  const answer = new Set<number>();
  for (const label of watch.labels) {
    const set = new Set<number>();
    for (const w of label.words) for (const v of surfaceVariants(w)) for (const t of firstTokens(v)) set.add(t);
    labels.set(label.id, set);
    for (const t of set) answer.add(t);
  }
  const refusal = new Set<number>();
  for (const onset of watch.refusalOnsets) {
    for (const v of surfaceVariants(onset)) for (const t of firstTokens(v)) if (!answer.has(t)) refusal.add(t);
  }
  return { labels, refusal, answer };
}

/** Reduces a next-token distribution (token → probability) to the record the detectors need. */
export function reduceDistribution(
  prob: (token: number) => number,
  top: { token: number; p: number }[],
  tokens: WatchTokens,
  detokenize: (token: number) => string,
): FirstTokenRecord {
  const sum = (set: Set<number>) => { let s = 0; for (const t of set) s += prob(t); return s; };
  const labelMass: Record<string, number> = {};
  for (const [id, set] of tokens.labels) labelMass[id] = sum(set);
  return {
    labelMass,
    answerMass: sum(tokens.answer),
    refusalMass: sum(tokens.refusal),
    topK: top.map(({ token, p }) => ({ token, text: detokenize(token), p })),
  };
}
