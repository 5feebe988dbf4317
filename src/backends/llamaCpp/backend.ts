// GGUF models through node-llama-cpp, in process: one context with N sequences, one trial per sequence,
// batched by queueing all sequences in the same tick (node-llama-cpp merges them into shared decode batches).
//
// Speed (issue 8), each part switchable for benchmarks and tests:
//  - prefix reuse: a sequence keeps its KV cache between trials; a new prompt erases back to the longest common
//    token prefix with what the sequence holds and evaluates only the rest. Requests go to the sequence whose
//    cache shares most with them (schedule.ts; src/run/schedule.ts orders a run so that neighbours share prefixes).
//  - narrow reads: the first-token record is read with three small native samples on the same logits instead of
//    the whole-vocabulary probability Map (narrow.ts); exact to float rounding (test/integration/speed).
//  - early stop: generation ends once the text settles the outcome (an EarlyStopRule from src/detect/early-stop.ts,
//    passed in; null = full text).
// The faster paths need node-llama-cpp internals (internals.ts). Where they are missing the backend falls back to
// the public API — same numbers, slower — and reports each fallback once through onFallback.
import { basename } from "node:path";
import { freemem } from "node:os";
import {
  resolveChatWrapper,
  type Llama, type LlamaModel, type LlamaContext, type LlamaContextSequence, type Token, type ChatHistoryItem, type ChatWrapper,
} from "node-llama-cpp";
import type {
  Backend, BackendFallback, ChatMessage, EarlyStopRule, FirstTokenRecord, GenerateOptions, GenerationRequest, GenerationResult, ModelInfo, WatchList,
} from "../../types.ts";
import { ModelError } from "../../errors.ts";
import { sha256File } from "../../util/hash.ts";
import { renderPlain } from "../../prompts/render.ts";
import { DEFAULT_EARLY_STOP } from "../../detect/early-stop.ts";
import { buildWatchTokens, reduceDistribution } from "../watch.ts";
import { chooseFirstToken } from "../sampling.ts";
import { installGuard } from "./guard.ts";
import { decodeTokens, missingNarrowInternals, nativeContext, queuedDecodes, samplerFactory, type DecodeTokens } from "./internals.ts";
import { NarrowReader, serialSampling, watchPlan, type PositionRead, type WatchPlan } from "./narrow.ts";
import { assignSequences, chooseTuning, commonPrefix, nextRequest, splitStreams, tokensNeeded, tooLong } from "./schedule.ts";
import { llamaFor, loadModelFile, type GpuChoice } from "./load.ts";

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
  /** Text that starts the assistant turn: the open model turn of the chat template, or after the plain template. */
  responsePrefix?: string;
  /** Tokens per sequence; default: grows to fit the longest prompt + maxTokens, up to the model's training context. */
  contextSize?: number;
  /** When to stop generating early; null = generate up to maxTokens or end of text. Default: DEFAULT_EARLY_STOP (first-sentence@1). */
  earlyStop?: EarlyStopRule | null;
  /** Reuse each sequence's KV cache for the common token prefix of consecutive prompts. Default true. */
  prefixReuse?: boolean;
  /** "narrow": three small native reads per prompt (default); "full": the whole-vocabulary Map (the reference). */
  reads?: "narrow" | "full";
  /** Told once per kind when a faster path is unavailable and a slower equivalent one is used. */
  onFallback?: (f: BackendFallback) => void;
  /** Tests only: replaces the internals probes, to force a fallback the real library does not need. */
  probes?: Partial<InternalsProbes>;
}

/** How the backend finds out whether its internals-based paths can run; replaceable in tests. */
export interface InternalsProbes {
  /** Installs the race guard on the context; returns why it could not (empty: installed). */
  guard(context: LlamaContext): string[];
  /** Names of the internals the narrow reads lack (empty: all there). */
  narrow(llama: Llama, model: LlamaModel, context: LlamaContext, seq: LlamaContextSequence): string[];
}

export async function loadLlamaCpp(path: string, opts: LlamaCppOptions = {}): Promise<Backend> {
  const gpu = opts.gpu ?? false;
  const llama = await llamaFor(gpu);
  const model = await loadModelFile(llama, path, gpu);
  const sha256 = await sha256File(path);
  return new LlamaCppBackend(llama, model, path, sha256, opts);
}

