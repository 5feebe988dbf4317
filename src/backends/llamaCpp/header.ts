// A GGUF header check run before llama.cpp (or node-llama-cpp's own parser) sees a file. Every count and length
// in the header is compared with the bytes the file actually has, so a hostile or damaged header (2^63 tensors,
// a 1 TB string) fails in milliseconds with our message instead of minutes of allocation, and a truncated file
// (tensor data past the end) is named as truncated instead of surfacing as a native loader log line.
// Reads the header through a small buffer: the tensor data is never read.
import { openSync, readSync, closeSync, fstatSync } from "node:fs";
import { ModelError } from "../../errors.ts";
import { GGUF_MAGIC, GgufType, SCALAR_SIZE, GGML_TYPE_SIZE } from "../../util/gguf-format.ts";

/** What the header says, once it is known to fit the file. */
export interface GgufHeaderFacts {
  version: number;
  tensors: number;
  metadataEntries: number;
  /** Byte offset where tensor data starts. */
  dataStart: number;
  /** Bytes the tensors need after dataStart. */
  dataBytes: number;
  fileBytes: number;
}

const GGML_MAX_DIMS = 4;
const DEFAULT_ALIGNMENT = 32;
/** Smallest possible metadata entry: key length (8) + type (4) + a 1-byte value. */
const MIN_KV_BYTES = 13;
/** Smallest possible tensor info: name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8). */
const MIN_TENSOR_BYTES = 32;
/** More tensors or metadata entries than any real model has (the largest have a few thousand tensors). */
const PLAUSIBLE_COUNT = 1 << 20;
/** More bytes than any real model file has: a claim above it is a damaged header, below it a file cut short. */
const PLAUSIBLE_BYTES = 2n ** 40n;

const REDOWNLOAD = "download the file again and compare its sha256 with the publisher's, or convert the model to GGUF afresh";

