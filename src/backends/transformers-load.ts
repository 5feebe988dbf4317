// Loading a tokenizer and causal LM through transformers.js, offline for local directories, and the checks that
// turn its opaque failures (missing files, missing CUDA provider) into errors that say what to do.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ModelError } from "../errors.ts";
import { assertOnnxDir } from "./transformers-files.ts";

export type TJs = typeof import("@huggingface/transformers");

/** The parts of a transformers.js tokenizer the backend uses. */
export interface Tokenizer {
  chat_template: unknown;
  eos_token_id?: number;
  pad_token_id?: number;
  unk_token_id?: number;
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], opts?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: { role: string; content: string }[], opts: { tokenize: false; add_generation_prompt: boolean }): unknown;
}

/** The parts of a transformers.js causal LM the backend uses. */
export interface Model {
  config: unknown;
  generation_config: unknown;
  sessions: Record<string, { inputNames: string[] } | undefined>;
  forward(inputs: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

/** cpu: always. cuda: onnxruntime-node's CUDA 12 provider, fetched by its install script. webgpu: bundled (Dawn on Vulkan). */
const DEVICES = ["cpu", "cuda", "webgpu"];

/** Why `device` cannot work in this installation, or null. Checked before a session is created. */
export function cudaProblem(device: string): { message: string; hint: string } | null {
  if (device === "cpu" || device === "webgpu") return null;
  if (!DEVICES.includes(device)) return { message: `unknown ONNX device '${device}'`, hint: `use one of: ${DEVICES.join(", ")}` };
  if (process.platform !== "linux" || process.arch !== "x64") {
    return { message: `onnxruntime-node ships CUDA only for linux-x64 (this is ${process.platform}-${process.arch})`, hint: "run with --device cpu" };
  }
  const dir = bindingDir();
  const lib = dir && join(dir, "libonnxruntime_providers_cuda.so");
  if (!lib || !existsSync(lib)) {
    return {
      message: `onnxruntime-node has no CUDA execution provider: ${lib ?? "libonnxruntime_providers_cuda.so"} is missing`,
      hint: "reinstall onnxruntime-node with its install script enabled (unset ONNXRUNTIME_NODE_INSTALL=skip / onnxruntime-node-install=skip) so it fetches the CUDA 12 provider, with CUDA 12 and cuDNN 9 libraries on the library path; or run with --device cpu",
    };
  }
  return null;
}

function bindingDir(): string | null {
  try {
    const root = dirname(dirname(createRequire(import.meta.url).resolve("onnxruntime-node")));
    const bin = join(root, "bin");
    for (const napi of readdirSync(bin).sort().reverse()) {
      const d = join(bin, napi, "linux", "x64");
      if (existsSync(join(d, "onnxruntime_binding.node"))) return d;
    }
  } catch {
    // no binding folder: reported as a missing provider
  }
  return null;
}

let transformers: Promise<TJs> | null = null;
function importTransformers(): Promise<TJs> {
  transformers ??= import("@huggingface/transformers");
  return transformers;
}

export interface Loaded {
  T: TJs;
  tokenizer: Tokenizer;
  model: Model;
  /** The directory the files were read from (for hf: ids, the download cache), when it can be located. */
  localDir: string | null;
}

export async function loadModel(where: { dir: string } | { remoteId: string; cacheDir?: string }, device: string, dtype: string): Promise<Loaded> {
  const T = await importTransformers();
  const remote = "remoteId" in where;
  // env is global to transformers.js, so it is set right before each load.
  T.env.allowLocalModels = !remote;
  T.env.allowRemoteModels = remote;
  let id: string;
  if (remote) {
    id = where.remoteId;
    if (where.cacheDir) T.env.cacheDir = where.cacheDir;
  } else {
    // An absolute path is never a valid hub id, so transformers.js reads it as a path (a basename with "--" or
    // spaces would not pass as an id under env.localModelPath).
    T.env.localModelPath = dirname(where.dir) + "/";
    id = where.dir;
  }
  const label = remote ? `hf:${id}` : where.dir;
  let tokenizer: Tokenizer;
  try {
    tokenizer = (await T.AutoTokenizer.from_pretrained(id, { local_files_only: !remote })) as unknown as Tokenizer;
  } catch (e) {
    throw new ModelError(remote ? "MODEL_NOT_FOUND" : "BAD_MODEL", `cannot load the tokenizer of ${label}: ${(e as Error).message}`, remote ? "check the model id and your network" : "tokenizer.json / tokenizer_config.json may be malformed");
  }
  let model: Model;
  try {
    model = (await T.AutoModelForCausalLM.from_pretrained(id, { dtype: dtype as never, device: device as never, local_files_only: !remote })) as unknown as Model;
  } catch (e) {
    const msg = (e as Error).message;
    const hint = device === "cuda" ? "the CUDA provider failed to start: check CUDA 12 / cuDNN 9 libraries, or run with --device cpu"
      : device === "webgpu" ? "WebGPU runs through Dawn on Vulkan: it needs libvulkan.so.1 and the GPU's Vulkan driver (ICD); or run with --device cpu"
      : "the onnx file may be truncated, or of an architecture transformers.js does not know";
    throw new ModelError(device === "cpu" ? "BAD_MODEL" : "BACKEND", `cannot load ${label} (${dtype}, ${device}): ${firstLine(msg)}`, hint);
  }
  let localDir: string | null = remote ? null : where.dir;
  if (remote) {
    const guess = join(T.env.cacheDir ?? "", id);
    try {
      assertOnnxDir(guess);
      localDir = guess;
    } catch {
      localDir = null;
    }
  }
  return { T, tokenizer, model, localDir };
}

/** onnxruntime's messages carry source paths and lambdas; the gist is enough. */
function firstLine(msg: string): string {
  const gist = msg.match(/(Failed to [^\n]*|No supported adapters[^\n]*)/)?.[1];
  return gist ?? msg.split("\n")[0].slice(0, 400);
}
