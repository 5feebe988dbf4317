// llama.cpp's llama-server (tools/server in llama.cpp; API in tools/server/README.md of the same tree).
// Exact first-token probabilities: /completion with n_probs = the vocabulary size returns the probability of
// every token at the first response position (natural-log probabilities of the raw softmax, before sampling:
// post_sampling_probs false). That reply is large (~100 bytes a token), so it is asked for one position only:
// the first call generates one token, the continuation is a second call on the same slot (its prompt cache
// holds the prefix).
import { basename } from "node:path";
import { sha256 } from "../../util/hash.ts";
import { neutralSampling, type CompleteRequest, type Completion, type Dialect, type Probe } from "./dialect.ts";
import { FatalRequestError, type Endpoint } from "./transport.ts";

/** llama-server falls back to this template (common/chat.cpp, CHATML_TEMPLATE_SRC) when the GGUF has none. */
export const LLAMA_SERVER_FALLBACK_TEMPLATE = "{%- for message in messages -%}\n  {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' -}}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n  {{- '<|im_start|>assistant\n' -}}\n{%- endif -%}";

interface Props {
  total_slots?: number; chat_template?: string; build_info?: string; model_path?: string; model_alias?: string;
  bos_token?: string; default_generation_settings?: { n_ctx?: number };
}
interface Models { data?: { id: string; owned_by?: string; meta?: Record<string, unknown> }[] }
interface TokenizeReply { tokens: (number | { id: number })[] }
interface CompletionReply {
  content: string; tokens?: number[]; id_slot?: number; stop_type?: string; tokens_predicted?: number;
  completion_probabilities?: { id: number; logprob: number; top_logprobs?: { id: number; token: string; logprob: number }[] }[];
}

/** Tokens of "\n" per endpoint (the same for every piece). */
const newline = new WeakMap<Endpoint, Promise<number[]>>();

async function tryGet<T>(e: Endpoint, path: string): Promise<T | null> {
  try { return await e.call<T>(path); } catch { return null; }
}

