// SGLang (python -m sglang.launch_server). Written from its documented native API — no SGLang runs here, so the
// tests replay recorded replies (test/fixtures/recordings/sglang/):
//  - GET /get_model_info → {model_path, tokenizer_path, is_generation, weight_version, model_type, architectures};
//    GET /get_server_info → server args (max_running_requests, served_model_name, revision, version …)
//    (docs.sglang.ai "SGLang Native APIs"; python/sglang/srt/entrypoints/http_server.py).
//  - POST /tokenize {model, prompt, add_special_tokens} → {tokens, count}; chat rendering goes through the same
//    endpoint with messages where the server accepts them (else frh stops with a clear error).
//  - POST /generate {input_ids, sampling_params, return_logprob, top_logprobs_num, token_ids_logprob} → meta_info
//    with output_top_logprobs and output_token_ids_logprobs: per output position a list of [logprob, token_id,
//    text] (docs.sglang.ai "Sampling Parameters"; GenerateReqInput in python/sglang/srt/managers/io_struct.py).
//    token_ids_logprob gives the exact probabilities of exactly the watched ids.
import { neutralSampling, type CompleteRequest, type Completion, type Dialect, type Probe } from "./dialect.ts";
import { FatalRequestError, type Endpoint } from "./transport.ts";

type Triple = [number, number, string | null];
interface GenerateReply {
  text: string;
  output_ids?: number[];
  meta_info?: { completion_tokens?: number; output_top_logprobs?: Triple[][]; output_token_ids_logprobs?: Triple[][] };
}

export const sglang: Dialect & { probe(e: Endpoint): Promise<Probe | null> } = {
  server: "sglang",

  async probe(e) {
    let info: Record<string, unknown>;
    try { info = await e.call<Record<string, unknown>>("/get_model_info"); } catch { return null; }
    if (typeof info.model_path !== "string") return null;
    let server: Record<string, unknown> = {};
    try { server = await e.call<Record<string, unknown>>("/get_server_info"); } catch { /* optional */ }
    const served = typeof server.served_model_name === "string" ? server.served_model_name : info.model_path;
    return {
      server: "sglang", version: typeof server.version === "string" ? server.version : null, servedModel: served,
      // SGLang reports the path or hub id it loaded, the revision asked for and a weight version label.
      identity: { model_path: info.model_path, revision: server.revision ?? null, weight_version: info.weight_version ?? null, model_type: info.model_type ?? null },
      concurrency: typeof server.max_running_requests === "number" ? Math.min(64, server.max_running_requests) : 16,
      template: true, vocabSize: null,
      raw: { model_info: info, server_info: { max_running_requests: server.max_running_requests ?? null, version: server.version ?? null, revision: server.revision ?? null } },
    };
  },

  logprobs: () => "token-ids",

  async renderChat(e, p, messages) {
    const r = await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, messages, add_generation_prompt: true });
    const text = await e.call<{ text: string }>("/detokenize", { model: p.servedModel, tokens: r.tokens });
    return { text: text.text, tokens: r.tokens };
  },

  async tokenizePrompt(e, p, text) {
    return (await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, prompt: text, add_special_tokens: true })).tokens;
  },

  async tokenizePiece(e, p, text) {
    return (await e.call<{ tokens: number[] }>("/tokenize", { model: p.servedModel, prompt: text, add_special_tokens: false })).tokens;
  },

  async complete(e, _p, req): Promise<Completion> {
    const d = req.decoding;
    const s = neutralSampling(d);
    const r = await e.call<GenerateReply>("/generate", {
      input_ids: req.tokens,
      sampling_params: { max_new_tokens: d.maxTokens, temperature: s.temperature, top_k: d.topK > 0 ? d.topK : -1, top_p: s.top_p, min_p: 0,
        repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0, sampling_seed: req.seed },
      return_logprob: true, top_logprobs_num: Math.max(1, req.topK), token_ids_logprob: req.watched,
    });
    const named = r.meta_info?.output_token_ids_logprobs?.[0];
    if (!named) throw new FatalRequestError("SGLang returned no output_token_ids_logprobs for the first response token");
    const top = r.meta_info?.output_top_logprobs?.[0] ?? [];
    const listed = new Map<number, { token: number; p: number; text?: string }>();
    for (const [lp, id, text] of [...top, ...named]) listed.set(id, { token: id, p: Math.exp(lp), text: text ?? undefined });
    return { first: { listed: [...listed.values()], complete: false, topK: false }, text: r.text, generatedTokens: r.meta_info?.completion_tokens ?? r.output_ids?.length ?? 0 };
  },
};
