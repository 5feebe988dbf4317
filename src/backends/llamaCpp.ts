// GGUF models through node-llama-cpp, in process: one context with N sequences, one trial per sequence,
// batched by queueing all sequences in the same tick (node-llama-cpp merges them into shared decode batches).
//
// Speed (issue 8), each part switchable for benchmarks and tests:
//  - prefix reuse: a sequence keeps its KV cache between trials; a new prompt erases back to the longest common
//    token prefix with what the sequence holds and evaluates only the rest. Requests go to the sequence whose
//    cache shares most with them (src/run/schedule.ts orders a run so that neighbours share prefixes).
//  - narrow reads: the first-token record is read with three small native samples on the same logits instead of
//    the whole-vocabulary probability Map (see NarrowReader); exact to float rounding (test/integration/speed).
//  - early stop: generation ends once the first sentence settles the outcome (outcomeSettled), unless fullText.
import { openSync, readSync, closeSync, existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { freemem } from "node:os";
import {
  getLlama, resolveChatWrapper, LlamaLogLevel,
  type Llama, type LlamaModel, type LlamaContext, type LlamaContextSequence, type Token, type ChatHistoryItem, type ChatWrapper,
} from "node-llama-cpp";
import type { Backend, ChatMessage, FirstTokenRecord, GenerationRequest, GenerationResult, ModelInfo, WatchList } from "../types.ts";
import { ModelError } from "../errors.ts";
import { sha256File } from "../util/hash.ts";
import { renderPlain } from "../prompts/render.ts";
import { buildWatchTokens, reduceDistribution, type WatchTokens } from "./watch.ts";
import { chooseFirstToken } from "./sampling.ts";
import { serializeFirstSampleAfterDecode } from "./llamaCpp-guard.ts";

export type GpuChoice = false | "auto" | "cuda" | "vulkan" | "metal";

export interface LlamaCppOptions {
  /** GPU backend; false = CPU (the default). */
  gpu?: GpuChoice;
  /** Sequences evaluated together (the batch size). Default: chooseTuning (16 on CPU, 64 on a GPU, memory permitting). */
  sequences?: number;
  /** Threads; default: the machine's math cores (node-llama-cpp's default of 4 is ~100× slower on 2 cores). */
  threads?: number;
  /** Tokens per native decode call; default: chooseTuning (512 on CPU, 2048 on a GPU). */
  batchSize?: number;
  /** Plain-text template for models without a chat template; must contain {user}. */
  plainTemplate?: string;
  /** Tokens per sequence; default: grows to fit the longest prompt + maxTokens. */
  contextSize?: number;
  /** Generate up to maxTokens (or end of text) even when the first sentence settled the outcome. Default false. */
  fullText?: boolean;
  /** Reuse each sequence's KV cache for the common token prefix of consecutive prompts. Default true. */
  prefixReuse?: boolean;
  /** "narrow": three small native reads per prompt (default); "full": the whole-vocabulary Map (the reference). */
  reads?: "narrow" | "full";
}

/** Names the early-stop rule in model details, so a stored text says how it was cut. */
export const EARLY_STOP_RULE = "first-sentence@1";

/** Reads the first 4 bytes: a clear error for a file that is not GGUF beats a native crash. */
export function assertGguf(path: string): void {
  if (!existsSync(path)) throw new ModelError("MODEL_NOT_FOUND", `model file not found: ${path}`, "check the path, or use an hf:<org>/<repo>/<file>.gguf URI");
  if (statSync(path).isDirectory()) throw new ModelError("BAD_MODEL", `${path} is a directory, not a GGUF file`, "for ONNX models pass the model directory; for GGUF pass the .gguf file");
  const fd = openSync(path, "r");
  const magic = Buffer.alloc(4);
  try { readSync(fd, magic, 0, 4, 0); } finally { closeSync(fd); }
  if (magic.toString("latin1") !== "GGUF") throw new ModelError("BAD_MODEL", `${path} is not a GGUF file (it does not start with the GGUF magic bytes)`, "convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py) or point --model at a .gguf file");
}

/**
 * Early-stop rule first-sentence@1: the outcome is settled once the response's first sentence is complete
 * (a . ! ? — closing markup allowed — followed by whitespace, or a line break after text) and that sentence either opens with a refusal
 * onset or names exactly one label with no negation outside the label phrase. A first sentence that decides
 * nothing never stops generation early. Conservative on purpose: later sentences can still turn the rules'
 * "answer" into "partial", or (rules@3) clear a first-sentence disclaimer that a later sentence answers past, on
 * a real model — so early stop leans toward the first sentence's reading; --full-text avoids that. Planted models
 * end at EOS anyway.
 */
export function outcomeSettled(text: string, watch: Pick<WatchList, "labels" | "refusalOnsets">): boolean {
  const s = text.replace(/[\u2018\u2019]/g, "'").replace(/^(?:\s|[*_#>`~"-]|(?:assistant|answer|response)\s*:)+/i, "");
  const end = /[.!?][*_"'`)\]]*(?=\s)|(?<=\S[^\n]*)\n/.exec(s);
  if (!end) return false;
  const first = s.slice(0, end.index + end[0].length);
  const low = first.toLowerCase();
  for (const onset of watch.refusalOnsets) {
    const o = onset.replace(/[\u2018\u2019]/g, "'").toLowerCase();
    if (o && low.startsWith(o) && !/[\p{L}\p{N}]/u.test(low.charAt(o.length))) return true;
  }
  const hits: { label: string; start: number; end: number }[] = [];
  for (const l of watch.labels) for (const w of l.words) {
    const body = w.trim().split(/\s+/).map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+");
    if (!body) continue;
    for (const m of first.matchAll(new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "giu"))) hits.push({ label: l.id, start: m.index!, end: m.index! + m[0].length });
  }
  hits.sort((a, b) => b.end - b.start - (a.end - a.start));
  const kept = hits.filter((h, i) => !hits.slice(0, i).some((k) => h.start < k.end && k.start < h.end && k.end - k.start > h.end - h.start));
  if (new Set(kept.map((h) => h.label)).size !== 1) return false;
  let rest = first;
  for (const h of kept) rest = rest.slice(0, h.start) + " ".repeat(h.end - h.start) + rest.slice(h.end);
  return !/\b(?:not|never|no|neither|nor)\b|n't\b/i.test(rest);
}

/**
 * Defaults for sequences per context, decode batch size and threads, from the model and machine:
 *  - threads: the machine's math cores (more threads than cores thrash; node-llama-cpp's default 4 on 2 cores
 *    was ~100× slower);
 *  - sequences: 16 on CPU (generation steps of 16 tokens cost little more than one on 2 cores: weights are
 *    read once per step), 64 on a GPU; then halved until the KV cache of all sequences fits a quarter of free
 *    RAM (CPU) — the GPU's own allocator reports when VRAM does not fit;
 *  - batchSize: 512 tokens on CPU (bigger matrices stop paying there), 2048 on a GPU, never above what the
 *    context holds.
 * Each is overridable (--batch, --threads, LlamaCppOptions).
 */
export function chooseTuning(
  model: { layers: number; kvHeads: number; headDim: number },
  machine: { gpu: boolean; mathCores: number; freeBytes: number },
  contextSize: number, opts: Pick<LlamaCppOptions, "sequences" | "threads" | "batchSize"> = {},
): { sequences: number; threads: number; batchSize: number } {
  const threads = opts.threads ?? Math.max(1, machine.mathCores);
  let sequences = opts.sequences ?? (machine.gpu ? 64 : 16);
  if (opts.sequences === undefined && !machine.gpu) {
    const kvPerSeq = 2 * model.layers * model.kvHeads * model.headDim * 2 * contextSize; // K and V, F16
    while (sequences > 1 && kvPerSeq * sequences > machine.freeBytes / 4) sequences >>= 1;
  }
  const batchSize = opts.batchSize ?? Math.min(machine.gpu ? 2048 : 512, contextSize * sequences);
  return { sequences, threads, batchSize };
}

let llamaPromise: Promise<Llama> | null = null;
let llamaGpu: GpuChoice | null = null;

async function llamaFor(gpu: GpuChoice): Promise<Llama> {
  if (!llamaPromise || llamaGpu !== gpu) {
    llamaGpu = gpu;
    llamaPromise = getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error }).catch((e) => {
      llamaPromise = null;
      throw new ModelError("BACKEND", `cannot start llama.cpp (${gpu === false ? "CPU" : gpu}): ${(e as Error).message}`, gpu ? "check the GPU drivers, or run on CPU (omit --gpu)" : undefined);
    });
  }
  return llamaPromise;
}

export async function loadLlamaCpp(path: string, opts: LlamaCppOptions = {}): Promise<Backend> {
  assertGguf(path);
  const gpu = opts.gpu ?? false;
  const llama = await llamaFor(gpu);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: path, gpuLayers: gpu === false ? 0 : "auto" });
  } catch (e) {
    throw new ModelError("BAD_MODEL", `llama.cpp could not load ${path}: ${(e as Error).message}`, "the file may be truncated or of an architecture this llama.cpp build does not know");
  }
  const sha256 = await sha256File(path);
  return new LlamaCppBackend(llama, model, path, sha256, opts);
}

