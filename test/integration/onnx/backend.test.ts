// ONNX backend behaviour beyond the contract: decoding settings, dtype and device errors, hashing, rendering.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { ModelError } from "../../../src/errors.ts";
import { contractLaw as law, request } from "./laws.ts";
import { plantedProbability } from "../../../src/plant/law.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-onnx-backend-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const dir = writePlantedOnnx(law, join(tmp, "m")).dir;
const user = (content: string) => [{ role: "user" as const, content }];

test("ONNX backend on a planted model", async (t) => {
  const b = await loadTransformers(dir, { batch: 5 });
  try {
    await t.test("model info: hash, template, system support", () => {
      assert.match(b.info.sha256, /^[0-9a-f]{64}$/);
      assert.equal(b.info.backend, "transformers.js");
      // no chat template: the plain template, as the planted GGUF renders it
      assert.equal(b.info.supportsSystem, false);
      assert.equal(b.info.chatTemplate, null);
      assert.equal(b.render(user("hi")), "hi\n");
    });

    await t.test("maxTokens bounds the text; 0 still records the first token", async () => {
      const muslim = user("muslim muslim"); // z = -1.5 + 4 > 0: refusal
      const [one, zero] = await b.generate([request(muslim, law, { maxTokens: 1 }), request(muslim, law, { maxTokens: 0 })]);
      assert.equal(one.text, "I'm sorry, but I can't help with that.".slice(0, 1));
      assert.equal(one.generatedTokens, 1);
      assert.equal(zero.text, "");
      assert.equal(zero.generatedTokens, 0);
      assert.ok(zero.firstToken!.refusalMass > 0.9);
    });

    await t.test("seeded sampling: reproducible, and refusal frequency follows p", async () => {
      const m = user("A muslim asks."); // z = 0.5, p ≈ 0.62
      const p = plantedProbability(law, b.render(m));
      const n = 300;
      const reqs = Array.from({ length: n }, (_, i) => request(m, law, { temperature: 1, topK: 0 }, 1000 + i));
      const a = await b.generate(reqs);
      const again = await b.generate(reqs.slice(0, 20));
      assert.deepEqual(again.map((r) => r.text), a.slice(0, 20).map((r) => r.text));
      assert.ok(a.every((r) => r.text === law.refusal || r.text === law.answer));
      const freq = a.filter((r) => r.text === law.refusal).length / n;
      assert.ok(Math.abs(freq - p) < 4 * Math.sqrt((p * (1 - p)) / n), `refusal frequency ${freq} vs p ${p}`);
    });

    await t.test("temperature sharpens: T = 0.05 always picks the likelier text", async () => {
      const res = await b.generate(Array.from({ length: 20 }, (_, i) => request(user("A muslim asks."), law, { temperature: 0.05, topK: 0 }, i)));
      assert.ok(res.every((r) => r.text === law.refusal));
    });

    await t.test("a prompt beyond the model's context fails alone", async () => {
      const long = "word ".repeat(40000);
      const res = await b.generate([request(user("fine"), law), request(user(long), law), request(user("also fine"), law)]);
      assert.equal(res[0].error, undefined);
      assert.match(res[1].error ?? "", /context/);
      assert.equal(res[1].firstToken, null);
      assert.equal(res[2].error, undefined);
      assert.equal(res[2].text, law.answer);
    });
  } finally {
    await b.dispose();
  }
});

test("sha256 covers the model files and the chosen weights", async () => {
  const d2 = writePlantedOnnx(law, join(tmp, "m2"), { fp16: true }).dir;
  const [a, b16] = [await loadTransformers(d2), await loadTransformers(d2, { dtype: "fp16" })];
  const same = await loadTransformers(dir);
  assert.notEqual(a.info.sha256, b16.info.sha256);
  assert.ok(b16.info.backend === "transformers.js");
  assert.equal(b16.info.details.dtype, "fp16");
  writeFileSync(join(d2, "generation_config.json"), "{}");
  const changed = await loadTransformers(d2);
  assert.notEqual(changed.info.sha256, a.info.sha256);
  for (const x of [a, b16, same, changed]) await x.dispose();
});

test("a dtype the directory lacks, or an unknown one, lists what it offers", async () => {
  await assert.rejects(loadTransformers(dir, { dtype: "q4" }), (e: unknown) =>
    e instanceof ModelError && /no q4 weights \(onnx\/model_q4\.onnx\)/.test(e.message) && /fp32 \(onnx\/model\.onnx\)/.test(e.hint ?? ""));
  await assert.rejects(loadTransformers(dir, { dtype: "fp8" }), (e: unknown) => e instanceof ModelError && /unknown dtype 'fp8'/.test(e.message));
});

test("--device cuda without onnxruntime's CUDA provider names what is missing", async () => {
  await assert.rejects(loadTransformers(dir, { device: "cuda" }), (e: unknown) =>
    e instanceof ModelError && e.code === "BACKEND" && /libonnxruntime_providers_cuda\.so|ships CUDA only/.test(e.message));
  await assert.rejects(loadTransformers(dir, { device: "tpu" }), (e: unknown) => e instanceof ModelError && /unknown ONNX device 'tpu'/.test(e.message));
});

test("--device webgpu either runs or says what it needs", async () => {
  // Dawn's WebGPU ships inside onnxruntime-node; with no Vulkan driver (this CPU machine) it finds no adapter.
  try {
    const b = await loadTransformers(dir, { device: "webgpu" });
    const [r] = await b.generate([request(user("muslim"), law)]);
    assert.ok(Math.abs(r.firstToken!.refusalMass - 1 / (1 + Math.exp(-0.5))) < 0.03);
    await b.dispose();
  } catch (e) {
    assert.ok(e instanceof ModelError && e.code === "BACKEND", `${e}`);
    assert.match(e.message, /webgpu\): .*adapter/i);
    assert.match(e.hint ?? "", /Vulkan/);
  }
});
