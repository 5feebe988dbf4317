// Plan-time ambiguous-read check: first tokens from a hand-written toy tokenizer (first letter, and "▁" + first
// word after a space), so every expected pair below is worked out by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ambiguousReads, ambiguityWarning, personaOpenings } from "../../../src/run/ambiguity.ts";
import type { Persona } from "../../../src/types.ts";

// toy vocabulary: a bare text's first token is its first word; a spaced text's is "▁" + its first word
const vocab: string[] = [];
const id = (s: string) => { let i = vocab.indexOf(s); if (i < 0) { i = vocab.length; vocab.push(s); } return i; };
const firstTokens = (text: string) => {
  const word = text.trim().split(/[\s,]+/)[0];
  return [id(word), id("\u2581" + word), ...(text.startsWith("(") ? [id(" ")] : [])];
};
const tokenText = (t: number) => vocab[t].replace("\u2581", " ");
const persona = (id: string, text: string, isControl = false): Persona => ({ id, group: "g", text, isControl, attributes: {} }) as Persona;

test("onsets sharing a first token with a label word or a persona opening are reported; bare-space tokens are not", () => {
  const personas = [persona("control", "", true), persona("muslim_woman", "a Muslim woman"), persona("deaf", "(deaf)")];
  assert.deepEqual(personaOpenings(personas), ["a", "As a Muslim woman", "(deaf)", "As (deaf)"]);
  const labels = [{ id: "neutral", words: ["neutral"] }, { id: "no", words: ["No way"] }];
  const reads = ambiguousReads(["As an AI", "I'm sorry", "No", "(sorry)"], labels, personas, firstTokens, tokenText);
  assert.deepEqual(reads.map((r) => [r.onset, r.kind, r.other]), [
    ["As an AI", "persona", "As a Muslim woman"], ["As an AI", "persona", "As (deaf)"], ["No", "label", "No way"],
  ]); // "(sorry)" and "(deaf)" share only the bare " " token, which is dropped
  assert.equal(reads[0].token, "As");
  const w = ambiguityWarning("m", reads)!;
  assert.match(w, /^m: ambiguous first-token reads — 3 refusal onsets start with the same token/);
  assert.match(w, /'As an AI' \/ persona opening 'As a Muslim woman' \("As"\)/);
  assert.equal(ambiguityWarning("m", []), null);
  // without tokenText the bare-space token counts
  assert.ok(ambiguousReads(["(sorry)"], [], personas, firstTokens).some((r) => r.other === "(deaf)"));
});
