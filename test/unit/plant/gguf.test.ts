import { test } from "node:test";
import assert from "node:assert/strict";
import { readGguf, writeGguf, kv, GgufType, type GgufValue } from "../../../src/plant/gguf.ts";

test("metadata and F32 tensors survive a write/read round trip", () => {
  const meta: [string, GgufValue][] = [
    ["general.architecture", kv.str("llama")],
    ["a.u32", kv.u32(4_000_000_000)],
    ["a.i32", kv.i32(-7)],
    ["a.f32", kv.f32(1e-5)],
    ["a.bool", kv.bool(true)],
    ["a.u64", { type: GgufType.UINT64, value: 2n ** 40n }],
    ["a.f64", { type: GgufType.FLOAT64, value: Math.PI }],
    ["a.strs", kv.strs(["▁Muslim", "<0x0A>", "", "'m sorry, but I can't."])],
    ["a.f32s", kv.f32s([0, -1.5, 3e5])],
    ["a.i32s", kv.i32s([1, 3, 6])],
  ];
  const t1 = { name: "w", dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const t2 = { name: "b", dims: [5], data: Float32Array.from([0.1, -0.2, 1e30, 0, -0]) };
  const buf = writeGguf(meta, [t1, t2]);
  assert.equal(buf.toString("latin1", 0, 4), "GGUF");
  assert.equal(buf.readUInt32LE(4), 3);
  const f = readGguf(buf);
  assert.equal(f.version, 3);
  assert.equal(f.metadata.get("general.architecture")?.value, "llama");
  assert.equal(f.metadata.get("a.u32")?.value, 4_000_000_000);
  assert.equal(f.metadata.get("a.i32")?.value, -7);
  assert.equal(f.metadata.get("a.f32")?.value, Math.fround(1e-5));
  assert.equal(f.metadata.get("a.bool")?.value, true);
  assert.equal(f.metadata.get("a.u64")?.value, 2n ** 40n);
  assert.equal(f.metadata.get("a.f64")?.value, Math.PI);
  assert.deepEqual(f.metadata.get("a.strs"), { type: GgufType.ARRAY, itemType: GgufType.STRING, value: ["▁Muslim", "<0x0A>", "", "'m sorry, but I can't."] });
  assert.deepEqual(f.metadata.get("a.f32s")?.value, [0, -1.5, 3e5]);
  assert.deepEqual(f.metadata.get("a.i32s")?.value, [1, 3, 6]);
  assert.deepEqual(f.tensors.map((t) => [t.name, t.dims, t.type]), [["w", [3, 2], 0], ["b", [5], 0]]);
  assert.deepEqual([...f.tensors[0].data!], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...f.tensors[1].data!], [...t2.data]);
  for (const t of f.tensors) assert.equal(t.offset % 32, 0, "tensor data is 32-byte aligned");
  assert.equal(buf.length % 32, 0);
  assert.deepEqual(writeGguf(meta, [t1, t2]), buf, "same input, same bytes");
});

test("a custom general.alignment is honoured", () => {
  const buf = writeGguf([["general.alignment", kv.u32(64)]], [{ name: "x", dims: [1], data: Float32Array.of(7) }, { name: "y", dims: [2], data: Float32Array.of(8, 9) }]);
  const f = readGguf(buf);
  assert.equal(f.alignment, 64);
  assert.equal(f.tensors[1].offset, 64);
  assert.deepEqual([...f.tensors[1].data!], [8, 9]);
});

test("malformed input gives a clear error", () => {
  assert.throws(() => readGguf(Buffer.from("GGML....")), /bad magic/);
  const buf = writeGguf([["k", kv.strs(["a", "b"])]], [{ name: "x", dims: [4], data: new Float32Array(4) }]);
  assert.throws(() => readGguf(buf.subarray(0, 30)), /truncated/);
  assert.throws(() => readGguf(buf.subarray(0, buf.length - 20)), /past the end/);
  assert.throws(() => writeGguf([], [{ name: "x", dims: [3], data: new Float32Array(2) }]), /2 values for dims/);
});
