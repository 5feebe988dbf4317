// The arrows between the folders of src/, as a table: which folders (layers) each one may import, and which
// packages. `types ← spec, prompts, detect, stats ← backends, store ← run ← analysis ← report ← cli`: an import
// that points the other way, a folder missing from the table, or a package outside its place fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "../helpers/shared.ts";

/** "*": any package (the I/O layers; commander and cli-progress stay in cli/ all the same); a list: only those. */
type Packages = "*" | readonly string[];
interface Layer { may: readonly string[]; packages: Packages }

const base = ["types.ts", "errors.ts", "util"];
/** Keys are paths under src/ (a folder covers its subfolders unless they have their own row); `may` lists layers. */
const LAYERS: Record<string, Layer> = {
  "types.ts": { may: [], packages: [] },
  "errors.ts": { may: [], packages: [] },
  util: { may: [], packages: ["node:crypto", "node:fs"] },
  spec: { may: [...base], packages: ["node:fs", "node:path", "node:url", "yaml", "zod", "csv-parse/sync"] },
  prompts: { may: [...base], packages: [] },
  detect: { may: [...base], packages: ["node:fs", "csv-parse/sync"] },
  stats: { may: [...base], packages: [] },
  plant: { may: [...base], packages: "*" },
  backends: { may: [...base, "prompts", "detect"], packages: "*" },
  store: { may: [...base, "spec", "stats"], packages: "*" },
  run: { may: [...base, "spec", "prompts", "detect", "stats", "backends", "store"], packages: "*" },
  analysis: { may: [...base, "spec", "prompts", "stats", "store", "plant"], packages: "*" },
  // renderers: pure functions of a ReportInput (no I/O, no package), see report/purity.test.ts
  report: { may: ["report", "stats/types.ts"], packages: [] },
  "report/text": { may: ["stats/types.ts", "detect/metrics.ts", "detect/eval.ts"], packages: [] },
  // gathering a ReportInput from a store
  "report/build": { may: [...base, "report", "report/text", "spec", "stats", "store", "run", "analysis"], packages: [] },
  "index.ts": { may: ["*"], packages: [] },
  cli: { may: ["*"], packages: "*" },
};
/** Imported only by the CLI (nothing below it prints, draws progress bars or parses arguments). */
const CLI_ONLY_PACKAGES = ["commander", "cli-progress"];

const src = join(repoRoot, "src");
const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : n.endsWith(".ts") ? [join(d, n)] : []));

/** The table row of a path under src/: its own, else its nearest folder's. */
function layerOf(rel: string): string | null {
  const keys = Object.keys(LAYERS).filter((k) => rel === k || rel.startsWith(k + "/")).sort((a, b) => b.length - a.length);
  return keys[0] ?? null;
}

/** Static imports and re-exports, and dynamic import("…") with a literal. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^"';]*?from\s+["']([^"']+)["']/gm)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

/** Every import in src/ with the layers on both ends. */
function edges() {
  return files(src).flatMap((f) => {
    const from = relative(src, f);
    return importsOf(readFileSync(f, "utf8")).map((spec) => {
      const target = spec.startsWith(".") ? relative(src, resolve(dirname(f), spec)) : null;
      return { from, fromLayer: layerOf(from), spec, target, targetLayer: target === null ? null : layerOf(target) };
    });
  });
}

test("every file under src/ has a row in the layer table", () => {
  for (const f of files(src)) assert.ok(layerOf(relative(src, f)), `src/${relative(src, f)}: add its folder to LAYERS in ${relative(repoRoot, import.meta.filename)}`);
});

test("imports follow the table: no arrow points the wrong way", () => {
  const bad: string[] = [];
  for (const e of edges()) {
    const row = LAYERS[e.fromLayer!];
    if (e.target === null) {
      const pkg = e.spec;
      if (CLI_ONLY_PACKAGES.some((p) => pkg === p || pkg.startsWith(p + "/")) && e.fromLayer !== "cli") bad.push(`src/${e.from} imports ${pkg}: only cli/ may`);
      else if (row.packages !== "*" && !row.packages.includes(pkg)) bad.push(`src/${e.from} imports package ${pkg}: ${e.fromLayer} may import ${row.packages.length ? row.packages.join(", ") : "no package"}`);
      continue;
    }
    if (e.target.startsWith("..")) { bad.push(`src/${e.from} reaches outside src/: ${e.spec}`); continue; }
    if (e.targetLayer === "cli" && e.fromLayer !== "cli") { bad.push(`src/${e.from} imports cli/ (${e.target}): nothing imports the CLI`); continue; }
    if (e.targetLayer === e.fromLayer || row.may.includes("*")) continue;
    if (!row.may.includes(e.targetLayer!) && !row.may.includes(e.target)) bad.push(`src/${e.from} → src/${e.target}: ${e.fromLayer} may import ${row.may.join(", ") || "nothing"}`);
  }
  assert.deepEqual(bad, []);
});

test("the table itself has no cycle (arrows one way)", () => {
  const seen = new Map<string, "open" | "done">();
  const visit = (k: string, path: string[]) => {
    if (seen.get(k) === "done") return;
    assert.notEqual(seen.get(k), "open", `cycle: ${[...path, k].join(" → ")}`);
    seen.set(k, "open");
    for (const m of LAYERS[k].may) if (m !== "*" && m !== k && LAYERS[m]) visit(m, [...path, k]);
    seen.set(k, "done");
  };
  for (const k of Object.keys(LAYERS)) visit(k, []);
});

test("the checker catches a wrong arrow and a stray package (it can fail)", () => {
  assert.equal(layerOf("report/build/input.ts"), "report/build");
  assert.equal(layerOf("report/svg/bars.ts"), "report");
  assert.equal(layerOf("backends/llamaCpp/guard.ts"), "backends");
  assert.deepEqual(importsOf(`import { a } from "../cli/main.ts";\nexport * from "./x.ts";\nconst m = await import("node-llama-cpp");\nimport "./side.ts";`),
    ["../cli/main.ts", "./x.ts", "./side.ts", "node-llama-cpp"]);
  // a store module importing run/ is the kind of arrow the table forbids
  assert.ok(!LAYERS.store.may.includes(layerOf("run/run.ts")!));
  assert.ok(!LAYERS.stats.may.includes(layerOf("store/db.ts")!));
});
