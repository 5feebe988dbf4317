import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

const dir = join(repoRoot, "src", "report");
const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.endsWith(".ts") ? [join(d, n)] : []));

test("src/report is pure: no node: or package imports, and only the analysis types from outside", () => {
  for (const f of files(dir)) {
    for (const m of readFileSync(f, "utf8").matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      const spec = m[1];
      const where = relative(repoRoot, f);
      assert.ok(spec.startsWith("."), `${where} imports ${spec}: the renderers do no I/O and need no package`);
      assert.ok(spec.endsWith(".ts"), `${where}: explicit .ts extension on ${spec}`);
      const target = relative(repoRoot, resolve(dirname(f), spec));
      assert.ok(target.startsWith("src/report/") || target === "src/stats/types.ts", `${where} reaches ${target}`);
    }
  }
});
