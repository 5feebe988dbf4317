// The GGUF header check (src/backends/llamaCpp/header.ts): real files pass with facts that add up to their
// size; hostile counts and lengths, truncations and malformed tensor infos fail with our message, before
// llama.cpp sees the file (no llama.cpp is loaded by this test).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkGgufHeader } from "../../../src/backends/llamaCpp/header.ts";
import { assertGguf } from "../../../src/backends/llamaCpp/load.ts";
import { ModelError } from "../../../src/errors.ts";
import { writeGguf, kv } from "../../../src/plant/gguf.ts";
import { writePlantedGguf } from "../../../src/plant/index.ts";
import { tinyGguf } from "../../helpers/shared.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-header-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (buf: Buffer) => { const p = join(tmp, `f${n++}.gguf`); writeFileSync(p, buf); return p; };

/** A hand-built header: magic, version, tensor count, kv count, then `rest`. */
function header(nTensors: bigint, nKv: bigint, rest: Buffer = Buffer.alloc(0), version = 3): Buffer {
  const h = Buffer.alloc(24);
  h.write("GGUF", 0, "latin1");
  h.writeUInt32LE(version, 4);
  h.writeBigUInt64LE(nTensors, 8);
  h.writeBigUInt64LE(nKv, 16);
  return Buffer.concat([h, rest]);
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);

function rejects(path: string, message: RegExp, truncated = false): void {
  assert.throws(() => checkGgufHeader(path), (e: unknown) => {
    assert.ok(e instanceof ModelError, String(e));
    assert.equal(e.code, "BAD_MODEL");
    assert.match(e.message, message);
    assert.ok(e.message.includes(path), "names the file");
    assert.match(e.hint ?? "", truncated ? /did not finish/ : /damaged|not a model/);
    return true;
  });
}

