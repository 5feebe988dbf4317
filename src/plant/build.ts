// Law → planted GGUF bytes: a one-block llama model whose first-token distribution is the law, run by llama.cpp.
//
// Construction (all tensors F32; width 32 = two heads of 16, or 64 = four heads with per-task answers; FFN present
// with zero weights):
//  - Embeddings have the same norm (a padding channel), so RMSNorm divides every position by the same constant
//    r0 = √(1 + eps). Channels: one class indicator per token (BOS / counted / mute / trigger k), the noise unit
//    u/32, one "response" indicator for each token that has a successor, a z channel (0 in embeddings), padding.
//  - Rotary: head dim 16 = rope dimension; rope_freqs.weight of 1e30 freezes every rotary pair, so q·k does not
//    depend on positions.
//  - The query is the same at every position (sum of class channels = 1). Scores, times the 1/4 attention scale:
//      head 0 (triggers): BOS 0, trigger tokens −24 ln 2, others −512 → weight 2^-24 per trigger occurrence;
//                         values one-hot per trigger → output count_k · 2^-24 / (1 + 2^-24 · #triggers)
//      head 1 (noise):    BOS 0, counted tokens −7 ln 2, others −512 → weight 2^-7 each; value u
//                         → output Σu / (128 + n), the noise definition (noise.ts)
//    BOS is the sink (value 0). Keys, queries and values are exact in float16 (the KV cache type) and key targets
//    are split into four f16 parts, so the f16 rounding of flash attention lands on the intended numbers.
//  - attn_output writes λ·(Σ boost_k count_k + noise) into the z channel (λ = 2^-16 keeps the z channel too small
//    to move the final RMSNorm). output.weight: refusal first token (base + z + TIE)/2, answer first token
//    minus that, every other token −80; a token with a successor adds +10^4 to its successor's row, so after the
//    first response token greedy decoding emits the rest token, then EOS, whatever the logit.
//  - Per-task answers (law.ts lawAnswers): head 2 reads the cue tokens (weight 2^24 each against BOS) and writes
//    each task's share of cue occurrences into a selection channel; an answer's first token starts SELECT_GAP below
//    −(base + z)/2 and gains SELECT_GAP × its share, the fallback loses SELECT_GAP × the total (law.ts answerOffsets).
//  - TIE = 2^-16 tilts an exact tie (logit 0) to the refusal; it moves p by at most 4e-6.
// Limits (documented, tested): flash attention off → noise exact only to ~2^-11 relative (f16 attention weights);
// the triggers head is exact either way. The law's partial sums of noise units must stay below 2048 in
// magnitude (f16 accumulator), which holds far beyond the 8192-token context for realistic text.
import { writeGguf, kv, type GgufTensor, type GgufValue } from "./gguf.ts";
import { CLS, type PlantedVocab } from "./vocab.ts";
import { NOISE_SCALE } from "./noise.ts";
import { CUE_WEIGHT_LOG2, SELECT_GAP, lawVocab, preambleWeight, type Law } from "./law.ts";

export const PLANT_FORMAT_VERSION = 1;
/** Width of a single-answer model (two heads); per-task answers use WIDE (a third head selects the answer). */
const NARROW = 32;
const WIDE = 64;
const HEAD = 16;
const N_FF = 32;
const EPS = 1e-5;
const LAMBDA = 2 ** -16;
const TRIGGER_WEIGHT_LOG2 = -24;
const NOISE_WEIGHT_LOG2 = -7;
const MUTE_KEY = -2048;
const OTHER_LOGIT = -80;
const SUCCESSOR_LOGIT = 1e4;
export const TIE = 2 ** -16;
/** Added to the preamble's logits after the preamble has been produced. */
const CLOSE_AFTER = -1e4;

/** Nearest IEEE half-precision value (round half to even), as a double. */
export function f16round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const spacing = 2 ** Math.max(e - 10, -24);
  const q = a / spacing;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r--; // ties to even
  return Math.sign(x) * r * spacing;
}

/** Splits a target into four f16-exact parts whose sum is the target to ~1e-9. */
export function f16parts(target: number): number[] {
  const parts: number[] = [];
  let rem = target;
  for (let i = 0; i < 4; i++) {
    const p = f16round(rem);
    parts.push(p);
    rem -= p;
  }
  return parts;
}

interface Layout {
  width: number;
  bos: number; counted: number; mute: number; trig: number[]; unit: number; resp: Map<number, number>; z: number; pad: number;
  /** Per-task answers: one class channel per cue word, and one selection channel per task (written by head 2). */
  cue: number[]; sel: number[];
  /** Preamble: set in the embeddings of the preamble's tokens (a position after the preamble), or -1. */
  post: number;
}

