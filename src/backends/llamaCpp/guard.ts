// A guard against a data race between llama.cpp and node-llama-cpp that mixes up sequences' logits.
import type { LlamaContext } from "node-llama-cpp";
import { missingGuardInternals, nativeContext, type NativeContext } from "./internals.ts";

/** Installs the guard on a context's native context; returns why it could not (empty: installed). */
export function installGuard(context: LlamaContext): string[] {
  const missing = missingGuardInternals(context);
  if (missing.length) return missing;
  return serializeFirstSampleAfterDecode(nativeContext(context)) ? [] : ["LlamaContext._ctx (its methods could not be wrapped)"];
}

/**
 * llama.cpp (the build in node-llama-cpp 3.21.1) may order a decode's output rows differently from the batch when
 * it splits the batch per sequence (split_equal: one KV stream per sequence), and puts them back in order lazily,
 * in the first logits read after the decode (llama_context::output_reorder, called by llama_get_logits[_ith]),
 * with no lock. node-llama-cpp samples every sequence on its own libuv worker thread, so with two or more
 * sequences two threads can run that reordering at once: rows come back swapped between sequences, or half
 * swapped (a token's logit from one sequence, another's from the other). Wrapping the native context so the
 * first sample after each decode runs alone (the others wait for it, then run in parallel as before) makes the
 * reordering happen exactly once, on one thread. It covers node-llama-cpp's own sampling (seq.evaluate,
 * controlledEvaluate) as well as our narrow reads, since both call the same native sampleToken.
 * Returns false where the native methods cannot be wrapped (the caller then uses one sequence).
 * `nativeCtx` comes from internals.ts (nativeContext).
 */
export function serializeFirstSampleAfterDecode(nativeCtx: NativeContext | null): boolean {
  type Fn = (...a: unknown[]) => Promise<unknown>;
  const c = nativeCtx as unknown as { decodeBatch?: Fn; sampleToken?: Fn } | null;
  if (!c) return false;
  const decode = c.decodeBatch, sample = c.sampleToken;
  if (typeof decode !== "function" || typeof sample !== "function") return false;
  let fresh = false;
  let gate: Promise<unknown> | null = null;
  const wrappedDecode: Fn = function (this: unknown, ...a) {
    fresh = false;
    gate = null;
    return decode.apply(this, a).then((r) => { fresh = true; return r; });
  };
  const wrappedSample: Fn = function (this: unknown, ...a) {
    if (fresh) {
      fresh = false;
      const p = sample.apply(this, a);
      gate = p.catch(() => undefined);
      return p;
    }
    return gate ? gate.then(() => sample.apply(this, a)) : sample.apply(this, a);
  };
  try {
    // The addon's methods are read-only prototype properties: define own ones on this instance.
    Object.defineProperty(c, "decodeBatch", { value: wrappedDecode, configurable: true, writable: true });
    Object.defineProperty(c, "sampleToken", { value: wrappedSample, configurable: true, writable: true });
  } catch {
    return false;
  }
  return c.decodeBatch === wrappedDecode && c.sampleToken === wrappedSample;
}
