import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

const dir = join(repoRoot, "src", "report");
/** report/build/ gathers a ReportInput from a store (I/O by design); every other file renders one. */
const BUILD = join(dir, "build");
const files = (d: string): string[] => readdirSync(d).flatMap((n) => (join(d, n) === BUILD ? [] : statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.endsWith(".ts") ? [join(d, n)] : []));

/** Pure modules outside report/ a renderer may import values from (constants, no I/O). */
const PURE_VALUES = ["src/stats/types.ts", "src/detect/metrics.ts"];
/** Modules a renderer may import types from only (erased at run time). */
const TYPES_ONLY = ["src/detect/eval.ts"];

test("src/report renderers are pure: no node: or package imports, and only the analysis types from outside", () => {
  const checked = files(dir).map((f) => relative(repoRoot, f));
  assert.ok(checked.includes("src/report/html.ts") && checked.includes("src/report/text/analysis.ts") && !checked.some((f) => f.startsWith("src/report/build/")), checked.join(", "));
  for (const f of files(dir)) {
    for (const m of readFileSync(f, "utf8").matchAll(/^\s*(?:import|export)(\s+type\b)?[^"']*from\s+["']([^"']+)["']/gm)) {
      const spec = m[2];
      const where = relative(repoRoot, f);
      assert.ok(spec.startsWith("."), `${where} imports ${spec}: the renderers do no I/O and need no package`);
      assert.ok(spec.endsWith(".ts"), `${where}: explicit .ts extension on ${spec}`);
      const target = relative(repoRoot, resolve(dirname(f), spec));
      const ok = (target.startsWith("src/report/") && !target.startsWith("src/report/build/")) || PURE_VALUES.includes(target) || (m[1] !== undefined && TYPES_ONLY.includes(target));
      assert.ok(ok, `${where} reaches ${target}${TYPES_ONLY.includes(target) ? " (types only: use `import type`)" : ""}`);
    }
  }
});
