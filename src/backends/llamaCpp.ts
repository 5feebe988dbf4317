// GGUF models through node-llama-cpp, in process: one context with N sequences, one trial per sequence,
// batched by queueing all sequences in the same tick (node-llama-cpp merges them into shared decode batches).
import { openSync, readSync, closeSync, existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import {
  getLlama, resolveChatWrapper, LlamaLogLevel,
  type Llama, type LlamaModel, type LlamaContext, type LlamaContextSequence, type Token, type ChatHistoryItem, type ChatWrapper,
} from "node-llama-cpp";
import type { Backend, ChatMessage, GenerationRequest, GenerationResult, ModelInfo, WatchList } from "../types.ts";
import { ModelError } from "../errors.ts";
import { sha256File } from "../util/hash.ts";
import { renderPlain } from "../prompts/render.ts";
import { buildWatchTokens, reduceDistribution, type WatchTokens } from "./watch.ts";
import { chooseFirstToken } from "./sampling.ts";

export type GpuChoice = false | "auto" | "cuda" | "vulkan" | "metal";

export interface LlamaCppOptions {
  /** GPU backend; false = CPU (the default). */
  gpu?: GpuChoice;
  /** Sequences evaluated together (the batch size). Default 8. */
  sequences?: number;
  /** Threads; default: the machine's math cores (node-llama-cpp's default of 4 is ~100× slower on 2 cores). */
  threads?: number;
  /** Plain-text template for models without a chat template; must contain {user}. */
  plainTemplate?: string;
  /** Tokens per sequence; default: grows to fit the longest prompt + maxTokens. */
  contextSize?: number;
}

/** Reads the first 4 bytes: a clear error for a file that is not GGUF beats a native crash. */
export function assertGguf(path: string): void {
  if (!existsSync(path)) throw new ModelError("MODEL_NOT_FOUND", `model file not found: ${path}`, "check the path, or use an hf:<org>/<repo>/<file>.gguf URI");
  if (statSync(path).isDirectory()) throw new ModelError("BAD_MODEL", `${path} is a directory, not a GGUF file`, "for ONNX models pass the model directory; for GGUF pass the .gguf file");
  const fd = openSync(path, "r");
  const magic = Buffer.alloc(4);
  try { readSync(fd, magic, 0, 4, 0); } finally { closeSync(fd); }
  if (magic.toString("latin1") !== "GGUF") throw new ModelError("BAD_MODEL", `${path} is not a GGUF file (it does not start with the GGUF magic bytes)`, "convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py) or point --model at a .gguf file");
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

class LlamaCppBackend implements Backend {
  readonly info: ModelInfo;
  private readonly wrapper: ChatWrapper | null;
  private context: LlamaContext | null = null;
  private sequences: LlamaContextSequence[] = [];
  private contextSize = 0;
  private watchCache = new Map<string, WatchTokens>();
  private disposed = false;

  constructor(private llama: Llama, private model: LlamaModel, path: string, sha256: string, private opts: LlamaCppOptions) {
    const template = model.fileInfo.metadata?.tokenizer?.chat_template ?? null;
    this.wrapper = template ? (resolveChatWrapper(model) as ChatWrapper) : null;
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
      },
    };
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

  private watchTokens(watch: WatchList): WatchTokens {
    const key = JSON.stringify([watch.labels, watch.refusalOnsets]);
    let w = this.watchCache.get(key);
    if (!w) this.watchCache.set(key, (w = buildWatchTokens(watch, this.firstTokens)));
    return w;
  }

  private async ensureContext(n: number, needTokens: number): Promise<void> {
    const want = Math.max(n, this.opts.sequences ?? 8);
    if (this.context && this.sequences.length >= n && this.contextSize >= needTokens) return;
    await this.context?.dispose();
    const size = this.opts.contextSize ?? Math.min(this.model.trainContextSize, Math.max(512, 2 ** Math.ceil(Math.log2(needTokens + 1))));
    if (needTokens > size) throw new ModelError("BACKEND", `a prompt needs ${needTokens} tokens but the context holds ${size}`, "shorten the prompt or raise maxTokens/contextSize limits");
    try {
      this.context = await this.model.createContext({ sequences: want, contextSize: size, threads: this.opts.threads ?? this.llama.cpuMathCores, batchSize: Math.max(512, size) });
    } catch (e) {
      throw new ModelError("BACKEND", `cannot create a context of ${want} sequences × ${size} tokens: ${(e as Error).message}`, "lower --batch");
    }
    this.contextSize = size;
    this.sequences = Array.from({ length: want }, () => this.context!.getSequence());
  }

  async generate(requests: GenerationRequest[]): Promise<GenerationResult[]> {
    if (this.disposed) throw new ModelError("BACKEND", "backend used after dispose");
    const rendered = requests.map((r) => this.renderTokens(r.prompt.messages));
    const need = Math.max(...rendered.map((r, i) => r.tokens.length + requests[i].decoding.maxTokens + 1));
    await this.ensureContext(requests.length, need);
    return Promise.all(requests.map((r, i) => this.runOne(this.sequences[i], r, rendered[i].tokens)));
  }

  private async runOne(seq: LlamaContextSequence, req: GenerationRequest, tokens: Token[]): Promise<GenerationResult> {
    const start = performance.now();
    try {
      await seq.clearHistory();
      const input = [...tokens.slice(0, -1), [tokens[tokens.length - 1], { generateNext: { probabilities: true } }] as const];
      const out = await seq.controlledEvaluate(input as never);
      const probs = out[out.length - 1]?.next.probabilities;
      if (!probs) throw new Error("no probabilities returned for the last prompt token");
      const sorted = [...probs.entries()] as [number, number][];
      const watch = this.watchTokens(req.watch);
      const firstToken = reduceDistribution((t) => probs.get(t as Token) ?? 0, sorted.slice(0, req.watch.topK).map(([token, p]) => ({ token, p })), watch,
        (t) => this.model.detokenize([t as Token], true));
      const first = chooseFirstToken(sorted, req.decoding, req.seed) as Token;
      const generated: Token[] = [];
      if (!this.model.isEogToken(first)) {
        generated.push(first);
        if (req.decoding.maxTokens > 1) {
          const d = req.decoding;
          const it = seq.evaluate([first], d.temperature === 0 ? {} : { temperature: d.temperature, topK: d.topK, topP: d.topP, seed: req.seed });
          for await (const t of it) {
            generated.push(t);
            if (generated.length >= d.maxTokens) break;
          }
        }
      }
      return { firstToken, text: this.model.detokenize(generated), generatedTokens: generated.length, latencyMs: performance.now() - start };
    } catch (e) {
      return { firstToken: null, text: "", generatedTokens: 0, latencyMs: performance.now() - start, error: (e as Error).message };
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.context?.dispose();
    await this.model.dispose();
  }
}
