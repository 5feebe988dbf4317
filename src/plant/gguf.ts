// A small GGUF v3 writer and reader (ggml/docs/gguf.md): header, typed metadata (scalars, strings, arrays),
// tensor infos, aligned F32 tensor data. Only what the planted models need; the reader also accepts F16 infos
// (it reports them but returns data for F32 tensors only).
import { GGUF_MAGIC, GgufType, SCALAR_SIZE } from "../util/gguf-format.ts";

export { GGUF_MAGIC, GgufType };

export const GGUF_VERSION = 3;
const DEFAULT_ALIGNMENT = 32;

/** ggml tensor types this module names; data is only read or written for F32. */
export enum GgmlType { F32 = 0, F16 = 1 }

export type GgufScalar = { type: Exclude<GgufType, GgufType.ARRAY>; value: number | bigint | boolean | string };
export type GgufArray = { type: GgufType.ARRAY; itemType: Exclude<GgufType, GgufType.ARRAY>; value: (number | bigint | boolean | string)[] };
export type GgufValue = GgufScalar | GgufArray;

/** Shorthands for metadata values. */
export const kv = {
  u32: (value: number): GgufValue => ({ type: GgufType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufType.INT32, value }),
  f32: (value: number): GgufValue => ({ type: GgufType.FLOAT32, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufType.BOOL, value }),
  str: (value: string): GgufValue => ({ type: GgufType.STRING, value }),
  strs: (value: string[]): GgufValue => ({ type: GgufType.ARRAY, itemType: GgufType.STRING, value }),
  f32s: (value: number[]): GgufValue => ({ type: GgufType.ARRAY, itemType: GgufType.FLOAT32, value }),
  i32s: (value: number[]): GgufValue => ({ type: GgufType.ARRAY, itemType: GgufType.INT32, value }),
};

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: number[];
  data: Float32Array;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: { name: string; dims: number[]; type: number; offset: number; data: Float32Array | null }[];
  alignment: number;
}

/** Growable little-endian byte sink. */
class Sink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.length); this.length += 4; }
  u64(v: number | bigint): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length; }
  str(s: string): void { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.bytes(b); }
  pad(alignment: number): void { const n = (alignment - (this.length % alignment)) % alignment; this.ensure(n); this.buf.fill(0, this.length, this.length + n); this.length += n; }
  scalar(type: GgufType, v: number | bigint | boolean | string): void {
    if (type === GgufType.STRING) return this.str(String(v));
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new Error(`gguf: cannot write scalar of type ${type}`);
    this.ensure(size);
    const b = this.buf, o = this.length;
    switch (type) {
      case GgufType.UINT8: b.writeUInt8(Number(v), o); break;
      case GgufType.INT8: b.writeInt8(Number(v), o); break;
      case GgufType.BOOL: b.writeUInt8(v ? 1 : 0, o); break;
      case GgufType.UINT16: b.writeUInt16LE(Number(v), o); break;
      case GgufType.INT16: b.writeInt16LE(Number(v), o); break;
      case GgufType.UINT32: b.writeUInt32LE(Number(v), o); break;
      case GgufType.INT32: b.writeInt32LE(Number(v), o); break;
      case GgufType.FLOAT32: b.writeFloatLE(Number(v), o); break;
      case GgufType.UINT64: b.writeBigUInt64LE(BigInt(v as number), o); break;
      case GgufType.INT64: b.writeBigInt64LE(BigInt(v as number), o); break;
      case GgufType.FLOAT64: b.writeDoubleLE(Number(v), o); break;
    }
    this.length += size;
  }
  result(): Buffer { return this.buf.subarray(0, this.length); }
}

