// `frh analyze --db` on a real run of the tiny random GGUF: the JSON has every field the issue names, its counts
// agree with `frh export` of the same store, the control comes from the store, and the human-readable output fits
// 100 columns. (Recovery of a planted law through analyze is planted-analyze.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, tinyGguf } from "../../helpers/shared.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { wilsonHand } from "../../helpers/logistic-study.ts";

const tiny = tinyGguf();
const frh = join(repoRoot, "bin", "frh.mjs");
const cli = (args: string[]) => spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: repoRoot, maxBuffer: 64 << 20, env: { ...process.env, CI: "true" } });

const isNum = (x: unknown) => typeof x === "number" && Number.isFinite(x);
const isProb = (x: unknown) => isNum(x) && (x as number) >= 0 && (x as number) <= 1;
const isIv = (c: unknown, inside: (x: unknown) => boolean = isNum) =>
  Array.isArray(c) && c.length === 2 && inside(c[0]) && inside(c[1]) && c[0] <= c[1];

/** Every field of the issue's `--json` contract, with its type. */
function checkShape(o: any): void {
  assert.ok(Number.isInteger(o.n) && o.n > 0);
  assert.ok(isProb(o.refusalRate.estimate) && isIv(o.refusalRate.ci, isProb));
  assert.deepEqual(Object.keys(o.byFactor), ["model", "persona", "personaGroup", "task", "paraphrase"]);
  for (const [f, levels] of Object.entries<any[]>(o.byFactor)) {
    assert.ok(levels.length > 0, f);
    for (const l of levels) {
      assert.equal(typeof l.level, "string");
      assert.ok(Number.isInteger(l.n) && Number.isInteger(l.refusals) && l.refusals <= l.n && isProb(l.rate) && isIv(l.ci, isProb), `${f} ${JSON.stringify(l)}`);
    }
    assert.equal(levels.reduce((s, l) => s + l.n, 0), o.n, `${f} levels add up to n`);
  }
  assert.ok(o.personaVsControl.length > 0);
  for (const c of o.personaVsControl) {
    assert.equal(typeof c.persona, "string");
    for (const k of ["diff", "oddsRatio", "p", "pHolm", "pBH"]) assert.ok(isNum(c[k]), `${c.persona} ${k} = ${c[k]}`);
    assert.ok(isIv(c.ci) && isIv(c.orCi) && typeof c.significant === "boolean", JSON.stringify(c));
    assert.ok(isProb(c.p) && isProb(c.pHolm) && isProb(c.pBH));
  }
  assert.equal(typeof o.logistic.method, "string");
  assert.ok(o.logistic.terms.length > 0 && o.logistic.terms[0].term === "(Intercept)");
  for (const t of o.logistic.terms) {
    for (const k of ["coef", "se", "oddsRatio", "p"]) assert.ok(isNum(t[k]), `${t.term} ${k} = ${t[k]}`);
    assert.ok(isIv(t.ci), t.term);
  }
  for (const t of o.logistic.lrTests) assert.ok(typeof t.factor === "string" && Number.isInteger(t.df) && isNum(t.chi2) && isProb(t.p), JSON.stringify(t));
  assert.deepEqual(o.sensitivity.map((s: any) => s.factor), ["model", "persona", "personaGroup", "task", "paraphrase"]);
  for (const s of o.sensitivity) {
    for (const k of ["variance", "delta", "wasserstein"]) {
      assert.ok(isProb(s[k]) && isIv(s.ci[k], isProb) && isProb(s.dummy[k]), `${s.factor} ${k}`);
    }
    assert.equal(typeof s.aboveDummy, "boolean");
  }
}