// ---- node-llama-cpp 3.21.1 internals used by the narrow reads (checked at start; "full" reads otherwise) ----
type SampleResult = [number, number[] | undefined, number | undefined];
interface NativeSampler { applyConfig(config: Record<string, unknown>): void; dispose(): void }
interface NativeContext { sampleToken(batchLogitIndex: number, sampler: NativeSampler, probabilities: boolean, confidence: boolean): Promise<SampleResult> }
interface SequenceInternals {
  _decodeTokens(tokens: Token[], logits: boolean[], priority: number, meter: unknown, shift: unknown,
    mapper: (batchLogitIndex: number, tokenIndex: number) => unknown): Promise<unknown[]>;
  _tokenMeter: unknown;
  _contextShift: { size: unknown; strategy: unknown };
}
const internals = (x: unknown) => x as Record<string, unknown>;
function hasInternals(llama: Llama, model: LlamaModel, context: LlamaContext, seq: LlamaContextSequence): boolean {
  const bindings = internals(llama)._bindings as Record<string, unknown> | undefined;
  const ctx = internals(context)._ctx as Record<string, unknown> | undefined;
  const s = internals(seq);
  return typeof bindings?.AddonSampler === "function" && internals(model)._model != null && typeof ctx?.sampleToken === "function" &&
    typeof s._decodeTokens === "function" && s._contextShift != null;
}

