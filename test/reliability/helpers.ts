// Shared pieces of the reliability suite: the real CLI as a child process, a planted model for a small law,
// read-only looks into a store, and numeric comparison of `frh analyze --json` outputs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../helpers/shared.ts";
import { parseLaw, writePlantedGguf } from "../../src/plant/index.ts";

export const frh = join(repoRoot, "bin", "frh.mjs");

export interface CliResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `frh …` to completion. CI is unset so that no test-only behaviour leaks in; FRH_DEBUG off (stack traces hidden). */
export function cli(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, FRH_DEBUG: "", ...opts.env };
  const r = spawnSync(process.execPath, [frh, ...args], { encoding: "utf8", cwd: opts.cwd ?? repoRoot, env, input: opts.input, timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `frh …` in the background. */
export function cliStart(args: string[], opts: { cwd?: string } = {}): ChildProcess & { out: () => string; err: () => string } {
  const p = spawn(process.execPath, [frh, ...args], { cwd: opts.cwd ?? repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (err += d));
  return Object.assign(p, { out: () => out, err: () => err });
}

export function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((r) => p.once("exit", (code, signal) => r({ code, signal })));
}

/** A small law whose triggers are words of writeTinyStudy's personas; probabilities well inside (0, 1). */
export const KILL_LAW = { base: -0.4, triggers: { muslim: 1.3, atheist: -0.9, woman: 0.6 }, itemNoise: 0.7, refusal: "Sorry, I will not answer that.", answer: "neutral", seed: 5 };

export function plantModel(path: string, law: object = KILL_LAW): string {
  writePlantedGguf(parseLaw(JSON.stringify(law), "test law"), path);
  return path;
}

/** Runs `sql` on a read-only connection (null when the store is not there or not readable yet). */
export function peek<T>(db: string, sql: string): T | null {
  if (!existsSync(db)) return null;
  let d: Database.Database | undefined;
  try {
    d = new Database(db, { readonly: true, fileMustExist: true });
    return d.prepare(sql).all() as T;
  } catch {
    return null;
  } finally {
    d?.close();
  }
}

export function doneCount(db: string): number {
  return peek<{ n: number }[]>(db, "SELECT COUNT(*) n FROM trials WHERE status = 'done'")?.[0].n ?? 0;
}

/** sha256 of every file in a directory whose name starts with `prefix` (the store and its -wal/-shm), by name. */
export function hashFiles(dir: string, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.startsWith(prefix)).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) out[f] = createHash("sha256").update(readFileSync(p)).digest("hex");
  }
  return out;
}

/**
 * Differences between two JSON values: numbers within `tol` (relative, with an absolute floor of tol²), everything
 * else exactly. Keys in `ignore` are skipped at any depth. Returns the paths that differ (empty: equal).
 */
export function jsonDiff(a: unknown, b: unknown, tol: number, ignore: ReadonlySet<string> = new Set(), path = "$"): string[] {
  if (typeof a === "number" && typeof b === "number") {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return [];
    return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)) + tol * tol ? [] : [`${path}: ${a} vs ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: length ${a.length} vs ${b.length}`];
    return a.flatMap((x, i) => jsonDiff(x, b[i], tol, ignore, `${path}[${i}]`));
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !ignore.has(k)).sort();
    return keys.flatMap((k) => (k in a && k in b ? jsonDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, ignore, `${path}.${k}`) : [`${path}.${k}: only on one side`]));
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A copy of a GGUF with general.architecture renamed (same length): the header is sound, llama.cpp refuses to load it. */
export function ggufOfUnknownArchitecture(from: string, to: string): string {
  const b = readFileSync(from);
  const key = b.indexOf("general.architecture");
  // key bytes, then the value type (u32 = 8, a string), its length (u64) and its bytes
  const len = Number(b.readBigUInt64LE(key + 20 + 4));
  b.write("x".repeat(len), key + 20 + 12, "latin1");
  writeFileSync(to, b);
  return to;
}