export function bytes(n: number | bigint): string {
  const v = Number(n);
  if (v < 1024) return `${v} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let x = v / 1024, i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
}

class HeaderReader {
  pos = 0;
  private buf = Buffer.alloc(1 << 16);
  private bufStart = 0;
  private bufLen = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly fail: (what: string, truncated: boolean) => never) {}

  get left(): number { return this.size - this.pos; }

  /** Makes n bytes at pos available in buf (n ≤ buffer size); a file that ends first is truncated. */
  private ensure(n: number, what: string): number {
    if (this.pos + n > this.size) this.fail(`it ends inside ${what} (byte ${this.pos} of ${this.size})`, true);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.bufLen) {
      if (n > this.buf.length) this.buf = Buffer.alloc(n);
      this.bufStart = this.pos;
      this.bufLen = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
      if (this.bufLen < n) this.fail(`it ends inside ${what} (byte ${this.pos})`, true);
    }
    return this.pos - this.bufStart;
  }
  u32(what: string): number { const o = this.ensure(4, what); this.pos += 4; return this.buf.readUInt32LE(o); }
  u64(what: string): bigint { const o = this.ensure(8, what); this.pos += 8; return this.buf.readBigUInt64LE(o); }
  /** A length or count that must fit in what is left of the file, `unit` bytes each. */
  count(what: string, unit: number): number {
    const n = this.u64(what);
    const need = n * BigInt(unit);
    if (need > BigInt(this.left)) this.fail(`${what} claims ${n}${unit > 1 ? ` entries of at least ${unit} bytes` : " bytes"}, more than the ${bytes(this.left)} left in the file`, need <= PLAUSIBLE_BYTES);
    return Number(n);
  }
  skip(n: number, what: string): void {
    if (this.pos + n > this.size) this.fail(`it ends inside ${what}`, true);
    this.pos += n;
  }
  string(what: string): string {
    const n = this.count(`the length of ${what}`, 1);
    if (n <= 256) { const o = this.ensure(n, what); this.pos += n; return this.buf.toString("utf8", o, o + n); }
    this.skip(n, what);
    return "";
  }
}

/**
 * Walks the header of a GGUF file and checks every count, length, tensor shape and tensor extent against the
 * file's size. Throws ModelError BAD_MODEL (what, why, how to fix) on the first problem.
 */
export function checkGgufHeader(path: string): GgufHeaderFacts {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const fail = (what: string, truncated: boolean): never => {
      throw new ModelError("BAD_MODEL", truncated ? `${path} is truncated: ${what}` : `${path} is not a usable GGUF file: ${what}`,
        truncated ? `the download or copy did not finish: ${REDOWNLOAD}` : `the header is damaged, or the file is not a model: ${REDOWNLOAD}`);
    };
    const r = new HeaderReader(fd, size, fail);
    const magic = Buffer.alloc(4);
    if (readSync(fd, magic, 0, 4, 0) < 4 || magic.toString("latin1") !== GGUF_MAGIC) fail("it does not start with the GGUF magic bytes", false);
    r.pos = 4;
    const version = r.u32("the header");
    if (version !== 2 && version !== 3) fail(`GGUF version ${version} (this llama.cpp reads versions 2 and 3)`, false);
    const nTensors = r.u64("the header");
    const nKv = r.u64("the header");
    if (nTensors * BigInt(MIN_TENSOR_BYTES) + nKv * BigInt(MIN_KV_BYTES) > BigInt(r.left)) {
      // Counts a real model could have (a file cut short) read as truncated; anything larger as a damaged header.
      const plausible = nTensors <= BigInt(PLAUSIBLE_COUNT) && nKv <= BigInt(PLAUSIBLE_COUNT);
      fail(`its header claims ${nTensors} tensors and ${nKv} metadata entries, more than a file of ${bytes(size)} can hold`, plausible);
    }
    let alignment = DEFAULT_ALIGNMENT;
    for (let i = 0; i < Number(nKv); i++) {
      const key = r.string(`metadata key ${i}`);
      const label = `metadata entry '${key || i}'`;
      const type = r.u32(label) as GgufType;
      if (type === GgufType.ARRAY) {
        const item = r.u32(label) as GgufType;
        if (item === GgufType.STRING) {
          const n = r.count(`the array ${label}`, 8);
          for (let j = 0; j < n; j++) r.skip(r.count(`a string in ${label}`, 1), label);
        } else {
          const w = SCALAR_SIZE[item];
          if (w === undefined) fail(`${label} is an array of unknown type ${item}`, false);
          r.skip(r.count(`the array ${label}`, w!) * w!, label);
        }
      } else if (type === GgufType.STRING) {
        r.skip(r.count(`the string ${label}`, 1), label);
      } else {
        const w = SCALAR_SIZE[type];
        if (w === undefined) fail(`${label} has unknown value type ${type}`, false);
        if (key === "general.alignment" && type === GgufType.UINT32) {
          alignment = r.u32(label);
          if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail(`general.alignment is ${alignment}, not a power of two`, false);
        } else r.skip(w!, label);
      }
    }
    let dataBytes = 0n;
    for (let i = 0; i < Number(nTensors); i++) {
      const name = r.string(`tensor name ${i}`);
      const label = `tensor '${name || i}'`;
      const nd = r.u32(label);
      if (nd > GGML_MAX_DIMS) fail(`${label} has ${nd} dimensions (at most ${GGML_MAX_DIMS})`, false);
      let elements = 1n;
      const dims: bigint[] = [];
      for (let j = 0; j < nd; j++) { const d = r.u64(label); dims.push(d); elements *= d; }
      const type = r.u32(label);
      const offset = r.u64(label);
      const traits = GGML_TYPE_SIZE.get(type);
      if (!traits) fail(`${label} has ggml type ${type}, which this llama.cpp build does not know`, false);
      const [block, blockBytes] = traits!;
      if (nd > 0 && dims[0] % BigInt(block) !== 0n) fail(`${label}'s rows (${dims[0]}) are not a multiple of its type's block of ${block}`, false);
      if (offset % BigInt(alignment) !== 0n) fail(`${label}'s data offset ${offset} is not a multiple of the alignment ${alignment}`, false);
      const end = offset + (elements / BigInt(block)) * BigInt(blockBytes);
      // A plausible size past the end is a truncation, reported below with the total; an absurd one, here.
      if (end > BigInt(size) && end > PLAUSIBLE_BYTES) fail(`${label} claims ${bytes(end - offset)} of data at offset ${offset}, beyond the ${bytes(size)} file`, false);
      if (end > dataBytes) dataBytes = end;
    }
    const dataStart = Math.ceil(r.pos / alignment) * alignment;
    if (BigInt(dataStart) + dataBytes > BigInt(size)) {
      const have = Math.max(0, size - dataStart);
      fail(`its tensors need ${bytes(dataBytes)} after the header but only ${bytes(have)} are there (${(100 * have / Number(dataBytes)).toFixed(1)}%)`, true);
    }
    return { version, tensors: Number(nTensors), metadataEntries: Number(nKv), dataStart, dataBytes: Number(dataBytes), fileBytes: size };
  } finally {
    closeSync(fd);
  }
}
