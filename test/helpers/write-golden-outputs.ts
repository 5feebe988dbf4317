// Regenerates test/fixtures/golden-outputs/ (run only on purpose: the files are the "before" of a refactor).
//   node --import tsx test/helpers/write-golden-outputs.ts
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGoldenStore, goldenOutputs, GOLDEN_DESIGNS } from "./golden-store.ts";
import { repoRoot } from "./shared.ts";

for (const design of Object.keys(GOLDEN_DESIGNS) as (keyof typeof GOLDEN_DESIGNS)[]) {
  const db = await buildGoldenStore(design);
  const outs = await goldenOutputs(db, mkdtempSync(join(tmpdir(), "frh-golden-out-")));
  const dir = join(repoRoot, "test", "fixtures", "golden-outputs", design);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(outs)) writeFileSync(join(dir, name), text);
  process.stderr.write(`${design}: ${db}\n`);
}
