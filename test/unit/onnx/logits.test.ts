// Reducing one logits row: probabilities, top-k by partial selection against a full sort, float16 decoding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Softmax, halfToFloat, rowOf } from "../../../src/backends/transformers-logits.ts";
import { float16Tensor } from "../../../src/plant/onnx-graph.ts";
import { mulberry32 } from "../../../src/util/random.ts";

test("softmax probabilities match a direct computation and sum to 1", () => {
  const row = Float32Array.from([1, 2, 3, -1000, 0.5]);
  const sm = new Softmax(row);
  const z = [...row].reduce((s, v) => s + Math.exp(v), 0);
  for (let i = 0; i < row.length; i++) assert.ok(Math.abs(sm.p(i) - Math.exp(row[i]) / z) < 1e-15);
  assert.equal(sm.p(99), 0);
  assert.equal(sm.argmax(), 2);
  const all = sm.top(1e9);
  assert.equal(all.length, 5);
  assert.ok(Math.abs(all.reduce((s, x) => s + x.p, 0) - 1) < 1e-12);
});

test("partial top-k equals the full sort (ties: lower id first)", () => {
  const rng = mulberry32(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 50 + Math.floor(rng() * 500);
    // few distinct values so ties are common
    const row = Float32Array.from({ length: n }, () => Math.floor(rng() * 20) / 4);
    const sm = new Softmax(row);
    const full = Array.from({ length: n }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
    for (const k of [0, 1, 2, 5, 13, n - 1, n, n + 5]) assert.deepEqual(sm.top(k).map((x) => x.token), full.slice(0, Math.max(0, k)));
  }
});

test("half-precision bits decode exactly and round-trip the writer's conversion", () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  const values = [0, 1, -1, 0.5, -100, 3.14159, 1e-5, 2.5, -0.75, 65504];
  const t = float16Tensor("x", [values.length], values);
  const bits = new Uint16Array(t.rawData!.slice().buffer);
  values.forEach((v, i) => assert.ok(Math.abs(halfToFloat(bits[i]) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -24, `${v} → ${halfToFloat(bits[i])}`));
  const row = rowOf(bits, "float16", 1, 5);
  assert.deepEqual([...row], values.slice(5).map((_, i) => halfToFloat(bits[5 + i])));
});
