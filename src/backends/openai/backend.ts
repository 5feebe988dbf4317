// A model served by an OpenAI-compatible inference server (llama-server, vLLM, SGLang), one or several endpoints
// serving the same model. Prompts are rendered by the server's chat template (plain text when the model has none,
// exactly as the in-process backend does), sent as token ids, with every sampling parameter explicit. Each trial
// is one unit of work on one endpoint; a unit that fails after its retries becomes that trial's error.
import type { Backend, ChatMessage, GenerateOptions, GenerationRequest, GenerationResult, ModelInfo, OpenAIDetails, WatchList } from "../../types.ts";
import { ModelError, UsageError } from "../../errors.ts";
import { sha256 } from "../../util/hash.ts";
import { renderPlain } from "../../prompts/render.ts";
import { buildWatchTokens, surfaceVariants, type WatchTokens } from "../watch.ts";
import { recordFrom } from "./record.ts";
import { parseServerSource } from "./source.ts";
import { Endpoint, FatalRequestError, Pool, type TransportOptions } from "./transport.ts";
import type { Dialect, Probe } from "./dialect.ts";
import { llamaCpp } from "./llamacpp.ts";
import { vllm } from "./vllm.ts";
import { sglang } from "./sglang.ts";

export interface OpenAIOptions extends TransportOptions {
  /** More endpoints serving the same model (--endpoint). */
  endpoints?: string[];
  /** Pins the model identity (hex sha256 of the weights) where the server cannot tell it. */
  modelSha256?: string;
  /** Requests in flight per endpoint; default: the server's slots (llama-server), else 16. */
  concurrency?: number;
  plainTemplate?: string;
}

const DIALECTS = [llamaCpp, vllm, sglang];

/** The API key, from the environment only (never a flag, never stored). */
export function apiKeyFromEnv(env = process.env): string | undefined {
  return env.FRH_OPENAI_API_KEY || env.OPENAI_API_KEY || undefined;
}

async function probeEndpoint(e: Endpoint, name: string | null): Promise<{ dialect: (typeof DIALECTS)[number]; probe: Probe }> {
  for (const d of DIALECTS) {
    const probe = await d.probe(e, name);
    if (probe) return { dialect: d, probe };
  }
  let reachable = true;
  try { await e.call("/v1/models"); } catch (err) { reachable = !/ECONNREFUSED|ENOTFOUND|no reply|fetch failed/.test((err as Error).message); }
  if (!reachable) throw new ModelError("BACKEND", `cannot reach the server at ${e.base}`, "start the server first (see docs/servers.md), or check the host and port in --model openai:http://HOST:PORT/v1");
  throw new ModelError("BACKEND", `the server at ${e.base} is neither llama-server, vLLM nor SGLang (no /props, /version or /get_model_info)`,
    "frh reads exact first-token probabilities from these three; see docs/servers.md for what each offers");
}

export async function loadOpenAI(source: string, opts: OpenAIOptions = {}): Promise<Backend> {
  const parsed = parseServerSource(source);
  const urls = [...new Set([...parsed.urls, ...(opts.endpoints ?? []).map((u) => parseServerSource(u.startsWith("openai:") ? u : `openai:${u}`).urls).flat()])];
  if (opts.modelSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opts.modelSha256)) {
    throw new UsageError(`--model-sha256 takes 64 lowercase hex digits, got '${opts.modelSha256}'`, "use the sha256 of the served weights, e.g. `sha256sum model.gguf`");
  }
  const endpoints = urls.map((u) => new Endpoint(u, 1, opts));
  const probes: Awaited<ReturnType<typeof probeEndpoint>>[] = [];
  for (const e of endpoints) probes.push(await probeEndpoint(e, parsed.model));
  const first = probes[0];
  const name = parsed.model ?? first.probe.servedModel;
  for (const [i, p] of probes.entries()) {
    if (p.dialect !== first.dialect || sha256(JSON.stringify(p.probe.identity)) !== sha256(JSON.stringify(first.probe.identity))) {
      throw new ModelError("BACKEND", `the servers of one model must serve the same weights: ${urls[0]} reports ${JSON.stringify(first.probe.identity)}, ${urls[i]} ${JSON.stringify(p.probe.identity)}`,
        "give each model its own --model, or fix the server that serves something else");
    }
  }
  endpoints.forEach((e, i) => { e.limit = Math.max(1, opts.concurrency ?? probes[i].probe.concurrency); });
  return new OpenAIBackend(first.dialect, { ...first.probe, servedModel: name }, new Pool(endpoints, opts), opts, source);
}

class OpenAIBackend implements Backend {
  readonly info: ModelInfo;
  private readonly watchCache = new Map<string, Promise<WatchTokens>>();
  /** Rendered prompt text → its token ids when the server gave them with the rendering (vLLM, SGLang). */
  private readonly tokensOf = new Map<string, number[]>();
  private disposed = false;

