// The library without the CLI: a small job driven through src/index.ts alone — load a study, run it, analyse the
// store, build a report — on a mock backend with a known law (test/helpers/law-backend.ts; no model file is needed
// for what this checks, which is everything after the model).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import {
  loadStudy, openDb, runStudy, defaultDetectors, analyzeStore, analyze, analysisRows, finishedTrials, lastSampling,
  storeReport, buildReportInput, renderMarkdown, formatAnalysis, statusCounts, DEFAULT_RULES, HarnessError, type RunEvent,
} from "../../src/index.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { lawBackend, REFUSAL_TEXT } from "../helpers/law-backend.ts";
import { repoRoot } from "../helpers/shared.ts";

async function job(sampling: string) {
  const study = loadStudy(writeTinyStudy({ sampling, items: 12 }).study);
  const db = openDb(join(mkdtempSync(join(tmpdir(), "frh-lib-")), "s.sqlite"));
  const events: RunEvent[] = [];
  const summary = await runStudy(db, study, {
    models: [{ id: "m1", source: "/mock/m1" }], batch: 6, detectors: defaultDetectors(),
    loadBackend: async (source) => lawBackend(source), onEvent: (e) => events.push(e),
  });
  return { study, db, summary, events };
}

test("library: load, run, analyse and report a store without the CLI", async () => {
  const { study, db, summary, events } = await job("{ design: blocked, cells: 10, seed: 4 }");
  try {
    // 10 cells × 4 personas, each run once
    assert.equal(summary.ran, 40);
    assert.equal(summary.failed, 0);
    assert.equal(statusCounts(db).done, 40);
    assert.ok(events.some((e) => e.type === "batch"));
    const { detector, result } = analyzeStore(db);
    assert.equal(detector, DEFAULT_RULES);
    // independently: the refusals are the stored responses the mock wrote as refusals
    const stored = finishedTrials(db, detector);
    const refusals = stored.filter((t) => t.response === REFUSAL_TEXT).length;
    assert.ok(refusals > 0 && refusals < 40, `${refusals} refusals: the law should give some of each`);
    assert.equal(result.n, 40);
    assert.equal(result.refusalRate.estimate, refusals / 40);
    // the same numbers as analyze() over rows built by hand from the full export records
    const byHand = stored.map((t) => ({ model: t.model, persona: t.persona, personaGroup: t.persona_group, task: t.task, paraphrase: t.paraphrase, item: t.item, refusal: t.refusal, pRefusal: t.p_refusal }));
    const again = analyze(byHand, { control: "control", outcome: "refusal" });
    assert.deepEqual(result.personaVsControl, again.personaVsControl);
    assert.deepEqual(result.byFactor, again.byFactor);
    // the design as run is in the store
    assert.deepEqual(lastSampling(db), { design: "blocked", cells: 10, seed: 4 });
    assert.equal(study.sampling.design, "blocked");
    // reports: the whole page, and the input for other renderers
    const md = storeReport(db, { format: "md", bootstrap: 20 }).text;
    assert.match(md, /^# False refusal: study 'tiny'/);
    assert.match(md, /\| design \| blocked \|/);
    const input = buildReportInput(db, { detector, bootstrap: 20, generatedAt: "2026-01-01T00:00:00.000Z" });
    assert.equal(input.trials.done, 40);
    assert.match(renderMarkdown(input), /2026-01-01T00:00:00.000Z/);
    assert.match(formatAnalysis(result), /40 trials; control 'control'/);
    assert.throws(() => analyzeStore(db, { detector: "rules@9" }), (e: unknown) => e instanceof HarnessError && /rules@9/.test(e.message));
  } finally {
    db.close();
  }
});

test("analysisRows: factors and verdicts only, never prompt or response text; filters by ids and study", async () => {
  const { db } = await job("{ design: full, seed: 2 }");
  try {
    const all = analysisRows(db, DEFAULT_RULES, { verdicts: true });
    assert.equal(all.length, 4 * 3 * 12);
    for (const r of all) {
      assert.ok(!("prompt" in r) && !("response" in r), "no text in an analysis row");
      assert.deepEqual(Object.keys(r.verdicts ?? {}).sort(), ["first-token@1", DEFAULT_RULES]);
    }
    const seqs = all.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "plan order");
    const some = all.filter((_, i) => i % 7 === 0).map((r) => r.trialId);
    assert.deepEqual(analysisRows(db, DEFAULT_RULES, { ids: some }).map((r) => r.trialId), some);
    assert.equal(analysisRows(db, DEFAULT_RULES, { study: "tiny" }).length, all.length);
    assert.equal(analysisRows(db, DEFAULT_RULES, { study: "other" }).length, 0);
    assert.ok(!("verdicts" in analysisRows(db, DEFAULT_RULES)[0]));
  } finally {
    db.close();
  }
});

test("src/index.ts never reaches src/cli/ (transitively)", () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)["'](\.[^"']+)["']/g)) walk(resolve(dirname(file), m[1]));
  };
  walk(join(repoRoot, "src", "index.ts"));
  const reached = [...seen].map((f) => relative(repoRoot, f));
  assert.ok(reached.includes("src/run/run.ts") && reached.includes("src/report/build/input.ts"), "the walk follows imports");
  assert.deepEqual(reached.filter((f) => f.startsWith("src/cli/")), []);
});

test("lastSampling: the design as run (a seed override included); rows without it fall back to the study text", async () => {
  const study = loadStudy(writeTinyStudy({ sampling: "{ design: sequential, cellsPerRound: 3, targetHalfWidth: 0.3, maxTrials: 24 }", items: 6 }).study);
  study.sampling = { ...study.sampling, seed: 11 };   // as `frh run --seed 11` does
  const db = openDb(join(mkdtempSync(join(tmpdir(), "frh-lib-")), "s.sqlite"));
  try {
    await runStudy(db, study, { models: [{ id: "m1", source: "/mock/m1" }], detectors: defaultDetectors(), loadBackend: async (s) => lawBackend(s) });
    assert.deepEqual(lastSampling(db), { design: "sequential", cellsPerRound: 3, targetHalfWidth: 0.3, maxTrials: 24, seed: 11 });
    // a row as stores before issue 12 wrote it: no settings.sampling; the study text has no seed (read as 0, as then)
    db.prepare(`UPDATE runs SET settings = json_remove(settings, '$.sampling')`).run();
    assert.deepEqual(lastSampling(db), { design: "sequential", seed: 0, cellsPerRound: 3, targetHalfWidth: 0.3, maxTrials: 24 });
    db.prepare(`UPDATE runs SET study_text = 'sampling: [unclosed'`).run();
    assert.deepEqual(lastSampling(db), { design: "unknown", seed: 0 });
  } finally {
    db.close();
  }
  const empty = openDb(join(mkdtempSync(join(tmpdir(), "frh-lib-")), "e.sqlite"));
  assert.equal(lastSampling(empty), null);
  empty.close();
});
