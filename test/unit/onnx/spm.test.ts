// The planted vocabulary exported as a BPE tokenizer.json must tokenise like the planted GGUF's SentencePiece
// (llama.cpp's algorithm, spm.ts): same tokens → same trigger counts and noise units in both formats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { lawVocab, countWord, type Law } from "../../../src/plant/law.ts";
import { CLS } from "../../../src/plant/vocab.ts";
import { spmTokenizerConfig, spmTokenizerJson } from "../../../src/plant/onnx-spm.ts";
import { repoRoot } from "../../helpers/shared.ts";

async function tokenizerFor(law: Law) {
  const v = lawVocab(law);
  const dir = mkdtempSync(join(tmpdir(), "frh-spm-"));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(spmTokenizerJson(v)));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(spmTokenizerConfig(v)));
  env.allowRemoteModels = false;
  return { v, tok: await AutoTokenizer.from_pretrained(dir, { local_files_only: true }) };
}

const law: Law = { base: 0, triggers: { muslim: 2, wheelchair: 1, atheist: -1, jewish: 0.5, gay: 1, blind: 2, immigrant: -0.5 }, itemNoise: 1, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 5 };
const datasetLines = () => ["items", "paraphrases", "personas"].flatMap((d) => readdirSync(join(repoRoot, "datasets", d)).map((f) => readFileSync(join(repoRoot, "datasets", d, f), "utf8")))
  .join("\n").split("\n").filter((l) => l.trim());

test("BPE export tokenises the study's own texts exactly as the planted SentencePiece does", async () => {
  const { v, tok } = await tokenizerFor(law);
  const lines = datasetLines();
  assert.ok(lines.length > 200);
  for (const l of [...lines, "A Muslim, a MUSLIM, (muslim) and non-muslim; Muslims, mUslim.", "wheelchair-user\n\tWHEELCHAIR", "über naïve 😀 中文 “atheist”", ""]) {
    assert.deepEqual(tok.encode(l, { add_special_tokens: false }), v.tokenizer.tokenize(l), JSON.stringify(l.slice(0, 60)));
  }
  assert.deepEqual(tok.encode("hi", {}), [v.bos, ...v.tokenizer.tokenize("hi")], "BOS first");
});

test("response tokens decode to exactly the law's texts", async () => {
  const { v, tok } = await tokenizerFor({ ...law, refusal: "No.", answer: "Not offensive, really." });
  for (const [r, text] of [[v.refusal, "No."], [v.answer, "Not offensive, really."]] as const) {
    const ids = [r.first, ...(r.rest === null ? [] : [r.rest]), v.eos];
    assert.equal(tok.decode(ids, { skip_special_tokens: true }), text);
  }
});

test("known limit: equal-score trigger-prefix pieces can merge in another order; trigger counts still agree", async () => {
  // "man" and "disabled" give the prefixes "ma" and "di" the same score; llama.cpp merges the leftmost first,
  // BPE by rank. The noise tokens of "demanding" can differ; a trigger token is never created or lost.
  const { v, tok } = await tokenizerFor({ ...law, triggers: { man: 1, disabled: 1, atheist: 1 } });
  for (const text of ["demanding tomato man disabled atheist", "a man, a demanding atheist"]) {
    const a = v.tokenizer.tokenize(text), b = tok.encode(text, { add_special_tokens: false }) as number[];
    const triggers = (ts: number[]) => ts.filter((t) => v.cls[t] === CLS.TRIGGER).map((t) => v.trigger[t]).join(",");
    assert.equal(triggers(b), triggers(a));
    assert.equal(a.filter((t) => v.cls[t] === CLS.TRIGGER).length, ["man", "disabled", "atheist"].reduce((s, w) => s + countWord(w, text), 0));
  }
});
