// The demo's planted models: one per datasets/laws/demo-*.json, built once per law (the file name carries the
// law's hash, so an edited law gets a new model and a stale one is never reused).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../util/hash.ts";
import { parseLaw, type Law } from "./law.ts";
import { writePlantedGguf } from "./index.ts";

export interface DemoModel {
  /** The law file's name without .json (demo-…). */
  id: string;
  /** The planted GGUF. */
  source: string;
  law: Law;
}

/** Reads every demo-*.json law in `lawDir` (sorted by name) and builds the missing models into `modelDir`. */
export function demoModels(lawDir: string, modelDir: string): DemoModel[] {
  return readdirSync(lawDir).filter((f) => /^demo-.*\.json$/.test(f)).sort().map((f) => {
    const path = join(lawDir, f);
    const text = readFileSync(path, "utf8");
    const id = f.replace(/\.json$/, "");
    const law = parseLaw(text, path);
    const source = join(modelDir, `${id}-${sha256(text).slice(0, 12)}.gguf`);
    if (!existsSync(source)) writePlantedGguf(law, source);
    return { id, source, law };
  });
}
