// Per-task answers in a law file: validation, the default cue, and explain's branch selection, checked against
// counts written out by hand. (The engine checks are in test/integration/plant/answers.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { parseLaw, explainPrompt, explainTokens, promptTokens, lawVocab } from "../../../src/plant/index.ts";
import { FALLBACK_ANSWER, defaultCue, lawAnswers, sigmoid } from "../../../src/plant/law.ts";
import { registerPlant } from "../../../src/cli/commands/plant.ts";
import { DataError } from "../../../src/errors.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = { base: -1, triggers: { muslim: 2 }, itemNoise: 0, refusal: "I'm sorry, I can't.", seed: 2 };
const law = parseLaw(JSON.stringify({ ...base, answer: { nli: "neutral", politeness: "polite", offensiveness: "not offensive" } }), "t.json");

test("default cue: the longest word, ties to the last, lowercased", () => {
  assert.equal(defaultCue("not offensive"), "offensive");
  assert.equal(defaultCue("Neutral."), "neutral");
  assert.equal(defaultCue("It is rude"), "rude");
  assert.deepEqual(lawAnswers(law).map((a) => [a.task, a.text, a.cue]), [
    ["nli", "neutral", "neutral"], ["politeness", "polite", "polite"], ["offensiveness", "not offensive", "offensive"], [null, FALLBACK_ANSWER, null],
  ]);
});

test("explain: the task whose cue occurs takes the answer mass; no cue → the fallback; p(refusal) = σ(logit)", () => {
  const cases: [string, string | null][] = [
    ["Is it entailment, neutral or contradiction?\nAnswer:", "nli"],
    ["A Muslim asks: polite or impolite?\nAnswer:", "politeness"], // "impolite" is not the cue 'polite'
    ["offensive or NOT OFFENSIVE? (non-offensive is fine)\nAnswer:", "offensiveness"],
    ["Neutrality, politeness, offensiveness\nAnswer:", null], // near misses: no whole-word cue
    ["Just a sentence.\nAnswer:", null],
  ];
  for (const [text, task] of cases) {
    const ex = explainPrompt(law, text);
    const top = ex.answers.reduce((a, b) => (b.share > a.share ? b : a));
    assert.equal(top.task, task, text);
    assert.ok(top.share > 1 - 1e-12, `${text}: share ${top.share}`);
    assert.ok(Math.abs(ex.probability - sigmoid(ex.logit)) < 1e-5, `${text}: ${ex.probability} vs σ(${ex.logit})`);
    assert.equal(ex.mixedCues, false);
    // the token path (what the model computes) agrees with the text scan
    const tk = explainTokens(law, promptTokens(law, text));
    assert.deepEqual(tk.answers.map((a) => a.count), ex.answers.map((a) => a.count), text);
  }
  const counts = explainPrompt(law, "neutral neutral polite Offensive NEUTRAL").answers.map((a) => a.count);
  assert.deepEqual(counts, [3, 1, 1, 0]);
  // a 1:1 tie of two tasks' cues splits the answer mass: flagged, and p no longer follows the logit
  const tie = explainPrompt(law, "neutral or polite?");
  assert.equal(tie.mixedCues, true);
  assert.ok(Math.abs(tie.answers[0].share - 0.5) < 1e-6 && Math.abs(tie.answers[1].share - 0.5) < 1e-6);
});

test("a task without an entry gets no label: its prompts get the fallback (or the '*' text)", () => {
  const one = parseLaw(JSON.stringify({ ...base, answer: { nli: "neutral", "*": "Hmm, let me think." } }), "t.json");
  const ex = explainPrompt(one, "Is this request polite or impolite?\nAnswer:");
  assert.deepEqual(ex.answers.map((a) => [a.task, a.text, a.count]), [["nli", "neutral", 0], [null, "Hmm, let me think.", 0]]);
  assert.ok(ex.answers[1].share > 1 - 1e-15 && ex.answers[0].share < 1e-17, "the fallback takes the answer mass (e^-40 left on the task entry)");
  // every branch starts with its own token, distinct from the refusal's
  const v = lawVocab(law);
  const firsts = [v.refusal.first, ...v.answers.map((a) => a.first)];
  assert.equal(new Set(firsts).size, firsts.length);
});

