// A store built from fixed inputs (the tiny study, a seeded mock backend with a known refusal law per persona) and
// the outputs the CLI prints from it. The golden files under test/fixtures/golden-outputs/ were written by this helper on
// the code before the library refactor (issue 12), so a test comparing against them shows that analyses, exports
// and reports did not change. A mock, not a model: the point is byte-identical outputs, and a mock is exact and fast.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStudy } from "../../src/spec/study.ts";
import { openDb } from "../../src/store/db.ts";
import { runStudy } from "../../src/run/run.ts";
import { getDetector } from "../../src/detect/index.ts";
import { main } from "../../src/cli/main.ts";
import { writeTinyStudy } from "./study.ts";
import { lawBackend } from "./law-backend.ts";

export const GOLDEN_DESIGNS = {
  blocked: "{ design: blocked, cells: 30, seed: 5 }",
  sequential: "{ design: sequential, cellsPerRound: 8, targetHalfWidth: 0.2, maxTrials: 400, seed: 3 }",
} as const;

/** Writes the store for one design; returns its path. */
export async function buildGoldenStore(design: keyof typeof GOLDEN_DESIGNS): Promise<string> {
  const study = loadStudy(writeTinyStudy({ sampling: GOLDEN_DESIGNS[design], items: 24 }).study);
  const path = join(mkdtempSync(join(tmpdir(), "frh-golden-")), `${design}.sqlite`);
  const db = openDb(path);
  try {
    await runStudy(db, study, {
      models: [{ id: "m1", source: "/mock/m1" }, { id: "m2", source: "/mock/m2" }], batch: 8,
      // rules@3: the newest rules version when the golden outputs were written (a fixed set, not the default)
      detectors: [getDetector("rules@3"), getDetector("first-token@1")], command: "golden",
      loadBackend: async (source) => lawBackend(source),
    });
  } finally {
    db.close();
  }
  return path;
}

/** What `frh <args>` prints on stdout (in process). */
export async function cliOutput(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((c: string | Uint8Array) => { chunks.push(String(c)); return true; }) as typeof process.stdout.write;
  let code: number;
  try { code = await main(["node", "frh", ...args]); } finally { process.stdout.write = write; }
  if (code !== 0) throw new Error(`frh ${args.join(" ")} exited ${code}`);
  return chunks.join("");
}

/** Lines that change from run to run or release to release (timestamps, tool and package versions). */
const PACKAGES = "node|node-llama-cpp|better-sqlite3|@huggingface/transformers|onnxruntime-node|zod|yaml|csv-parse";

export function stable(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, "<time>")
    .replace(/frh \d+\.\d+\.\d+\S*/g, "frh <version>")
    .replace(new RegExp(`^\\| (${PACKAGES}) \\| [^|]+ \\|$`, "gm"), "| $1 | <version> |")
    .replace(new RegExp(`^<tr><td><code>(${PACKAGES})</code></td><td>[^<]+</td></tr>$`, "gm"), "<tr><td><code>$1</code></td><td><version></td></tr>");
}

/** The outputs compared: analyze (JSON and text), export (jsonl and csv), report (Markdown and HTML), status (JSON). */
export async function goldenOutputs(db: string, outDir: string): Promise<Record<string, string>> {
  const report = join(outDir, "report.md");
  const html = join(outDir, "report.html");
  await cliOutput(["report", "--db", db, "--format", "md", "--bootstrap", "40", "--out", report]);
  await cliOutput(["report", "--db", db, "--bootstrap", "40", "--out", html]);
  const { readFileSync } = await import("node:fs");
  return {
    "analyze.json": await cliOutput(["analyze", "--db", db, "--json", "--bootstrap", "40"]),
    "analyze.txt": await cliOutput(["analyze", "--db", db, "--bootstrap", "40"]),
    "export.jsonl": await cliOutput(["export", "--db", db]),
    "export.csv": await cliOutput(["export", "--db", db, "--format", "csv"]),
    "report.md": stable(readFileSync(report, "utf8")),
    "report.html": stable(readFileSync(html, "utf8")),
    "status.json": stable(await cliOutput(["status", "--db", db, "--json"])),
  };
}
