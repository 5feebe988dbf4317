// Choosing the first response token from its recorded distribution: greedy, or seeded sampling with
// temperature / top-k / top-p (the rest of the response is sampled by the engine with the same seed).
import type { DecodingSettings } from "../types.ts";
import { mulberry32 } from "../util/random.ts";

/** `sorted`: [token, probability] pairs, high to low, probabilities of the plain softmax. */
export function chooseFirstToken(sorted: [number, number][], decoding: DecodingSettings, seed: number): number {
  if (sorted.length === 0) throw new Error("empty distribution");
  if (decoding.temperature === 0) return sorted[0][0];
  let cand = decoding.topK > 0 ? sorted.slice(0, decoding.topK) : sorted;
  // p^(1/T) renormalised equals softmax(logits / T).
  let w = cand.map(([, p]) => Math.pow(p, 1 / decoding.temperature));
  let total = w.reduce((a, b) => a + b, 0);
  if (decoding.topP < 1) {
    let acc = 0;
    let keep = 0;
    while (keep < w.length && acc < decoding.topP * total) acc += w[keep++];
    cand = cand.slice(0, Math.max(1, keep));
    w = w.slice(0, Math.max(1, keep));
    total = w.reduce((a, b) => a + b, 0);
  }
  let u = mulberry32(seed)() * total;
  for (let i = 0; i < cand.length; i++) {
    u -= w[i];
    if (u < 0) return cand[i][0];
  }
  return cand[cand.length - 1][0];
}