export const llamaCpp: Dialect & { probe(e: Endpoint): Promise<Probe | null> } = {
  server: "llama.cpp",

  async probe(e) {
    const props = await tryGet<Props>(e, "/props");
    if (!props || (props.build_info === undefined && props.total_slots === undefined)) return null;
    const models = await tryGet<Models>(e, "/v1/models");
    const health = await tryGet<unknown>(e, "/health");
    const slots = await tryGet<unknown[]>(e, "/slots");
    // A vocabulary that adds a space prefix (SentencePiece) shows it on a lone "a"; llama.cpp's own detokenizer
    // (what the in-process backend's text is) then drops the leading space of a response's first piece.
    let spacePrefix = false;
    try {
      const r = await e.call<{ tokens: { id: number; piece: string }[] }>("/tokenize", { content: "a", add_special: false, parse_special: false, with_pieces: true });
      spacePrefix = r.tokens?.[0]?.piece?.startsWith(" ") ?? false;
    } catch { /* older server: keep the text as sent */ }
    const model = models?.data?.[0];
    const meta = model?.meta ?? {};
    const template = props.chat_template ?? "";
    return {
      server: "llama.cpp",
      version: props.build_info ?? null,
      servedModel: model?.id ?? props.model_alias ?? "",
      // What llama-server reports about the weights: the GGUF's shape and size, its file name, its chat template.
      identity: {
        file: props.model_path ? basename(props.model_path) : null,
        n_vocab: meta.n_vocab ?? null, n_ctx_train: meta.n_ctx_train ?? null, n_embd: meta.n_embd ?? null,
        n_params: meta.n_params ?? null, size: meta.size ?? null, ftype: meta.ftype ?? null, vocab_type: meta.vocab_type ?? null,
        chat_template_sha256: sha256(template),
      },
      concurrency: Array.isArray(slots) && slots.length ? slots.length : props.total_slots ?? 1,
      template: template !== "" && template !== LLAMA_SERVER_FALLBACK_TEMPLATE,
      vocabSize: typeof meta.n_vocab === "number" ? meta.n_vocab : null,
      raw: { spacePrefix, props: { ...props, chat_template: undefined, chat_template_sha256: sha256(template) }, models, health, slots: Array.isArray(slots) ? slots.length : null },
    };
  },

  logprobs: () => "full-vocabulary",

  async renderChat(e, _p, messages) {
    const r = await e.call<{ prompt: string }>("/apply-template", { messages });
    if (typeof r.prompt !== "string") throw new FatalRequestError("/apply-template returned no prompt");
    return { text: r.prompt, tokens: null };
  },

  async tokenizePrompt(e, _p, text, templated) {
    // A templated prompt holds special tokens as text (as /v1/chat/completions parses them); a plain one does not.
    const r = await e.call<TokenizeReply>("/tokenize", { content: text, add_special: true, parse_special: templated });
    return ids(r);
  },

  async tokenizePiece(e, _p, text, mode) {
    const tok = async (content: string) => ids(await e.call<TokenizeReply>("/tokenize", { content, add_special: false, parse_special: false }));
    if (mode === "plain") return tok(text);
    // Same trick as node-llama-cpp's "trimLeadingSpace" (LlamaModel.tokenize): tokenise "\n" + text and drop the
    // tokens of "\n", so a SentencePiece vocabulary adds no leading space to the text.
    let nlp = newline.get(e);
    if (!nlp) { nlp = tok("\n"); newline.set(e, nlp); nlp.catch(() => newline.delete(e)); }
    const nl = await nlp;
    const both = await tok("\n" + text);
    if (nl.length > 0 && nl.every((t, i) => both[i] === t)) return both.slice(nl.length);
    return tok(text);
  },

  async complete(e, p, req): Promise<Completion> {
    const d = req.decoding;
    const sampling = {
      ...neutralSampling(d), repeat_penalty: 1, typical_p: 1, dry_multiplier: 0, xtc_probability: 0, mirostat: 0, top_n_sigma: -1,
      seed: req.seed, cache_prompt: true, return_tokens: true, post_sampling_probs: false, ignore_eos: false,
    };
    delete (sampling as { repetition_penalty?: number }).repetition_penalty;
    const n = p.vocabSize ?? 0;
    if (n <= 0) throw new FatalRequestError("llama-server did not report its vocabulary size (/v1/models meta.n_vocab)");
    const first = await e.call<CompletionReply>("/completion", { ...sampling, prompt: req.tokens, n_predict: 1, n_probs: n });
    const probs = first.completion_probabilities?.[0]?.top_logprobs;
    if (!probs || probs.length === 0) throw new FatalRequestError("llama-server returned no first-token probabilities (completion_probabilities)");
    const generated = first.tokens ?? [];
    let text = first.content ?? "";
    if (generated.length === 1 && d.maxTokens > 1 && first.stop_type === "limit") {
      const rest = await e.call<CompletionReply>("/completion", {
        ...sampling, prompt: [...req.tokens, generated[0]], n_predict: d.maxTokens - 1, n_probs: 0, id_slot: first.id_slot ?? -1,
      });
      text += rest.content ?? "";
      generated.push(...(rest.tokens ?? []));
    }
    // As llama_detokenize (remove the leading space the tokenizer's space prefix put on the first piece).
    if (p.raw.spacePrefix === true && text.startsWith(" ")) text = text.slice(1);
    return {
      first: { listed: probs.map((t) => ({ token: t.id, p: Math.exp(t.logprob), text: t.token })), complete: probs.length >= n, topK: true },
      text, generatedTokens: generated.length,
    };
  },
};

function ids(r: TokenizeReply): number[] {
  if (!Array.isArray(r.tokens)) throw new FatalRequestError("/tokenize returned no tokens");
  return r.tokens.map((t) => (typeof t === "number" ? t : t.id));
}
