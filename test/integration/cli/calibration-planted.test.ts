// p_refusal against the generated outcome on a planted GGUF, through frh run and frh analyze: calibrated under
// sampled decoding (temperature 1, no truncation), a step at 0.5 under greedy decoding. 16 llama.cpp
// sequences per batch (the output-reorder guard in llamaCpp/guard.ts keeps their rows apart).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLaw, writePlantedGguf } from "../../../src/plant/index.ts";
import { GREEDY, SAMPLED, SPREAD_LAW, assertCalibrated, assertGreedy, runAndCalibrate, writeStudy } from "../../helpers/calibration.ts";

test("planted GGUF: p_refusal is calibrated under sampling and decides the outcome under greedy decoding", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "frh-calib-"));
  try {
    const law = parseLaw(JSON.stringify(SPREAD_LAW), "inline");
    const model = join(dir, "p.gguf");
    writePlantedGguf(law, model);

    const s = runAndCalibrate(writeStudy(dir, "sampled", SAMPLED, 400), model, join(dir, "s.sqlite"), 16);
    assert.equal(s.pairs.length, 400);
    for (const x of s.pairs) assert.ok(x.response === law.refusal || x.response === law.answer, x.response);
    t.diagnostic(`sampled: ${s.cal.bins.map((b) => `${b.lo.toFixed(1)}:${b.n}/${b.meanP.toFixed(2)}/${b.rate.toFixed(2)}`).join(" ")}; ECE ${s.cal.ece.toFixed(3)}, Brier ${s.cal.brier.toFixed(3)}, rule agreement ${s.cal.rule.agreement.toFixed(3)}`);
    assertCalibrated(s.cal, s.pairs, 10);

    const g = runAndCalibrate(writeStudy(dir, "greedy", GREEDY, 160), model, join(dir, "g.sqlite"), 16);
    assert.equal(g.pairs.length, 160);
    assertGreedy(g.cal, g.pairs);
    // Both outcomes occur, so the exact agreement is not a constant.
    const k = g.pairs.filter((x) => x.y === 1).length;
    assert.ok(k > 20 && k < 140, `${k} refusals of 160`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