/** Serialises metadata and F32 tensors as GGUF v3; same input → same bytes. */
export function writeGguf(metadata: Map<string, GgufValue> | [string, GgufValue][], tensors: GgufTensor[]): Buffer {
  const meta = metadata instanceof Map ? [...metadata] : metadata;
  const alignEntry = meta.find(([k]) => k === "general.alignment");
  const alignment = alignEntry ? Number(alignEntry[1].value) : DEFAULT_ALIGNMENT;
  const s = new Sink();
  s.bytes(Buffer.from(GGUF_MAGIC, "latin1"));
  s.u32(GGUF_VERSION);
  s.u64(tensors.length);
  s.u64(meta.length);
  for (const [key, value] of meta) {
    s.str(key);
    s.u32(value.type);
    if (value.type === GgufType.ARRAY) {
      s.u32(value.itemType);
      s.u64(value.value.length);
      for (const item of value.value) s.scalar(value.itemType, item);
    } else s.scalar(value.type, value.value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`gguf: tensor ${t.name} has ${t.data.length} values for dims [${t.dims}]`);
    s.str(t.name);
    s.u32(t.dims.length);
    for (const d of t.dims) s.u64(d);
    s.u32(GgmlType.F32);
    s.u64(offset);
    offsets.push(offset);
    offset += Math.ceil((n * 4) / alignment) * alignment;
  }
  s.pad(alignment);
  const dataStart = s.length;
  tensors.forEach((t, i) => {
    s.pad(alignment);
    if (s.length - dataStart !== offsets[i]) throw new Error("gguf: internal offset mismatch");
    s.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
  s.pad(alignment);
  return s.result();
}

/** Parses a GGUF file (v2 or v3) held in memory. Throws Error with the byte offset on malformed input. */
export function readGguf(buf: Buffer): GgufFile {
  let o = 0;
  const need = (n: number) => { if (o + n > buf.length) throw new Error(`gguf: truncated at byte ${o} (needs ${n} more)`); };
  const u32 = () => { need(4); const v = buf.readUInt32LE(o); o += 4; return v; };
  const u64 = () => { need(8); const v = buf.readBigUInt64LE(o); o += 8; if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`gguf: length too large at byte ${o - 8}`); return Number(v); };
  const str = () => { const n = u64(); need(n); const v = buf.toString("utf8", o, o + n); o += n; return v; };
  const scalar = (type: GgufType): number | bigint | boolean | string => {
    if (type === GgufType.STRING) return str();
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new Error(`gguf: unknown value type ${type} at byte ${o}`);
    need(size);
    let v: number | bigint | boolean;
    switch (type) {
      case GgufType.UINT8: v = buf.readUInt8(o); break;
      case GgufType.INT8: v = buf.readInt8(o); break;
      case GgufType.BOOL: v = buf.readUInt8(o) !== 0; break;
      case GgufType.UINT16: v = buf.readUInt16LE(o); break;
      case GgufType.INT16: v = buf.readInt16LE(o); break;
      case GgufType.UINT32: v = buf.readUInt32LE(o); break;
      case GgufType.INT32: v = buf.readInt32LE(o); break;
      case GgufType.FLOAT32: v = buf.readFloatLE(o); break;
      case GgufType.UINT64: v = buf.readBigUInt64LE(o); break;
      case GgufType.INT64: v = buf.readBigInt64LE(o); break;
      default: v = buf.readDoubleLE(o); break;
    }
    o += size;
    return v;
  };
  need(4);
  if (buf.toString("latin1", 0, 4) !== GGUF_MAGIC) throw new Error("gguf: bad magic (not a GGUF file)");
  o = 4;
  const version = u32();
  if (version < 2 || version > 3) throw new Error(`gguf: unsupported version ${version}`);
  const nTensors = u64();
  const nKv = u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32() as GgufType;
    if (type === GgufType.ARRAY) {
      const itemType = u32() as Exclude<GgufType, GgufType.ARRAY>;
      if (itemType === (GgufType.ARRAY as number)) throw new Error(`gguf: nested arrays are not supported (key ${key})`);
      const n = u64();
      const value = new Array(n);
      for (let j = 0; j < n; j++) value[j] = scalar(itemType);
      metadata.set(key, { type, itemType, value });
    } else metadata.set(key, { type, value: scalar(type) } as GgufScalar);
  }
  const alignment = Number(metadata.get("general.alignment")?.value ?? DEFAULT_ALIGNMENT);
  const infos: GgufFile["tensors"] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const dims: number[] = [];
    for (let j = 0; j < nd; j++) dims.push(u64());
    const type = u32();
    const offset = u64();
    infos.push({ name, dims, type, offset, data: null });
  }
  const dataStart = Math.ceil(o / alignment) * alignment;
  for (const t of infos) {
    if (t.type !== GgmlType.F32) continue;
    const n = t.dims.reduce((a, b) => a * b, 1);
    const start = dataStart + t.offset;
    if (start + n * 4 > buf.length) throw new Error(`gguf: tensor ${t.name} data runs past the end of the file`);
    // Copy: the source buffer's offset need not be 4-byte aligned.
    t.data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + n * 4));
  }
  return { version, metadata, tensors: infos, alignment };
}

/** A metadata value as a plain JS value (arrays as arrays), or undefined. */
export function metaValue(file: GgufFile, key: string): unknown {
  return file.metadata.get(key)?.value;
}
