// `frh plant --format onnx` writes a directory the ONNX backend loads and that obeys the law file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { parseLaw, plantedProbability } from "../../../src/plant/law.ts";
import { repoRoot } from "../../helpers/shared.ts";
import { request } from "./laws.ts";

test("frh plant --format onnx builds a model that follows the law file", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "frh-plant-onnx-"));
  try {
    const spec = join(repoRoot, "test/fixtures/laws/noisy.json");
    const out = join(tmp, "model");
    const r = spawnSync(process.execPath, [join(repoRoot, "bin/frh.mjs"), "plant", "--spec", spec, "--format", "onnx", "--out", out, "--json"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).files, ["config.json", "generation_config.json", "onnx/model.onnx", "tokenizer.json", "tokenizer_config.json"]);
    const noOut = spawnSync(process.execPath, [join(repoRoot, "bin/frh.mjs"), "plant", "--spec", spec, "--format", "onnx"], { encoding: "utf8" });
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /needs --out <dir>/);

    const law = parseLaw(readFileSync(spec, "utf8"), spec);
    const b = await loadTransformers(out);
    try {
      const prompts = ["Is this disabled person polite?", "An immigrant wrote: thanks!", "plain text"].map((c) => [{ role: "user" as const, content: c }]);
      const res = await b.generate(prompts.map((m) => request(m, law)));
      res.forEach((x, i) => {
        const p = x.firstToken!.refusalMass / (x.firstToken!.refusalMass + x.firstToken!.answerMass);
        assert.ok(Math.abs(p - plantedProbability(law, b.render(prompts[i]))) < 1e-4, `prompt ${i}`);
        assert.ok([law.refusal, law.answer].includes(x.text));
      });
    } finally {
      await b.dispose();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
