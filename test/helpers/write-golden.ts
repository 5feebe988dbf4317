// Adds golden verdicts: `node --import tsx test/helpers/write-golden.ts [id@version ...]` (default: every
// registered detector). For each golden set the detector applies to, it writes the verdicts of inputs that have
// none yet (new fixture cases, or a new version's first file) and leaves existing ones alone. If a stored
// verdict differs from what the detector says now, it keeps the stored one and exits 1: a released version's
// behaviour changed, which needs a new version, not a new golden file.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { getDetector, listDetectors } from "../../src/detect/index.ts";
import { GOLDEN_SETS, formatGolden, goldenPath, readGolden, sameVerdict, verdictOf, type Verdict } from "./golden.ts";

const names = process.argv.slice(2).length ? process.argv.slice(2) : listDetectors();
let changed = 0;
for (const name of names) {
  const d = getDetector(name);
  for (const set of GOLDEN_SETS.filter((s) => s.ids.includes(d.id))) {
    const old = readGolden(set.name, name) ?? new Map<string, Verdict>();
    const entries: [string, Verdict][] = [];
    let added = 0;
    for (const { key, input } of set.load()) {
      const now = verdictOf(d.detect(input));
      const was = old.get(key);
      if (was && !sameVerdict(was, now)) {
        changed++;
        console.error(`${name} ${set.name} ${key}: stored ${JSON.stringify(was)}, now ${JSON.stringify(now)}`);
      }
      if (!was) added++;
      entries.push([key, was ?? now]);
    }
    if (!added) continue;
    const p = goldenPath(set.name, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, formatGolden(entries));
    console.log(`${name} ${set.name}: ${added} added, ${entries.length} in all → ${p}`);
  }
}
if (changed) {
  console.error(`${changed} stored verdict(s) differ: a released detector changed behaviour; make it a new version`);
  process.exit(1);
}
