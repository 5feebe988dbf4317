// Every reach into node-llama-cpp's private fields, in one file (checked against 3.21.1, the pinned version).
// The public API has no way to read a few probabilities without building a whole-vocabulary Map, to decode with
// our own sampler, or to wrap the native context for the race guard, so these paths use the library's
// internals. Each accessor returns null (or the list of missing names) instead of throwing when a field is gone;
// the backend then falls back to the public API, warns once and records it (see backend.ts). The test
// test/integration/backends/internals.test.ts fails, naming the missing field, when an upgrade removes one.
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";

/** The node-llama-cpp version these internals were read from. */
export const INTERNALS_CHECKED_FOR = "3.21.1";

/** sampleToken's result: [token, [token, p, token, p, …] when probabilities were asked, confidence when asked]. */
export type SampleResult = [number, number[] | undefined, number | undefined];

/** The addon's sampler (AddonSampler): owns a candidates buffer, so never shared between sequences. */
export interface NativeSampler { applyConfig(config: Record<string, unknown>): void; dispose(): void }

/** The addon's context (AddonContext), the part we call or wrap. */
export interface NativeContext {
  sampleToken(batchLogitIndex: number, sampler: NativeSampler, probabilities: boolean, confidence: boolean): Promise<SampleResult>;
  decodeBatch(...args: unknown[]): Promise<unknown>;
}

/** Queues `tokens` on a sequence; `onLogits` runs for each position that asked for logits, with its batch row. */
export type DecodeTokens = (tokens: Token[], logits: boolean[], onLogits: (batchLogitIndex: number) => Promise<void>) => Promise<void>;

interface SequencePrivate {
  _decodeTokens(tokens: Token[], logits: boolean[], priority: number, meter: unknown, shift: unknown,
    mapper: (batchLogitIndex: number, tokenIndex: number) => unknown): Promise<unknown[]>;
  _tokenMeter: unknown;
  _contextShift: { size: unknown; strategy: unknown } | undefined;
}

const fields = (x: unknown) => (x ?? {}) as Record<string, unknown>;

/** Names of the internals the narrow reads and the greedy loop need that are missing (empty: all there). */
export function missingNarrowInternals(llama: Llama, model: LlamaModel, context: LlamaContext, seq: LlamaContextSequence): string[] {
  const missing: string[] = [];
  const bindings = fields(fields(llama)._bindings);
  if (typeof bindings.AddonSampler !== "function") missing.push("Llama._bindings.AddonSampler");
  if (fields(model)._model == null) missing.push("LlamaModel._model");
  const ctx = fields(fields(context)._ctx);
  if (typeof ctx.sampleToken !== "function") missing.push("LlamaContext._ctx.sampleToken");
  const s = fields(seq);
  if (typeof s._decodeTokens !== "function") missing.push("LlamaContextSequence._decodeTokens");
  if (s._contextShift == null) missing.push("LlamaContextSequence._contextShift");
  if (!("_tokenMeter" in s)) missing.push("LlamaContextSequence._tokenMeter");
  return missing;
}

/** Names of the internals the race guard needs that are missing. */
export function missingGuardInternals(context: LlamaContext): string[] {
  const ctx = fields(context)._ctx;
  if (ctx == null) return ["LlamaContext._ctx"];
  const c = fields(ctx);
  return ["decodeBatch", "sampleToken"].filter((m) => typeof c[m] !== "function").map((m) => `LlamaContext._ctx.${m}`);
}

/** The native context, or null when it (or its sampleToken) is gone; the guard checks decodeBatch itself. */
export function nativeContext(context: LlamaContext): NativeContext | null {
  const ctx = fields(context)._ctx as NativeContext | undefined;
  return ctx && typeof ctx.sampleToken === "function" ? ctx : null;
}

/** Makes native samplers for `model` (call only when missingNarrowInternals is empty). */
export function samplerFactory(llama: Llama, model: LlamaModel): () => NativeSampler {
  const { AddonSampler } = fields(llama)._bindings as { AddonSampler: new (m: unknown) => NativeSampler };
  const native = fields(model)._model;
  return () => new AddonSampler(native);
}

/**
 * The sequence's own decode call with its context-shift settings, priority 5 (node-llama-cpp's default for
 * evaluation). Call only when missingNarrowInternals is empty.
 */
export function decodeTokens(seq: LlamaContextSequence): DecodeTokens {
  const s = seq as unknown as SequencePrivate;
  return async (tokens, logits, onLogits) => {
    const shift = { size: s._contextShift!.size, strategy: s._contextShift!.strategy };
    await s._decodeTokens(tokens, logits, 5, s._tokenMeter, shift, async (batchLogitIndex: number) => { await onLogits(batchLogitIndex); return null; });
  };
}

/** How many sequences have queued tokens for the next decode, or null when the field is gone. */
export function queuedDecodes(context: LlamaContext): number | null {
  const q = fields(context)._queuedDecodeSequenceIds;
  return q instanceof Set ? q.size : null;
}
