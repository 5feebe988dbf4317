// `frh analyze --from <export file>` end to end, on studies simulated from logistic laws with random coefficients
// that src/stats never sees (test/helpers/logistic-study.ts: own PRNG, own writers, own formulas).
// Checked through the real CLI: CSV and JSONL give the same JSON; byFactor Wilson CIs equal the hand formula;
// the sensitivity indices (variance, Borgonovo δ, Wasserstein-2) equal a direct row-level computation, on the
// binary refusal and on p_refusal; non-null personas are flagged, null ones are not (seeds fixed in advance:
// 1, 2 — not chosen after looking); bad input gives one clear message and exit 1. The coverage of the
// OR CIs needs hundreds of datasets and is in analyze-coverage.test.ts (in process).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";
import {
  deltaIndex, exportRecords, randomLaw, simulate, toCsvText, toJsonlText, varianceIndex, wassersteinIndex, wilsonHand,
  type SimRow,
} from "../../helpers/logistic-study.ts";

const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) =>
  spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, maxBuffer: 256 << 20, env: { ...process.env, CI: "true" } });
const dir = mkdtempSync(join(tmpdir(), "frh-analyze-from-"));

function writeStudy(name: string, rows: SimRow[]): { csv: string; jsonl: string } {
  const recs = exportRecords(rows);
  const csv = join(dir, `${name}.csv`), jsonl = join(dir, `${name}.jsonl`);
  writeFileSync(csv, toCsvText(recs));
  writeFileSync(jsonl, toJsonlText(recs));
  return { csv, jsonl };
}

