// The files of a transformers.js model directory: what must be there, which weight types it offers, its hash.
// Checked before transformers.js sees the directory: a missing file there surfaces as
// "Cannot read properties of undefined (reading 'tokenizer_class')", which tells the user nothing.
import { existsSync, readdirSync, readFileSync, statSync, createReadStream, openSync, readSync, closeSync, fstatSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ModelError } from "../errors.ts";

const REQUIRED = ["config.json", "tokenizer.json", "tokenizer_config.json"];
const LAYOUT = "a model directory holds config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (or onnx/model_<dtype>.onnx)";

/** transformers.js's file suffix per dtype (DEFAULT_DTYPE_SUFFIX_MAPPING in its utils/dtypes.js). */
export const DTYPE_SUFFIX: Record<string, string> = {
  fp32: "", fp16: "_fp16", q8: "_quantized", int8: "_int8", uint8: "_uint8", q4: "_q4", q4f16: "_q4f16", bnb4: "_bnb4",
};

/** dtype → onnx file name, for the weight types this directory offers. */
export function availableDtypes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const onnxDir = join(dir, "onnx");
  const names = existsSync(onnxDir) ? new Set(readdirSync(onnxDir)) : new Set<string>();
  for (const [dtype, suffix] of Object.entries(DTYPE_SUFFIX)) if (names.has(`model${suffix}.onnx`)) out.set(dtype, `model${suffix}.onnx`);
  return out;
}

export function assertOnnxDir(dir: string): void {
  if (!existsSync(dir)) throw new ModelError("MODEL_NOT_FOUND", `ONNX model directory not found: ${dir}`, `check the path; ${LAYOUT}`);
  if (!statSync(dir).isDirectory()) throw new ModelError("BAD_MODEL", `${dir} is a file, not an ONNX model directory`, `for GGUF pass a .gguf file; ${LAYOUT}`);
  const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)));
  if (availableDtypes(dir).size === 0) missing.push("onnx/model*.onnx");
  if (missing.length) throw new ModelError("BAD_MODEL", `${dir} is not a transformers.js model directory: missing ${missing.join(", ")}`, LAYOUT);
  for (const f of ["config.json", "tokenizer_config.json", "tokenizer.json"]) {
    try {
      JSON.parse(readFileSync(join(dir, f), "utf8"));
    } catch (e) {
      throw new ModelError("BAD_MODEL", `${join(dir, f)} is not valid JSON: ${(e as Error).message}`, "re-export or re-download the model directory");
    }
  }
}

/** The onnx file for a dtype, or a clear error listing what the directory offers. */
export function modelFileFor(dir: string, dtype: string): string {
  const have = availableDtypes(dir);
  const file = have.get(dtype);
  if (file) return file;
  const offered = [...have].map(([d, f]) => `${d} (onnx/${f})`).join(", ");
  if (!(dtype in DTYPE_SUFFIX)) throw new ModelError("BAD_MODEL", `unknown dtype '${dtype}'`, `use one of: ${Object.keys(DTYPE_SUFFIX).join(", ")}; this model offers ${offered}`);
  throw new ModelError("BAD_MODEL", `${dir} has no ${dtype} weights (onnx/model${DTYPE_SUFFIX[dtype]}.onnx)`, `this model offers ${offered}: pass --dtype with one of those`);
}

/**
 * sha256 over what determines the numbers: the top-level JSON files and the chosen onnx file with its external
 * data, in sorted name order, each as name, NUL, contents.
 */
export async function sha256OnnxDir(dir: string, onnxFile: string): Promise<string> {
  const h = createHash("sha256");
  const names = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const onnx = readdirSync(join(dir, "onnx")).filter((f) => f === onnxFile || f.startsWith(`${onnxFile}_data`) || f.startsWith(`${onnxFile}.data`)).sort();
  for (const rel of [...names, ...onnx.map((f) => `onnx/${f}`)]) {
    h.update(`${rel}\0`);
    await new Promise<void>((resolve, reject) => {
      createReadStream(join(dir, rel)).on("data", (c) => h.update(c)).on("error", reject).on("end", () => resolve());
    });
  }
  return h.digest("hex");
}

/**
 * Walks the top-level fields of an ONNX ModelProto (tags and lengths only, never the weights): an empty, cut-short
 * or non-ONNX file, or one without a graph, is named here in our words before onnxruntime prints its own error
 * text, and before a run is recorded in the store.
 */
export function checkOnnxFile(path: string): void {
  const bad = (why: string) => new ModelError("BAD_MODEL", `${path} is not a usable ONNX model: ${why}`, "re-export or re-download the model directory (compare the file's size and sha256 with the source's)");
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw bad("the file is empty");
    const buf = Buffer.alloc(16);
    let pos = 0, graph = false;
    const varint = (): bigint => {
      const n = readSync(fd, buf, 0, 10, pos);
      let v = 0n;
      for (let i = 0; i < n; i++) {
        v |= BigInt(buf[i] & 0x7f) << BigInt(7 * i);
        if ((buf[i] & 0x80) === 0) { pos += i + 1; return v; }
      }
      throw bad(`a malformed field at byte ${pos}`);
    };
    while (pos < size) {
      const at = pos;
      const tag = varint();
      const field = Number(tag >> 3n), wire = Number(tag & 7n);
      if (field === 0) throw bad(`a malformed field at byte ${at}`);
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varint();
        if (BigInt(pos) + len > BigInt(size)) throw bad(`field ${field} at byte ${at} needs ${len} bytes but the file ends after ${size - pos}: it is truncated or not ONNX`);
        pos += Number(len);
        if (field === 7) graph = true;
      } else throw bad(`byte ${at} does not start a protobuf field (wire type ${wire}): not an ONNX file`);
      if (pos > size) throw bad("it is truncated");
    }
    if (!graph) throw bad("it has no graph (ModelProto field 7)");
  } finally {
    closeSync(fd);
  }
}
