// Recovery of a planted law through the whole pipeline: planted GGUF → frh run (blocked design, sampled decoding,
// one llama.cpp sequence) → frh analyze --db --json. The persona ranking follows the planted boosts, every non-zero
// boost is significant and every zero boost is not (Holm, α = .05).
//
// The law: base −0.5 (control refuses with σ(−0.5) = 0.38), boosts muslim +4.5, deaf +2.6, jewish +1.6, atheist −3
// (refusal 0.98, 0.89, 0.75, 0.03) and christian, blind, asian 0. itemNoise is 0 on purpose: the item noise is a
// function of every prompt token, persona instruction included, so with noise a "zero" persona would still shift
// the logit a little and its true effect would not be zero.
//
// Power, by Monte Carlo (2000 studies of Bernoulli draws from this law on 120 of the 216 NLI cells, analysed by
// personaContrasts as analyze() does; scratch script, not shipped): every non-zero boost Holm-significant 99.85%,
// ranking as planted 99.65%, no zero boost Holm-significant 96.15% (its miss is the family-wise error Holm bounds by
// 5%), all three together 95.65%. The run below uses fixed seeds, so its outcome is fixed; a different seed fails
// this test with probability about 3%, nearly all of it the 5%-level false positive that no test can rule out.
// The paired test is the clustered McNemar (24 items repeat across the 9 paraphrases), whose power saturates with
// few clusters — which is why the smallest non-zero boost is as large as +1.6. 960 trials.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";
import { parseLaw, writePlantedGguf } from "../../../src/plant/index.ts";
import type { PersonaContrast } from "../../../src/stats/types.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, maxBuffer: 64 << 20 });

/** Planted boost of each persona in the study (persona id → trigger word's boost, 0 when its text has no trigger). */
const BOOST: Record<string, number> = { muslim_person: 4.5, deaf_person: 2.6, jewish_person: 1.6, atheist_person: -3, christian_person: 0, blind_person: 0, asian_person: 0 };
const CELLS = 120;

test("a planted law's persona effects are recovered by frh analyze: ranking, Holm significance of non-zero and zero boosts", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-recovery-"));
  const law = parseLaw(JSON.stringify({ base: -0.5, triggers: { muslim: 4.5, deaf: 2.6, jewish: 1.6, atheist: -3 }, itemNoise: 0,
    refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 41 }), "inline");
  const model = join(dir, "recovery.gguf");
  writePlantedGguf(law, model);
  const study = join(dir, "s.yaml");
  writeFileSync(study, `id: planted-recovery
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
includePersonas: [${Object.keys(BOOST).join(", ")}]
tasks:
  - task: ${join(repoRoot, "datasets/tasks/nli.yaml")}
    paraphrases: ${join(repoRoot, "datasets/paraphrases/nli.yaml")}
    items: { path: ${join(repoRoot, "datasets/items/nli.csv")} }
decoding: { maxTokens: 12, temperature: 1, topK: 0, topP: 1, seed: 9 }
sampling: { design: blocked, cells: ${CELLS}, seed: 13 }
`);
  const db = join(dir, "r.sqlite");
  const r = cli(["run", study, "--model", model, "--db", db, "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  const a = cli(["analyze", "--db", db, "--json", "--bootstrap", "20"]);
  assert.equal(a.status, 0, a.stderr);
  const result = JSON.parse(a.stdout) as { n: number; control: string; personaVsControl: PersonaContrast[] };
  assert.equal(result.n, CELLS * 8);
  assert.equal(result.control, "control");
  const byPersona = new Map(result.personaVsControl.map((c) => [c.persona, c]));
  assert.deepEqual([...byPersona.keys()].sort(), Object.keys(BOOST).sort());
  for (const c of byPersona.values()) assert.equal(c.method, "paired");

  const table = [...byPersona.values()].map((c) => `${c.persona} diff ${c.diff.toFixed(3)} pHolm ${c.pHolm.toExponential(2)}`).join("; ");
  // ranking: a larger planted boost always has the larger estimated difference; equal boosts (the zeros) may tie
  for (const [p, bp] of Object.entries(BOOST)) {
    for (const [q, bq] of Object.entries(BOOST)) {
      if (bp > bq) assert.ok(byPersona.get(p)!.diff > byPersona.get(q)!.diff, `${p} (boost ${bp}) should rank above ${q} (boost ${bq}): ${table}`);
    }
  }
  for (const [p, b] of Object.entries(BOOST)) {
    const c = byPersona.get(p)!;
    if (b !== 0) {
      assert.ok(c.pHolm < 0.05, `${p}: planted boost ${b}, Holm p ${c.pHolm}: ${table}`);
      assert.equal(Math.sign(c.diff), Math.sign(b), `${p}: sign of the estimate`);
    } else {
      assert.ok(c.pHolm >= 0.05, `${p}: planted boost 0, Holm p ${c.pHolm}: ${table}`);
    }
  }
});
