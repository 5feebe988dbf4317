// Scheduling and tuning for the GGUF backend (pure functions): how many sequences and threads, which request
// goes to which sequence, how a call's requests are cut into one stream per sequence, and which fit at all.
import type { GenerationRequest, GenerationResult } from "../../types.ts";

/**
 * Defaults for sequences per context, decode batch size and threads, from the model and machine:
 *  - threads: the machine's math cores (more threads than cores thrash; node-llama-cpp's default 4 on 2 cores
 *    was ~100× slower); one for a tiny CPU model (layers × width² ≤ TINY_MODEL_WORK);
 *  - sequences: 16 on CPU (generation steps of 16 tokens cost little more than one on 2 cores: weights are
 *    read once per step), 64 on a GPU; then halved until the KV cache of all sequences fits a quarter of free
 *    RAM (CPU) — the GPU's own allocator reports when VRAM does not fit;
 *  - batchSize: 512 tokens on CPU (bigger matrices stop paying there), 2048 on a GPU, never above what the
 *    context holds.
 * Each is overridable (--batch, --threads, LlamaCppOptions).
 */
export function chooseTuning(
  model: { layers: number; kvHeads: number; headDim: number; embedding?: number },
  machine: { gpu: boolean; mathCores: number; freeBytes: number },
  contextSize: number, opts: { sequences?: number; threads?: number; batchSize?: number } = {},
): { sequences: number; threads: number; batchSize: number } {
  // A tiny model (a planted one: 1 block of width 64) does microseconds of math per op, so the threads' per-op
  // synchronisation is the cost: one thread ran a 16-model zoo 2.7× faster than two on 2 cores (bench/zoo.ts).
  const tiny = !machine.gpu && model.embedding !== undefined && model.layers * model.embedding ** 2 <= TINY_MODEL_WORK;
  const threads = opts.threads ?? (tiny ? 1 : Math.max(1, machine.mathCores));
  let sequences = opts.sequences ?? (machine.gpu ? 64 : 16);
  if (opts.sequences === undefined && !machine.gpu) {
    const kvPerSeq = 2 * model.layers * model.kvHeads * model.headDim * 2 * contextSize; // K and V, F16
    while (sequences > 1 && kvPerSeq * sequences > machine.freeBytes / 4) sequences >>= 1;
  }
  const batchSize = opts.batchSize ?? Math.min(machine.gpu ? 2048 : 512, contextSize * sequences);
  return { sequences, threads, batchSize };
}

/** layers × width² at or below which a CPU model runs on one thread (a 0.5B shape is 19M; planted models 4k). */
export const TINY_MODEL_WORK = 2 ** 20;

/** Length of the common prefix of two token lists. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Gives each request the free sequence whose cached tokens share the longest prefix with it (greedy over all
 * pairs, longest first). Returns sequence index per request. Ties keep request order, so with no reuse the
 * assignment is the identity.
 */
export function assignSequences(requests: readonly (readonly number[])[], cached: readonly (readonly number[])[]): number[] {
  const pairs: [number, number, number][] = [];
  for (let r = 0; r < requests.length; r++) for (let s = 0; s < cached.length; s++) {
    const l = commonPrefix(requests[r], cached[s]);
    if (l > 0) pairs.push([l, r, s]);
  }
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const out = new Array<number>(requests.length).fill(-1);
  const used = new Set<number>();
  for (const [, r, s] of pairs) if (out[r] < 0 && !used.has(s)) { out[r] = s; used.add(s); }
  let next = 0;
  for (let r = 0; r < requests.length; r++) {
    if (out[r] >= 0) continue;
    while (used.has(next)) next++;
    out[r] = next;
    used.add(next);
  }
  return out;
}

/**
 * Cuts `order` (request indices, sorted by prompt when prefixes are reused) into `n` contiguous streams of
 * near-equal length, one per sequence: neighbours in a stream share prefixes.
 */
export function splitStreams(order: readonly number[], n: number): number[][] {
  const streams: number[][] = [];
  for (let j = 0, at = 0; j < n; j++) {
    const len = Math.floor(order.length / n) + (j < order.length % n ? 1 : 0);
    streams.push(order.slice(at, at + len));
    at += len;
  }
  return streams;
}

/** The next request for a sequence: its own stream's next, else the last of the longest remaining stream. */
export function nextRequest(streams: number[][], own: number): number | undefined {
  return streams[own].shift() ?? streams.reduce((a, b) => (b.length > a.length ? b : a)).pop();
}

/** Tokens a request needs in its sequence: its prompt, up to maxTokens of response, one spare. */
export const tokensNeeded = (promptTokens: number, req: GenerationRequest) => promptTokens + req.decoding.maxTokens + 1;

/** The failed result of a prompt that cannot fit the context: how much it needs and what would help. */
export function tooLong(promptTokens: number, req: GenerationRequest, context: number): GenerationResult {
  const alone = promptTokens + 1 <= context;
  return {
    firstToken: null, text: "", generatedTokens: 0, latencyMs: 0,
    error: `the prompt is ${promptTokens} tokens and the response may take ${req.decoding.maxTokens} more, but the model's context holds ${context} tokens — ` +
      (alone ? "lower decoding.maxTokens in the study, or shorten this item" : "shorten or drop this item (or the paraphrase template), or use a model with a longer context") +
      "; only this trial failed",
  };
}
