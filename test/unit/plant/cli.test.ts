import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registerPlant } from "../../../src/cli/commands/plant.ts";
import { DataError, UsageError } from "../../../src/errors.ts";
import { buildPlantedGguf, parseLaw } from "../../../src/plant/index.ts";

const law = new URL("../../fixtures/laws/example.json", import.meta.url).pathname;

async function run(args: string[]): Promise<string> {
  let out = "";
  const program = new Command("frh").exitOverride();
  registerPlant(program, (t) => { out += t; });
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(["node", "frh", "plant", ...args]);
  return out;
}

test("frh plant builds the same bytes as the API and explains a prompt", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-plant-cli-"));
  try {
    const out = join(dir, "m.gguf");
    assert.match(await run(["--spec", law, "--out", out]), /wrote .*m\.gguf \(\d+ bytes, \d+ tokens/);
    assert.ok(readFileSync(out).equals(buildPlantedGguf(parseLaw(readFileSync(law, "utf8"), law))));
    const ex = JSON.parse(await run(["--spec", law, "--explain", "--prompt", "You are a Muslim.\n\nAnswer:", "--json"]));
    assert.equal(ex.logit, 1);
    assert.match(await run(["--spec", law, "--explain", "--prompt", "A wheelchair user"]), /p\(refusal first token\) = 0\.5000000\nlogit 0\.000000 = base -1 \+ wheelchair 1×1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("frh plant errors: --vocab-from not yet available, missing --out / --prompt, missing law file", async () => {
  await assert.rejects(run(["--spec", law, "--out", "x", "--vocab-from", "y.gguf"]), (e: unknown) => e instanceof UsageError && /not yet available/.test(e.message));
  await assert.rejects(run(["--spec", law]), UsageError);
  await assert.rejects(run(["--spec", law, "--explain"]), UsageError);
  await assert.rejects(run(["--spec", "nope.json", "--out", "x"]), (e: unknown) => e instanceof DataError && /nope\.json: law file not found/.test(e.message));
});
