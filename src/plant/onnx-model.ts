// The planted law as an ONNX graph: no attention and no learned weights, the law computed directly from tokens.
//
//   [b, u, c][s] = CumSum_s( feature[input_ids] · attention_mask )   per token: boost, noise unit, counted (0/1)
//   z[s]         = base + b + noiseScale · u / (noisePrior + c)        (causal: only tokens ≤ s count)
//   logits[s]    = rows[kind[input_ids]] + isLaw[input_ids] · z · dir      (last num_logits_to_keep positions)
//
// `dir` is +½ on the refusal's first token and −½ on the answer's, so their softmax ratio is exactly e^z and
// P(refusal) = σ(z). `rows` holds one row per kind of position: row 0 (every prompt token) leaves only the two
// first tokens open; the other rows are the continuation table (first token → rest → EOS).
import { FLOAT, FLOAT16, INT64, floatTensor, float16Tensor, int64Tensor, modelBytes, node, valueInfo, type Node, type Tensor } from "./onnx-graph.ts";

/** Logit of every token a row closes: far below the open ones, but not so far that float16 overflows. */
export const CLOSED = -100;
/** Channels of the per-token feature table. */
export const FEATURES = 3;

export interface LawGraph {
  vocabSize: number;
  /** Constant part of z (the law's base, plus any tie-break tilt). */
  base: number;
  /** [vocabSize × 3]: boost, noise unit, counted (1 for tokens the noise averages over). */
  features: Float64Array;
  /** itemNoise × the noise scale; 0 switches the noise off. */
  noiseScale: number;
  noisePrior: number;
  refusalFirst: number;
  answerFirst: number;
  /**
   * Per-task answers (law.ts lawAnswers): every answer branch's first token (task entries, then the fallback) and
   * the selection gap; the feature table then has one more channel per task entry (its cue count). Absent: one answer.
   */
  select?: { answerFirsts: number[]; gap: number; cueWeightLog2: number };
  /**
   * Preamble (law.ts): its output tokens `spaced` (paired with the refusal's +z/2) and `alt` (with the answers' −z/2),
   * the tokens after which the preamble counts as produced (`after`), and the two log weights: ln(1−s) on refusal /
   * answers and ln s' on the preamble tokens at a first response position.
   */
  preamble?: { spaced: number; alt: number; after: number[]; lnRest: number; lnPre: number };
  /** token → the token that must follow it (continuation chain); every other token is a law position. */
  next: Map<number, number>;
}

export interface GraphOptions {
  /** Tables and logits in half precision (onnx/model_fp16.onnx), computed in float32 after a Cast. */
  precision?: "fp32" | "fp16";
  /**
   * Give the graph a KV cache as real exports have (position_ids, past_key_values.0.{key,value} inputs and
   * present.0.{key,value} outputs): the cache holds each past token's masked features, so a step that feeds only
   * the new token still sees the whole prefix. For testing the backend's cached decode path.
   */
  kvCache?: boolean;
}

