// Forced fallbacks of the GGUF backend: one sequence when the race guard cannot be installed, whole-vocabulary
// reads when the narrow-read internals are missing. The installed node-llama-cpp has every internal, so the
// probes are replaced (LlamaCppOptions.probes) to make them report a missing field — the one stand-in here; the
// model, the library and the fallback paths themselves are real. Each fallback must give the same records and
// texts as the fast path, be told once, be stored in the run's provenance, and show in `frh status` and the report.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import type { Backend, BackendFallback, GenerationRequest, GenerationResult } from "../../../src/types.ts";
import { loadLlamaCpp, type LlamaCppOptions } from "../../../src/backends/llamaCpp/index.ts";
import { writePlantedGguf, type Law } from "../../../src/plant/index.ts";
import { loadStudy } from "../../../src/spec/study.ts";
import { openDb } from "../../../src/store/db.ts";
import { runFallbacks, statusCounts } from "../../../src/store/trials.ts";
import { runStudy, type RunEvent } from "../../../src/run/run.ts";
import { getDetector, DEFAULT_RULES } from "../../../src/detect/index.ts";
import { buildReportInput } from "../../../src/report/build/input.ts";
import { renderMarkdown } from "../../../src/report/markdown.ts";
import { renderHtml } from "../../../src/report/html.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { repoRoot } from "../../helpers/shared.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-fallback-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const law: Law = { base: -0.3, triggers: { muslim: 2.5, woman: -1.2, atheist: 1 }, itemNoise: 0.8, refusal: "I'm sorry, but I can't help with that.", answer: "not offensive", seed: 12 };
const model = writePlantedGguf(law, join(tmp, "m.gguf")).path;
const watch = { labels: [{ id: "offensive", words: ["offensive"] }, { id: "not_offensive", words: ["not offensive"] }], refusalOnsets: ["I'm sorry"], topK: 4 };
const prompts = ["Respond as a Muslim person would. Is it offensive?", "Respond as a woman would. Is it offensive?", "Respond as an atheist would.",
  "Is it offensive? muslim muslim", "Label the text.", "Respond as a woman would. muslim?"];
const req = (content: string): GenerationRequest =>
  ({ prompt: { messages: [{ role: "user", content }], placement: "none", text: "" }, decoding: { maxTokens: 12, temperature: 0, topK: 40, topP: 1, seed: 0 }, seed: 1, watch });
const noGuard: LlamaCppOptions["probes"] = { guard: () => ["LlamaContext._ctx.decodeBatch"] };
const noNarrow: LlamaCppOptions["probes"] = { narrow: () => ["Llama._bindings.AddonSampler"] };

async function generateWith(opts: LlamaCppOptions): Promise<{ results: GenerationResult[][]; told: BackendFallback[]; backend: Backend }> {
  const told: BackendFallback[] = [];
  const backend = await loadLlamaCpp(model, { sequences: 4, threads: 1, ...opts, onFallback: (f) => told.push(f) });
  try {
    // two calls, the second with a longer prompt so the context is rebuilt: still told once
    const results = [await backend.generate(prompts.map(req)), await backend.generate([req(`${prompts[0]} ${"x ".repeat(600)}`)])];
    return { results, told, backend };
  } finally {
    await backend.dispose();
  }
}

function sameResults(a: GenerationResult[], b: GenerationResult[]): void {
  assert.equal(a.length, b.length);
  a.forEach((r, i) => {
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.text, b[i].text, `prompt ${i}: text`);
    assert.ok(Math.abs(r.firstToken!.refusalMass - b[i].firstToken!.refusalMass) < 1e-6, `prompt ${i}: refusalMass`);
    for (const k of Object.keys(r.firstToken!.labelMass)) assert.ok(Math.abs(r.firstToken!.labelMass[k] - b[i].firstToken!.labelMass[k]) < 1e-6, `prompt ${i}: ${k}`);
  });
}

