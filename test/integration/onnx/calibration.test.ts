// p_refusal against the generated outcome on the planted ONNX model (transformers.js), through frh run and
// frh analyze: calibrated under sampled decoding, a step at 0.5 under greedy decoding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";
import { GREEDY, SAMPLED, SPREAD_LAW, assertCalibrated, assertGreedy, runAndCalibrate, writeStudy } from "../../helpers/calibration.ts";

test("planted ONNX: p_refusal is calibrated under sampling and decides the outcome under greedy decoding", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "frh-calib-onnx-"));
  try {
    const spec = join(dir, "law.json"), model = join(dir, "model");
    writeFileSync(spec, JSON.stringify(SPREAD_LAW));
    const p = spawnSync(process.execPath, [join(repoRoot, "bin/frh.mjs"), "plant", "--spec", spec, "--format", "onnx", "--out", model], { encoding: "utf8" });
    assert.equal(p.status, 0, p.stderr);

    const s = runAndCalibrate(writeStudy(dir, "sampled", SAMPLED, 1200), model, join(dir, "s.sqlite"), 16);
    assert.equal(s.pairs.length, 1200);
    t.diagnostic(`sampled: ${s.cal.bins.map((b) => `${b.lo.toFixed(1)}:${b.n}/${b.meanP.toFixed(2)}/${b.rate.toFixed(2)}`).join(" ")}; ECE ${s.cal.ece.toFixed(3)}, Brier ${s.cal.brier.toFixed(3)}, rule agreement ${s.cal.rule.agreement.toFixed(3)}`);
    assertCalibrated(s.cal, s.pairs, 30);

    const g = runAndCalibrate(writeStudy(dir, "greedy", GREEDY, 400), model, join(dir, "g.sqlite"), 16);
    assertGreedy(g.cal, g.pairs);
    const k = g.pairs.filter((x) => x.y === 1).length;
    assert.ok(k > 50 && k < 350, `${k} refusals of 400`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
