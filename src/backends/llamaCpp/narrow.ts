// Narrow reads: the first-token record from three small native samples on one position's logits, instead of the
// whole-vocabulary probability Map node-llama-cpp builds (12–15 ms per prompt for 32k tokens); exact to float
// rounding (test/integration/speed/narrow-reads.test.ts).
import type { NativeContext, NativeSampler } from "./internals.ts";
import type { WatchTokens } from "../watch.ts";

/** Per-watch-list data for the narrow reads: the watched tokens and the complement that is masked out. */
export interface WatchPlan { tokens: WatchTokens; watched: number[]; watchedSet: Set<number>; complement: Uint32Array }

export function watchPlan(tokens: WatchTokens, vocab: number): WatchPlan {
  const watchedSet = new Set<number>([...tokens.answer, ...tokens.refusal]);
  const complement = new Uint32Array(Math.max(0, vocab - watchedSet.size));
  let i = 0;
  for (let t = 0; t < vocab; t++) if (!watchedSet.has(t)) complement[i++] = t;
  return { tokens, watched: [...watchedSet], watchedSet, complement };
}

/** What a position's read gives: the argmax, the top k (absolute probabilities, high to low), any token's p. */
export interface PositionRead { best: number; top: [number, number][]; prob: (t: number) => number }

/**
 * The native context with the narrow reads' sampleToken calls run one at a time. Not for correctness (the guard in
 * guard.ts covers that) but for speed: on 2 CPU cores, 16 sequences' full-vocabulary samples queued one
 * by one ran the bench window in 9.3–10.1 s against 12.3–12.5 s when they ran side by side on the thread pool
 * (two runs each, same machine). A sample costs a few ms against a decode's tens of ms.
 */
export function serialSampling(ctx: NativeContext): Pick<NativeContext, "sampleToken"> {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    sampleToken(...args) {
      const p = tail.then(() => ctx.sampleToken(...args));
      tail = p.catch(() => undefined);
      return p;
    },
  };
}

/**
 * Reads exactly what the detectors need from one position's logits, without a whole-vocabulary Map:
 *  1. greedy + confidence over the full vocabulary → the argmax t* and p(t*) = 1/Σexp(l−l*), computed by the
 *     same native code (same sorted float sum) as the full Map, so p(t*) is bit-equal to the Map's value;
 *  2. top-k (temperature 1) → the k best tokens with probabilities renormalised over k; scaled by
 *     p(t*)/r(top1) they are absolute (top1 has the maximum logit, like t*);
 *  3. every token except the watched ones and t* masked to −∞ (logit bias), top-k over what is left → watched
 *     tokens relative to t*, made absolute the same way.
 * Float rounding aside (≈1e-7 relative), this equals reading the full distribution. Samplers are per sequence:
 * the native sampler owns a candidates buffer, so two sequences must never share one.
 */
export class NarrowReader {
  private readonly greedy: NativeSampler;
  private readonly top: NativeSampler;
  private readonly watch: NativeSampler;
  private topK = -1;
  private negInf = new Float32Array(0);

  constructor(newSampler: () => NativeSampler, private readonly nativeCtx: Pick<NativeContext, "sampleToken">, private readonly vocab: number) {
    this.greedy = newSampler();
    this.greedy.applyConfig({ temperature: 0 });
    this.top = newSampler();
    this.watch = newSampler();
  }

  async read(batchLogitIndex: number, k: number, plan: WatchPlan): Promise<PositionRead> {
    const [best, , pBest] = await this.nativeCtx.sampleToken(batchLogitIndex, this.greedy, false, true);
    if (pBest === undefined || best < 0) throw new Error("no confidence returned for the last prompt token");
    let top: [number, number][] = [[best, pBest]];
    if (k > 1) {
      const kk = Math.min(k, this.vocab);
      if (kk !== this.topK) { this.top.applyConfig({ temperature: 1, topK: kk, seed: 0 }); this.topK = kk; }
      const [, rel] = await this.nativeCtx.sampleToken(batchLogitIndex, this.top, true, false);
      if (!rel || rel.length < 2) throw new Error("no top-k probabilities returned");
      const scale = pBest / rel[1];
      top = [];
      for (let i = 1; i < rel.length; i += 2) top.push([rel[i - 1], rel[i] * scale]);
    }
    const known = new Map<number, number>(top);
    if (plan.watched.length) {
      // Keep t* unmasked: it is the bridge from relative to absolute probabilities.
      let keys = plan.complement;
      if (!plan.watchedSet.has(best)) {
        const at = lowerBound(keys, best);
        const cut = new Uint32Array(keys.length - 1);
        cut.set(keys.subarray(0, at));
        cut.set(keys.subarray(at + 1), at);
        keys = cut;
      }
      if (this.negInf.length !== keys.length) this.negInf = new Float32Array(keys.length).fill(-Infinity);
      const kept = this.vocab - keys.length;
      this.watch.applyConfig({ temperature: 1, topK: kept, seed: 0, tokenBiasKeys: keys, tokenBiasValues: this.negInf });
      const [, rel] = await this.nativeCtx.sampleToken(batchLogitIndex, this.watch, true, false);
      if (!rel) throw new Error("no watched-token probabilities returned");
      let rBest = 0;
      for (let i = 1; i < rel.length; i += 2) if (rel[i - 1] === best) rBest = rel[i];
      if (!(rBest > 0)) throw new Error("watched-token read lost its bridge token");
      for (let i = 1; i < rel.length; i += 2) if (!known.has(rel[i - 1])) known.set(rel[i - 1], (rel[i] / rBest) * pBest);
    }
    return { best, top, prob: (t) => known.get(t) ?? 0 };
  }

  /** The greedy choice at a position: the argmax, by the native greedy sampler node-llama-cpp uses at temperature 0. */
  async argmax(batchLogitIndex: number): Promise<number> {
    const [token] = await this.nativeCtx.sampleToken(batchLogitIndex, this.greedy, false, false);
    return token;
  }

  dispose(): void {
    for (const s of [this.greedy, this.top, this.watch]) s.dispose();
  }
}

function lowerBound(a: Uint32Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}
