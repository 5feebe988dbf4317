import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

const dir = join(repoRoot, "src", "report");
/** report/build/ gathers a ReportInput from a store (I/O by design); every other file renders one. */
const BUILD = join(dir, "build");
const files = (d: string): string[] => readdirSync(d).flatMap((n) => (join(d, n) === BUILD ? [] : statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.endsWith(".ts") ? [join(d, n)] : []));

test("src/report renderers are pure: no node: or package imports, and only the analysis types from outside", () => {
  const checked = files(dir).map((f) => relative(repoRoot, f));
  assert.ok(checked.includes("src/report/html.ts") && checked.includes("src/report/text/analysis.ts") && !checked.some((f) => f.startsWith("src/report/build/")), checked.join(", "));
  for (const f of files(dir)) {
    for (const m of readFileSync(f, "utf8").matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      const spec = m[1];
      const where = relative(repoRoot, f);
      assert.ok(spec.startsWith("."), `${where} imports ${spec}: the renderers do no I/O and need no package`);
      assert.ok(spec.endsWith(".ts"), `${where}: explicit .ts extension on ${spec}`);
      const target = relative(repoRoot, resolve(dirname(f), spec));
      assert.ok((target.startsWith("src/report/") && !target.startsWith("src/report/build/")) || target === "src/stats/types.ts", `${where} reaches ${target}`);
    }
  }
});
