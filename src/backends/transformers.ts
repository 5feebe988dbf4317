// ONNX models through transformers.js (onnxruntime-node), in process. A batch is left-padded and run in one
// forward pass: the last position's logits give the first-token distribution (reduced, never a full Map), the
// first token is chosen with chooseFirstToken as for GGUF, and a short decode loop of our own continues it —
// with the model's KV cache when its graph has one, else by re-running the whole sequence each step.
import { basename, resolve } from "node:path";
import type { Backend, ChatMessage, GenerateOptions, GenerationRequest, GenerationResult, ModelInfo, WatchList } from "../types.ts";
import { ModelError } from "../errors.ts";
import { renderPlain } from "../prompts/render.ts";
import { mixSeed } from "../util/random.ts";
import { sha256 as sha256Text } from "../util/hash.ts";
import { buildWatchTokens, reduceDistribution, type WatchTokens } from "./watch.ts";
import { chooseFirstToken } from "./sampling.ts";
import { Softmax, rowOf } from "./transformers-logits.ts";
import { assertOnnxDir, modelFileFor, sha256OnnxDir } from "./transformers-files.ts";
import { cudaProblem, loadModel, type TJs, type Model, type Tokenizer } from "./transformers-load.ts";

export { assertOnnxDir } from "./transformers-files.ts";

export interface TransformersOptions {
  /** Prompts per forward pass. Default 8. */
  batch?: number;
  /** onnxruntime execution device: "cpu" (default), "cuda" (needs onnxruntime-node's CUDA provider) or "webgpu". */
  device?: string;
  /** Weight type: fp32 (default), fp16, q8, q4, … — the directory must hold onnx/model_<dtype>.onnx. */
  dtype?: string;
  /** Plain-text template for models without a chat template; must contain {user}. Default "{user}\n" (as GGUF). */
  plainTemplate?: string;
  /** Text that starts the assistant turn: after the chat template's generation prompt, or after the plain template. */
  responsePrefix?: string;
  /** Where hf: downloads go. Default: transformers.js's own cache. */
  cacheDir?: string;
}

export async function loadTransformers(source: string, opts: TransformersOptions = {}): Promise<Backend> {
  const device = opts.device ?? "cpu";
  const dtype = opts.dtype ?? "fp32";
  if (device !== "cpu") {
    const problem = cudaProblem(device);
    if (problem) throw new ModelError("BACKEND", problem.message, problem.hint);
  }
  const remote = source.startsWith("hf:");
  let dir: string | null = null;
  let sha256: string;
  if (remote) {
    sha256 = ""; // set below from the downloaded files
  } else {
    dir = resolve(source);
    assertOnnxDir(dir);
    sha256 = await sha256OnnxDir(dir, modelFileFor(dir, dtype));
  }
  const loaded = await loadModel(remote ? { remoteId: source.slice(3), cacheDir: opts.cacheDir } : { dir: dir! }, device, dtype);
  if (loaded.localDir) sha256 = await sha256OnnxDir(loaded.localDir, modelFileFor(loaded.localDir, dtype));
  else if (remote) sha256 = sha256Text(`${source}@${dtype}`); // files not found in the cache: identify by name only
  return new TransformersBackend(loaded.T, loaded.tokenizer, loaded.model, dir ?? source, sha256, { ...opts, device, dtype });
}

/** transformers.js's DynamicCache: past_key_values.* tensors; dispose() frees the GPU-resident ones. */
type Cache = InstanceType<TJs["DynamicCache"]>;

/** A rendered prompt as token ids, or why it could not be tokenised. */
type Encoded = { ids: number[] } | { error: string };

class TransformersBackend implements Backend {
  readonly info: ModelInfo;
  private readonly template: string | null;
  private readonly eos: Set<number>;
  private readonly padId: number;
  private readonly vocab: number;
  private readonly maxContext: number;
  private readonly cached: boolean;
  private watchCache = new Map<string, WatchTokens>();
  private disposed = false;