const t = (name: string, dims: number[], values: number[]) => ({ name, dims, data: Float32Array.from(values) });
const small = () => writeGguf([["general.architecture", kv.str("llama")], ["a.strs", kv.strs(["x", "yy", "zzz"])]],
  [t("a", [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), t("b", [3], [1, 2, 3])]);

test("a well-formed file passes; its tensors end at the file's end (within alignment)", () => {
  const buf = small();
  const f = checkGgufHeader(file(buf));
  assert.equal(f.tensors, 2);
  assert.equal(f.metadataEntries, 2);
  assert.equal(f.fileBytes, buf.length);
  // writeGguf pads each tensor to 32 bytes: "a" (32 bytes) then "b" (12 bytes) at offset 32
  assert.equal(f.dataBytes, 32 + 12);
  assert.ok(f.fileBytes - (f.dataStart + f.dataBytes) < 32);
});

test("planted models and the shared tiny model (quantised tensors) pass", { skip: tinyGguf().skip }, () => {
  const planted = writePlantedGguf({ base: 0, triggers: { muslim: 1 }, itemNoise: 0, refusal: "No.", answer: "yes", seed: 1 }, join(tmp, "planted.gguf"));
  const p = checkGgufHeader(planted.path);
  assert.ok(p.fileBytes - (p.dataStart + p.dataBytes) < 32);
  const tiny = checkGgufHeader(tinyGguf().path);
  assert.ok(tiny.tensors > 10);
  assert.ok(tiny.fileBytes - (tiny.dataStart + tiny.dataBytes) < 32, `${tiny.fileBytes} vs ${tiny.dataStart} + ${tiny.dataBytes}`);
});

test("absurd tensor or metadata counts fail at once, naming the counts", () => {
  rejects(file(header(2n ** 63n - 1n, 0n)), /claims 9223372036854775807 tensors and 0 metadata entries, more than a file of 24 bytes can hold/);
  rejects(file(header(0n, 2n ** 64n - 1n, Buffer.alloc(100))), /claims 0 tensors and 18446744073709551615 metadata entries/);
  rejects(file(header(10n ** 7n, 1000n, Buffer.alloc(4096))), /more than a file of 4\.0 KiB can hold/);
});

test("a string, an array or a tensor claiming more bytes than the file has fails", () => {
  rejects(file(header(0n, 1n, Buffer.concat([u64(2n ** 62n), Buffer.alloc(16)]))), /length of metadata key 0 claims 4611686018427387904 bytes/);
  // a string array of 2^40 entries
  rejects(file(header(0n, 1n, Buffer.concat([str("tokenizer.ggml.tokens"), u32(9), u32(8), u64(2n ** 40n), Buffer.alloc(32)]))), /array metadata entry 'tokenizer.ggml.tokens' claims 1099511627776 entries/);
  // one u32 array value claiming 2^50 items
  rejects(file(header(0n, 1n, Buffer.concat([str("k"), u32(9), u32(4), u64(2n ** 50n)]))), /claims 1125899906842624 entries/);
  // a tensor of 2^40 x 2^20 F32 values
  const info = Buffer.concat([str("w"), u32(2), u64(2n ** 40n), u64(2n ** 20n), u32(0), u64(0n)]);
  rejects(file(header(1n, 0n, Buffer.concat([info, Buffer.alloc(64)]))), /tensor 'w' claims 4\.0 EiB of data/);
});

test("truncated files are named as truncated, with how much is there", () => {
  const buf = small();
  const cut = file(buf.subarray(0, buf.length - 30)); // the last 20 bytes are padding
  rejects(cut, /is truncated: its tensors need 44 bytes after the header but only 34 bytes are there \(77\.3%\)/, true);
  rejects(file(buf.subarray(0, 30)), /is truncated: its header claims 2 tensors and 2 metadata entries, more than a file of 30 bytes can hold/, true);
  rejects(file(buf.subarray(0, 120)), /is truncated: the array metadata entry 'a.strs' claims 3 entries of at least 8 bytes, more than the 21 bytes left/, true);
  rejects(file(buf.subarray(0, 180)), /is truncated: it ends inside tensor/, true);
  rejects(file(header(0n, 0n).subarray(0, 12)), /is truncated/, true);
});

test("the shared tiny model cut at 60% is truncated, not a loader error", { skip: tinyGguf().skip }, () => {
  const whole = readFileSync(tinyGguf().path);
  rejects(file(whole.subarray(0, Math.floor(whole.length * 0.6))), /is truncated: its tensors need .* but only .* are there \(\d+\.\d%\)/, true);
});

test("malformed tensor infos and metadata types fail with what is wrong", () => {
  const dims5 = Buffer.concat([str("w"), u32(5), u64(1n), u64(1n), u64(1n), u64(1n), u64(1n), u32(0), u64(0n)]);
  rejects(file(header(1n, 0n, Buffer.concat([dims5, Buffer.alloc(64)]))), /tensor 'w' has 5 dimensions \(at most 4\)/);
  const badType = Buffer.concat([str("w"), u32(1), u64(32n), u32(4), u64(0n)]); // type 4 (Q4_2) was removed from ggml
  rejects(file(header(1n, 0n, Buffer.concat([badType, Buffer.alloc(64)]))), /ggml type 4, which this llama.cpp build does not know/);
  const blocks = Buffer.concat([str("w"), u32(1), u64(33n), u32(2), u64(0n)]); // Q4_0 rows come in blocks of 32
  rejects(file(header(1n, 0n, Buffer.concat([blocks, Buffer.alloc(64)]))), /rows \(33\) are not a multiple of its type's block of 32/);
  const misaligned = Buffer.concat([str("w"), u32(1), u64(1n), u32(0), u64(3n)]);
  rejects(file(header(1n, 0n, Buffer.concat([misaligned, Buffer.alloc(64)]))), /data offset 3 is not a multiple of the alignment 32/);
  rejects(file(header(0n, 1n, Buffer.concat([str("k"), u32(77), Buffer.alloc(16)]))), /metadata entry 'k' has unknown value type 77/);
  rejects(file(header(0n, 1n, Buffer.concat([str("general.alignment"), u32(4), u32(24), Buffer.alloc(16)]))), /general.alignment is 24, not a power of two/);
  rejects(file(header(0n, 0n, Buffer.alloc(8), 1)), /GGUF version 1/);
});

test("assertGguf (the preflight) runs the header check and keeps the plain not-GGUF message", () => {
  const hostile = file(header(2n ** 63n - 1n, 2n ** 63n - 1n));
  assert.throws(() => assertGguf(hostile), /more than a file of 24 bytes can hold/);
  const text = file(Buffer.from("this is not a model at all"));
  assert.throws(() => assertGguf(text), /is not a GGUF file \(it does not start with the GGUF magic bytes\)/);
  assert.throws(() => assertGguf(join(tmp, "missing.gguf")), (e: unknown) => e instanceof ModelError && e.code === "MODEL_NOT_FOUND");
});