  constructor(private readonly dialect: Dialect, private readonly probe: Probe, readonly pool: Pool, private readonly opts: OpenAIOptions, source: string) {
    const identity = { server: probe.server, ...probe.identity };
    const details: OpenAIDetails = {
      server: probe.server, version: probe.version, servedModel: probe.servedModel,
      identity: { pinned: opts.modelSha256 !== undefined, from: identity },
      template: probe.template ? "server" : "plain", logprobs: dialect.logprobs(probe),
      endpoints: pool.endpoints.map((e) => ({ url: e.base, concurrency: e.limit })),
    };
    this.info = {
      backend: "openai",
      // The trial id's model part: the pin, else a hash of what the server says identifies the weights.
      sha256: opts.modelSha256 ?? sha256(JSON.stringify(identity)),
      path: source,
      name: probe.servedModel,
      chatTemplate: null,
      supportsSystem: probe.template,
      // Servers generate whole responses (to maxTokens or end of text): no early stop, so the identity says "full".
      earlyStop: null,
      preferredBatch: pool.endpoints.reduce((n, e) => n + e.limit, 0),
      details,
      provenance: { probe: probe.raw, version: probe.version },
    };
  }

  render(messages: ChatMessage[]): string {
    if (!this.probe.template) return renderPlain(messages, this.opts.plainTemplate ?? "{user}\n");
    throw new ModelError("BACKEND", "a served model's chat template is applied by the server: use renderMany", "this is a bug in the caller");
  }

  async renderMany(list: ChatMessage[][]): Promise<string[]> {
    if (!this.probe.template) return list.map((m) => this.render(m));
    const cache = new Map<string, Promise<string>>();
    return Promise.all(list.map((messages) => {
      const key = JSON.stringify(messages);
      let p = cache.get(key);
      if (!p) {
        p = this.pool.run(async (e) => {
          const r = await this.dialect.renderChat(e, this.probe, messages);
          if (r.tokens) this.tokensOf.set(r.text, r.tokens);
          return r.text;
        }).catch((err) => {
          throw new ModelError("BACKEND", `the server could not apply its chat template: ${(err as Error).message}`, "start the server with the model's chat template (vLLM/SGLang: --chat-template), see docs/servers.md");
        });
        cache.set(key, p);
      }
      return p;
    }));
  }

  /** Tokenised pieces, shared by every watch list of the run (tasks share the refusal onsets). */
  private readonly pieces = new Map<string, Promise<number[]>>();
  private piece(text: string, mode: "plain" | "no-leading-space"): Promise<number[]> {
    const key = `${mode}\u0000${text}`;
    let p = this.pieces.get(key);
    if (!p) {
      p = this.pool.run((e) => this.dialect.tokenizePiece(e, this.probe, text, mode));
      p.catch(() => this.pieces.delete(key));
      this.pieces.set(key, p);
    }
    return p;
  }

  /** Watched first tokens, tokenised by the server the way the in-process backend tokenises them. */
  private watchTokens(watch: WatchList): Promise<WatchTokens> {
    const key = JSON.stringify([watch.labels, watch.refusalOnsets]);
    let w = this.watchCache.get(key);
    if (!w) {
      w = (async () => {
        const texts = new Set<string>();
        for (const l of watch.labels) for (const word of l.words) for (const v of surfaceVariants(word)) texts.add(v);
        for (const o of watch.refusalOnsets) for (const v of surfaceVariants(o)) texts.add(v);
        const firsts = new Map<string, number[]>();
        await Promise.all([...texts].map(async (text) => {
          const out = new Set<number>();
          const pieces = await Promise.all([text, ` ${text}`].flatMap((variant) => (["no-leading-space", "plain"] as const).map((mode) => this.piece(variant, mode))));
          for (const toks of pieces) if (toks.length) out.add(toks[0]);
          firsts.set(text, [...out]);
        }));
        return buildWatchTokens(watch, (t) => firsts.get(t) ?? []);
      })();
      w.catch(() => this.watchCache.delete(key));
      this.watchCache.set(key, w);
    }
    return w;
  }

  async generate(requests: GenerationRequest[], opts: GenerateOptions = {}): Promise<GenerationResult[]> {
    if (this.disposed) throw new ModelError("BACKEND", "backend used after dispose");
    const results = new Array<GenerationResult>(requests.length);
    await Promise.all(requests.map(async (req, i) => {
      const start = performance.now();
      let r: GenerationResult;
      try {
        const tokens = await this.watchTokens(req.watch);
        const watched = [...new Set([...tokens.answer, ...tokens.refusal])].sort((a, b) => a - b);
        const text = req.prompt.text;
        const out = await this.pool.run(async (e) => {
          const ids = this.tokensOf.get(text) ?? await this.dialect.tokenizePrompt(e, this.probe, text, this.probe.template);
          return this.dialect.complete(e, this.probe, { tokens: ids, decoding: req.decoding, seed: req.seed, watched, topK: req.watch.topK });
        });
        const firstToken = recordFrom(out.first, tokens, req.watch.topK, (t) => `<${t}>`);
        r = { firstToken, text: out.text, generatedTokens: out.generatedTokens, latencyMs: performance.now() - start };
      } catch (err) {
        const message = err instanceof FatalRequestError || err instanceof Error ? err.message : String(err);
        r = { firstToken: null, text: "", generatedTokens: 0, latencyMs: performance.now() - start, error: message };
      }
      results[i] = r;
      opts.onResult?.(i, r);
    }));
    return results;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
