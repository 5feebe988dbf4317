import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseLaw, explainPrompt, explainTokens, promptTokens, plantedProbability, lawVocab, sigmoid, type Law } from "../../../src/plant/law.ts";
import { noiseUnit, noiseFromUnits, NOISE_SCALE, NOISE_UNIT_MAX } from "../../../src/plant/noise.ts";
import { buildPlantedGguf } from "../../../src/plant/index.ts";
import { readGguf } from "../../../src/plant/gguf.ts";
import { DataError } from "../../../src/errors.ts";
import { mulberry32, randInt } from "../../../src/util/random.ts";

const law: Law = { base: -1, triggers: { muslim: 2, wheelchair: 1, atheist: -1.5 }, itemNoise: 0, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 1 };
const good = JSON.stringify(law);
const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...law, ...patch });

test("parseLaw accepts the example fixture", () => {
  const l = parseLaw(readFileSync(new URL("../../fixtures/laws/example.json", import.meta.url), "utf8"), "example.json");
  assert.deepEqual(l, law);
  assert.deepEqual(parseLaw(good, "x.json"), law);
});

test("parseLaw rejects bad laws with file:field and a hint", () => {
  const bad: [string, RegExp][] = [
    ["{not json", /^law\.json: not valid JSON/],
    [withField({ temperature: 1 }), /^law\.json: unknown field\(s\) 'temperature'/],
    [withField({ base: "high" }), /^law\.json:base: /],
    [withField({ triggers: { Muslim: 2 } }), /^law\.json:triggers\.Muslim: .*lowercase/],
    [withField({ triggers: { "wheelchair user": 2 } }), /^law\.json:triggers\.wheelchair user: /],
    [withField({ triggers: { muslim: "2" } }), /^law\.json:triggers\.muslim: /],
    [withField({ itemNoise: -0.1 }), /^law\.json:itemNoise: /],
    [withField({ seed: 1.5 }), /^law\.json:seed: /],
    [withField({ refusal: "" }), /^law\.json:refusal: /],
    [withField({ answer: " neutral" }), /^law\.json:answer: .*printable character/],
    [withField({ refusal: "\u0007Sorry" }), /^law\.json:refusal: .*printable character/],
    [withField({ refusal: "\"Sorry\"", answer: "\"neutral\"" }), /^law\.json:refusal: .*same token "▁\\""/],
    [withField({ answer: "I think so" }), /^law\.json:refusal: .*same token "▁I"/],
    [JSON.stringify({ base: 0, triggers: {}, itemNoise: 0, refusal: "No." }), /^law\.json:answer: /],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseLaw(text, "law.json"), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, re);
      assert.ok(e.hint, "has a hint");
      return true;
    }, text);
  }
});

test("explain on hand-computed cases (itemNoise 0)", () => {
  const cases: [string, number][] = [
    ["Hello", -1],
    ["You are a Muslim.\n\nAnswer:", 1],
    ["A MUSLIM wheelchair user, muslim again.", 4],
    ["An atheist and a Muslim in a wheelchair.", 0.5],
    ["Muslims and muslimah do not count; non-muslim does.", 1],
    ["Atheist, atheist, ATHEIST!", -5.5],
  ];
  for (const [text, logit] of cases) {
    const ex = explainPrompt(law, text);
    assert.equal(ex.noise, 0);
    assert.equal(ex.logit, logit, text);
    assert.equal(ex.probability, sigmoid(logit));
    assert.equal(plantedProbability(law, text), sigmoid(logit));
    assert.deepEqual(explainTokens(law, promptTokens(law, text)).logit, logit, "token-level law agrees");
  }
  assert.deepEqual(explainPrompt(law, "a Muslim, a Muslim").triggers, [{ word: "muslim", count: 2, boost: 2 }, { word: "wheelchair", count: 0, boost: 1 }, { word: "atheist", count: 0, boost: -1.5 }]);
  assert.equal(explainPrompt(law, "Say I").continues, "refusal");
  assert.equal(explainPrompt(law, "Is it neutral").continues, "answer");
  assert.equal(explainPrompt(law, "Answer:").continues, null);
});

test("noise: the documented formula over the prompt's non-trigger tokens", () => {
  const noisy: Law = { ...law, itemNoise: 0.7, seed: 3 };
  const text = "A Muslim asks: is this polite?";
  const v = lawVocab(noisy);
  const toks = promptTokens(noisy, text);
  const counted = toks.slice(1).filter((t) => !v.pieces[t].toLowerCase().endsWith("muslim"));
  const units = counted.map((t) => noiseUnit(3, v.pieces[t]));
  const want = (0.7 * NOISE_SCALE * units.reduce((a, b) => a + b, 0)) / (128 + units.length);
  const ex = explainPrompt(noisy, text);
  assert.equal(ex.noiseTokens, counted.length);
  assert.ok(Math.abs(ex.noise - want) < 1e-12);
  assert.ok(Math.abs(ex.logit - (-1 + 2 + want)) < 1e-12);
  assert.equal(noiseFromUnits(0.7, []), 0);
  for (const p of ["▁the", "x", "<0x0A>"]) {
    const u = noiseUnit(9, p);
    assert.ok(Number.isInteger(u) && Math.abs(u) <= NOISE_UNIT_MAX);
    assert.equal(noiseUnit(9, p), u, "deterministic");
  }
});

test("noise: spread across items is about itemNoise for 30–300 token prompts", () => {
  // Items as random draws of counted tokens, so no token is shared by all items. Real items share template words,
  // whose units add the same offset to every item of a study (explain reports each item's exact value).
  const noisy: Law = { ...law, itemNoise: 1, seed: 11 };
  const v = lawVocab(noisy);
  const counted = v.pieces.map((_, t) => t).filter((t) => v.cls[t] === 1);
  for (const n of [30, 128, 300]) {
    const rng = mulberry32(n);
    const xs: number[] = [];
    for (let i = 0; i < 400; i++) xs.push(explainTokens(noisy, [v.bos, ...Array.from({ length: n }, () => counted[randInt(rng, counted.length)])]).noise);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const expected = (2 * Math.sqrt(128 * n)) / (128 + n);
    assert.ok(Math.abs(mean) < 0.3, `mean ${mean} at ${n} tokens`);
    assert.ok(Math.abs(sd / expected - 1) < 0.15, `sd ${sd}, expected ${expected} at ${n} tokens`);
    assert.ok(expected > 0.75 && expected <= 1);
  }
});

test("buildPlantedGguf: deterministic bytes, small file, law in metadata", () => {
  const a = buildPlantedGguf(law), b = buildPlantedGguf(JSON.parse(good));
  assert.ok(a.equals(b));
  assert.ok(a.length < 3_000_000, `${a.length} bytes`);
  const f = readGguf(a);
  assert.deepEqual(JSON.parse(String(f.metadata.get("frh.plant.law")?.value)), law);
  assert.ok(f.tensors.every((t) => t.type === 0), "all F32");
  for (const name of ["blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight", "rope_freqs.weight"]) assert.ok(f.tensors.some((t) => t.name === name), name);
  assert.ok(!buildPlantedGguf({ ...law, seed: 2, itemNoise: 0.5 }).equals(a));
});
