// What differs between servers: how they are probed, render a chat, tokenise, and report first-token
// probabilities. One Dialect per server kind (llamacpp.ts, vllm.ts, sglang.ts); the backend (backend.ts) is shared.
import type { DecodingSettings } from "../../types.ts";
import type { Endpoint } from "./transport.ts";
import type { ServerDistribution } from "./record.ts";

export interface Probe {
  /** "llama.cpp" | "vllm" | "sglang". */
  server: string;
  version: string | null;
  servedModel: string;
  /** Server-reported facts that identify the weights (hashed into the model's identity unless pinned). */
  identity: Record<string, unknown>;
  /** Requests the endpoint runs at once (its slots, where it says). */
  concurrency: number;
  /** The server applies the model's own chat template; false: the model has none, render plain text. */
  template: boolean;
  vocabSize: number | null;
  /** Everything the probe read, kept with the run's provenance. */
  raw: Record<string, unknown>;
}

export interface Completion {
  /** Distribution at the first response position. */
  first: ServerDistribution;
  text: string;
  generatedTokens: number;
}

export interface CompleteRequest {
  tokens: number[];
  decoding: DecodingSettings;
  seed: number;
  /** Watched token ids (for servers that return named tokens' probabilities). */
  watched: number[];
  /** Top-k to list in the record. */
  topK: number;
}

export interface Dialect {
  readonly server: string;
  /** How first-token probabilities are read with this probe. */
  logprobs(p: Probe): "full-vocabulary" | "token-ids" | "top-k";
  /** The chat rendered by the server's template: its text (the trial's prompt) and its tokens. */
  renderChat(e: Endpoint, p: Probe, messages: { role: string; content: string }[]): Promise<{ text: string; tokens: number[] | null }>;
  /** Prompt text → token ids the way the server tokenises a prompt (special tokens added as the model wants). */
  tokenizePrompt(e: Endpoint, p: Probe, text: string, templated: boolean): Promise<number[]>;
  /** Token ids of a piece of text with nothing added (for the watched first tokens). */
  tokenizePiece(e: Endpoint, p: Probe, text: string, mode: "plain" | "no-leading-space"): Promise<number[]>;
  complete(e: Endpoint, p: Probe, req: CompleteRequest): Promise<Completion>;
}

/** Sampling parameters every server gets explicitly: the study's decoding, every other sampler neutral. */
export function neutralSampling(d: DecodingSettings) {
  return { temperature: d.temperature, top_k: d.topK, top_p: d.topP, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };
}
