// vLLM's OpenAI-compatible server (vllm serve). Written from its documented API — no vLLM runs here, so the
// tests replay recorded replies (test/fixtures/recordings/vllm/):
//  - GET /version → {"version"}; GET /v1/models → data[0] {id, root, max_model_len, owned_by: "vllm"}
//    (docs.vllm.ai, "OpenAI-Compatible Server"; vllm/entrypoints/openai/api_server.py).
//  - POST /tokenize {model, messages, add_generation_prompt} applies the chat template and returns {tokens};
//    {model, prompt, add_special_tokens} tokenises text; POST /detokenize {model, tokens} → {prompt}
//    (vllm/entrypoints/serve/tokenize/protocol.py).
//  - POST /v1/completions with prompt = token ids, logprobs = k, return_tokens_as_token_ids (top_logprobs keyed
//    "token_id:<id>"), and logprob_token_ids = the watched ids: exact probabilities of exactly those tokens
//    (vLLM PR #43463, "Expose logprob_token_ids on Python OpenAI endpoints"; SamplingParams.logprob_token_ids).
//    Probabilities are of the raw distribution (logprobs_mode "raw_logprobs", the default). A server without the
//    feature returns its top k only: bounded. `vllm serve --max-logprobs` caps k (default 20).
import { neutralSampling, type CompleteRequest, type Completion, type Dialect, type Probe } from "./dialect.ts";
import { FatalRequestError, type Endpoint } from "./transport.ts";
import { ModelError } from "../../errors.ts";

interface Models { data?: { id: string; root?: string; max_model_len?: number; owned_by?: string; parent?: string | null }[] }
interface CompletionsReply {
  choices?: { text: string; finish_reason?: string; logprobs?: { tokens?: string[]; top_logprobs?: (Record<string, number> | null)[] } }[];
  usage?: { completion_tokens?: number };
}

const tokenId = (key: string): number | null => {
  const m = /^token_id:(\d+)$/.exec(key);
  return m ? Number(m[1]) : null;
};

export const vllm: Dialect & { probe(e: Endpoint, name: string | null): Promise<Probe | null> } = {
  server: "vllm",

  async probe(e, name) {
    let version: { version?: string } | null = null;
    try { version = await e.call<{ version?: string }>("/version"); } catch { return null; }
    if (typeof version?.version !== "string") return null;
    const models = await e.call<Models>("/v1/models");
    // A server may serve several models (e.g. LoRA adapters): the #name picks one, and its facts are the identity.
    const m = name ? models.data?.find((x) => x.id === name) : models.data?.[0];
    if (!m) {
      throw new ModelError("BACKEND", name ? `${e.base} does not serve '${name}' (it serves ${(models.data ?? []).map((x) => `'${x.id}'`).join(", ") || "nothing"})` : `${e.base}/v1/models lists no model`,
        "use the served model name after '#': --model openai:http://HOST:PORT/v1#NAME");
    }
    // Does this server honour logprob_token_ids? Ask for tokens 0 and 1 at a greedy first position with k = 1: a
    // server that ignores the field lists one token (the sampled one is the top one), one that honours it both.
    let tokenIds = false;
    try {
      const t = await e.call<CompletionsReply>("/v1/completions", {
        model: m.id, prompt: [0], max_tokens: 1, temperature: 0, logprobs: 1, logprob_token_ids: [0, 1], return_tokens_as_token_ids: true,
      });
      const keys = Object.keys(t.choices?.[0]?.logprobs?.top_logprobs?.[0] ?? {});
      tokenIds = keys.includes("token_id:0") && keys.includes("token_id:1");
    } catch { tokenIds = false; }
    return {
      server: "vllm", version: version.version, servedModel: m.id,
      // vLLM reports the served name, the model it was loaded from (root: a hub id or a path) and its context;
      // not a revision or a hash of the weights — pin --model-sha256 when the root can change under the same name.
      identity: { id: m.id, root: m.root ?? null, max_model_len: m.max_model_len ?? null },
      concurrency: 16, template: true, vocabSize: null,
      raw: { version, models, tokenIds },
    };
  },

  logprobs: (p) => (p.raw.tokenIds === true ? "token-ids" : "top-k"),

  async renderChat(e, p, messages) {
    const r = await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, messages, add_generation_prompt: true, add_special_tokens: false });
    const text = await e.call<{ prompt: string }>("/detokenize", { model: p.servedModel, tokens: r.tokens });
    return { text: text.prompt, tokens: r.tokens };
  },

  async tokenizePrompt(e, p, text) {
    return (await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, prompt: text, add_special_tokens: true })).tokens;
  },

  async tokenizePiece(e, p, text) {
    return (await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, prompt: text, add_special_tokens: false })).tokens;
  },

  async complete(e, p, req): Promise<Completion> {
    const d = req.decoding;
    const named = p.raw.tokenIds === true;
    const body = {
      model: p.servedModel, prompt: req.tokens, max_tokens: d.maxTokens, ...neutralSampling(d), top_k: d.topK > 0 ? d.topK : -1, seed: req.seed,
      logprobs: Math.max(1, req.topK), return_tokens_as_token_ids: true, skip_special_tokens: true,
      ...(named ? { logprob_token_ids: req.watched } : {}),
    };
    const r = await e.call<CompletionsReply>("/v1/completions", body);
    const c = r.choices?.[0];
    const top = c?.logprobs?.top_logprobs?.[0];
    if (!c || !top) throw new FatalRequestError("vLLM returned no logprobs for the first response token (is --max-logprobs ≥ the requested k?)");
    const listed = Object.entries(top).flatMap(([k, lp]) => { const t = tokenId(k); return t === null ? [] : [{ token: t, p: Math.exp(lp) }]; });
    // Named: every watched id comes back (a missing one is an error, record.ts); otherwise the list is the top k.
    return { first: { listed, complete: false, topK: !named }, text: c.text, generatedTokens: r.usage?.completion_tokens ?? (c.logprobs?.tokens?.length ?? 0) };
  },
};
