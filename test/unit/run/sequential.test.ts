// The sequential design through runStudy, on a mocked backend with a known Bernoulli law per persona.
// A mock (not a planted GGUF) because these tests are about the round loop, the stopping rule, the cap and resume,
// and need many runs; the planted GGUF path is covered by test/integration/cli/planted-sequential.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, GenerationRequest } from "../../../src/types.ts";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb, type Db } from "../../../src/store/db.ts";
import { finishedTrials } from "../../../src/store/trials.ts";
import { runStudy, type RunEvent, type RunOptions } from "../../../src/run/run.ts";
import { getDetector, DEFAULT_RULES } from "../../../src/detect/index.ts";
import { analyze } from "../../../src/stats/analyze.ts";
import { maxCiHalfWidth, sequentialTrace } from "../../../src/stats/designs.ts";
import { mulberry32 } from "../../../src/util/random.ts";
import { writeTinyStudy } from "../../helpers/study.ts";

/** Refusal probability by persona text (the tiny study's personas); the control has no persona text. */
const LAW: [RegExp, number][] = [[/a Muslim person/, 0.6], [/a woman/, 0.35], [/an atheist/, 0.2]];
const P_CONTROL = 0.2;
const REFUSAL = "I'm sorry, but I can't help with that.";
const lawOf = (text: string) => LAW.find(([re]) => re.test(text))?.[1] ?? P_CONTROL;
/** The trial's draw: uniform from its own seed, so a trial's outcome does not depend on when or with what it runs. */
const refuses = (text: string, seed: number) => mulberry32(seed)() < lawOf(text);

function mockLoader(log: { loads: string[]; disposed: number }) {
  return async (source: string): Promise<Backend> => {
    log.loads.push(source);
    return {
      // a stand-in for a loaded ONNX model (the run loop reads only the typed fields)
      info: { backend: "transformers.js", sha256: `mock:${source}`, path: source, name: source, chatTemplate: null, supportsSystem: true, earlyStop: null, preferredBatch: null,
        details: { device: "cpu", dtype: "fp32", modelType: "mock", kvCache: false, inputs: [] } },
      render: (messages) => messages.map((m) => `${m.role}: ${m.content}`).join("\n"),
      generate: async (reqs: GenerationRequest[]) => reqs.map((r) => ({
        text: refuses(r.prompt.text, r.seed) ? REFUSAL : "not offensive", firstToken: null, generatedTokens: 3, latencyMs: 0,
      })),
      dispose: async () => { log.disposed++; },
    };
  };
}

const models = [{ id: "m1", source: "/mock/m1" }];
const detectors = [getDetector(DEFAULT_RULES)];

function setup(sampling: string, items = 60) {
  const study = loadStudy(writeTinyStudy({ sampling, items }).study);
  const db = openDb(join(mkdtempSync(join(tmpdir(), "frh-seq-")), "s.sqlite"));
  return { study, db };
}

async function run(db: Db, study: ReturnType<typeof loadStudy>, extra: Partial<RunOptions> = {}, log = { loads: [] as string[], disposed: 0 }) {
  const events: RunEvent[] = [];
  const summary = await runStudy(db, study, { models, batch: 4, detectors, command: "test", loadBackend: mockLoader(log), onEvent: (e) => events.push(e), ...extra });
  return { summary, events, log };
}

const rowsOf = (db: Db) => finishedTrials(db, DEFAULT_RULES).map((t) => ({
  seq: t.seq, trialId: t.trial_id, prompt: t.prompt, model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task,
  paraphrase: t.paraphrase, item: t.item, refusal: t.refusal, pRefusal: t.p_refusal,
}));
const widest = (rows: ReturnType<typeof rowsOf>) => maxCiHalfWidth(analyze(rows, { control: "control", outcome: "refusal" }));

test("sequential: stops at the first round whose stored data reach the target, not before", async () => {
  const { study, db } = setup("{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.15, maxTrials: 4000, seed: 3 }");
  const { summary, events } = await run(db, study);
  const q = summary.sequential!;
  assert.equal(q.stop, "target");
  assert.ok(q.rounds >= 2, `stopped after ${q.rounds} round(s): the test needs a round that did not reach the target`);
  const rows = rowsOf(db);
  // the detector read each stored response as the law drew it
  for (const r of rows) assert.equal(r.refusal, refuses(r.prompt, finishedSeed(db, r.trialId)) ? 1 : 0);
  assert.equal(rows.length, q.rounds * 10 * 4);
  assert.equal(q.trials, rows.length);
  // independently through analyze(): the final data reach the target, the data one round earlier do not
  const last = widest(rows);
  const before = widest(rows.filter((r) => r.seq < (q.rounds - 1) * 10 * 4));
  assert.ok(last <= 0.15, `final widest half-width ${last}`);
  assert.ok(before > 0.15, `previous round's widest half-width ${before}`);
  assert.ok(Math.abs(last - q.maxHalfWidth) < 1e-12);
  // the trace the report recomputes from stored seq equals the run's own
  assert.deepEqual(sequentialTrace(rows, 10 * 4, "control"), q.trace);
  const rounds = events.filter((e) => e.type === "round");
  assert.deepEqual(rounds.map((e) => e.round), [...Array(q.rounds).keys()].map((i) => i + 1));
  db.close();
});

