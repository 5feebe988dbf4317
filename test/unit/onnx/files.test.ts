// Model directory checks and the weight-file table, without loading anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertOnnxDir, availableDtypes, modelFileFor, sha256OnnxDir } from "../../../src/backends/transformers-files.ts";
import { ModelError } from "../../../src/errors.ts";

function fakeDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "frh-onnx-files-"));
  mkdirSync(join(dir, "onnx"));
  for (const f of files) writeFileSync(join(dir, f), f.endsWith(".json") ? "{}" : `bytes of ${f}`);
  return dir;
}

test("dtype table follows transformers.js file names", () => {
  const dir = fakeDir(["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx", "onnx/other.onnx"]);
  assert.deepEqual(Object.fromEntries(availableDtypes(dir)), { fp32: "model.onnx", fp16: "model_fp16.onnx", q8: "model_quantized.onnx", q4: "model_q4.onnx" });
  assert.equal(modelFileFor(dir, "q8"), "model_quantized.onnx");
  assert.throws(() => modelFileFor(dir, "int8"), (e: unknown) => e instanceof ModelError && /no int8 weights/.test(e.message) && /q4 \(onnx\/model_q4\.onnx\)/.test(e.hint!));
});

test("assertOnnxDir names exactly what is missing", () => {
  const dir = fakeDir(["config.json", "onnx/model_fp16.onnx"]);
  assert.throws(() => assertOnnxDir(dir), (e: unknown) => e instanceof ModelError && e.code === "BAD_MODEL" && /missing tokenizer\.json, tokenizer_config\.json$/.test(e.message));
  assert.throws(() => assertOnnxDir(join(dir, "absent")), (e: unknown) => e instanceof ModelError && e.code === "MODEL_NOT_FOUND");
  const ok = fakeDir(["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_q4.onnx"]);
  assert.doesNotThrow(() => assertOnnxDir(ok));
});

test("sha256 depends on names and contents of the chosen weights only", async () => {
  const a = fakeDir(["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_fp16.onnx"]);
  const h = await sha256OnnxDir(a, "model.onnx");
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(await sha256OnnxDir(a, "model.onnx"), h);
  writeFileSync(join(a, "onnx/model_fp16.onnx"), "changed"); // not the chosen file
  assert.equal(await sha256OnnxDir(a, "model.onnx"), h);
  writeFileSync(join(a, "onnx/model.onnx_data"), "changed"); // external data of the chosen file
  assert.notEqual(await sha256OnnxDir(a, "model.onnx"), h);
});
