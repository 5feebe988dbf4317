// Writes a planted-truth ONNX model directory that transformers.js loads with AutoTokenizer /
// AutoModelForCausalLM: config.json, generation_config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
// (and onnx/model_fp16.onnx on request).
//
// Same law file, vocabulary and semantics as the planted GGUF (law.ts, vocab.ts): the tokenizer is the planted
// SentencePiece vocabulary as a BPE tokenizer.json (onnx-spm.ts), so trigger tokens, noise units and the
// response tokens are the GGUF's; the graph computes base + Σ boosts + noise from them directly (onnx-model.ts)
// instead of through attention. No chat template: prompts render with the study's plain template, as for the GGUF.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CUE_WEIGHT_LOG2, SELECT_GAP, lawVocab, preambleWeight, type Law } from "./law.ts";
import { CLS } from "./vocab.ts";
import { NOISE_PRIOR, NOISE_SCALE } from "./noise.ts";
import { TIE } from "./build.ts";
import { FEATURES, lawGraphBytes, type LawGraph } from "./onnx-model.ts";
import { spmTokenizerConfig, spmTokenizerJson } from "./onnx-spm.ts";

export interface OnnxPlantOptions {
  /** Also write onnx/model_fp16.onnx (half-precision tables and logits), for --dtype fp16. */
  fp16?: boolean;
  /** Give the graph a KV cache (past_key_values inputs, present outputs) as real exports have. Default false. */
  kvCache?: boolean;
}

export interface OnnxPlantResult {
  dir: string;
  files: string[];
  vocabSize: number;
  refusalFirstToken: string;
  answerFirstToken: string;
}

/** The law as the graph's tables, from the planted vocabulary. */
export function lawGraph(law: Law): LawGraph {
  const v = lawVocab(law);
  const boosts = Object.values(law.triggers);
  const nCues = v.answers.length > 1 ? v.answers.length - 1 : 0;
  const F = FEATURES + nCues; // boost, noise unit, counted, then one cue count per task entry
  const features = new Float64Array(v.pieces.length * F);
  for (let t = 0; t < v.pieces.length; t++) {
    if (v.cls[t] === CLS.TRIGGER) {
      const k = v.trigger[t];
      if (k < boosts.length) features[t * F] = boosts[k];
      else features[t * F + FEATURES + k - boosts.length] = 1;
    } else if (v.cls[t] === CLS.COUNTED) {
      features[t * F + 1] = v.unit[t];
      features[t * F + 2] = 1;
    }
  }
  return {
    vocabSize: v.pieces.length,
    base: law.base + TIE, // the GGUF's tilt: an exact tie (logit 0) goes to the refusal in both formats
    features,
    noiseScale: law.itemNoise * NOISE_SCALE,
    noisePrior: NOISE_PRIOR,
    refusalFirst: v.refusal.first,
    answerFirst: v.answer.first,
    next: v.successor,
    ...(nCues ? { select: { answerFirsts: v.answers.map((a) => a.first), gap: SELECT_GAP, cueWeightLog2: CUE_WEIGHT_LOG2 } } : {}),
    ...(v.preamble && law.preamble ? { preamble: {
      spaced: v.preamble.spaced, alt: v.preamble.alt, after: [v.preamble.spaced, v.preamble.bare, v.preamble.alt],
      lnRest: Math.log(1 - law.preamble.share), lnPre: Math.log(preambleWeight(law.preamble.share)),
    } } : {}),
  };
}

export function writePlantedOnnx(law: Law, outDir: string, opts: OnnxPlantOptions = {}): OnnxPlantResult {
  const v = lawVocab(law);
  const graph = lawGraph(law);
  const kvCache = opts.kvCache === true;
  const special = { bos_token_id: v.bos, eos_token_id: v.eos, pad_token_id: v.eos };
  const config = {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama", // any decoder-only type works: the graph's inputs decide what transformers.js feeds
    _name_or_path: "frh-planted-law",
    vocab_size: v.pieces.length,
    max_position_embeddings: 32768,
    hidden_size: graph.features.length / v.pieces.length,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    // transformers.js derives cache tensor names from the layer count (and on webgpu asks for present.<i>.*
    // outputs): the uncached graph has no layers to cache.
    num_hidden_layers: kvCache ? 1 : 0,
    use_cache: kvCache,
    ...special,
    frh_planted: { law },
  };
  const files: Record<string, string | Uint8Array> = {
    "config.json": JSON.stringify(config, null, 2),
    "generation_config.json": JSON.stringify({ ...special, do_sample: false }, null, 2),
    "tokenizer.json": JSON.stringify(spmTokenizerJson(v)),
    "tokenizer_config.json": JSON.stringify(spmTokenizerConfig(v), null, 2),
    "onnx/model.onnx": lawGraphBytes(graph, { kvCache }),
  };
  if (opts.fp16) files["onnx/model_fp16.onnx"] = lawGraphBytes(graph, { precision: "fp16", kvCache });
  mkdirSync(join(outDir, "onnx"), { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(outDir, name), data);
  return { dir: outDir, files: Object.keys(files).sort(), vocabSize: v.pieces.length, refusalFirstToken: v.pieces[v.refusal.first], answerFirstToken: v.pieces[v.answer.first] };
}
