// What can change a number, recorded with every run: tool and package versions, runtime, machine.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, platform, arch, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../spec/study.ts";

const require = createRequire(import.meta.url);
const TRACKED = ["node-llama-cpp", "better-sqlite3", "@huggingface/transformers", "onnxruntime-node", "zod", "yaml", "csv-parse"];

function packageVersion(name: string): string | null {
  try {
    const main = require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] });
    return (JSON.parse(readFileSync(main, "utf8")) as { version: string }).version;
  } catch {
    try {
      return (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      return null;
    }
  }
}

export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export function provenance() {
  const packages: Record<string, string> = {};
  for (const p of TRACKED) {
    const v = packageVersion(p);
    if (v) packages[p] = v;
  }
  return {
    toolVersion: toolVersion(),
    packages,
    environment: { node: process.version, platform: platform(), arch: arch(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, memoryBytes: totalmem() },
  };
}
