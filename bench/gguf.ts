// A realistic-shape random-weight GGUF for timing (llama architecture, Qwen2.5-0.5B-like shape by default),
// written by a minimal GGUF v3 writer: large matrices Q8_0, norms F32, the Llama-2 vocabulary borrowed from
// ../shared/models/llama-2-tiny-random.gguf.
//
// Random transformer blocks, with one twist so that early stop has something to measure: the embeddings are
// large next to the blocks' output, and the output head holds a bigram chain (a row equal to the predecessor's
// embedding), so greedy decoding after a prompt that ends in "\n" says "neutral, polite and offensive. The answer
// is neutral, …" for as long as it is allowed to (no EOS, like any random model). The compute per token is that of the shape; only the numbers are staged.
import { createWriteStream, existsSync, renameSync, statSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { readGgufFileInfo } from "node-llama-cpp";

export interface Shape { embd: number; blocks: number; heads: number; kvHeads: number; ffn: number }
export const SHAPE_05B: Shape = { embd: 896, blocks: 24, heads: 14, kvHeads: 2, ffn: 4864 };

const GGUF_U32 = 4, GGUF_I32 = 5, GGUF_F32 = 6, GGUF_BOOL = 7, GGUF_STRING = 8, GGUF_ARRAY = 9;
const GGML_F32 = 0, GGML_Q8_0 = 8;
const ALIGN = 32;

class Bytes {
  private parts: Buffer[] = [];
  size = 0;
  push(b: Buffer) { this.parts.push(b); this.size += b.length; }
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  i32(v: number) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v: number) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v: number) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s: string) { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.push(b); }
  done() { return Buffer.concat(this.parts); }
}

type Meta = [string, "u32" | "i32" | "f32" | "bool" | "str", number | string | boolean] | [string, "arr-str", string[]] | [string, "arr-f32", number[]] | [string, "arr-i32", number[]];

function writeMeta(b: Bytes, [key, type, value]: Meta) {
  b.str(key);
  switch (type) {
    case "u32": b.u32(GGUF_U32); b.u32(value as number); break;
    case "i32": b.u32(GGUF_I32); b.i32(value as number); break;
    case "f32": b.u32(GGUF_F32); b.f32(value as number); break;
    case "bool": b.u32(GGUF_BOOL); b.push(Buffer.from([value ? 1 : 0])); break;
    case "str": b.u32(GGUF_STRING); b.str(value as string); break;
    case "arr-str": b.u32(GGUF_ARRAY); b.u32(GGUF_STRING); b.u64((value as string[]).length); for (const s of value as string[]) b.str(s); break;
    case "arr-f32": b.u32(GGUF_ARRAY); b.u32(GGUF_F32); b.u64((value as number[]).length); { const f = Buffer.alloc(4 * (value as number[]).length); (value as number[]).forEach((v, i) => f.writeFloatLE(v, i * 4)); b.push(f); } break;
    case "arr-i32": b.u32(GGUF_ARRAY); b.u32(GGUF_I32); b.u64((value as number[]).length); { const f = Buffer.alloc(4 * (value as number[]).length); (value as number[]).forEach((v, i) => f.writeInt32LE(v, i * 4)); b.push(f); } break;
  }
}

/** float32 → IEEE half bits (normal range; enough for Q8_0 scales). */
export function f16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  let exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  mant = Math.round(mant / 8192);
  if (mant === 1024) { mant = 0; exp++; }
  return sign | (exp << 10) | mant;
}
const h2f = (h: number) => { const e = (h >> 10) & 31, m = h & 1023; return (h & 0x8000 ? -1 : 1) * (e === 0 ? m / 1024 * 2 ** -14 : (1 + m / 1024) * 2 ** (e - 15)); };

interface Tensor { name: string; dims: number[]; type: number; bytes: number; fill: (out: Buffer) => void }

/** Q8_0 rows of uniform random int8 with one scale: std ≈ 73.6 × scale. */
function q8Random(rows: number, cols: number, std: number): Pick<Tensor, "bytes" | "fill"> {
  const blocks = (rows * cols) / 32;
  const d = f16(std / 73.6);
  return {
    bytes: blocks * 34,
    fill: (out) => {
      randomFillSync(out);
      for (let i = 0; i < blocks; i++) out.writeUInt16LE(d, i * 34);
    },
  };
}

function quantizeRowQ8(row: Float32Array, out: Buffer, at: number) {
  for (let b = 0; b < row.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(row[b * 32 + j]));
    const dh = f16(amax / 127), d = h2f(dh);
    out.writeUInt16LE(dh, at + b * 34);
    for (let j = 0; j < 32; j++) out.writeInt8(d ? Math.max(-127, Math.min(127, Math.round(row[b * 32 + j] / d))) : 0, at + b * 34 + 2 + j);
  }
}

function dequantRowQ8(src: Buffer, row: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  const at = row * (cols / 32) * 34;
  for (let b = 0; b < cols / 32; b++) {
    const d = h2f(src.readUInt16LE(at + b * 34));
    for (let j = 0; j < 32; j++) out[b * 32 + j] = d * src.readInt8(at + b * 34 + 2 + j);
  }
  return out;
}

const f32Ones = (n: number): Pick<Tensor, "bytes" | "fill"> => ({ bytes: 4 * n, fill: (out) => { for (let i = 0; i < n; i++) out.writeFloatLE(1, i * 4); } });