test("frh analyze --db on a tiny-GGUF run: complete JSON, counts = export, control from the store, ≤ 100 columns", { skip: tiny.skip }, () => {
  // 4 personas × 3 paraphrases × 4 items, every cell under every persona (paired).
  const { dir, study } = writeTinyStudy({ sampling: "{ design: full, seed: 3 }", items: 4 });
  const db = join(dir, "a.sqlite");
  const run = cli(["run", study, "--model", tiny.path, "--db", db, "--batch", "8", "--quiet"]);
  assert.equal(run.status, 0, run.stderr);

  const ex = cli(["export", "--db", db]);
  assert.equal(ex.status, 0, ex.stderr);
  const recs = ex.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(recs.length, 48);

  const a = cli(["analyze", "--db", db, "--json"]);
  assert.equal(a.status, 0, a.stderr);
  const o = JSON.parse(a.stdout);
  checkShape(o);
  assert.equal(o.n, 48);
  assert.equal(o.control, "control", "the store's control persona");
  assert.match(o.detector, /^rules@\d+$/);
  assert.equal(o.detector, recs[0].detector, "analyze and export default to the same detector");
  const k = recs.reduce((s, r) => s + r.refusal, 0);
  assert.equal(o.refusalRate.estimate, k / 48);
  wilsonHand(k, 48).forEach((v, i) => assert.ok(Math.abs(o.refusalRate.ci[i] - v) < 1e-12));
  for (const l of o.byFactor.persona) {
    const sub = recs.filter((r) => r.persona === l.level);
    assert.deepEqual([l.n, l.refusals], [sub.length, sub.reduce((s, r) => s + r.refusal, 0)], l.level);
  }
  assert.deepEqual(o.personaVsControl.map((c: any) => c.persona).sort(), ["atheist_person", "muslim_person", "woman"]);
  assert.ok(o.personaVsControl.every((c: any) => c.method === "paired"), "a full design pairs every persona with the control");
  assert.deepEqual(o.logistic.dropped, ["model", "task"], "one model, one task: left out of the regression");

  // The same through --from on the export: the detector field aside, the same analysis.
  const f = join(mkdtempSync(join(tmpdir(), "frh-adb-")), "x.jsonl");
  assert.equal(cli(["export", "--db", db, "--out", f]).status, 0);
  const viaFile = cli(["analyze", "--from", f, "--json"]);
  assert.equal(viaFile.status, 0, viaFile.stderr);
  const of = JSON.parse(viaFile.stdout);
  for (const key of ["n", "refusalRate", "byFactor", "personaVsControl", "logistic", "sensitivity"]) assert.deepEqual(of[key], o[key], key);

  // p_refusal: the tiny model records first-token probabilities.
  const p = cli(["analyze", "--db", db, "--json", "--outcome", "p_refusal"]);
  assert.equal(p.status, 0, p.stderr);
  const op = JSON.parse(p.stdout);
  checkShape(op);
  assert.equal(op.sensitivityOutcome, "p_refusal");

  // Another control: the former control becomes a persona.
  const w = JSON.parse(cli(["analyze", "--db", db, "--json", "--control", "woman"]).stdout);
  assert.equal(w.control, "woman");
  assert.ok(w.personaVsControl.some((c: any) => c.persona === "control"));

  for (const args of [["--db", db], ["--db", db, "--outcome", "p_refusal"]]) {
    const h = cli(["analyze", ...args]);
    assert.equal(h.status, 0, h.stderr);
    const lines = h.stdout.split("\n");
    assert.deepEqual(lines.filter((l) => l.length > 100), [], "every line fits 100 columns");
    assert.match(lines[0], /^detector: rules@\d+$/);
    for (const s of ["Refusal by persona", "Persona vs control", "Logistic regression", "Sensitivity of"]) assert.ok(h.stdout.includes(s), s);
  }

  const bad = cli(["analyze", "--db", db, "--control", "nobody"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /control persona 'nobody' not found/);
  const missing = cli(["analyze", "--db", join(dir, "none.sqlite")]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split("\n").filter((l) => l.startsWith("frh: ")).length, 1, missing.stderr);
});
