// Picks and loads a backend for a model source. Backends are imported lazily: loading llama.cpp or
// onnxruntime costs time and memory that a command which never touches a model should not pay.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Backend, BackendFallback, EarlyStopRule } from "../types.ts";
import { ModelError, UsageError } from "../errors.ts";
import { DEFAULT_EARLY_STOP, EARLY_STOP_RULES, earlyStopRule } from "../detect/early-stop.ts";
import type { GpuChoice } from "./llamaCpp/index.ts";

export interface BackendOptions {
  gpu?: GpuChoice;
  /** Sequences per batch. */
  batch?: number;
  threads?: number;
  plainTemplate?: string;
  /** Text that starts the assistant turn (study prompt.responsePrefix); part of the rendered prompt. */
  responsePrefix?: string;
  /** ONNX: execution device and weight type. */
  device?: string;
  dtype?: string;
  /** GGUF: generate up to maxTokens even when the outcome is already settled (no early stop). */
  fullText?: boolean;
  /** GGUF: the early-stop rule by name (study `earlyStop`); default first-sentence@1. */
  earlyStop?: string;
  /** Where `hf:` downloads go. */
  cacheDir?: string;
  /** Aborts a model download (the run's stop request: Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** Told once per kind when the backend falls back to a slower equivalent path (the run warns and records it). */
  onFallback?: (f: BackendFallback) => void;
  /** Served models (`openai:` sources): more endpoints of the same model, an identity pin, requests per endpoint. */
  endpoints?: string[];
  modelSha256?: string;
  concurrency?: number;
  /** Served models: per-request timeout in ms. */
  requestTimeoutMs?: number;
  /** Told once per warning (an endpoint leaving the pool). */
  onWarning?: (message: string) => void;
}

export type BackendKind = "llama.cpp" | "transformers.js" | "openai";

/** GGUF files (and hf: URIs naming one) go to llama.cpp; directories (and other hf: ids) to transformers.js. */
export function backendKind(source: string): BackendKind {
  if (source.startsWith("openai:")) return "openai";
  if (source.startsWith("hf:")) return /\.gguf$|:[A-Za-z0-9_]+$/i.test(source) || /gguf/i.test(source) ? "llama.cpp" : "transformers.js";
  if (existsSync(source) && statSync(source).isDirectory()) return "transformers.js";
  return "llama.cpp";
}

export async function loadBackend(source: string, opts: BackendOptions = {}): Promise<Backend> {
  const kind = backendKind(source);
  if (kind === "openai") {
    const { loadOpenAI, apiKeyFromEnv } = await import("./openai/index.ts");
    return loadOpenAI(source, {
      endpoints: opts.endpoints, modelSha256: opts.modelSha256, concurrency: opts.concurrency, plainTemplate: opts.plainTemplate, responsePrefix: opts.responsePrefix,
      timeoutMs: opts.requestTimeoutMs, apiKey: apiKeyFromEnv(), onWarning: opts.onWarning,
    });
  }
  if (kind === "llama.cpp") {
    const earlyStop = opts.fullText ? null : opts.earlyStop ? knownEarlyStop(opts.earlyStop) : DEFAULT_EARLY_STOP;
    const { loadLlamaCpp } = await import("./llamaCpp/index.ts");
    let path = source;
    if (source.startsWith("hf:")) {
      const { resolveHfGguf } = await import("./hf.ts");
      path = await resolveHfGguf(source, { directory: opts.cacheDir ?? "models", signal: opts.signal });
    }
    return loadLlamaCpp(path, {
      gpu: opts.gpu, sequences: opts.batch, threads: opts.threads, plainTemplate: opts.plainTemplate, responsePrefix: opts.responsePrefix,
      earlyStop, onFallback: opts.onFallback,
    });
  }
  const { loadTransformers } = await import("./transformers.ts");
  return loadTransformers(source, { batch: opts.batch, device: opts.device, dtype: opts.dtype, plainTemplate: opts.plainTemplate, responsePrefix: opts.responsePrefix, cacheDir: opts.cacheDir });
}

/** A rule name the caller gave: an unknown one is an error, never silently the default (it is part of trial ids). */
function knownEarlyStop(name: string): EarlyStopRule {
  const rule = earlyStopRule(name);
  if (!rule) throw new UsageError(`unknown early-stop rule '${name}'`, `use one of ${EARLY_STOP_RULES.join(", ")}`);
  return rule;
}

/** Cheap checks before anything is written: the file exists and is of a kind we can load. */
export async function preflight(source: string, opts: { dtype?: string } = {}): Promise<void> {
  if (source.startsWith("hf:")) {
    // hf:<org>/<repo>[/<file>.gguf | :<quant> | nothing (ONNX)]: said before anything is written or fetched
    if (!/^hf:[\w.-]+\/[\w.-]+([/:].+)?$/.test(source)) {
      throw new ModelError("MODEL_NOT_FOUND", `'${source}' is not a model URI`, "write hf:<org>/<repo>/<file>.gguf, hf:<org>/<repo>:<quant> (GGUF) or hf:<org>/<repo> (ONNX)");
    }
    return;
  }
  if (source.startsWith("openai:")) {
    const { parseServerSource } = await import("./openai/index.ts");
    parseServerSource(source);
    return;
  }
  if (backendKind(source) === "llama.cpp") {
    const { assertGguf } = await import("./llamaCpp/index.ts");
    assertGguf(source);
  } else {
    const { assertOnnxDir } = await import("./transformers.ts");
    assertOnnxDir(source);
    // the weights that will load, walked field by field: a damaged file is named before a run is recorded
    const { checkOnnxFile, availableDtypes } = await import("./transformers-files.ts");
    const file = availableDtypes(source).get(opts.dtype ?? "fp32");
    if (file) checkOnnxFile(join(source, "onnx", file));
  }
}
