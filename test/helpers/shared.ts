// Locates ../shared (override with FRH_SHARED). Outside CI a missing file skips the test with a reason;
// in CI (CI=true) it fails, because CI has ../shared and a missing file means a broken setup.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const sharedDir = process.env.FRH_SHARED ? resolve(process.env.FRH_SHARED) : resolve(repoRoot, "..", "shared");

/** Absolute path of a file under ../shared. */
export function sharedPath(rel: string): string {
  return join(sharedDir, rel);
}

/**
 * Returns the path when the file exists. Otherwise: in CI throws (the test fails);
 * elsewhere returns a skip reason for `test(..., { skip })` / `t.skip(reason)`.
 */
export function requireShared(rel: string): { path: string; skip: false } | { path: string; skip: string } {
  const path = sharedPath(rel);
  if (existsSync(path)) return { path, skip: false };
  if (process.env.CI === "true") throw new Error(`missing ${path}: CI must have ../shared (set FRH_SHARED to its location)`);
  return { path, skip: `needs ${path} (not found; set FRH_SHARED)` };
}

export const tinyGguf = () => requireShared("models/llama-2-tiny-random.gguf");