/**
 * The native context with the narrow reads' sampleToken calls run one at a time. Not for correctness (the guard in
 * llamaCpp-guard.ts covers that) but for speed: on 2 CPU cores, 16 sequences' full-vocabulary samples queued one
 * by one ran the bench window in 9.3–10.1 s against 12.3–12.5 s when they ran side by side on the thread pool
 * (two runs each, same machine). A sample costs a few ms against a decode's tens of ms.
 */
function serialSampling(ctx: NativeContext): NativeContext {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    sampleToken(...args) {
      const p = tail.then(() => ctx.sampleToken(...args));
      tail = p.catch(() => undefined);
      return p;
    },
  };
}

/** Per-watch-list data for the narrow reads: the watched tokens and the complement that is masked out. */
interface WatchPlan { tokens: WatchTokens; watched: number[]; watchedSet: Set<number>; complement: Uint32Array }

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
class NarrowReader {
  private readonly greedy: NativeSampler;
  private readonly top: NativeSampler;
  private readonly watch: NativeSampler;
  private topK = -1;
  private negInf = new Float32Array(0);

  constructor(newSampler: () => NativeSampler, private readonly nativeCtx: NativeContext, private readonly vocab: number) {
    this.greedy = newSampler();
    this.greedy.applyConfig({ temperature: 0 });
    this.top = newSampler();
    this.watch = newSampler();
  }