test("forced fallbacks: same results as the fast path, each told exactly once", async () => {
  const fast = await generateWith({});
  assert.deepEqual(fast.told, [], "the installed node-llama-cpp needs no fallback");
  const oneSeq = await generateWith({ probes: noGuard });
  assert.deepEqual(oneSeq.told.map((f) => f.code), ["one-sequence"]);
  assert.match(oneSeq.told[0].message, /LlamaContext\._ctx\.decodeBatch.*one sequence at a time instead of 4/);
  const full = await generateWith({ probes: noNarrow });
  assert.deepEqual(full.told.map((f) => f.code), ["full-vocabulary-reads"]);
  assert.match(full.told[0].message, /Llama\._bindings\.AddonSampler/);
  for (const other of [oneSeq, full]) {
    sameResults(other.results[0], fast.results[0]);
    sameResults(other.results[1], fast.results[1]);
  }
  // the records differ between prompts, so equal records above are not a coincidence
  assert.ok(new Set(fast.results[0].map((r) => r.firstToken!.refusalMass.toFixed(6))).size >= 4);
});

test("a fallback during frh run: one warning, stored with the run, shown by status and the report", async () => {
  const { study: studyPath } = writeTinyStudy({ sampling: "{ design: random, n: 24, seed: 2 }", items: 6 });
  const study = loadStudy(studyPath);
  const dbPath = join(tmp, "run.sqlite");
  const db = openDb(dbPath);
  const events: RunEvent[] = [];
  try {
    const run = () => runStudy(db, study, {
      models: [{ id: "planted", source: model }], batch: 4, detectors: [getDetector(DEFAULT_RULES), getDetector("first-token@1")], command: "test",
      onEvent: (e) => events.push(e),
      // the real loader's options, plus the forced probe
      loadBackend: (source, o) => loadLlamaCpp(source, { sequences: o.batch, threads: 1, onFallback: o.onFallback, probes: { ...noGuard, ...noNarrow } }),
    });
    const s = await run();
    assert.equal(s.ran, 24);
    // (the plan-time ambiguous-read check, run/ambiguity.ts, is another kind of warning: not counted here)
    const warnings = events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message).filter((m) => !/ambiguous first-token reads/.test(m));
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.ok(warnings.some((w) => /^planted: .*one sequence at a time/.test(w)) && warnings.some((w) => /^planted: .*whole-vocabulary/.test(w)));
    const stored = runFallbacks(db);
    assert.deepEqual(stored.map((f) => [f.runId, f.model, f.code]), [[s.runId, "planted", "one-sequence"], [s.runId, "planted", "full-vocabulary-reads"]]);
    const settings = JSON.parse(db.prepare("SELECT settings FROM runs WHERE run_id = ?").pluck().get(s.runId) as string);
    assert.equal(settings.batch, 4, "the run's own settings are kept next to the fallbacks");
    assert.equal(statusCounts(db).fallbacks.length, 2);
    const input = buildReportInput(db, { detector: DEFAULT_RULES, bootstrap: 20, generatedAt: "2026-01-01T00:00:00Z" });
    assert.match(renderMarkdown(input), /## Backend fallbacks[\s\S]*\| 1 \| planted \| one-sequence \|/);
    assert.match(renderHtml(input), /Backend fallbacks[\s\S]*full-vocabulary-reads/);
  } finally {
    db.close();
  }
  const st = spawnSync(process.execPath, [join(repoRoot, "bin", "frh.mjs"), "status", "--db", dbPath], { encoding: "utf8", cwd: repoRoot });
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /backend fallbacks[^\n]*\n  run #1 planted: one-sequence — [^\n]+\n  run #1 planted: full-vocabulary-reads — /);
  const json = JSON.parse(spawnSync(process.execPath, [join(repoRoot, "bin", "frh.mjs"), "status", "--db", dbPath, "--json"], { encoding: "utf8", cwd: repoRoot }).stdout);
  assert.deepEqual(json.fallbacks.map((f: { code: string }) => f.code), ["one-sequence", "full-vocabulary-reads"]);
  assert.equal("failures" in json, false, "no failed trials: no failures key (a clean store's JSON is unchanged)");
});