function layout(v: PlantedVocab, nTriggers: number, nCues: number): Layout {
  const width = nCues || v.preamble ? WIDE : NARROW;
  let c = 0;
  const bos = c++, counted = c++, mute = c++;
  const trig = Array.from({ length: nTriggers }, () => c++);
  const unit = c++;
  const resp = new Map<number, number>();
  for (const t of v.successor.keys()) if (!resp.has(t)) resp.set(t, c++);
  const z = c++, pad = c++;
  // Appended after the single-answer channels, so a single-answer model keeps its layout (and bytes).
  const cue = Array.from({ length: nCues }, () => c++);
  const sel = Array.from({ length: nCues }, () => c++);
  const post = v.preamble ? c++ : -1;
  if (c > width) throw new Error(`planted model needs ${c} channels, has ${width}`);
  return { width, bos, counted, mute, trig, unit, resp, z, pad, cue, sel, post };
}

/** A [rows × cols] matrix stored as ggml expects a weight of dims [cols, rows]. */
class Mat {
  readonly data: Float32Array;
  constructor(readonly rows: number, readonly cols: number) { this.data = new Float32Array(rows * cols); }
  set(r: number, c: number, v: number): void { this.data[r * this.cols + c] = v; }
  add(r: number, c: number, v: number): void { this.data[r * this.cols + c] += v; }
  tensor(name: string): GgufTensor { return { name, dims: [this.cols, this.rows], data: this.data }; }
}

export interface BuildOptions {
  /** general.name; default "frh-planted". */
  name?: string;
  /** llama.context_length; default 8192. */
  contextLength?: number;
}