/** Writes the model to `path` (via a temporary file). Returns the chain's token ids for the report. */
export async function writeRandomGguf(path: string, vocabFrom: string, shape: Shape = SHAPE_05B): Promise<void> {
  const info = await readGgufFileInfo(vocabFrom);
  const tok = (info.metadata.tokenizer as unknown as { ggml: { tokens: string[]; scores: number[]; token_type: number[]; bos_token_id: number; eos_token_id: number; unknown_token_id: number } }).ggml;
  const V = tok.tokens.length, E = shape.embd, headDim = E / shape.heads, kvDim = headDim * shape.kvHeads;
  const id = (s: string) => { const i = tok.tokens.indexOf(s); if (i < 0) throw new Error(`token ${s} not in the vocabulary`); return i; };
  // successor ← predecessors: "\n" → " neutral, polite and offensive. The answer is neutral, polite and…" — one
  // label word of each bench task (nli, politeness, offensiveness) in the first sentence, as an instruction model
  // that answers would give; every piece is a distinct token, so a bigram table can hold the cycle.
  const cycle = ["▁neutral", ",", "▁pol", "ite", "▁and", "▁off", "ensive", ".", "▁The", "▁answer", "▁is"].map(id);
  const chain: [number, number[]][] = cycle.map((t, i) => [t, i === 0 ? [id("<0x0A>"), cycle[cycle.length - 1]] : [cycle[i - 1]]]);

  const embd = q8Random(V, E, 4);
  let embdBuf: Buffer | null = null;
  const tensors: Tensor[] = [
    { name: "token_embd.weight", dims: [E, V], type: GGML_Q8_0, bytes: embd.bytes, fill: (out) => { embd.fill(out); embdBuf = Buffer.from(out); } },
    { name: "output_norm.weight", dims: [E], type: GGML_F32, ...f32Ones(E) },
    {
      name: "output.weight", dims: [E, V], type: GGML_Q8_0, bytes: embd.bytes, fill: (out) => {
        q8Random(V, E, 0.02).fill(out);
        for (const [succ, preds] of chain) {
          const row = new Float32Array(E);
          for (const p of preds) {
            const e = dequantRowQ8(embdBuf!, p, E);
            const norm = Math.hypot(...e);
            for (let j = 0; j < E; j++) row[j] += e[j] / norm;
          }
          quantizeRowQ8(row, out, succ * (E / 32) * 34);
        }
      },
    },
  ];
  for (let b = 0; b < shape.blocks; b++) {
    const q = (name: string, rows: number, cols: number) => ({ name: `blk.${b}.${name}.weight`, dims: [cols, rows], type: GGML_Q8_0, ...q8Random(rows, cols, 0.02) });
    tensors.push(
      { name: `blk.${b}.attn_norm.weight`, dims: [E], type: GGML_F32, ...f32Ones(E) },
      q("attn_q", E, E), q("attn_k", kvDim, E), q("attn_v", kvDim, E), q("attn_output", E, E),
      { name: `blk.${b}.ffn_norm.weight`, dims: [E], type: GGML_F32, ...f32Ones(E) },
      q("ffn_gate", shape.ffn, E), q("ffn_up", shape.ffn, E), q("ffn_down", E, shape.ffn),
    );
  }
  const meta: Meta[] = [
    ["general.architecture", "str", "llama"], ["general.name", "str", `frh-bench random ${E}x${shape.blocks}`], ["general.file_type", "u32", 7],
    ["general.alignment", "u32", ALIGN],
    ["llama.context_length", "u32", 4096], ["llama.embedding_length", "u32", E], ["llama.block_count", "u32", shape.blocks],
    ["llama.feed_forward_length", "u32", shape.ffn], ["llama.attention.head_count", "u32", shape.heads], ["llama.attention.head_count_kv", "u32", shape.kvHeads],
    ["llama.rope.dimension_count", "u32", headDim], ["llama.attention.layer_norm_rms_epsilon", "f32", 1e-6], ["llama.rope.freq_base", "f32", 1e6], ["llama.vocab_size", "u32", V],
    ["tokenizer.ggml.model", "str", "llama"], ["tokenizer.ggml.tokens", "arr-str", tok.tokens], ["tokenizer.ggml.scores", "arr-f32", tok.scores],
    ["tokenizer.ggml.token_type", "arr-i32", tok.token_type], ["tokenizer.ggml.bos_token_id", "u32", tok.bos_token_id], ["tokenizer.ggml.eos_token_id", "u32", tok.eos_token_id],
    ["tokenizer.ggml.unknown_token_id", "u32", tok.unknown_token_id], ["tokenizer.ggml.add_bos_token", "bool", true],
  ];
  const head = new Bytes();
  head.push(Buffer.from("GGUF", "latin1")); head.u32(3); head.u64(tensors.length); head.u64(meta.length);
  for (const m of meta) writeMeta(head, m);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    head.str(t.name); head.u32(t.dims.length); for (const d of t.dims) head.u64(d); head.u32(t.type); head.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(t.bytes / ALIGN) * ALIGN;
  }
  const tmp = `${path}.tmp`;
  const ws = createWriteStream(tmp);
  const write = (b: Buffer) => new Promise<void>((res, rej) => ws.write(b, (e) => (e ? rej(e) : res())));
  const h = head.done();
  await write(h);
  await write(Buffer.alloc((ALIGN - (h.length % ALIGN)) % ALIGN));
  for (const t of tensors) {
    const buf = Buffer.alloc(Math.ceil(t.bytes / ALIGN) * ALIGN);
    t.fill(buf.subarray(0, t.bytes));
    await write(buf);
  }
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
  renameSync(tmp, path);
}

/** Writes the model unless a file of the expected size is already there. */
export async function ensureRandomGguf(path: string, vocabFrom: string, shape: Shape = SHAPE_05B): Promise<{ path: string; written: boolean; bytes: number }> {
  if (existsSync(path)) return { path, written: false, bytes: statSync(path).size };
  await writeRandomGguf(path, vocabFrom, shape);
  return { path, written: true, bytes: statSync(path).size };
}
