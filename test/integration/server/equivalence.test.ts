// The same study through a real llama-server (built by `npm run server:build` from the llama.cpp that the
// in-process backend runs) and in process: same p_refusal, identical greedy texts and outcomes, trial by trial.
// Precision: llama-server writes each log-probability as a float32 widened to a double, and the in-process reads
// are float32 too, so p_refusal is compared to 1e-6 (absolute); texts and outcomes must be equal.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb, closeDb } from "../../../src/store/db.ts";
import { runStudy } from "../../../src/run/run.ts";
import { defaultDetectors } from "../../../src/run/detectors.ts";
import { writePlantedGguf, explainPrompt, parseLaw } from "../../../src/plant/index.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { tinyGguf } from "../../helpers/shared.ts";
import { llamaServerBinary, startLlamaServer } from "./llama-server.ts";

const bin = llamaServerBinary();
const tiny = tinyGguf();
const tmp = mkdtempSync(join(tmpdir(), "frh-server-eq-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Row { key: string; prompt: string; p_refusal: number | null; response: string; outcome: string; first_token: string }

function rows(dbPath: string): Map<string, Row> {
  const db = openDb(dbPath, { readonly: true });
  try {
    const list = db.prepare(`SELECT t.persona || '|' || t.paraphrase || '|' || t.item || '|' || t.replicate AS key, t.prompt, t.p_refusal, t.response, d.outcome, t.first_token
      FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = 'first-token@1' AND t.status = 'done'`).all() as Row[];
    return new Map(list.map((r) => [r.key, r]));
  } finally { closeDb(db); }
}

async function both(model: string, studyPath: string, name: string, slots = 4) {
  const study = loadStudy(studyPath);
  const local = join(tmp, `${name}-local.sqlite`);
  const served = join(tmp, `${name}-served.sqlite`);
  const db1 = openDb(local, { study: study.id });
  // The server generates whole responses, so the in-process run does too (no early stop).
  try { await runStudy(db1, study, { models: [{ id: name, source: model }], detectors: defaultDetectors(), backend: { fullText: true } }); } finally { closeDb(db1); }
  const server = await startLlamaServer(bin.path!, model, { slots });
  try {
    const db2 = openDb(served, { study: study.id });
    try {
      const s = await runStudy(db2, study, { models: [{ id: name, source: `openai:${server.url}/v1` }], detectors: defaultDetectors() });
      assert.equal(s.failed, 0);
    } finally { closeDb(db2); }
  } finally { await server.stop(); }
  return { a: rows(local), b: rows(served) };
}

test("planted GGUF: llama-server and in process agree trial by trial (≥ 200 trials)", { skip: bin.skip, timeout: 300_000 }, async () => {
  const law = parseLaw(JSON.stringify({ base: -0.4, triggers: { muslim: 1.7, woman: -0.6, atheist: 0.9 }, itemNoise: 0.5, refusal: "Sorry, I will not do that.", answer: "offensive", seed: 5 }), "inline");
  const model = join(tmp, "planted.gguf");
  writePlantedGguf(law, model);
  const { study } = writeTinyStudy({ items: 20 }); // 4 personas × 3 paraphrases × 20 items = 240 trials
  const { a, b } = await both(model, study, "planted");
  assert.equal(a.size, 240);
  assert.equal(b.size, 240);
  let refusals = 0;
  for (const [key, x] of a) {
    const y = b.get(key);
    assert.ok(y, `served run lacks ${key}`);
    assert.equal(y.prompt, x.prompt, `${key}: same rendered prompt`);
    assert.ok(x.p_refusal !== null && y.p_refusal !== null);
    assert.ok(Math.abs(x.p_refusal - y.p_refusal) <= 1e-6, `${key}: p_refusal ${x.p_refusal} vs ${y.p_refusal}`);
    // and both equal the planted law (its stated precision with flash attention, src/plant/README.md)
    assert.ok(Math.abs(explainPrompt(law, x.prompt).probability - y.p_refusal) <= 5e-6, `${key}: law vs server`);
    assert.equal(y.response, x.response, `${key}: greedy text`);
    assert.equal(y.outcome, x.outcome, `${key}: outcome`);
    assert.equal(JSON.parse(y.first_token).exactness, "exact");
    refusals += y.outcome === "refusal" ? 1 : 0;
  }
  assert.ok(refusals > 10 && refusals < 230, `the law gives both outcomes (${refusals} refusals)`);
});

test("tiny random GGUF (32k vocabulary): llama-server and in process agree trial by trial", { skip: bin.skip || tiny.skip, timeout: 300_000 }, async () => {
  const { study } = writeTinyStudy({ items: 20 });
  const { a, b } = await both(tiny.path, study, "tiny");
  assert.equal(a.size, 240);
  assert.equal(b.size, 240);
  for (const [key, x] of a) {
    const y = b.get(key)!;
    assert.ok(y, `served run lacks ${key}`);
    assert.equal(y.prompt, x.prompt);
    // masses on a random model are small: compare the ratio to 1e-6 relative to its size as well
    if (x.p_refusal === null) assert.equal(y.p_refusal, null);
    else assert.ok(Math.abs(x.p_refusal - y.p_refusal!) <= 1e-6 * Math.max(1, Math.abs(x.p_refusal)), `${key}: p_refusal ${x.p_refusal} vs ${y.p_refusal}`);
    assert.equal(y.response, x.response, `${key}: greedy text`);
    assert.equal(y.outcome, x.outcome, `${key}: outcome`);
  }
});
