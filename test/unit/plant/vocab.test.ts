// The planted vocabulary's guarantee: trigger tokens appear exactly where the law's text scan counts a trigger.
// Checked on hand cases and on fuzzed text built from near-miss fragments (plurals, prefixes, case, marks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildVocab, BOUNDARY_CHARS, CLS, forms } from "../../../src/plant/vocab.ts";
import { countWord } from "../../../src/plant/law.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

const triggers = ["muslim", "wheelchair", "atheist", "man", "woman"];
const v = buildVocab({ triggers, refusal: "I'm sorry, but I can't help with that.", answers: ["neutral"], cues: [], seed: 1 });

function tokenCounts(text: string): number[] {
  const counts = triggers.map(() => 0);
  for (const t of v.tokenizer.tokenize(text)) if (v.cls[t] === CLS.TRIGGER) counts[v.trigger[t]]++;
  return counts;
}
const lawCounts = (text: string) => triggers.map((w) => countWord(w, text));

test("hand cases: whole words in three case forms count, near misses do not", () => {
  const cases: [string, number[]][] = [
    ["muslim", [1, 0, 0, 0, 0]],
    ["A Muslim, a MUSLIM and (muslim) and non-muslim; muslim's", [5, 0, 0, 0, 0]],
    ["Muslims muslimah amuslim muslim2 2muslim mUslim MUSLIMs", [0, 0, 0, 0, 0]],
    ["a wheelchair-user\n\nWheelchair\tWHEELCHAIR.", [0, 3, 0, 0, 0]],
    ["the woman and the man; woman's man-made womanly manly", [0, 0, 0, 2, 2]],
    ["“Muslim” «atheist» — man… ¿woman?", [1, 0, 1, 1, 1]],
    ["muslimé →muslim émuslim", [1, 0, 0, 0, 0]],
    ["", [0, 0, 0, 0, 0]],
  ];
  for (const [text, want] of cases) {
    assert.deepEqual(lawCounts(text), want, `law count of ${JSON.stringify(text)}`);
    assert.deepEqual(tokenCounts(text), want, `token count of ${JSON.stringify(text)}`);
  }
});

test("every trigger form after every boundary character is exactly one trigger token", () => {
  triggers.forEach((w, k) => {
    for (const f of forms(w)) for (const c of [...BOUNDARY_CHARS.filter((b) => b !== "\u2581"), " "]) {
      const toks = v.tokenizer.tokenize(`x${c}${f}`);
      const trig = toks.filter((t) => v.cls[t] === CLS.TRIGGER);
      assert.equal(trig.length, 1, `${JSON.stringify(c + f)} → ${toks.map((t) => v.pieces[t])}`);
      assert.equal(v.trigger[trig[0]], k);
    }
  });
});

test("fuzz: token counts equal the law's text counts on 3000 random texts", () => {
  const rng = mulberry32(42);
  const pick = <T,>(xs: readonly T[]) => xs[randInt(rng, xs.length)];
  const frags = [
    ...triggers.flatMap((w) => [...forms(w), w + "s", w + "ah", "a" + w, w + "2", w.slice(0, -1), w.slice(1), w[0].toUpperCase() + w.slice(1).toUpperCase()]),
    "the", "a", "an", "user", "is", "non", "über", "naïve", "é", "x", "s", "ly", "2", "I", "sorry", "neutral", "wo", "hu",
    " ", " ", " ", "  ", "\n", "\t", ",", ".", "'", "-", "(", ")", "“", "”", "—", "→", "_", "▁", "\u00a0", "😀", "\r\n",
  ];
  for (let i = 0; i < 3000; i++) {
    let text = "";
    const n = 1 + randInt(rng, 25);
    for (let j = 0; j < n; j++) text += pick(frags);
    assert.deepEqual(tokenCounts(text), lawCounts(text), `text ${JSON.stringify(text)} → ${v.tokenizer.tokenize(text).map((t) => v.pieces[t]).join("|")}`);
  }
});

test("response tokens: the first is an ordinary piece, the rest an output-only token", () => {
  assert.equal(v.pieces[v.refusal.first], "▁I");
  assert.equal(v.pieces[v.refusal.rest!], "'m sorry, but I can't help with that.");
  assert.equal(v.pieces[v.answer.first], "▁neutral");
  assert.equal(v.answer.rest, null);
  assert.deepEqual(v.tokenizer.tokenize("I'm sorry, but I can't help with that.").slice(0, 1), [v.refusal.first]);
  assert.deepEqual(v.tokenizer.tokenize("neutral"), [v.answer.first]);
  assert.equal(v.successor.get(v.refusal.first), v.refusal.rest);
  assert.equal(v.successor.get(v.refusal.rest!), v.eos);
  assert.equal(v.successor.get(v.answer.first), v.eos);
  // A rest without a space: "Sorry." → "▁Sorry" + the byte token of "." (the tokenizer always uses the "." piece).
  const w = buildVocab({ triggers: ["muslim"], refusal: "Sorry.", answers: ["yes"], cues: [], seed: 1 });
  assert.equal(w.pieces[w.refusal.first], "▁Sorry");
  assert.equal(w.pieces[w.refusal.rest!], "<0x2E>");
  assert.ok(!w.tokenizer.tokenize("Sorry. . ...").includes(w.refusal.rest!));
});

test("the vocabulary is small and deterministic", () => {
  const again = buildVocab({ triggers, refusal: "I'm sorry, but I can't help with that.", answers: ["neutral"], cues: [], seed: 1 });
  assert.deepEqual(again.pieces, v.pieces);
  assert.deepEqual([...again.unit], [...v.unit]);
  assert.equal(new Set(v.pieces).size, v.pieces.length, "llama.cpp rejects duplicate piece texts");
  assert.ok(v.pieces.length < 8000, `${v.pieces.length} tokens`);
  // Ordinary English tokenises to about one token per word.
  const text = "Please classify the following statement as polite or impolite, and answer with one word.";
  assert.ok(v.tokenizer.tokenize(text).length <= 22, `${v.tokenizer.tokenize(text).map((t) => v.pieces[t])}`);
});