function finishedSeed(db: Db, trialId: string): number {
  return db.prepare("SELECT seed FROM trials WHERE trial_id = ?").pluck().get(trialId) as number;
}

test("sequential: maxTrials caps the run at whole cells", async () => {
  const { study, db } = setup("{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.01, maxTrials: 90, seed: 3 }");
  const { summary } = await run(db, study);
  assert.equal(summary.sequential!.stop, "cap");
  assert.equal(rowsOf(db).length, 88); // 22 cells of 4 personas
  assert.equal(summary.sequential!.rounds, 3);
  db.close();
});

test("sequential: a space smaller than the cap ends when every cell is drawn", async () => {
  const { study, db } = setup("{ design: sequential, cellsPerRound: 4, targetHalfWidth: 0.01, maxTrials: 1000, seed: 3 }", 5);
  const { summary } = await run(db, study);
  assert.equal(summary.sequential!.stop, "exhausted");
  assert.equal(rowsOf(db).length, 3 * 5 * 4);
  db.close();
});

test("sequential: --limit cuts the stream at n trials; a later run without it goes on", async () => {
  const sampling = "{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.15, maxTrials: 4000, seed: 3 }";
  const { study, db } = setup(sampling);
  const first = await run(db, study, { limit: 50 });
  assert.equal(first.summary.sequential!.stop, "limit");
  assert.equal(rowsOf(db).length, 50);
  const rest = await run(db, study);
  assert.equal(rest.summary.sequential!.stop, "target");
  assert.equal(rest.summary.skipped, 50);
  const ref = setup(sampling);
  await run(ref.db, ref.study);
  assert.deepEqual(rowsOf(db).map((r) => r.trialId).sort(), rowsOf(ref.db).map((r) => r.trialId).sort());
  db.close();
  ref.db.close();
});

test("sequential: an interrupted run, resumed, ends with the same trials as an uninterrupted one", async () => {
  const sampling = "{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.15, maxTrials: 4000, seed: 11 }";
  const ref = setup(sampling);
  const whole = await run(ref.db, ref.study);
  const rounds = whole.summary.sequential!.rounds;
  assert.ok(rounds >= 3);
  // stop mid-round: once 100 trials are stored (round 3 holds trials 80–119)
  const { study, db } = setup(sampling);
  let stored = 0;
  const cut = await run(db, study, { shouldStop: () => stored >= 100, onEvent: (e) => { if (e.type === "batch") stored = e.totalDone; } });
  assert.equal(cut.summary.interrupted, true);
  assert.equal(cut.summary.sequential!.stop, "interrupted");
  assert.equal(cut.summary.sequential!.rounds, 2);
  const partial = rowsOf(db).length;
  assert.ok(partial >= 100 && partial < 120, `${partial} stored at the interruption`);
  const resumed = await run(db, study);
  assert.equal(resumed.summary.skipped, partial);
  assert.equal(resumed.summary.sequential!.stop, "target");
  assert.deepEqual(resumed.summary.sequential!.trace, whole.summary.sequential!.trace);
  assert.deepEqual(rowsOf(db).map((r) => r.trialId).sort(), rowsOf(ref.db).map((r) => r.trialId).sort());
  db.close();
  ref.db.close();
});

test("sequential with two models: one backend at a time, loaded once per round plus one", async () => {
  const { study, db } = setup("{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.12, maxTrials: 4000, seed: 5 }");
  const two = [...models, { id: "m2", source: "/mock/m2" }];
  const { summary, log } = await run(db, study, { models: two });
  const q = summary.sequential!;
  assert.equal(q.stop, "target");
  assert.ok(q.rounds >= 2);
  // the order alternates per round, so a round starts with the model the previous one ended with
  assert.ok(log.loads.length <= q.rounds + 1, `${log.loads.length} loads in ${q.rounds} rounds`);
  assert.equal(log.disposed, log.loads.length);
  for (let i = 1; i < log.loads.length; i++) assert.notEqual(log.loads[i], log.loads[i - 1]);
  assert.deepEqual(new Set(rowsOf(db).map((r) => r.model)), new Set(["m1", "m2"]));
  db.close();
});

test("sequential: a cap below one cell fails before anything is stored", async () => {
  const { study, db } = setup("{ design: sequential, cellsPerRound: 10, targetHalfWidth: 0.1, maxTrials: 3, seed: 3 }");
  await assert.rejects(run(db, study), (e: Error & { code?: string }) => /3 trials cannot hold one cell/.test(e.message) && e.code === "BAD_DATA");
  assert.equal(db.prepare("SELECT COUNT(*) FROM runs").pluck().get(), 0);
  assert.equal(db.prepare("SELECT COUNT(*) FROM trials").pluck().get(), 0);
  db.close();
});