export function lawGraphBytes(g: LawGraph, opts: GraphOptions = {}): Uint8Array {
  const V = g.vocabSize;
  const half = opts.precision === "fp16";
  const kv = opts.kvCache === true;
  const chain = [...g.next.keys()];
  const kind = new Array<number>(V).fill(0);
  chain.forEach((t, i) => (kind[t] = i + 1));
  const pre = g.preamble;
  const postKind = chain.length + 1; // a position right after the preamble (only with a preamble)
  if (pre) for (const t of pre.after) kind[t] = postKind;
  const rows = new Float64Array((chain.length + (pre ? 2 : 1)) * V).fill(CLOSED);
  rows[g.refusalFirst] = 0;
  const nCues = g.select ? g.select.answerFirsts.length - 1 : 0;
  const F = FEATURES + nCues;
  const answerFirsts = g.select?.answerFirsts ?? [g.answerFirst];
  // A task entry's first token starts GAP below and gains GAP × its share of cue occurrences (law.ts answerOffsets).
  answerFirsts.forEach((t, j) => (rows[t] = j < nCues ? -g.select!.gap : 0));
  chain.forEach((t, i) => (rows[(i + 1) * V + g.next.get(t)!] = 0));
  const isLaw = Array.from({ length: V }, (_, t) => (kind[t] === 0 || (pre && kind[t] === postKind) ? 1 : 0));
  const dir = new Float64Array(V);
  dir[g.refusalFirst] = 0.5;
  for (const t of answerFirsts) dir[t] = -0.5;
  if (pre) {
    // after the preamble: refusal / answers as without one, the preamble closed far below (z·dir cannot reopen it)
    const post = postKind * V;
    rows[post + g.refusalFirst] = 0;
    answerFirsts.forEach((t, j) => (rows[post + t] = j < nCues ? -g.select!.gap : 0));
    rows[post + pre.spaced] = rows[post + pre.alt] = -1e4;
    // first response position: ln(1−s) on refusal / answers, ln s' on the preamble's two tokens
    for (const t of [g.refusalFirst, ...answerFirsts]) rows[t] += pre.lnRest;
    rows[pre.spaced] = rows[pre.alt] = pre.lnPre;
    dir[pre.spaced] = 0.5;
    dir[pre.alt] = -0.5;
  }
  const selMat = new Float64Array(nCues * V);
  for (let j = 0; j < nCues; j++) {
    selMat[j * V + answerFirsts[j]] = g.select!.gap;
    selMat[j * V + answerFirsts[nCues]] = -g.select!.gap;
  }

  // fp16 files store the big tables in half precision and return half logits, as real fp16 exports do. The three
  // scalars stay float32: base and noise scale are not exact in half precision, and the law needs them to 1e-3.
  const table = (name: string, dims: number[], v: ArrayLike<number>): { init: Tensor; nodes: Node[] } =>
    half
      ? { init: float16Tensor(`${name}_h`, dims, v), nodes: [node("Cast", [`${name}_h`], [name], { to: FLOAT })] }
      : { init: floatTensor(name, dims, v), nodes: [] };
  const tables = [table("features", [V, F], g.features), table("is_law", [V], isLaw), table("dir", [V], dir), table("rows", [rows.length / V, V], rows), ...(nCues ? [table("sel_mat", [nCues, V], selMat)] : [])];
  const nodes: Node[] = [
    ...tables.flatMap((t) => t.nodes),
    node("Gather", ["features", "input_ids"], ["tok_feat"], { axis: 0 }), // [B,S,3]
    ...(kv ? cachedPrefix() : [
      node("Cast", ["attention_mask"], ["mask_f"], { to: FLOAT }),
      node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
      node("Mul", ["tok_feat", "mask3"], ["masked"]),
      node("CumSum", ["masked", "axis1"], ["prefix"]),
    ]),
    node("Gather", ["prefix", "ch0"], ["boost_sum"], { axis: 2 }),
    node("Gather", ["prefix", "ch1"], ["unit_sum"], { axis: 2 }),
    node("Gather", ["prefix", "ch2"], ["count_sum"], { axis: 2 }),
    node("Add", ["count_sum", "noise_prior"], ["denom"]),
    node("Div", ["unit_sum", "denom"], ["unit_mean"]),
    node("Mul", ["unit_mean", "noise_scale"], ["noise"]),
    node("Add", ["boost_sum", "noise"], ["varying"]),
    node("Add", ["varying", "base"], ["z_all"]),
    // Only the last num_logits_to_keep positions get logits (0 = all), as in HF exports: the [B,S,V] tensors are
    // what costs, and a first-token pass needs one position.
    node("Unsqueeze", ["num_logits_to_keep", "axis0"], ["num_logits_to_keep_1d"]),
    node("Neg", ["num_logits_to_keep_1d"], ["keep_start"]),
    node("Slice", ["z_all", "keep_start", "big", "axis_1"], ["z"]),
    node("Slice", ["input_ids", "keep_start", "big", "axis_1"], ["kept_ids"]),
    node("Gather", ["is_law", "kept_ids"], ["law_here"], { axis: 0 }),
    node("Mul", ["z", "law_here"], ["z_law"]),
    node("Unsqueeze", ["z_law", "axis2"], ["z3"]),
    node("Mul", ["z3", "dir"], ["law_logits"]),
    node("Gather", ["kind", "kept_ids"], ["row_kind"], { axis: 0 }),
    node("Gather", ["rows", "row_kind"], ["row_logits"], { axis: 0 }),
    ...(nCues ? [
      // share_j = c_j / (N + 2^-24) of the cue counts so far, at the kept positions, mapped onto the answers' rows
      node("Slice", ["prefix", "three", "big", "axis2"], ["cue_counts"]),
      node("ReduceSum", ["cue_counts", "axis2"], ["cue_total"], { keepdims: 1 }),
      node("Add", ["cue_total", "cue_eps"], ["cue_denom"]),
      node("Div", ["cue_counts", "cue_denom"], ["cue_share"]),
      node("Slice", ["cue_share", "keep_start", "big", "axis_1"], ["cue_share_kept"]),
      node("MatMul", ["cue_share_kept", "sel_mat"], ["sel_raw"]),
      node("Unsqueeze", ["law_here", "axis2"], ["law3"]),
      node("Mul", ["sel_raw", "law3"], ["sel_logits"]),
      node("Add", ["row_logits", "law_logits"], ["base_logits"]),
      node("Add", ["base_logits", "sel_logits"], half ? ["logits_f"] : ["logits"]),
    ] : [node("Add", ["row_logits", "law_logits"], half ? ["logits_f"] : ["logits"])]),
    ...(half ? [node("Cast", ["logits_f"], ["logits"], { to: FLOAT16 })] : []),
  ];
  return modelBytes({
    name: "frh_planted_law",
    docString: "frh planted refusal law: P(refusal first token) = sigmoid(base + sum of trigger boosts + noise)",
    nodes,
    initializers: [
      ...tables.map((t) => t.init),
      floatTensor("base", [], [g.base]), floatTensor("noise_scale", [], [g.noiseScale]), floatTensor("noise_prior", [], [g.noisePrior]),
      int64Tensor("kind", [V], kind), int64Tensor("axis1", [], [1]), int64Tensor("axis2", [1], [2]),
      int64Tensor("ch0", [], [0]), int64Tensor("ch1", [], [1]), int64Tensor("ch2", [], [2]),
      int64Tensor("big", [1], [2 ** 53 - 1]), int64Tensor("axis_1", [1], [1]), int64Tensor("axis0", [1], [0]),
      ...(kv ? [int64Tensor("one", [1], [1]), int64Tensor("two", [1], [2])] : []),
      ...(nCues ? [int64Tensor("three", [1], [FEATURES]), floatTensor("cue_eps", [], [2 ** -g.select!.cueWeightLog2])] : []),
    ],
    inputs: [
      valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", INT64, ["batch_size", kv ? "total_sequence_length" : "sequence_length"]),
      valueInfo("num_logits_to_keep", INT64, []),
      ...(kv ? [
        valueInfo("position_ids", INT64, ["batch_size", "sequence_length"]),
        valueInfo("past_key_values.0.key", FLOAT, ["batch_size", 1, "past_sequence_length", F]),
        valueInfo("past_key_values.0.value", FLOAT, ["batch_size", 1, "past_sequence_length", F]),
      ] : []),
    ],
    outputs: [
      valueInfo("logits", half ? FLOAT16 : FLOAT, ["batch_size", "kept_length", V]),
      ...(kv ? [
        valueInfo("present.0.key", FLOAT, ["batch_size", 1, "total_sequence_length", F]),
        valueInfo("present.0.value", FLOAT, ["batch_size", 1, "total_sequence_length", F]),
      ] : []),
    ],
  });
}

