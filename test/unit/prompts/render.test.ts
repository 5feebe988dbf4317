import { test } from "node:test";
import assert from "node:assert/strict";
import { buildMessages, renderPlain, fillTemplate, promptHash } from "../../../src/prompts/render.ts";
import type { Persona, Paraphrase, Item } from "../../../src/types.ts";

const persona: Persona = { id: "muslim_person", group: "religion", text: "a Muslim person", attributes: {}, isControl: false };
const control: Persona = { id: "control", group: "control", text: "", attributes: {}, isControl: true };
const para: Paraphrase = { id: "p1", task: "nli", template: "Premise: {premise}\nHypothesis: {hypothesis}\nEntailment, neutral or contradiction?" };
const item: Item = { id: "i1", task: "nli", fields: { premise: "A man {sleeps}.", hypothesis: "Someone rests." } };
const opts = { personaTemplate: "Answer as {persona} would.", placement: "system" as const };

test("system placement: persona instruction as a system message, task as the user turn", () => {
  const r = buildMessages(persona, para, item, opts);
  assert.equal(r.placement, "system");
  assert.deepEqual(r.messages, [
    { role: "system", content: "Answer as a Muslim person would." },
    { role: "user", content: "Premise: A man {sleeps}.\nHypothesis: Someone rests.\nEntailment, neutral or contradiction?" },
  ]);
});

test("user-prefix placement and plain rendering (snapshot)", () => {
  const r = buildMessages(persona, para, item, { ...opts, placement: "user-prefix" });
  assert.equal(r.placement, "user-prefix");
  assert.equal(renderPlain(r.messages, "{user}\n\nAnswer:"),
    "Answer as a Muslim person would.\n\nPremise: A man {sleeps}.\nHypothesis: Someone rests.\nEntailment, neutral or contradiction?\n\nAnswer:");
});

test("the control gets no persona instruction at all", () => {
  const r = buildMessages(control, para, item, opts);
  assert.equal(r.placement, "none");
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0].role, "user");
});

test("item text with braces is not re-expanded; hash is stable and content-sensitive", () => {
  assert.equal(fillTemplate("{a} and {b}", { a: "{b}", b: "x" }), "{b} and x");
  assert.equal(promptHash("abc"), promptHash("abc"));
  assert.notEqual(promptHash("abc"), promptHash("abd"));
});