  async read(batchLogitIndex: number, k: number, plan: WatchPlan): Promise<{ best: number; top: [number, number][]; prob: (t: number) => number }> {
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

const WATCH_CACHE_MAX = 64;

class LlamaCppBackend implements Backend {
  readonly info: ModelInfo;
  private readonly wrapper: ChatWrapper | null;
  private context: LlamaContext | null = null;
  private sequences: LlamaContextSequence[] = [];
  private readers: (NarrowReader | null)[] = [];
  private contextSize = 0;
  private watchCache = new Map<string, WatchPlan>();
  private disposed = false;
  private readonly vocab: number;
  /** Prompt tokens evaluated and reused, for benchmarks. */
  readonly counters = { promptTokens: 0, reusedTokens: 0, generatedTokens: 0, earlyStops: 0, dispatches: 0 };

  constructor(private llama: Llama, private model: LlamaModel, path: string, sha256: string, private opts: LlamaCppOptions) {
    const template = model.fileInfo.metadata?.tokenizer?.chat_template ?? null;
    this.wrapper = template ? (resolveChatWrapper(model) as ChatWrapper) : null;
    this.vocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 0;
    this.info = {
      backend: "llama.cpp",
      sha256,
      path,
      name: model.fileInfo.metadata?.general?.name ?? basename(path),
      chatTemplate: template,
      supportsSystem: this.wrapper ? this.wrapper.settings.supportsSystemMessages : false,
      details: {
        chatWrapper: this.wrapper ? this.wrapper.wrapperName : "plain",
        architecture: model.fileInfo.metadata?.general?.architecture,
        trainContextSize: model.trainContextSize,
        gpu: opts.gpu ?? false,
        earlyStop: opts.fullText ? null : EARLY_STOP_RULE,
        preferredBatch: this.tuning(512).sequences,
      },
    };
  }

  private tuning(contextSize: number) {
    const arch = this.model.fileInfo.architectureMetadata as Record<string, unknown> | undefined;
    const attn = (arch?.attention ?? {}) as Record<string, unknown>;
    const layers = Number(arch?.block_count ?? 24);
    const heads = Number(attn.head_count ?? 1);
    const kvHeads = Number(attn.head_count_kv ?? heads);
    const headDim = Number(attn.key_length ?? (Number(arch?.embedding_length ?? 1024) / Math.max(1, heads)));
    return chooseTuning({ layers, kvHeads, headDim }, { gpu: (this.opts.gpu ?? false) !== false, mathCores: this.llama.cpuMathCores, freeBytes: freemem() }, contextSize, this.opts);
  }

  private renderTokens(messages: ChatMessage[]): { text: string; tokens: Token[] } {
    if (this.wrapper) {
      const history: ChatHistoryItem[] = messages.map((m) =>
        m.role === "system" ? { type: "system", text: m.content } as ChatHistoryItem
          : m.role === "user" ? { type: "user", text: m.content } : { type: "model", response: [m.content] });
      history.push({ type: "model", response: [] });
      const { contextText } = this.wrapper.generateContextState({ chatHistory: history });
      return { text: contextText.toString(), tokens: contextText.tokenize(this.model.tokenizer) };
    }
    const text = renderPlain(messages, this.opts.plainTemplate ?? "{user}\n");
    const bos = this.model.tokens.bos;
    const tokens = this.model.tokenize(text);
    return { text, tokens: bos !== null && this.model.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens };
  }

  render(messages: ChatMessage[]): string {
    return this.renderTokens(messages).text;
  }

  /** First token of a word as the model would begin a response with it: bare, and after a space. */
  private firstTokens = (text: string): number[] => {
    const out = new Set<number>();
    for (const variant of [text, ` ${text}`]) {
      const toks = this.model.tokenize(variant, false, "trimLeadingSpace");
      if (toks.length) out.add(toks[0]);
      const toks2 = this.model.tokenize(variant, false);
      if (toks2.length) out.add(toks2[0]);
    }
    return [...out];
  };

  private watchPlan(watch: WatchList): WatchPlan {
    const key = JSON.stringify([watch.labels, watch.refusalOnsets]);
    let w = this.watchCache.get(key);
    if (!w) {
      const tokens = buildWatchTokens(watch, this.firstTokens);
      const watchedSet = new Set<number>([...tokens.answer, ...tokens.refusal]);
      const complement = new Uint32Array(Math.max(0, this.vocab - watchedSet.size));
      let i = 0;
      for (let t = 0; t < this.vocab; t++) if (!watchedSet.has(t)) complement[i++] = t;
      w = { tokens, watched: [...watchedSet], watchedSet, complement };
      if (this.watchCache.size >= WATCH_CACHE_MAX) this.watchCache.delete(this.watchCache.keys().next().value!);
      this.watchCache.set(key, w);
    }
    return w;
  }

  private async ensureContext(needTokens: number): Promise<void> {
    if (this.context && this.contextSize >= needTokens) return;
    this.disposeReaders();
    await this.context?.dispose();
    this.context = null;
    const size = this.opts.contextSize ?? Math.min(this.model.trainContextSize, Math.max(512, 2 ** Math.ceil(Math.log2(needTokens + 1))));
    if (needTokens > size) throw new ModelError("BACKEND", `a prompt needs ${needTokens} tokens but the context holds ${size}`, "shorten the prompt or raise maxTokens/contextSize limits");
    const t = this.tuning(size);
    const want = Math.max(1, t.sequences);
    try {
      this.context = await this.model.createContext({
        sequences: want, contextSize: size, threads: t.threads, batchSize: Math.min(t.batchSize, size * want),
        batching: { dispatchSchedule: (dispatch) => this.gatherThenDispatch(dispatch) },
      });
    } catch (e) {
      throw new ModelError("BACKEND", `cannot create a context of ${want} sequences × ${size} tokens: ${(e as Error).message}`, "lower --batch");
    }
    if (want > 1 && !serializeFirstSampleAfterDecode(internals(this.context)._ctx)) {
      // Several sequences are only safe with the guard (see llamaCpp-guard.ts): fall back to one.
      await this.context.dispose();
      this.context = await this.model.createContext({ sequences: 1, contextSize: size, threads: t.threads, batchSize: Math.min(t.batchSize, size) });
    }
    this.contextSize = size;
    this.sequences = Array.from({ length: this.context.totalSequences }, () => this.context!.getSequence());
    const narrow = (this.opts.reads ?? "narrow") === "narrow" && this.vocab > 0 && hasInternals(this.llama, this.model, this.context, this.sequences[0]);
    const bindings = internals(this.llama)._bindings as { AddonSampler: new (m: unknown) => NativeSampler };
    const nativeModel = internals(this.model)._model;
    const nativeCtx = serialSampling(internals(this.context)._ctx as NativeContext);
    this.readers = this.sequences.map(() => narrow ? new NarrowReader(() => new bindings.AddonSampler(nativeModel), nativeCtx, this.vocab) : null);
  }

  /**
   * More requests than sequences are pipelined (continuous batching): requests sorted by prompt are cut into one
   * contiguous stream per sequence, each sequence works through its stream, and a sequence that runs dry takes
   * the last request of the longest remaining stream. A finished response frees its sequence at once, so new
   * prompts share decode batches with the stragglers' generation instead of waiting for them.
   */
  /** Sequences inside runOne: a decode waits (briefly) until each has queued its tokens. */
  private active = 0;

  /**
   * node-llama-cpp dispatches a decode on the next event-loop turn after the first sequence queues tokens. Each
   * sequence samples on the thread pool and finishes at its own time, so on a fast GPU a generation step could
   * split into several small decodes. Waiting until every active sequence has queued (at most 2 ms, polled each
   * event-loop turn) keeps one decode per step.
   */
  private gatherThenDispatch(dispatch: () => void): void {
    const start = performance.now();
    const queued = () => (internals(this.context)._queuedDecodeSequenceIds as Set<number> | undefined)?.size ?? this.active;
    const tick = () => {
      if (queued() >= this.active || performance.now() - start > 2) { this.counters.dispatches++; dispatch(); }
      else setImmediate(tick);
    };
    setImmediate(tick);
  }

  async generate(requests: GenerationRequest[]): Promise<GenerationResult[]> {
    if (this.disposed) throw new ModelError("BACKEND", "backend used after dispose");
    if (requests.length === 0) return [];
    const rendered = requests.map((r) => this.renderTokens(r.prompt.messages));
    const need = Math.max(...rendered.map((r, i) => r.tokens.length + requests[i].decoding.maxTokens + 1));
    await this.ensureContext(need);
    const reuse = this.opts.prefixReuse ?? true;
    const order = requests.map((_, i) => i);
    if (reuse) order.sort((a, b) => (rendered[a].text < rendered[b].text ? -1 : rendered[a].text > rendered[b].text ? 1 : a - b));
    const nStreams = Math.min(this.sequences.length, requests.length);
    const streams: number[][] = [];
    for (let j = 0, at = 0; j < nStreams; j++) {
      const len = Math.floor(requests.length / nStreams) + (j < requests.length % nStreams ? 1 : 0);
      streams.push(order.slice(at, at + len));
      at += len;
    }
    const slots = reuse ? assignSequences(streams.map((s) => rendered[s[0]].tokens), this.sequences.map((s) => s.contextTokens)) : streams.map((_, j) => j);
    const results = new Array<GenerationResult>(requests.length);
    await Promise.all(streams.map(async (stream, j) => {
      for (;;) {
        let i = stream.shift();
        if (i === undefined) i = streams.reduce((a, b) => (b.length > a.length ? b : a)).pop();
        if (i === undefined) return;
        this.active++;
        try { results[i] = await this.runOne(slots[j], requests[i], rendered[i].tokens); } finally { this.active--; }
      }
    }));
    return results;
  }

  /** Puts `tokens` minus its last token into the sequence (reusing the cached prefix), then reads the last one. */
  private async evaluatePrompt(slot: number, tokens: Token[], k: number, plan: WatchPlan): Promise<{ best: number; top: [number, number][]; prob: (t: number) => number }> {
    const seq = this.sequences[slot];
    let keep = 0;
    if (this.opts.prefixReuse ?? true) keep = Math.min(commonPrefix(seq.contextTokens, tokens), tokens.length - 1);
    if (keep === 0) await seq.clearHistory();
    else if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
    this.counters.reusedTokens += keep;
    this.counters.promptTokens += tokens.length;
    const suffix = tokens.slice(keep);
    const reader = this.readers[slot];
    if (reader) {
      const s = seq as unknown as SequenceInternals;
      let out: { best: number; top: [number, number][]; prob: (t: number) => number } | undefined;
      const logits = suffix.map((_, i) => i === suffix.length - 1);
      await s._decodeTokens(suffix, logits, 5, s._tokenMeter, { size: s._contextShift.size, strategy: s._contextShift.strategy },
        async (batchLogitIndex: number) => { out = await reader.read(batchLogitIndex, k, plan); return null; });
      if (!out) throw new Error("no logits returned for the last prompt token");
      return out;
    }
    // Reference path: the whole-vocabulary Map node-llama-cpp builds (12–15 ms per prompt for 32k tokens).
    const input = [...suffix.slice(0, -1), [suffix[suffix.length - 1], { generateNext: { probabilities: true } }] as const];
    const res = await seq.controlledEvaluate(input as never);
    const probs = res[res.length - 1]?.next.probabilities;
    if (!probs) throw new Error("no probabilities returned for the last prompt token");
    const sorted = [...probs.entries()] as [number, number][];
    return { best: sorted[0][0], top: sorted.slice(0, k), prob: (t) => probs.get(t as Token) ?? 0 };
  }

  private async runOne(slot: number, req: GenerationRequest, tokens: Token[]): Promise<GenerationResult> {
    const start = performance.now();
    const seq = this.sequences[slot];
    try {
      const d = req.decoding;
      const plan = this.watchPlan(req.watch);
      // Sampling the first token needs the decoding's top-k (all tokens when topK is 0).
      const k = Math.max(req.watch.topK, d.temperature === 0 ? 1 : d.topK > 0 ? d.topK : this.vocab || 1 << 30);
      const read = await this.evaluatePrompt(slot, tokens, k, plan);
      const firstToken: FirstTokenRecord = reduceDistribution(read.prob, read.top.slice(0, req.watch.topK).map(([token, p]) => ({ token, p })), plan.tokens,
        (t) => this.model.detokenize([t as Token], true));
      const first = (d.temperature === 0 ? read.best : chooseFirstToken(read.top, d, req.seed)) as Token;
      const generated: Token[] = [];
      if (!this.model.isEogToken(first)) {
        generated.push(first);
        const early = !this.opts.fullText;
        const reader = this.readers[slot];
        if (d.maxTokens > 1 && !(early && outcomeSettled(this.model.detokenize(generated), req.watch)) && reader && d.temperature === 0) {
          // Greedy: one token per decode through the same internal call the prompt read uses, and the native
          // greedy sampler. seq.evaluate's async generator takes a lock, resolves a sampler config and applies it
          // to a fresh sampler on every token; this does none of that and picks the same argmax.
          const s = seq as unknown as SequenceInternals;
          const shift = { size: s._contextShift.size, strategy: s._contextShift.strategy };
          for (let last = first; ;) {
            let next = -1;
            await s._decodeTokens([last], [true], 5, s._tokenMeter, shift, async (i: number) => { next = await reader.argmax(i); return null; });
            if (next < 0) throw new Error("failed to sample the next token");
            if (this.model.isEogToken(next as Token)) break;
            generated.push(next as Token);
            last = next as Token;
            if (generated.length >= d.maxTokens) break;
            if (early && outcomeSettled(this.model.detokenize(generated), req.watch)) { this.counters.earlyStops++; break; }
          }
        } else if (d.maxTokens > 1 && !(early && outcomeSettled(this.model.detokenize(generated), req.watch))) {
          const it = seq.evaluate([first], d.temperature === 0 ? {} : { temperature: d.temperature, topK: d.topK, topP: d.topP, seed: req.seed });
          for await (const t of it) {
            generated.push(t);
            if (generated.length >= d.maxTokens) break;
            if (early && outcomeSettled(this.model.detokenize(generated), req.watch)) { this.counters.earlyStops++; break; }
          }
        }
      }
      this.counters.generatedTokens += generated.length;
      return { firstToken, text: this.model.detokenize(generated), generatedTokens: generated.length, latencyMs: performance.now() - start };
    } catch (e) {
      // The sequence's cache may be half-written: start it afresh next time.
      await seq.clearHistory().catch(() => undefined);
      return { firstToken: null, text: "", generatedTokens: 0, latencyMs: performance.now() - start, error: (e as Error).message };
    }
  }

  private disposeReaders(): void {
    for (const r of this.readers) r?.dispose();
    this.readers = [];
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeReaders();
    await this.context?.dispose();
    await this.model.dispose();
  }
}
