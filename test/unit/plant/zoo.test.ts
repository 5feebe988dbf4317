// The zoo's law sets: the shipped 16 (datasets/zoo) and the seeded random ones the zoo test draws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomZoo, readZoo, ZOO_WORDS } from "../../../src/plant/zoo.ts";
import { HarnessError } from "../../../src/errors.ts";
import { repoRoot } from "../../helpers/shared.ts";

test("the shipped zoo: 16 laws, bases rising from near-0 to high refusal, persona words only where the base is high enough", () => {
  const zoo = readZoo(join(repoRoot, "datasets", "zoo"));
  assert.deepEqual(zoo.map((m) => m.id), Array.from({ length: 16 }, (_, i) => `m${String(i + 1).padStart(2, "0")}`));
  const bases = zoo.map((m) => m.law.base);
  assert.ok(bases.every((b, i) => i === 0 || b > bases[i - 1]));
  assert.ok(bases[0] < -5 && bases[15] > 0);
  const personaBoost = zoo.map((m) => Math.max(0, ...ZOO_WORDS.persona.map((w) => Math.abs(m.law.triggers[w] ?? 0))));
  // the largest persona boost never falls as the base rises by 4 steps or more (the planted trend)
  for (let i = 0; i + 4 < 16; i++) assert.ok(personaBoost[i] <= Math.max(...personaBoost.slice(i + 4)), `m${i + 1}`);
  // offensiveness is the most sensitive task: its word's boost (×2 occurrences) beats the others'
  for (const m of zoo) assert.ok(2 * m.law.triggers.offensive > m.law.triggers.polite && m.law.triggers.polite > m.law.triggers.hypothesis);
});

test("randomZoo: same seed, same laws; another seed, other laws; persona boosts scale with the base", () => {
  const o = { models: 8, personaModels: 0.5, personasPerModel: 2 };
  assert.deepEqual(randomZoo(5, o), randomZoo(5, o));
  assert.notDeepEqual(randomZoo(5, o).map((m) => m.law), randomZoo(6, o).map((m) => m.law));
  const zoo = randomZoo(7, { ...o, base: [-4, 0], personaBoost: [1, 2] });
  const withPersona = zoo.filter((m) => ZOO_WORDS.persona.some((w) => w in m.law.triggers));
  assert.equal(withPersona.length, 4);
  for (const m of withPersona) {
    const scale = (m.law.base - -4) / 4;
    for (const w of ZOO_WORDS.persona) if (w in m.law.triggers) assert.ok(m.law.triggers[w] <= 2 * scale + 0.25 + 1 / 64, `${m.id} ${w}`);
  }
});

test("readZoo: a missing or empty directory and a bad law are clear data errors", () => {
  assert.throws(() => readZoo("/nonexistent/zoo"), (e: unknown) => e instanceof HarnessError && /zoo directory not found/.test(e.message) && /--zoo/.test(e.hint ?? ""));
  const dir = mkdtempSync(join(tmpdir(), "frh-zoo-unit-"));
  assert.throws(() => readZoo(dir), (e: unknown) => e instanceof HarnessError && /no law files/.test(e.message));
  writeFileSync(join(dir, "m1.json"), JSON.stringify({ base: 0, triggers: {}, itemNoise: 0, refusal: "No.", answer: "yes", seed: 1, extra: 1 }));
  assert.throws(() => readZoo(dir), (e: unknown) => e instanceof HarnessError && /m1\.json/.test(e.message) && /extra/.test(e.message));
});