  constructor(private T: TJs, private tok: Tokenizer, private model: Model, path: string, sha256: string, private opts: TransformersOptions & { device: string; dtype: string }) {
    this.template = typeof tok.chat_template === "string" ? tok.chat_template : null;
    const cfg = model.config as Record<string, unknown>;
    const gen = (model.generation_config ?? {}) as Record<string, unknown>;
    this.eos = new Set([gen.eos_token_id, cfg.eos_token_id, tok.eos_token_id].flat().filter((x): x is number => typeof x === "number"));
    this.padId = [tok.pad_token_id, gen.pad_token_id, cfg.pad_token_id, ...this.eos, 0].find((x): x is number => typeof x === "number")!;
    this.vocab = Number(cfg.vocab_size ?? 0);
    this.maxContext = Number(cfg.max_position_embeddings ?? cfg.n_positions ?? 0);
    const inputs: string[] = model.sessions.model?.inputNames ?? [];
    this.cached = inputs.some((n) => n.startsWith("past_key_values") || n.startsWith("past_"));
    this.info = {
      backend: "transformers.js",
      sha256,
      path,
      name: (cfg._name_or_path as string) || basename(path),
      chatTemplate: this.template,
      supportsSystem: this.template ? this.probeSystem() : false,
      earlyStop: null,
      preferredBatch: null,
      details: { device: opts.device, dtype: opts.dtype, modelType: cfg.model_type as string | undefined, kvCache: this.cached, inputs },
    };
  }

  /** A template supports system messages when rendering one neither raises nor drops its text. */
  private probeSystem(): boolean {
    const marker = "frh-system-probe-7431";
    try {
      const text = this.tok.apply_chat_template([{ role: "system", content: marker }, { role: "user", content: "hi" }], { tokenize: false, add_generation_prompt: true }) as string;
      return text.includes(marker);
    } catch {
      return false;
    }
  }