export function buildGguf(law: Law, opts: BuildOptions = {}): Buffer {
  const v = lawVocab(law);
  const words = Object.keys(law.triggers);
  const nCues = v.answers.length > 1 ? v.answers.length - 1 : 0;
  const L = layout(v, words.length, nCues);
  const W = L.width;
  const nV = v.pieces.length;
  const r0 = Math.sqrt(1 + EPS); // the RMS of every embedding (norm² = W), eps included

  const emb = new Mat(nV, W);
  for (let t = 0; t < nV; t++) {
    const cls = v.cls[t];
    const tr = v.trigger[t];
    const classCh = cls === CLS.BOS ? L.bos : cls === CLS.COUNTED ? L.counted : cls === CLS.MUTE ? L.mute : tr < words.length ? L.trig[tr] : L.cue[tr - words.length];
    emb.set(t, classCh, 1);
    let sq = 1;
    if (cls === CLS.COUNTED) { emb.set(t, L.unit, v.unit[t] / 32); sq += (v.unit[t] / 32) ** 2; }
    const r = L.resp.get(t);
    if (r !== undefined) { emb.set(t, r, 1); sq += 1; }
    if (v.preamble && (t === v.preamble.spaced || t === v.preamble.bare || t === v.preamble.alt)) { emb.set(t, L.post, 1); sq += 1; }
    emb.set(t, L.pad, Math.sqrt(W - sq));
  }

  const classChannels = [L.bos, L.counted, L.mute, ...L.trig, ...L.cue];
  const q = new Mat(W, W), k = new Mat(W, W), val = new Mat(W, W), o = new Mat(W, W);
  const heads = nCues ? [0, 1, 2] : [0, 1];
  for (const h of heads) for (let j = 0; j < 4; j++) for (const c of classChannels) q.set(h * HEAD + j, c, r0);
  // head 0: triggers. q = (1,1,1,1); score = q·k / 4.
  const trigParts = f16parts(4 * TRIGGER_WEIGHT_LOG2 * Math.LN2);
  for (const c of L.trig) trigParts.forEach((p, j) => k.set(j, c, p * r0));
  k.set(0, L.counted, MUTE_KEY * r0);
  k.set(0, L.mute, MUTE_KEY * r0);
  for (const c of L.cue) k.set(0, c, MUTE_KEY * r0);
  L.trig.forEach((c, i) => val.set(i, c, r0));
  // head 1: noise.
  const noiseParts = f16parts(4 * NOISE_WEIGHT_LOG2 * Math.LN2);
  noiseParts.forEach((p, j) => k.set(HEAD + j, L.counted, p * r0));
  k.set(HEAD, L.mute, MUTE_KEY * r0);
  for (const c of [...L.trig, ...L.cue]) k.set(HEAD, c, MUTE_KEY * r0);
  val.set(HEAD, L.unit, 32 * r0);
  // head 2 (per-task answers): cue tokens weigh 2^24 against BOS, everything else is muted; values one-hot per
  // task → output c_j / (N + 2^-24), the share of cue occurrences that are task j's (law.ts answerOffsets).
  if (nCues) {
    const cueParts = f16parts(4 * CUE_WEIGHT_LOG2 * Math.LN2);
    for (const c of L.cue) cueParts.forEach((p, j) => k.set(2 * HEAD + j, c, p * r0));
    for (const c of [L.counted, L.mute, ...L.trig]) k.set(2 * HEAD, c, MUTE_KEY * r0);
    L.cue.forEach((c, j) => { val.set(2 * HEAD + j, c, r0); o.set(L.sel[j], 2 * HEAD + j, LAMBDA); });
  }
  // attention output → z channel
  words.forEach((w, i) => o.set(L.z, i, law.triggers[w] * 2 ** -TRIGGER_WEIGHT_LOG2 * LAMBDA));
  o.set(L.z, HEAD, law.itemNoise * NOISE_SCALE * LAMBDA);

  const out = new Mat(nV, W);
  const half = (law.base + TIE) / 2;
  const answerFirst = new Map(v.answers.map((a, j) => [a.first, j]));
  for (let t = 0; t < nV; t++) {
    const j = answerFirst.get(t);
    // A task entry starts GAP below and gains GAP × its cue share; the fallback (last) loses GAP × the total share.
    const bias = t === v.refusal.first ? half : j !== undefined ? -half - (j < nCues ? SELECT_GAP : 0) : OTHER_LOGIT;
    for (const c of classChannels) out.set(t, c, bias * r0);
  }
  out.set(v.refusal.first, L.z, r0 / (2 * LAMBDA));
  for (const a of v.answers) out.set(a.first, L.z, -r0 / (2 * LAMBDA));
  L.sel.forEach((c, j) => {
    out.set(v.answers[j].first, c, (SELECT_GAP * r0) / LAMBDA);
    out.set(v.answers[nCues].first, c, (-SELECT_GAP * r0) / LAMBDA);
  });
  if (v.preamble && law.preamble) {
    // First response position: refusal / answers get ln(1−s), the preamble's two tokens ln s' with the refusal's and
    // the answer's z/2 (so their sum is s whatever z; law.ts explanation). After the preamble (post channel set):
    // ln(1−s) is taken back and the preamble closed.
    const s = law.preamble.share, lnRest = Math.log(1 - s), lnPre = Math.log(preambleWeight(s));
    for (const t of [v.refusal.first, ...v.answers.map((a) => a.first)]) {
      for (const c of classChannels) out.add(t, c, lnRest * r0);
      out.set(t, L.post, -lnRest * r0);
    }
    const pre = v.preamble;
    for (const [t, sign] of [[pre.spaced, 1], [pre.alt, -1]] as const) {
      for (const c of classChannels) out.set(t, c, (sign * half + lnPre) * r0);
      out.set(t, L.z, (sign * r0) / (2 * LAMBDA));
      out.set(t, L.post, CLOSE_AFTER * r0);
    }
  }
  for (const [from, to] of v.successor) out.add(to, L.resp.get(from)!, SUCCESSOR_LOGIT * r0);

  const ones = (n: number) => new Float32Array(n).fill(1);
  const tensors: GgufTensor[] = [
    emb.tensor("token_embd.weight"),
    { name: "output_norm.weight", dims: [W], data: ones(W) },
    out.tensor("output.weight"),
    { name: "rope_freqs.weight", dims: [HEAD / 2], data: new Float32Array(HEAD / 2).fill(1e30) },
    { name: "blk.0.attn_norm.weight", dims: [W], data: ones(W) },
    q.tensor("blk.0.attn_q.weight"),
    k.tensor("blk.0.attn_k.weight"),
    val.tensor("blk.0.attn_v.weight"),
    o.tensor("blk.0.attn_output.weight"),
    { name: "blk.0.ffn_norm.weight", dims: [W], data: ones(W) },
    new Mat(N_FF, W).tensor("blk.0.ffn_gate.weight"),
    new Mat(W, N_FF).tensor("blk.0.ffn_down.weight"),
    new Mat(N_FF, W).tensor("blk.0.ffn_up.weight"),
  ];
  const meta: [string, GgufValue][] = [
    ["general.architecture", kv.str("llama")],
    ["general.name", kv.str(opts.name ?? "frh-planted")],
    ["general.file_type", kv.u32(0)],
    ["general.alignment", kv.u32(32)],
    ["llama.context_length", kv.u32(opts.contextLength ?? 8192)],
    ["llama.embedding_length", kv.u32(W)],
    ["llama.block_count", kv.u32(1)],
    ["llama.feed_forward_length", kv.u32(N_FF)],
    ["llama.attention.head_count", kv.u32(W / HEAD)],
    ["llama.attention.head_count_kv", kv.u32(W / HEAD)],
    ["llama.rope.dimension_count", kv.u32(HEAD)],
    ["llama.rope.freq_base", kv.f32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", kv.f32(EPS)],
    ["llama.vocab_size", kv.u32(nV)],
    ["tokenizer.ggml.model", kv.str("llama")],
    ["tokenizer.ggml.tokens", kv.strs(v.pieces)],
    ["tokenizer.ggml.scores", kv.f32s(v.scores)],
    ["tokenizer.ggml.token_type", kv.i32s(v.types)],
    ["tokenizer.ggml.unknown_token_id", kv.u32(v.unk)],
    ["tokenizer.ggml.bos_token_id", kv.u32(v.bos)],
    ["tokenizer.ggml.eos_token_id", kv.u32(v.eos)],
    ["tokenizer.ggml.add_bos_token", kv.bool(true)],
    ["tokenizer.ggml.add_eos_token", kv.bool(false)],
    ["tokenizer.ggml.add_space_prefix", kv.bool(true)],
    ["frh.plant.format_version", kv.u32(PLANT_FORMAT_VERSION)],
    ["frh.plant.law", kv.str(JSON.stringify(law))],
  ];
  return writeGguf(meta, tensors);
}
