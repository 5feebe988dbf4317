// Opening a GGUF model: cheap checks first (the file exists, is GGUF, and its header fits the file), then
// llama.cpp. Native log lines are captured while a model loads, so a failure reads as one message in our words
// (with llama.cpp's own line quoted as the detail) instead of raw loader output around it.
import { existsSync, statSync } from "node:fs";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";
import { ModelError } from "../../errors.ts";
import { checkGgufHeader } from "./header.ts";

export type GpuChoice = false | "auto" | "cuda" | "vulkan" | "metal";

/**
 * Checks before anything is written or loaded: the path is a file, starts with the GGUF magic, and every count
 * and size in its header fits the file (header.ts). Milliseconds even for hostile headers.
 */
export function assertGguf(path: string): void {
  if (!existsSync(path)) throw new ModelError("MODEL_NOT_FOUND", `model file not found: ${path}`, "check the path, or use an hf:<org>/<repo>/<file>.gguf URI");
  if (statSync(path).isDirectory()) throw new ModelError("BAD_MODEL", `${path} is a directory, not a GGUF file`, "for ONNX models pass the model directory; for GGUF pass the .gguf file");
  try {
    checkGgufHeader(path);
  } catch (e) {
    if (e instanceof ModelError && /GGUF magic/.test(e.message)) {
      throw new ModelError("BAD_MODEL", `${path} is not a GGUF file (it does not start with the GGUF magic bytes)`, "convert the model to GGUF (llama.cpp's convert_hf_to_gguf.py) or point --model at a .gguf file");
    }
    throw e;
  }
}

/** Open capture buffers: native log lines (error level and above) go to them while a load runs, else to stderr. */
const captures = new Set<string[]>();
function onNativeLog(level: LlamaLogLevel, message: string): void {
  if (captures.size) { for (const c of captures) if (c.length < 100) c.push(message.trim()); return; }
  process.stderr.write(`[llama.cpp ${level}] ${message.trimEnd()}\n`);
}

/** Runs `fn` with native log lines captured; returns its result, or its error with the lines logged meanwhile. */
async function withCapturedLogs<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; logs: string[] }> {
  const logs: string[] = [];
  captures.add(logs);
  try {
    return { value: await fn(), logs };
  } catch (error) {
    // Log lines arrive on the main thread a turn or two after the native call fails.
    await new Promise((r) => setTimeout(r, 20));
    return { error, logs };
  } finally {
    captures.delete(logs);
  }
}

let llamaPromise: Promise<Llama> | null = null;
let llamaGpu: GpuChoice | null = null;

export async function llamaFor(gpu: GpuChoice): Promise<Llama> {
  if (!llamaPromise || llamaGpu !== gpu) {
    llamaGpu = gpu;
    llamaPromise = getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error, logger: onNativeLog }).catch((e) => {
      llamaPromise = null;
      throw new ModelError("BACKEND", `cannot start llama.cpp (${gpu === false ? "CPU" : gpu}): ${(e as Error).message}`, gpu ? "check the GPU drivers, or run on CPU (omit --gpu)" : undefined);
    });
  }
  return llamaPromise;
}

/** Loads the model after assertGguf; a failure names the file and quotes llama.cpp's reason. */
export async function loadModelFile(llama: Llama, path: string, gpu: GpuChoice): Promise<LlamaModel> {
  assertGguf(path);
  const r = await withCapturedLogs(() => llama.loadModel({ modelPath: path, gpuLayers: gpu === false ? 0 : "auto" }));
  if (r.value) return r.value;
  // llama.cpp's reason is on its "error loading model: …" line; the JS error only says "Failed to load model".
  const reason = r.logs.map((l) => /error loading model:\s*(.+)$/.exec(l)?.[1]).find((x) => x);
  const why = reason ?? ((r.error as Error)?.message || String(r.error));
  const arch = /unknown model architecture: '([^']*)'/.exec(why)?.[1];
  throw new ModelError("BAD_MODEL", `llama.cpp could not load ${path}: ${why}`,
    arch !== undefined
      ? `the llama.cpp build inside node-llama-cpp does not support the '${arch}' architecture: use a model of a supported architecture, or a newer node-llama-cpp`
      : "the file may use a tensor type or layout this llama.cpp build does not know (try a newer node-llama-cpp), or be damaged: download it again and compare its sha256 with the publisher's");
}
