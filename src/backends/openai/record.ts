// From what a server returned about the first response position to a FirstTokenRecord with a stated exactness.
// A server returns either every token's probability (llama-server n_probs = vocabulary size), the probabilities
// of tokens we named (vLLM logprob_token_ids, SGLang token_ids_logprob), or only its top k. Only the first two
// are exact. With a top-k list, a watched token that is missing has probability at most the k-th listed one,
// and all missing tokens together at most 1 − Σ listed: the masses become intervals, p_refusal an interval (or
// null) — never a guess.
import type { FirstTokenBounds, FirstTokenRecord } from "../../types.ts";
import type { WatchTokens } from "../watch.ts";
import { MIN_MASS } from "../../detect/first-token.ts";

export interface ServerDistribution {
  /** Listed tokens with probabilities (natural, not log), any order. */
  listed: { token: number; p: number; text?: string }[];
  /** The listed tokens are the whole vocabulary (or at least all tokens with non-zero probability). */
  complete: boolean;
  /** The listed tokens are the server's top k (so a missing token has p ≤ the smallest listed). */
  topK: boolean;
}

/** The record for one position; `topK` of the record lists the k most likely listed tokens. */
export function recordFrom(dist: ServerDistribution, tokens: WatchTokens, k: number, text: (t: number) => string): FirstTokenRecord {
  const p = new Map<number, number>();
  for (const e of dist.listed) p.set(e.token, e.p);
  const sorted = [...dist.listed].sort((a, b) => b.p - a.p || a.token - b.token);
  const topK = sorted.slice(0, k).map((e) => ({ token: e.token, text: e.text ?? text(e.token), p: e.p }));
  const watched = new Set<number>([...tokens.answer, ...tokens.refusal]);
  const missing = [...watched].filter((t) => !p.has(t));
  const lower = (set: Set<number>) => { let s = 0; for (const t of set) s += p.get(t) ?? 0; return s; };
  const labelMass: Record<string, number> = {};
  for (const [id, set] of tokens.labels) labelMass[id] = lower(set);
  const record: FirstTokenRecord = { labelMass, answerMass: lower(tokens.answer), refusalMass: lower(tokens.refusal), topK };
  // A complete list, or one that holds every watched token, is exact (a token absent from a complete list has p = 0).
  if (dist.complete || missing.length === 0) return { ...record, exactness: "exact" };
  if (!dist.topK) throw new Error(`the server did not return the probabilities of watched tokens ${missing.slice(0, 5).join(", ")}`);
  return { ...record, exactness: "bounded", bounds: bounds(record, tokens, p, sorted) };
}

function bounds(record: FirstTokenRecord, tokens: WatchTokens, p: Map<number, number>, sorted: { p: number }[]): FirstTokenBounds {
  const kth = sorted.length ? sorted[sorted.length - 1].p : 1;
  const listedSum = sorted.reduce((s, e) => s + e.p, 0);
  const rest = Math.max(0, 1 - listedSum);
  const interval = (set: Set<number>, lo: number): [number, number] => {
    let n = 0;
    for (const t of set) if (!p.has(t)) n++;
    return [lo, lo + Math.min(n * kth, rest)];
  };
  const labelMass: Record<string, [number, number]> = {};
  for (const [id, set] of tokens.labels) labelMass[id] = interval(set, record.labelMass[id]);
  const answerMass = interval(tokens.answer, record.answerMass);
  const refusalMass = interval(tokens.refusal, record.refusalMass);
  // p = R / (R + A) rises with R and falls with A: its extremes sit at opposite corners of the box.
  let pRefusal: [number, number] | null = null;
  if (refusalMass[1] + answerMass[1] >= MIN_MASS) {
    const lo = refusalMass[0] + answerMass[1] > 0 ? refusalMass[0] / (refusalMass[0] + answerMass[1]) : 0;
    const hi = refusalMass[1] + answerMass[0] > 0 ? refusalMass[1] / (refusalMass[1] + answerMass[0]) : 1;
    pRefusal = [lo, hi];
  }
  return { labelMass, answerMass, refusalMass, pRefusal };
}
