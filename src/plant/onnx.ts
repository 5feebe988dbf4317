// Writes a planted-truth ONNX model directory that transformers.js loads with AutoTokenizer /
// AutoModelForCausalLM: config.json, generation_config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
// (and onnx/model_fp16.onnx on request). Same law file and semantics as the planted GGUF (law.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarnessError } from "../errors.ts";
import { lawGraphBytes } from "./onnx-model.ts";
import { buildVocab, pieces, tokenizerConfig, tokenizerJson, type MarkedPhrase } from "./onnx-tokenizer.ts";

/** What the ONNX writer reads from a law. */
export interface OnnxLaw {
  base: number;
  triggers: { word: string; boost: number }[];
  refusal: string;
  answer: string;
}

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
}

export function writePlantedOnnx(law: OnnxLaw, outDir: string, opts: OnnxPlantOptions = {}): OnnxPlantResult {
  const phrases: MarkedPhrase[] = law.triggers.map((t) => ({ text: t.word }));
  checkResponses(law);
  const v = buildVocab(phrases, law.refusal, law.answer);
  const boost = new Float64Array(v.size);
  law.triggers.forEach((t, i) => (boost[v.phraseIds[i]] += t.boost));
  const next = new Map<number, number>();
  for (const chain of [v.refusal, v.answer]) {
    chain.forEach((t, i) => {
      const succ = i + 1 < chain.length ? chain[i + 1] : v.ids.eos;
      if (next.has(t) && next.get(t) !== succ) throw new HarnessError("BAD_LAW", `the refusal and answer texts share a piece with different continuations: ${JSON.stringify(law.refusal)} / ${JSON.stringify(law.answer)}`, "make the two texts differ from their first word on");
      next.set(t, succ);
    });
  }
  const graph = { vocabSize: v.size, base: law.base, boost, refusalFirst: v.refusal[0], answerFirst: v.answer[0], next };
  const kvCache = opts.kvCache === true;
  const special = { bos_token_id: v.ids.bos, eos_token_id: v.ids.eos, pad_token_id: v.ids.pad };
  const config = {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama", // any decoder-only type works: the graph's inputs decide what transformers.js feeds
    _name_or_path: "frh-planted-law",
    vocab_size: v.size,
    max_position_embeddings: 32768,
    hidden_size: 16,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    // transformers.js derives cache tensor names from the layer count (and on webgpu asks for present.<i>.* outputs):
    // the uncached graph has no layers to cache.
    num_hidden_layers: kvCache ? 1 : 0,
    use_cache: kvCache,
    ...special,
    frh_planted: { base: law.base, triggers: law.triggers, refusal: law.refusal, answer: law.answer },
  };
  const files: Record<string, string | Uint8Array> = {
    "config.json": JSON.stringify(config, null, 2),
    "generation_config.json": JSON.stringify({ ...special, do_sample: false }, null, 2),
    "tokenizer.json": JSON.stringify(tokenizerJson(v, phrases)),
    "tokenizer_config.json": JSON.stringify(tokenizerConfig(), null, 2),
    "onnx/model.onnx": lawGraphBytes(graph, { kvCache }),
  };
  if (opts.fp16) files["onnx/model_fp16.onnx"] = lawGraphBytes(graph, { precision: "fp16", kvCache });
  mkdirSync(join(outDir, "onnx"), { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(outDir, name), data);
  return { dir: outDir, files: Object.keys(files).sort(), vocabSize: v.size };
}

/** The two first words must differ and must not be triggers: a trigger is rewritten before it is looked up. */
function checkResponses(law: OnnxLaw): void {
  const [r, a] = [pieces(law.refusal)[0], pieces(law.answer)[0]];
  if (!r || !a) throw new HarnessError("BAD_LAW", "the refusal and answer texts must each start with a word", "give both texts a first word");
  if (r === a) throw new HarnessError("BAD_LAW", `the refusal and answer start with the same token '${r}'`, "make their first words differ");
  for (const t of law.triggers) {
    for (const w of [r, a]) if (t.word.trim().toLowerCase() === w.toLowerCase()) throw new HarnessError("BAD_LAW", `'${w}' is both a trigger and the first word of a response`, "choose a different trigger or response text");
  }
}