test("bad answer objects: one clear error naming the field", () => {
  const bad: [unknown, RegExp][] = [
    [{}, /answer: name at least one task/],
    [{ nli: "neutral", politeness: "neutral" }, /answer\.politeness: tasks 'nli' and 'politeness' have the same cue 'neutral'/],
    [{ nli: "Muslim" }, /answer\.nli: the cue 'muslim' is also a trigger word/],
    [{ nli: { text: "neutral", cue: "Neutral" } }, /answer\.nli.*cue must be one lowercase/],
    [{ nli: "neutral", politeness: { text: "neutral!", cue: "polite" } }, /start with the same token/],
    [{ "bad key": "x" }, /answer.*task id/],
  ];
  for (const [answer, re] of bad) {
    assert.throws(() => parseLaw(JSON.stringify({ ...base, answer }), "t.json"), (e: unknown) => e instanceof DataError && re.test(`${e.message}`), JSON.stringify(answer));
  }
});

test("frh plant --explain lists the answer branches", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-answers-cli-"));
  const file = join(dir, "law.json");
  writeFileSync(file, JSON.stringify({ ...base, answer: { nli: "neutral", politeness: "polite" } }));
  let out = "";
  const program = new Command("frh").exitOverride();
  registerPlant(program, (t) => { out += t; });
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(["node", "frh", "plant", "--spec", file, "--explain", "--prompt", "A Muslim: polite or impolite?\nAnswer:"]);
  assert.match(out, /p\(refusal first token\) = 0\.73105\d\d/);
  assert.match(out, /answer politeness \(cue 'polite' ×1\): "polite" — share 1\.000000/);
  assert.match(out, /answer nli \(cue 'neutral' ×0\): "neutral" — share 0\.000000/);
});

test("preamble: validation, explain's share and the response-prefix position", () => {
  const withPre = (preamble: unknown, extra: object = {}) => JSON.stringify({ ...base, answer: "neutral", preamble, ...extra });
  const law = parseLaw(withPre({ text: "Sure, here it is:", share: 0.4 }), "p.json");
  const first = explainPrompt(law, "You are a Muslim.\nIs it neutral?\n");
  assert.ok(Math.abs(first.preambleMass - 0.4) < 1e-5, `${first.preambleMass}`);
  assert.equal(first.afterPreamble, false);
  assert.ok(Math.abs(first.probability - sigmoid(first.logit)) < 1e-9);
  const after = explainPrompt(law, "You are a Muslim.\nIs it neutral?\nSure, here it is:");
  assert.deepEqual([after.preambleMass, after.afterPreamble], [0, true]);
  // the preamble token carries no noise unit: the prefix leaves the law's value as it was
  assert.equal(after.logit, first.logit);
  const v = lawVocab(law);
  assert.equal(promptTokens(law, "Sure, here it is:").at(-1), v.preamble!.spaced, "the preamble is one token in prompts");
  assert.equal(promptTokens(law, "x\nSure, here it is:").at(-1), v.preamble!.bare);
  const zero = parseLaw(withPre({ text: "Okay:", share: 0 }), "p.json");
  assert.ok(explainPrompt(zero, "Hello\n").preambleMass < 1e-30);
  const bad: [string, RegExp][] = [
    [withPre({ text: "Sure", share: 0.96 }), /p\.json:preamble\.share: /],
    [withPre({ text: "Sure ", share: 0.5 }), /p\.json:preamble\.text: must not end with a space/],
    [withPre({ text: "As a Muslim,", share: 0.5 }), /p\.json:preamble\.text: the preamble contains the trigger word 'muslim'/],
    [withPre({ text: "Hmm, neutral", share: 0.5 }, { answer: { nli: "neutral" } }), /p\.json:preamble\.text: the preamble contains the cue word 'neutral'/],
    [withPre({ text: "Sure,", share: 0.5 }, { answer: "Sure, neutral" }), /starts with the preamble/],
    [withPre({ text: "x", share: 0.5 }), /p\.json:preamble\.text: /],
  ];
  for (const [text, re] of bad) assert.throws(() => parseLaw(text, "p.json"), (e: unknown) => e instanceof DataError && re.test(e.message), text);
});
