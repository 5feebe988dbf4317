// Every backend against the same contract: the tiny real GGUF, a planted GGUF, and planted ONNX directories
// (fp32, fp16, with a KV cache) built here. Plus: a missing or malformed ONNX dir → one clear error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { loadBackend, preflight } from "../../../src/backends/index.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { writePlantedGguf, lawVocab } from "../../../src/plant/index.ts";
import { ModelError } from "../../../src/errors.ts";
import { tinyGguf } from "../../helpers/shared.ts";
import { backendContract } from "./contract.ts";
import { contractLaw, contractPrompts, watchFor } from "../onnx/laws.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-contract-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const tiny = tinyGguf();
backendContract("llama.cpp on the tiny GGUF", () => loadLlamaCpp(tiny.path, { sequences: 6 }), { skip: tiny.skip, vocabSize: 32000 });

const plantedGguf = writePlantedGguf(contractLaw, join(tmp, "planted.gguf")).path;
backendContract("llama.cpp on a planted GGUF", () => loadLlamaCpp(plantedGguf), { prompts: contractPrompts, watch: watchFor(contractLaw), vocabSize: lawVocab(contractLaw).pieces.length });

const planted = writePlantedOnnx(contractLaw, join(tmp, "planted-onnx"), { fp16: true });
backendContract("transformers.js on a planted ONNX (fp32)", () => loadTransformers(planted.dir, { batch: 4 }), { prompts: contractPrompts, watch: watchFor(contractLaw), vocabSize: planted.vocabSize });
backendContract("transformers.js on a planted ONNX (fp16)", () => loadTransformers(planted.dir, { batch: 3, dtype: "fp16" }), { prompts: contractPrompts, watch: watchFor(contractLaw), vocabSize: planted.vocabSize });
const cached = writePlantedOnnx(contractLaw, join(tmp, "planted-onnx-kv"), { kvCache: true });
backendContract("transformers.js on a planted ONNX with a KV cache", () => loadTransformers(cached.dir, { batch: 4 }), { prompts: contractPrompts, watch: watchFor(contractLaw), vocabSize: cached.vocabSize });
backendContract("loadBackend picks transformers.js for a directory", () => loadBackend(planted.dir, { batch: 2 }), { prompts: contractPrompts, watch: watchFor(contractLaw) });

test("a missing or malformed ONNX directory gives one clear error", async (t) => {
  const isErr = (code: string, re: RegExp) => (e: unknown) => {
    assert.ok(e instanceof ModelError, `not a ModelError: ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /tokenizer_class|Cannot read properties/);
    return true;
  };
  await t.test("missing directory", async () => {
    await assert.rejects(loadTransformers(join(tmp, "nope")), isErr("MODEL_NOT_FOUND", /not found/));
    await assert.rejects(preflight(join(tmp, "nope")), ModelError); // a non-existent path is taken for a GGUF file
  });
  await t.test("empty directory names every missing file", async () => {
    const dir = join(tmp, "empty");
    mkdirSync(dir);
    await assert.rejects(loadTransformers(dir), isErr("BAD_MODEL", /missing config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model\*\.onnx/));
    await assert.rejects(preflight(dir), isErr("BAD_MODEL", /missing config\.json/));
  });
  await t.test("one missing file is named", async () => {
    const dir = writePlantedOnnx(contractLaw, join(tmp, "no-tokenizer")).dir;
    rmSync(join(dir, "tokenizer_config.json"));
    await assert.rejects(loadTransformers(dir), isErr("BAD_MODEL", /missing tokenizer_config\.json$/));
  });
  await t.test("malformed config.json", async () => {
    const dir = writePlantedOnnx(contractLaw, join(tmp, "bad-config")).dir;
    writeFileSync(join(dir, "config.json"), "{ not json");
    await assert.rejects(loadTransformers(dir), isErr("BAD_MODEL", /config\.json is not valid JSON/));
  });
  await t.test("an onnx file that is not a model", async () => {
    const dir = writePlantedOnnx(contractLaw, join(tmp, "bad-onnx")).dir;
    writeFileSync(join(dir, "onnx", "model.onnx"), "this is not a protobuf");
    await assert.rejects(loadTransformers(dir), isErr("BAD_MODEL", /cannot load .*bad-onnx/));
  });
  await t.test("a file where a directory is expected", async () => {
    const file = join(tmp, "file.onnx");
    writeFileSync(file, "x");
    await assert.rejects(loadTransformers(file), isErr("BAD_MODEL", /is a file, not an ONNX model directory/));
  });
});