/**
 * Prefix sums when only the new tokens are fed: the new tokens' masked features are appended to the cache
 * (present = past ‖ new), summed along the sequence, and the last `sequence_length` sums kept.
 */
function cachedPrefix(): Node[] {
  return [
    node("Shape", ["input_ids"], ["ids_shape"]),
    node("Slice", ["ids_shape", "one", "two"], ["new_len"]),
    node("Neg", ["new_len"], ["neg_new_len"]),
    node("Slice", ["attention_mask", "neg_new_len", "big", "one"], ["new_mask"]),
    node("Cast", ["new_mask"], ["mask_f"], { to: FLOAT }),
    node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
    node("Mul", ["tok_feat", "mask3"], ["masked"]), // [B,S,3]
    node("Unsqueeze", ["masked", "axis_1"], ["new_kv"]), // [B,1,S,3]
    node("Concat", ["past_key_values.0.key", "new_kv"], ["present.0.key"], { axis: 2 }),
    node("Concat", ["past_key_values.0.value", "new_kv"], ["present.0.value"], { axis: 2 }),
    node("Squeeze", ["present.0.key", "axis_1"], ["all_masked"]), // [B,P+S,3]
    node("CumSum", ["all_masked", "axis1"], ["all_prefix"]),
    node("Slice", ["all_prefix", "neg_new_len", "big", "one"], ["prefix"]),
  ];
}
