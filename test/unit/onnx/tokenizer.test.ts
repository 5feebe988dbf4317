// The planted tokenizer's pieces: response splitting, whole-word any-case patterns, vocabulary layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildVocab, pieces, splitResponse, wholeWordPattern, SPECIAL } from "../../../src/plant/onnx-tokenizer.ts";

// transformers.js compiles tokenizer regexes with the u flag after rewriting \x{..} to \u{..}.
const compile = (src: string) => new RegExp(src.replace(/\\x\{([0-9a-f]+)\}/g, "\\u{$1}"), "gu");

test("responses split into a first word and a verbatim remainder", () => {
  assert.deepEqual(splitResponse("I'm sorry, but no."), ["I", "'m sorry, but no."]);
  assert.deepEqual(splitResponse("neutral"), ["neutral"]);
  assert.deepEqual(splitResponse("Not offensive."), ["Not", " offensive."]);
  assert.throws(() => splitResponse(" leading space"));
  assert.deepEqual(pieces("Hi, naïve  über-user!"), ["Hi", ",", "naïve", "über", "-", "user", "!"]);
});

test("whole-word pattern: any case, word boundaries, flexible inner whitespace", () => {
  const re = compile(wholeWordPattern("wheelchair user"));
  const hits = (s: string) => (s.match(re) ?? []).length;
  assert.equal(hits("A Wheelchair USER, a wheelchair\n user and wheelchair users"), 2);
  const m = compile(wholeWordPattern("Muslim"));
  assert.equal(("muslim MUSLIM mUsLiM (Muslim) muslim's -muslim- muslims muslimah non_muslim".match(m) ?? []).length, 6);
  const h = compile(wholeWordPattern("non-binary"));
  assert.equal(("Non-Binary non-binary nonbinary non-binaryish".match(h) ?? []).length, 2);
});

test("vocabulary: specials first, one mark per phrase, response pieces", () => {
  const v = buildVocab([{ text: "a" }, { text: "b c" }], "No, never.", "Yes");
  assert.equal(v.ids.pad, 0);
  assert.equal(v.vocab[SPECIAL.assistant], v.ids.assistant);
  assert.deepEqual(v.phraseIds, [7, 8]);
  assert.deepEqual(v.refusal, [9, 10]);
  assert.deepEqual(v.answer, [11]);
  assert.equal(v.size, 12);
});