  render(messages: ChatMessage[]): string {
    const prefix = this.opts.responsePrefix ?? "";
    if (this.template) return (this.tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }) as string) + prefix;
    return renderPlain(messages, this.opts.plainTemplate ?? "{user}\n") + prefix;
  }

  /** Chat templates carry their own BOS text; the plain fallback gets the tokenizer's special tokens (BOS). */
  private encode(messages: ChatMessage[]): Encoded {
    try {
      const text = this.render(messages);
      const ids = this.tok.encode(text, { add_special_tokens: !this.template });
      if (ids.length === 0) return { error: "the prompt renders to no tokens" };
      return { ids };
    } catch (e) {
      return { error: `cannot render or tokenise the prompt: ${(e as Error).message}` };
    }
  }

  /**
   * First token of a word as a response may begin with it: bare and after a space. The unknown token never counts,
   * nor a bare-space token (SentencePiece tokenizers turn " word" into "▁" + "▁word").
   */
  /** A token's text (plan-time checks name tokens and skip bare-space ones). */
  readonly tokenText = (id: number): string => this.tok.decode([id], { skip_special_tokens: false });

  readonly firstTokens = (text: string): number[] => {
    const out = new Set<number>();
    for (const v of [text, ` ${text}`]) {
      const ids = this.tok.encode(v, { add_special_tokens: false });
      if (!ids.length || ids[0] === this.tok.unk_token_id) continue;
      if (this.tok.decode([ids[0]], { skip_special_tokens: false }).trim() === "") continue;
      out.add(ids[0]);
    }
    return [...out];
  };

  private watchTokens(watch: WatchList): WatchTokens {
    const key = JSON.stringify([watch.labels, watch.refusalOnsets]);
    let w = this.watchCache.get(key);
    if (!w) this.watchCache.set(key, (w = buildWatchTokens(watch, this.firstTokens)));
    return w;
  }

  async generate(requests: GenerationRequest[], opts: GenerateOptions = {}): Promise<GenerationResult[]> {
    if (this.disposed) throw new ModelError("BACKEND", "backend used after dispose");
    const results: GenerationResult[] = new Array(requests.length);
    const size = Math.max(1, this.opts.batch ?? 8);
    for (let i = 0; i < requests.length; i += size) {
      if (opts.shouldStop?.()) break; // the rest stays unstarted (see GenerateOptions.shouldStop)
      const chunk = requests.slice(i, i + size);
      const out = await this.runChunk(chunk).catch(async (e) => {
        // One bad trial must not sink its neighbours: retry the chunk one by one to pin the error on it.
        if (chunk.length === 1) return [failed(e, 0)];
        const single: GenerationResult[] = [];
        for (const r of chunk) single.push((await this.runChunk([r]).catch((e2) => [failed(e2, 0)]))[0]);
        return single;
      });
      out.forEach((r, j) => { results[i + j] = r; opts.onResult?.(i + j, r); });
    }
    return results;
  }

  private async runChunk(reqs: GenerationRequest[]): Promise<GenerationResult[]> {
    const start = performance.now();
    const encoded = reqs.map((r) => this.encode(r.prompt.messages));
    const results: (GenerationResult | null)[] = encoded.map((e, i) => {
      if ("error" in e) return failed(e.error, 0);
      const need = e.ids.length + reqs[i].decoding.maxTokens;
      if (this.maxContext > 0 && need > this.maxContext) {
        return failed(`the prompt needs ${need} tokens (with maxTokens) but the model's context is ${this.maxContext} — ` +
          `${e.ids.length < this.maxContext ? "lower decoding.maxTokens in the study, or shorten this item" : "shorten or drop this item (or the paraphrase template), or use a model with a longer context"}; only this trial failed`, 0);
      }
      return null;
    });
    const live = reqs.map((_, i) => i).filter((i) => results[i] === null);
    if (live.length) {
      const seqs = live.map((i) => (encoded[i] as { ids: number[] }).ids);
      const texts = await this.decode(seqs, live.map((i) => reqs[i]));
      const ms = performance.now() - start;
      live.forEach((i, j) => (results[i] = { ...texts[j], latencyMs: ms }));
    }
    return results as GenerationResult[];
  }

  /** Prompt pass → first-token records → continuation, for prompts that tokenised. */
  private async decode(prompts: number[][], reqs: GenerationRequest[]): Promise<Omit<GenerationResult, "latencyMs">[]> {
    const n = prompts.length;
    const seqs = prompts.map((p) => p.slice());
    const generated: number[][] = prompts.map(() => []);
    const done = reqs.map((r) => r.decoding.maxTokens <= 0);
    const records: GenerationResult["firstToken"][] = [];
    let past: Cache | null = null;
    try {
      for (let step = 0; ; step++) {
        const feedIds = step > 0 && this.cached ? seqs.map((s) => [s[s.length - 1]]) : seqs;
        const { rows, present } = await this.forward(feedIds, seqs, past);
        await past?.dispose(); // frees GPU-resident cache tensors (webgpu); a no-op on CPU
        past = present;
        for (let b = 0; b < n; b++) {
          if (step > 0 && done[b]) {
            seqs[b].push(seqs[b][seqs[b].length - 1]); // keeps the batch rectangular; its logits are not read
            continue;
          }
          const sm = new Softmax(rows[b]);
          const d = reqs[b].decoding;
          let next: number;
          if (step === 0) {
            const w = this.watchTokens(reqs[b].watch);
            records.push(reduceDistribution(sm.p, sm.top(reqs[b].watch.topK), w, (t) => this.tok.decode([t], { skip_special_tokens: false })));
            next = chooseFirstToken(this.candidates(sm, d), d, reqs[b].seed);
          } else {
            next = chooseFirstToken(this.candidates(sm, d), d, mixSeed(reqs[b].seed, step));
          }
          if (done[b]) next = seqs[b][seqs[b].length - 1]; // maxTokens 0: only the record was wanted
          else if (this.eos.has(next)) done[b] = true;
          else {
            generated[b].push(next);
            if (generated[b].length >= d.maxTokens) done[b] = true;
          }
          seqs[b].push(next);
        }
        if (done.every(Boolean)) break;
      }
    } finally {
      await past?.dispose();
    }
    return reqs.map((_, b) => ({
      firstToken: records[b],
      text: generated[b].length ? this.tok.decode(generated[b], { skip_special_tokens: true }) : "",
      generatedTokens: generated[b].length,
    }));
  }

  /** The sorted candidates chooseFirstToken needs: the argmax for greedy, the top-k for sampling. */
  private candidates(sm: Softmax, d: GenerationRequest["decoding"]): [number, number][] {
    if (d.temperature === 0) {
      const t = sm.argmax();
      return [[t, sm.p(t)]];
    }
    return sm.top(d.topK > 0 ? d.topK : sm.row.length).map(({ token, p }) => [token, p]);
  }

  /**
   * One forward pass on left-padded sequences; returns each row's last-position logits.
   * `full` holds the whole sequences (for the attention mask); `feed` is what is fed (all of it, or the last token
   * when the KV cache `past` holds the rest).
   */
  private async forward(feed: number[][], full: number[][], past: Cache | null): Promise<{ rows: Float32Array[]; present: Cache | null }> {
    const { Tensor } = this.T;
    const n = full.length;
    const fullLen = Math.max(...full.map((s) => s.length));
    const feedLen = Math.max(...feed.map((s) => s.length));
    const ids = new BigInt64Array(n * feedLen);
    const mask = new BigInt64Array(n * fullLen);
    for (let b = 0; b < n; b++) {
      const s = feed[b], off = feedLen - s.length;
      for (let j = 0; j < feedLen; j++) ids[b * feedLen + j] = BigInt(j < off ? this.padId : s[j - off]);
      const m = fullLen - full[b].length;
      for (let j = 0; j < fullLen; j++) mask[b * fullLen + j] = j < m ? 0n : 1n;
    }
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor("int64", ids, [n, feedLen]),
      attention_mask: new Tensor("int64", mask, [n, fullLen]),
    };
    if (past) inputs.past_key_values = past;
    // Real exports can skip the logits of every position but the last; ours are computed only where asked.
    if (this.model.sessions.model?.inputNames?.includes("num_logits_to_keep")) inputs.num_logits_to_keep = new Tensor("int64", [1n], []);
    const out = (await this.model.forward(inputs)) as Record<string, { dims: number[]; data: ArrayLike<number>; type: string }>;
    const logits = out.logits;
    if (!logits) throw new Error(`the model returned no 'logits' output (outputs: ${Object.keys(out).join(", ")})`);
    const [, s, v] = logits.dims;
    if (this.vocab && v !== this.vocab && v < this.vocab) throw new Error(`logits have ${v} columns but the config's vocab_size is ${this.vocab}`);
    const rows = Array.from({ length: n }, (_, b) => rowOf(logits.data as Float32Array, logits.type, b * s + (s - 1), v) as Float32Array);
    const present = this.cached ? this.presentToPast(out) : null;
    return { rows, present };
  }

  /** present.* outputs become the next call's past_key_values.* inputs. */
  private presentToPast(out: Record<string, unknown>): Cache {
    const entries: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out)) if (k.startsWith("present")) entries[k.replace(/^present/, "past_key_values").replace("past_key_values_", "past_")] = v;
    return new this.T.DynamicCache(entries as never);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.model.dispose();
  }
}

function failed(e: unknown, latencyMs: number): GenerationResult {
  return { firstToken: null, text: "", generatedTokens: 0, latencyMs, error: typeof e === "string" ? e : (e as Error).message };
}
