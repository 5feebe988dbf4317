// frh analyze --detector-error: accepts `frh detect-eval --json` output and the minimal hand-written form,
// corrects the rates (numbers checked against the closed form by hand), refuses a file for another detector,
// and gives one clear message for each kind of bad file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

const frh = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, "bin", "frh.mjs"), ...args], { encoding: "utf8", cwd: repoRoot });

/** An export: 30 items × control and two personas; refusal flags set so the shares are round numbers. */
function writeExport(path: string, detector: string): { control: number; a: number; all: number } {
  const lines: string[] = [];
  let kc = 0, ka = 0, k = 0;
  for (let i = 0; i < 30; i++) {
    for (const persona of ["control", "a", "b"]) {
      const refusal = persona === "a" ? (i % 2 === 0 ? 1 : 0) : persona === "control" ? (i % 5 === 0 ? 1 : 0) : (i % 3 === 0 ? 1 : 0);
      kc += persona === "control" ? refusal : 0; ka += persona === "a" ? refusal : 0; k += refusal;
      lines.push(JSON.stringify({ model: "m", persona, persona_group: persona === "control" ? "control" : "g", task: "t", paraphrase: "p1", item: `i${i}`,
        refusal, outcome: refusal ? "refusal" : "answer", p_refusal: refusal ? 0.8 : 0.2, detector }));
    }
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return { control: kc / 30, a: ka / 30, all: k / 90 };
}

test("detect-eval output and the minimal form are accepted; corrected rates follow the closed form", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-deterr-"));
  try {
    const exp = join(dir, "x.jsonl"), shares = writeExport(exp, "rules@3");
    const de = frh("detect-eval", "--data", join(repoRoot, "test/fixtures/detect-eval-small.csv"), "--detector", "rules@3", "--json");
    assert.equal(de.status, 0, de.stderr);
    const deFile = join(dir, "de.json");
    writeFileSync(deFile, de.stdout);
    const { sensitivity, specificity } = JSON.parse(de.stdout);
    const se = sensitivity.tp / (sensitivity.tp + sensitivity.fn), sp = specificity.tn / (specificity.tn + specificity.fp);
    const r = frh("analyze", "--from", exp, "--detector-error", deFile, "--json", "--bootstrap", "0");
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.detector, "rules@3");
    assert.deepEqual(j.detectorError, { detector: "rules@3", sensitivity: { tp: sensitivity.tp, fn: sensitivity.fn }, specificity: { tn: specificity.tn, fp: specificity.fp } });
    const rg = (p: number) => Math.min(1, Math.max(0, (p + sp - 1) / (se + sp - 1)));
    assert.ok(Math.abs(j.corrected.overall.corrected - rg(shares.all)) < 1e-12);
    const ctl = j.corrected.byFactor.persona.find((l: { level: string }) => l.level === "control");
    assert.ok(Math.abs(ctl.corrected - rg(shares.control)) < 1e-12);
    const a = j.corrected.personaVsControl.find((d: { persona: string }) => d.persona === "a");
    assert.ok(Math.abs(a.diff - (rg(shares.a) - rg(shares.control))) < 1e-12);
    assert.ok(a.ci[0] <= a.diff && a.diff <= a.ci[1]);
    assert.match(j.corrected.resampling, /item-cluster bootstrap \(30 items\)/);

    // Minimal hand-written file; the human output gets its own section.
    const min = join(dir, "min.json");
    writeFileSync(min, JSON.stringify({ sensitivity: { tp: 90, fn: 10 }, specificity: { tn: 95, fp: 5 } }));
    const h = frh("analyze", "--from", exp, "--detector-error", min, "--bootstrap", "0");
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /Corrected for detector error \(Rogan–Gladen\)/);
    assert.match(h.stdout, /Se 0\.900 \(90\/100\), Sp 0\.950 \(95\/100\)/);
    assert.match(h.stdout, /note: misclassification: the file names no detector/);
    assert.ok(h.stdout.split("\n").every((l) => l.length <= 100));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file for another detector and bad files: exit 1, one message naming the field and the fix", () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-deterr-bad-"));
  try {
    const exp = join(dir, "x.jsonl");
    writeExport(exp, "rules@3");
    const cases: [string, string, RegExp][] = [
      ["other-detector", JSON.stringify({ detector: "rules@1", sensitivity: { tp: 9, fn: 1 }, specificity: { tn: 9, fp: 1 } }), /measures detector 'rules@1' but this analysis uses 'rules@3'/],
      ["not-json", "{ sensitivity: 1", /not valid JSON/],
      ["no-specificity", JSON.stringify({ sensitivity: { tp: 9, fn: 1 } }), /specificity: missing/],
      ["negative", JSON.stringify({ sensitivity: { tp: -1, fn: 1 }, specificity: { tn: 9, fp: 1 } }), /sensitivity\.tp: tp must be ≥ 0/],
      ["fraction", JSON.stringify({ sensitivity: { tp: 2.5, fn: 1 }, specificity: { tn: 9, fp: 1 } }), /sensitivity\.tp: tp must be a whole number/],
      ["string", JSON.stringify({ sensitivity: { tp: "9", fn: 1 }, specificity: { tn: 9, fp: 1 } }), /sensitivity\.tp: tp must be a number/],
      ["value", JSON.stringify({ sensitivity: { value: 0.5, tp: 9, fn: 1 }, specificity: { tn: 9, fp: 1 } }), /sensitivity\.value: 0\.5 does not match its counts \(9\/10/],
      ["useless", JSON.stringify({ sensitivity: { tp: 4, fn: 6 }, specificity: { tn: 5, fp: 5 } }), /sensitivity \+ specificity = 0\.900 ≤ 1/],
      ["empty", JSON.stringify({ sensitivity: { tp: 0, fn: 0 }, specificity: { tn: 5, fp: 5 } }), /tp \+ fn = 0/],
      ["array", "[]", /must be a JSON object|expected object/],
    ];
    for (const [name, text, re] of cases) {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, text);
      const r = frh("analyze", "--from", exp, "--detector-error", f);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, re, name);
      assert.equal(r.stdout, "", `${name}: nothing printed on stdout`);
      assert.ok(!/\n\s+at /.test(r.stderr), `${name}: no stack trace`);
    }
    const missing = frh("analyze", "--from", exp, "--detector-error", join(dir, "nope.json"));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
