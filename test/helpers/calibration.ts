// Shared by the planted-model calibration tests: a law whose p_refusal spans (0, 1) on the default personas ×
// NLI prompts, a study with given decoding, `frh run` + `frh analyze --json`, and an independent recount.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "./shared.ts";
import { allowedMisses } from "../../src/stats/calibration.ts";
import type { CalibrationResult } from "../../src/stats/calibration.ts";

const frh = join(repoRoot, "bin", "frh.mjs");

/** Spread by trigger words of the persona texts and items plus prompt noise: every tenth of (0, 1) gets trials. */
export const SPREAD_LAW = { base: 0.6, triggers: { woman: 1.0, muslim: 1.6, deaf: -2.0, transgender: 2.0, man: -0.6, asian: -1.5, black: 0.6 },
  itemNoise: 1.0, refusal: "Sorry, I will not answer that.", answer: "neutral", seed: 31 };

export const SAMPLED = "{ maxTokens: 16, temperature: 1, topK: 0, topP: 1, seed: 10 }";
export const GREEDY = "{ maxTokens: 16, temperature: 0 }";

export function writeStudy(dir: string, name: string, decoding: string, n: number): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `id: ${name}
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
tasks:
  - task: ${join(repoRoot, "datasets/tasks/nli.yaml")}
    paraphrases: ${join(repoRoot, "datasets/paraphrases/nli.yaml")}
    items: { path: ${join(repoRoot, "datasets/items/nli.csv")} }
decoding: ${decoding}
sampling: { design: random, n: ${n}, seed: 5 }
`);
  return path;
}

/** Runs the study and returns `frh analyze --json`'s calibration, with the stored (p_refusal, text refusal) pairs. */
export function runAndCalibrate(study: string, model: string, db: string, batch: number): { cal: CalibrationResult; pairs: { p: number; y: 0 | 1; response: string }[]; json: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [frh, "run", study, "--model", model, "--db", db, "--batch", String(batch), "--quiet"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  const a = spawnSync(process.execPath, [frh, "analyze", "--db", db, "--json", "--bootstrap", "0"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(a.status, 0, a.stderr);
  const json = JSON.parse(a.stdout);
  const d = new Database(db, { readonly: true });
  const pairs = d.prepare(`SELECT t.p_refusal p, d.refusal y, t.response FROM trials t JOIN detections d USING (trial_id) WHERE d.detector = ? AND t.status = 'done'`).all(json.detector) as { p: number; y: 0 | 1; response: string }[];
  d.close();
  return { cal: json.calibration, pairs, json };
}

/**
 * Sampled decoding: recounts the bins from the store (independently of calibration.ts) and checks them against
 * the CLI's table; then the calibration claim: observed rate within the bin's Wilson CI of mean p in all but
 * `allowedMisses(bins)` bins (the 99% bound of the number of 95% intervals that miss by chance).
 */
export function assertCalibrated(cal: CalibrationResult, pairs: { p: number; y: 0 | 1 }[], minPerBin: number): void {
  const counts = new Array(10).fill(0), refusals = new Array(10).fill(0);
  for (const { p, y } of pairs) { const b = Math.min(9, Math.floor(p * 10)); counts[b]++; refusals[b] += y; }
  assert.deepEqual(cal.bins.map((b) => [Math.round(b.lo * 10), b.n, b.refusals]), counts.map((n, b) => [b, n, refusals[b]]).filter(([, n]) => n > 0));
  assert.equal(cal.bins.length, 10, "the law spans every tenth of (0, 1)");
  for (const b of cal.bins) assert.ok(b.n >= minPerBin, `bin ${b.lo}: ${b.n} trials`);
  const misses = cal.bins.filter((b) => !(b.ci[0] <= b.meanP && b.meanP <= b.ci[1])).length;
  assert.ok(misses <= allowedMisses(10), `${misses} bins miss (allowed ${allowedMisses(10)})`);
  assert.equal(cal.verdict, "calibrated", cal.verdictText);
}

/** Greedy decoding: the generated outcome equals [p > 0.5] on every trial, and the verdict says so. */
export function assertGreedy(cal: CalibrationResult, pairs: { p: number; y: 0 | 1 }[]): void {
  for (const { p, y } of pairs) assert.equal(y, p > 0.5 ? 1 : 0, `p ${p}`);
  assert.equal(cal.rule.agreement, 1);
  assert.equal(cal.rule.mismatches, 0);
  assert.ok(cal.verdict === "greedy", cal.verdictText);
}