const WATCH_CACHE_MAX = 64;

class LlamaCppBackend implements Backend {
  readonly info: ModelInfo;
  /** Fallbacks taken so far (each kind once). */
  readonly fallbacks: BackendFallback[] = [];
  private readonly wrapper: ChatWrapper | null;
  private readonly rule: EarlyStopRule | null;
  private readonly probes: InternalsProbes;
  private context: LlamaContext | null = null;
  private sequences: LlamaContextSequence[] = [];
  private readers: (NarrowReader | null)[] = [];
  private decoders: (DecodeTokens | null)[] = [];
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
    this.rule = opts.earlyStop === undefined ? DEFAULT_EARLY_STOP : opts.earlyStop;
    this.probes = { guard: installGuard, narrow: missingNarrowInternals, ...opts.probes };
    const earlyStop = this.rule?.name ?? null;
    const preferredBatch = this.tuning(512).sequences;
    this.info = {
      backend: "llama.cpp",
      sha256,
      path,
      name: model.fileInfo.metadata?.general?.name ?? basename(path),
      chatTemplate: template,
      supportsSystem: this.wrapper ? this.wrapper.settings.supportsSystemMessages : false,
      earlyStop,
      preferredBatch,
      // Stored as models.details: same keys, same order as every release so far.
      details: {
        chatWrapper: this.wrapper ? this.wrapper.wrapperName : "plain",
        architecture: model.fileInfo.metadata?.general?.architecture,
        trainContextSize: model.trainContextSize,
        gpu: opts.gpu ?? false,
        earlyStop,
        preferredBatch,
      },
    };
  }

  private fallback(code: string, message: string): void {
    if (this.fallbacks.some((f) => f.code === code)) return;
    const f = { code, message };
    this.fallbacks.push(f);
    this.opts.onFallback?.(f);
  }

  private tuning(contextSize: number) {
    const arch = this.model.fileInfo.architectureMetadata as Record<string, unknown> | undefined;
    const attn = (arch?.attention ?? {}) as Record<string, unknown>;
    const layers = Number(arch?.block_count ?? 24);
    const heads = Number(attn.head_count ?? 1);
    const kvHeads = Number(attn.head_count_kv ?? heads);
    const headDim = Number(attn.key_length ?? (Number(arch?.embedding_length ?? 1024) / Math.max(1, heads)));
    const embedding = arch?.embedding_length === undefined ? undefined : Number(arch.embedding_length);
    return chooseTuning({ layers, kvHeads, headDim, embedding }, { gpu: (this.opts.gpu ?? false) !== false, mathCores: this.llama.cpuMathCores, freeBytes: freemem() }, contextSize, this.opts);
  }

  private renderTokens(messages: ChatMessage[]): { text: string; tokens: Token[] } {
    if (this.wrapper) {
      const history: ChatHistoryItem[] = messages.map((m) =>
        m.role === "system" ? { type: "system", text: m.content } as ChatHistoryItem
          : m.role === "user" ? { type: "user", text: m.content } : { type: "model", response: [m.content] });
      // node-llama-cpp leaves the last model turn open: a response prefix is where the reply starts
      history.push({ type: "model", response: this.opts.responsePrefix ? [this.opts.responsePrefix] : [] });
      const { contextText } = this.wrapper.generateContextState({ chatHistory: history });
      return { text: contextText.toString(), tokens: contextText.tokenize(this.model.tokenizer) };
    }
    const text = renderPlain(messages, this.opts.plainTemplate ?? "{user}\n") + (this.opts.responsePrefix ?? "");
    const bos = this.model.tokens.bos;
    const tokens = this.model.tokenize(text);
    return { text, tokens: bos !== null && this.model.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens };
  }

  render(messages: ChatMessage[]): string {
    return this.renderTokens(messages).text;
  }

  /** A token's text (plan-time checks name tokens and skip bare-space ones). */
  readonly tokenText = (id: number): string => this.model.detokenize([id as Token], true);

  /** First token of a word as the model would begin a response with it: bare, and after a space. */
  readonly firstTokens = (text: string): number[] => {
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
      w = watchPlan(buildWatchTokens(watch, this.firstTokens), this.vocab);
      if (this.watchCache.size >= WATCH_CACHE_MAX) this.watchCache.delete(this.watchCache.keys().next().value!);
      this.watchCache.set(key, w);
    }
    return w;
  }

  /** The most tokens one sequence may hold: the option, else the model's training context. */
  private get maxContext(): number {
    return this.opts.contextSize ?? this.model.trainContextSize;
  }

  private async ensureContext(needTokens: number): Promise<void> {
    if (this.context && this.contextSize >= needTokens) return;
    this.disposeReaders();
    await this.context?.dispose();
    this.context = null;
    const size = this.opts.contextSize ?? Math.min(this.model.trainContextSize, Math.max(512, 2 ** Math.ceil(Math.log2(needTokens + 1))));
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
    if (want > 1) {
      const why = this.probes.guard(this.context);
      if (why.length) {
        // Several sequences are only safe with the guard (see guard.ts): fall back to one.
        await this.context.dispose();
        this.context = await this.model.createContext({ sequences: 1, contextSize: size, threads: t.threads, batchSize: Math.min(t.batchSize, size) });
        this.fallback("one-sequence", `the race guard for several sequences could not be installed (node-llama-cpp internals missing: ${why.join(", ")}): running one sequence at a time instead of ${want} — results agree to float rounding, only slower`);
      } else if (queuedDecodes(this.context) === null) {
        this.fallback("no-decode-gathering", "node-llama-cpp's queued-decode set (LlamaContext._queuedDecodeSequenceIds) is missing: decodes are dispatched without waiting for every sequence — same results, possibly slower on a GPU");
      }
    }
    this.contextSize = size;
    this.sequences = Array.from({ length: this.context.totalSequences }, () => this.context!.getSequence());
    let narrow = (this.opts.reads ?? "narrow") === "narrow" && this.vocab > 0;
    if (narrow) {
      const missing = this.probes.narrow(this.llama, this.model, this.context, this.sequences[0]);
      if (missing.length) {
        narrow = false;
        this.fallback("full-vocabulary-reads", `node-llama-cpp internals for narrow reads are missing (${missing.join(", ")}): reading the whole-vocabulary probability map for every prompt — results agree to float rounding, only slower`);
      }
    }
    const nativeCtx = narrow ? serialSampling(nativeContext(this.context)!) : null;
    const newSampler = narrow ? samplerFactory(this.llama, this.model) : null;
    this.readers = this.sequences.map(() => (nativeCtx && newSampler ? new NarrowReader(newSampler, nativeCtx, this.vocab) : null));
    this.decoders = this.sequences.map((s) => (narrow ? decodeTokens(s) : null));
  }

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
    const queued = () => (this.context ? queuedDecodes(this.context) : null) ?? this.active;
    const tick = () => {
      if (queued() >= this.active || performance.now() - start > 2) { this.counters.dispatches++; dispatch(); }
      else setImmediate(tick);
    };
    setImmediate(tick);
  }

  /**
   * More requests than sequences are pipelined (continuous batching): requests sorted by prompt are cut into one
   * contiguous stream per sequence, each sequence works through its stream, and a sequence that runs dry takes
   * the last request of the longest remaining stream. A finished response frees its sequence at once, so new
   * prompts share decode batches with the stragglers' generation instead of waiting for them. A request whose
   * prompt cannot fit the model's context fails alone, before any decoding.
   */
  async generate(requests: GenerationRequest[], opts: GenerateOptions = {}): Promise<GenerationResult[]> {
    if (this.disposed) throw new ModelError("BACKEND", "backend used after dispose");
    if (requests.length === 0) return [];
    const results = new Array<GenerationResult>(requests.length);
    const finish = (i: number, r: GenerationResult) => { results[i] = r; opts.onResult?.(i, r); };
    const rendered = requests.map((r) => this.renderTokens(r.prompt.messages));
    const fits: number[] = [];
    rendered.forEach((r, i) => {
      if (tokensNeeded(r.tokens.length, requests[i]) <= this.maxContext) fits.push(i);
      else finish(i, tooLong(r.tokens.length, requests[i], this.maxContext));
    });
    if (fits.length === 0) return results;
    await this.ensureContext(Math.max(...fits.map((i) => tokensNeeded(rendered[i].tokens.length, requests[i]))));
    const reuse = this.opts.prefixReuse ?? true;
    const order = fits.slice();
    if (reuse) order.sort((a, b) => (rendered[a].text < rendered[b].text ? -1 : rendered[a].text > rendered[b].text ? 1 : a - b));
    const streams = splitStreams(order, Math.min(this.sequences.length, order.length));
    const slots = reuse ? assignSequences(streams.map((s) => rendered[s[0]].tokens), this.sequences.map((s) => s.contextTokens)) : streams.map((_, j) => j);
    await Promise.all(streams.map(async (_, j) => {
      // A stop request ends each stream before its next prompt: only the prompts in flight finish (seconds, not the call).
      for (let i = nextRequest(streams, j); i !== undefined && !opts.shouldStop?.(); i = nextRequest(streams, j)) {
        this.active++;
        let r: GenerationResult | null;
        try { r = await this.runOne(slots[j], requests[i], rendered[i].tokens, opts.shouldStop); } finally { this.active--; }
        if (r) finish(i, r); // null: abandoned mid-generation by a stop request, left unstarted for the next run
      }
    }));
    return results;
  }

  /** Puts `tokens` minus its last token into the sequence (reusing the cached prefix), then reads the last one. */
  private async evaluatePrompt(slot: number, tokens: Token[], k: number, plan: WatchPlan): Promise<PositionRead> {
    const seq = this.sequences[slot];
    let keep = 0;
    if (this.opts.prefixReuse ?? true) keep = Math.min(commonPrefix(seq.contextTokens, tokens), tokens.length - 1);
    if (keep === 0) await seq.clearHistory();
    else if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
    this.counters.reusedTokens += keep;
    this.counters.promptTokens += tokens.length;
    const suffix = tokens.slice(keep);
    const reader = this.readers[slot];
    const decode = this.decoders[slot];
    if (reader && decode) {
      let out: PositionRead | undefined;
      await decode(suffix, suffix.map((_, i) => i === suffix.length - 1), async (row) => { out = await reader.read(row, k, plan); });
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

  /** null when `stop` turned true while generating: the partial text is dropped, never stored as a result. */
  private async runOne(slot: number, req: GenerationRequest, tokens: Token[], stop?: () => boolean): Promise<GenerationResult | null> {
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
      const rule = this.rule;
      const settled = () => rule !== null && rule.settled(this.model.detokenize(generated), req.watch);
      if (!this.model.isEogToken(first)) {
        generated.push(first);
        const reader = this.readers[slot];
        const decode = this.decoders[slot];
        if (d.maxTokens > 1 && !settled() && reader && decode && d.temperature === 0) {
          // Greedy: one token per decode through the same internal call the prompt read uses, and the native
          // greedy sampler. seq.evaluate's async generator takes a lock, resolves a sampler config and applies it
          // to a fresh sampler on every token; this does none of that and picks the same argmax.
          for (let last = first; ;) {
            let next = -1;
            await decode([last], [true], async (row) => { next = await reader.argmax(row); });
            if (next < 0) throw new Error("failed to sample the next token");
            if (this.model.isEogToken(next as Token)) break;
            if (stop?.()) return null;
            generated.push(next as Token);
            last = next as Token;
            if (generated.length >= d.maxTokens) break;
            if (settled()) { this.counters.earlyStops++; break; }
          }
        } else if (d.maxTokens > 1 && !settled()) {
          const it = seq.evaluate([first], d.temperature === 0 ? {} : { temperature: d.temperature, topK: d.topK, topP: d.topP, seed: req.seed });
          for await (const t of it) {
            if (stop?.()) return null;
            generated.push(t);
            if (generated.length >= d.maxTokens) break;
            if (settled()) { this.counters.earlyStops++; break; }
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
    this.decoders = [];
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeReaders();
    await this.context?.dispose();
    await this.model.dispose();
  }
}
