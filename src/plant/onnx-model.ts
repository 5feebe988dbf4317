// The planted law as an ONNX graph: no attention, no weights to learn, the law computed directly.
//
//   z[b,s]      = base + CumSum_s( boost[input_ids] · attention_mask )      (causal: only tokens ≤ s count)
//   logits[b,s] = rows[kind[input_ids]] + isLaw[input_ids] · z · dir
//
// `dir` is +½ on the refusal's first token and −½ on the answer's, so their softmax ratio is exactly e^z and
// P(refusal) = σ(z). `rows` holds one row per kind of position: row 0 (every prompt token) leaves only the two
// first tokens open; the other rows are the continuation table (first word → remainder → EOS). There are no
// past_key_values inputs: a generation step re-runs the whole sequence (use_cache false in config.json).
import { FLOAT, FLOAT16, INT64, floatTensor, float16Tensor, int64Tensor, modelBytes, node, valueInfo, type Node, type Tensor } from "./onnx-graph.ts";

/** Logit of every token a row closes: far below the open ones, but not so far that float16 overflows. */
export const CLOSED = -100;

export interface LawGraph {
  vocabSize: number;
  base: number;
  /** Per-token additive contribution to z (0 for most tokens). */
  boost: Float64Array;
  refusalFirst: number;
  answerFirst: number;
  /** token → the token that must follow it (continuation chain); every other token is a law position. */
  next: Map<number, number>;
}

export interface GraphOptions {
  /** Tables and logits in half precision (onnx/model_fp16.onnx). */
  precision?: "fp32" | "fp16";
  /**
   * Give the graph a KV cache as real exports have (position_ids, past_key_values.0.{key,value} inputs and
   * present.0.{key,value} outputs): the cache holds each past token's masked boost, so a step that feeds only
   * the new token still sees the whole prefix. For testing the backend's cached decode path.
   */
  kvCache?: boolean;
}

export function lawGraphBytes(g: LawGraph, opts: GraphOptions = {}): Uint8Array {
  const precision = opts.precision ?? "fp32";
  const V = g.vocabSize;
  const chain = [...g.next.keys()];
  const kind = new Array<number>(V).fill(0);
  chain.forEach((t, i) => (kind[t] = i + 1));
  const rows = new Float64Array((chain.length + 1) * V).fill(CLOSED);
  rows[g.refusalFirst] = 0;
  rows[g.answerFirst] = 0;
  chain.forEach((t, i) => (rows[(i + 1) * V + g.next.get(t)!] = 0));
  const isLaw = Array.from({ length: V }, (_, t) => (kind[t] === 0 ? 1 : 0));
  const dir = new Float64Array(V);
  dir[g.refusalFirst] = 0.5;
  dir[g.answerFirst] = -0.5;

  const half = precision === "fp16";
  // fp16 files store the tables in half precision and return half logits, as real fp16 exports do; the
  // arithmetic runs in float32 after a Cast.
  const table = (name: string, dims: number[], v: ArrayLike<number>): { init: Tensor; nodes: Node[] } =>
    half
      ? { init: float16Tensor(`${name}_h`, dims, v), nodes: [node("Cast", [`${name}_h`], [name], { to: FLOAT })] }
      : { init: floatTensor(name, dims, v), nodes: [] };
  const tables = [
    table("boost", [V], g.boost),
    table("is_law", [V], isLaw),
    table("dir", [V], dir),
    table("rows", [chain.length + 1, V], rows),
    table("base", [], [g.base]),
  ];
  const kv = opts.kvCache === true;
  const nodes: Node[] = [
    ...tables.flatMap((t) => t.nodes),
    node("Gather", ["boost", "input_ids"], ["tok_boost"], { axis: 0 }),
    ...(kv ? cachedPrefix() : [
      node("Cast", ["attention_mask"], ["mask_f"], { to: FLOAT }),
      node("Mul", ["tok_boost", "mask_f"], ["masked"]),
      node("CumSum", ["masked", "axis1"], ["prefix"]),
    ]),
    node("Add", ["prefix", "base"], ["z"]),
    node("Gather", ["is_law", "input_ids"], ["law_here"], { axis: 0 }),
    node("Mul", ["z", "law_here"], ["z_law"]),
    node("Unsqueeze", ["z_law", "axis2"], ["z3"]),
    node("Mul", ["z3", "dir"], ["law_logits"]),
    node("Gather", ["kind", "input_ids"], ["row_kind"], { axis: 0 }),
    node("Gather", ["rows", "row_kind"], ["row_logits"], { axis: 0 }),
    node("Add", ["row_logits", "law_logits"], half ? ["logits_f"] : ["logits"]),
    ...(half ? [node("Cast", ["logits_f"], ["logits"], { to: FLOAT16 })] : []),
  ];
  return modelBytes({
    name: "frh_planted_law",
    docString: "frh planted refusal law: P(refusal first token) = sigmoid(base + sum of per-token boosts)",
    nodes,
    initializers: [
      ...tables.map((t) => t.init), int64Tensor("kind", [V], kind), int64Tensor("axis1", [], [1]), int64Tensor("axis2", [1], [2]),
      ...(kv ? [int64Tensor("one", [1], [1]), int64Tensor("two", [1], [2]), int64Tensor("big", [1], [2 ** 53 - 1]), int64Tensor("axes13", [2], [1, 3])] : []),
    ],
    inputs: [
      valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", INT64, ["batch_size", kv ? "total_sequence_length" : "sequence_length"]),
      ...(kv ? [
        valueInfo("position_ids", INT64, ["batch_size", "sequence_length"]),
        valueInfo("past_key_values.0.key", FLOAT, ["batch_size", 1, "past_sequence_length", 1]),
        valueInfo("past_key_values.0.value", FLOAT, ["batch_size", 1, "past_sequence_length", 1]),
      ] : []),
    ],
    outputs: [
      valueInfo("logits", half ? FLOAT16 : FLOAT, ["batch_size", "sequence_length", V]),
      ...(kv ? [
        valueInfo("present.0.key", FLOAT, ["batch_size", 1, "total_sequence_length", 1]),
        valueInfo("present.0.value", FLOAT, ["batch_size", 1, "total_sequence_length", 1]),
      ] : []),
    ],
  });
}

/**
 * z's prefix sums when only the new tokens are fed: the new tokens' masked boosts are appended to the cache
 * (present = past ‖ new), summed along the sequence, and the last `sequence_length` sums kept.
 */
function cachedPrefix(): Node[] {
  return [
    node("Shape", ["input_ids"], ["ids_shape"]),
    node("Slice", ["ids_shape", "one", "two"], ["new_len"]),
    node("Neg", ["new_len"], ["neg_new_len"]),
    node("Slice", ["attention_mask", "neg_new_len", "big", "one"], ["new_mask"]),
    node("Cast", ["new_mask"], ["mask_f"], { to: FLOAT }),
    node("Mul", ["tok_boost", "mask_f"], ["masked"]),
    node("Unsqueeze", ["masked", "axes13"], ["new_kv"]),
    node("Concat", ["past_key_values.0.key", "new_kv"], ["present.0.key"], { axis: 2 }),
    node("Concat", ["past_key_values.0.value", "new_kv"], ["present.0.value"], { axis: 2 }),
    node("Squeeze", ["present.0.key", "axes13"], ["all_masked"]),
    node("CumSum", ["all_masked", "axis1"], ["all_prefix"]),
    node("Slice", ["all_prefix", "neg_new_len", "big", "one"], ["prefix"]),
  ];
}