function analyzeJson(args: string[]): any {
  const r = cli(["analyze", ...args, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const FACTOR_KEYS = { model: "model", persona: "persona", personaGroup: "persona_group", task: "task", paraphrase: "paraphrase" } as const;
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function checkByFactor(out: any, rows: SimRow[]): void {
  assert.deepEqual(Object.keys(out.byFactor), Object.keys(FACTOR_KEYS));
  const k = rows.reduce((s, r) => s + r.refusal, 0);
  assert.equal(out.n, rows.length);
  close(out.refusalRate.estimate, k / rows.length, 1e-15, "overall rate");
  wilsonHand(k, rows.length).forEach((v, i) => close(out.refusalRate.ci[i], v, 1e-12, "overall Wilson"));
  for (const [key, col] of Object.entries(FACTOR_KEYS)) {
    const levels = new Set(rows.map((r) => r[col]));
    assert.equal(out.byFactor[key].length, levels.size, key);
    for (const lv of out.byFactor[key]) {
      const sub = rows.filter((r) => r[col] === lv.level), x = sub.reduce((s, r) => s + r.refusal, 0);
      assert.equal(lv.n, sub.length, `${key} ${lv.level} n`);
      assert.equal(lv.refusals, x, `${key} ${lv.level} refusals`);
      close(lv.rate, x / sub.length, 1e-15, `${key} ${lv.level} rate`);
      wilsonHand(x, sub.length).forEach((v, i) => close(lv.ci[i], v, 1e-12, `${key} ${lv.level} Wilson`));
    }
  }
  assert.equal(out.byFactor.persona[0].level, "control", "control leads the persona table");
}

function checkSensitivity(sens: any[], rows: SimRow[], outcome: "refusal" | "p_refusal"): void {
  const y = rows.map((r) => (outcome === "refusal" ? r.refusal : r.p_refusal!));
  assert.deepEqual(sens.map((s) => s.factor), Object.keys(FACTOR_KEYS));
  const maxLevels = Math.max(...Object.values(FACTOR_KEYS).map((c) => new Set(rows.map((r) => r[c])).size));
  for (const s of sens) {
    const labels = rows.map((r) => r[FACTOR_KEYS[s.factor as keyof typeof FACTOR_KEYS]]);
    const what = `${outcome} ${s.factor}`;
    close(s.variance, varianceIndex(y, labels), 1e-9, `${what} variance`);
    close(s.delta, deltaIndex(y, labels), 1e-9, `${what} delta`);
    close(s.wasserstein, wassersteinIndex(y, labels), 1e-9, `${what} wasserstein`);
    assert.equal(s.levels, new Set(labels).size);
    for (const k of ["variance", "delta", "wasserstein"]) {
      const [lo, hi] = s.ci[k];
      assert.ok(lo <= hi && lo >= 0 && hi <= 1, `${what} ${k} CI [${lo}, ${hi}]`);
      assert.equal(s.aboveDummyBy[k], lo > s.dummy[k], `${what} ${k} dummy rule`);
    }
    assert.equal(s.aboveDummy, s.aboveDummyBy.wasserstein);
  }
  // The noise floor: a null factor with maxLevels levels. Its first-order index is about (L − 1)/n per draw, and
  // the floor averages bootstrap replicates of it (≈ twice that). Loose bounds: it is a noise floor, not signal.
  const d = sens[0].dummy;
  const expect = (maxLevels - 1) / rows.length;
  assert.ok(d.variance > 0.5 * expect && d.variance < 4 * expect, `dummy variance ${d.variance} vs (L−1)/n = ${expect}`);
  for (const s of sens) assert.deepEqual(s.dummy, d, "one dummy for every factor");
}

function checkFlags(out: any, law: ReturnType<typeof randomLaw>, layout: string): string[] {
  const falsePos: string[] = [];
  assert.equal(out.personaVsControl.length, law.persona.size - 1);
  for (const c of out.personaVsControl) {
    assert.equal(c.method, layout === "blocked" ? "paired" : "two-sample", `${c.persona} method`);
    const effect = law.persona.get(c.persona)!;
    if (effect !== 0) assert.ok(c.significant, `${layout}: non-null ${c.persona} (log OR ${effect.toFixed(2)}) not flagged, pHolm ${c.pHolm}`);
    else if (c.significant) falsePos.push(c.persona);
    assert.equal(c.significant, c.pHolm < 0.05);
    assert.ok(c.pHolm >= c.p && c.pBH >= c.p && c.pBH <= c.pHolm + 1e-15, `${c.persona} adjusted p`);
    assert.ok(c.ci[0] <= c.diff && c.diff <= c.ci[1] && c.orCi[0] <= c.oddsRatio && c.oddsRatio <= c.orCi[1]);
  }
  return falsePos;
}

for (const layout of ["random", "blocked"] as const) {
  test(`${layout} layout: CSV = JSONL, Wilson by hand, sensitivity = direct formulas (refusal and p_refusal), flags`, () => {
    const falsePos: string[] = [];
    for (const seed of [1, 2]) {
      const law = randomLaw(seed, { nulls: 3, nonNulls: 3, nestedParaphrases: layout === "blocked", itemsPerTask: layout === "blocked" ? 60 : 2000 });
      const rows = simulate(law, 14000, 100 + seed, layout);
      const f = writeStudy(`${layout}-${seed}`, rows);
      const out = analyzeJson(["--from", f.csv, "--bootstrap", "60"]);
      if (seed === 1) {
        const fromJsonl = analyzeJson(["--from", f.jsonl, "--bootstrap", "60"]);
        assert.deepEqual(fromJsonl, out, "CSV and JSONL give the same analysis");
        assert.equal(out.control, "control");
        assert.equal(out.outcome, "refusal");
      }
      checkByFactor(out, rows);
      checkSensitivity(out.sensitivity, rows, "refusal");
      falsePos.push(...checkFlags(out, law, layout).map((p) => `seed ${seed}: ${p}`));
      // Regression: persona ORs against the control with CIs; LR test per factor; the persona factor is detected.
      assert.equal(out.logistic.method, "firth");
      assert.ok(out.logistic.converged);
      for (const p of [...law.persona.keys()].slice(1)) {
        const t = out.logistic.terms.find((x: any) => x.term === `persona[${p}]`);
        assert.ok(t, `term persona[${p}]`);
        close(t.oddsRatio, Math.exp(t.coef), 1e-12, "OR = exp(coef)");
        assert.ok(t.ci[0] < t.oddsRatio && t.oddsRatio < t.ci[1]);
      }
      assert.deepEqual(out.logistic.lrTests.map((t: any) => t.factor), ["model", "persona", "task", "paraphrase"]);
      assert.ok(out.logistic.lrTests.find((t: any) => t.factor === "persona").p < 1e-6);
      assert.equal(out.logistic.lrTests.find((t: any) => t.factor === "persona").df, law.persona.size - 1);
      if (seed === 1) {
        const p = analyzeJson(["--from", f.jsonl, "--bootstrap", "60", "--outcome", "p_refusal"]);
        assert.equal(p.sensitivityOutcome, "p_refusal");
        assert.deepEqual(p.personaVsControl, out.personaVsControl, "tests stay on the binary refusal");
        checkSensitivity(p.sensitivity, rows, "p_refusal");
        // p_refusal carries the law with less noise than one Bernoulli draw: persona explains more of it.
        const sp = p.sensitivity.find((s: any) => s.factor === "persona"), sr = out.sensitivity.find((s: any) => s.factor === "persona");
        assert.ok(sp.variance > sr.variance && sp.aboveDummy, JSON.stringify(sp));
      }
    }
    // Holm keeps the family-wise error ≤ 5% per dataset; over 2 datasets one stray flag is within chance (p ≈ 0.1),
    // two would not be (p < 0.003).
    assert.ok(falsePos.length <= 1, `null personas flagged: ${falsePos.join(", ")}`);
    if (falsePos.length) console.log(`# ${layout}: null persona flagged (within the nominal rate): ${falsePos.join(", ")}`);
  });
}

test("--regression-ci profile: profile-likelihood term CIs through the CLI, consistent with their p-values", () => {
  const law = randomLaw(5, { nulls: 2, nonNulls: 2 });
  const f = writeStudy("profile", simulate(law, 1500, 5, "random"));
  const wald = analyzeJson(["--from", f.jsonl, "--bootstrap", "0"]);
  const prof = analyzeJson(["--from", f.jsonl, "--bootstrap", "0", "--regression-ci", "profile"]);
  assert.equal(wald.logistic.ciMethod, "wald");
  assert.equal(prof.logistic.ciMethod, "profile");
  assert.equal(prof.logistic.method, "firth");
  assert.deepEqual(prof.personaVsControl, wald.personaVsControl);
  let differ = 0;
  prof.logistic.terms.forEach((t: any, j: number) => {
    const w = wald.logistic.terms[j];
    assert.equal(t.term, w.term);
    assert.equal(t.coef, w.coef, "same fit");
    assert.ok(t.ci[0] < t.oddsRatio && t.oddsRatio < t.ci[1], t.term);
    assert.equal(t.ci[0] > 1 || t.ci[1] < 1, t.p < 0.05, `${t.term}: CI ${t.ci} vs p ${t.p}`);
    if (Math.abs(Math.log(t.ci[0] / w.ci[0])) > 1e-4) differ++;
  });
  assert.ok(differ > 0, "profile bounds are not the Wald bounds");
  const bad = cli(["analyze", "--from", f.jsonl, "--regression-ci", "exact"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /wald, profile/);
});

test("human-readable output of --from fits 100 columns", () => {
  const law = randomLaw(3, { nulls: 2, nonNulls: 2, nestedParaphrases: true });
  const f = writeStudy("text", simulate(law, 3000, 3, "blocked"));
  const r = cli(["analyze", "--from", f.csv, "--bootstrap", "20", "--outcome", "p_refusal"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\n").filter((l) => l.length > 100), []);
  for (const h of ["Refusal by persona", "Persona vs control", "Logistic regression", "Sensitivity of p_refusal"]) assert.ok(r.stdout.includes(h), h);
});

test("bad input: one clear message and exit 1 (missing control, missing column, bad values, empty file)", () => {
  const law = randomLaw(4, { nulls: 1, nonNulls: 1 });
  const rows = simulate(law, 300, 4, "random");
  const f = writeStudy("bad", rows);
  const recs = exportRecords(rows);
  const noItem = join(dir, "no-item.csv");
  writeFileSync(noItem, toCsvText(recs.map(({ item: _drop, ...r }) => r)));
  const badRefusal = join(dir, "bad-refusal.jsonl");
  writeFileSync(badRefusal, toJsonlText(recs.map((r, i) => (i === 7 ? { ...r, refusal: "yes" } : r))));
  const badP = join(dir, "bad-p.csv");
  writeFileSync(badP, toCsvText(recs.map((r, i) => (i === 3 ? { ...r, p_refusal: 1.5 } : r))));
  const empty = join(dir, "empty.jsonl");
  writeFileSync(empty, "");
  const noControl = join(dir, "no-control.jsonl");
  writeFileSync(noControl, toJsonlText(recs.filter((r) => r.persona !== "control")));
  const cases: [string[], RegExp][] = [
    [["--from", f.csv, "--control", "nobody"], /control persona 'nobody' not found/],
    [["--from", f.csv, "--control", "contrl"], /did you mean 'control'/],
    [["--from", noControl], /control persona 'control' not found[\s\S]*--control/],
    [["--from", noItem], /missing column 'item'/],
    [["--from", badRefusal], /record 8[\s\S]*refusal must be 0 or 1, got 'yes'/],
    [["--from", badP], /record 4[\s\S]*p_refusal must be in \[0, 1\], got '1.5'/],
    [["--from", empty], /no records/],
    [["--from", join(dir, "missing.csv")], /missing\.csv/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(["analyze", ...args, "--json"]);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("frh: ")).length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /unexpected error|at .*\.ts:\d+/, r.stderr);
    assert.equal(r.stdout, "", "nothing on stdout");
  }
  // both sources, or neither: a usage error (exit 2)
  assert.equal(cli(["analyze", "--from", f.csv, "--db", join(dir, "x.sqlite")]).status, 2);
  assert.equal(cli(["analyze"]).status, 2);
});
