// Starts the llama-server built by `npm run server:build` on 127.0.0.1 (never another address) on a free port,
// and stops it. Outside CI a missing binary skips the server tests with a reason; in CI (CI=true) it fails them.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";

/** The binary: FRH_LLAMA_SERVER, else the server:build cache for the bundle's commit. */
export function llamaServerBinary(): { path: string; skip: false } | { path: null; skip: string } {
  const env = process.env.FRH_LLAMA_SERVER;
  let path = env ?? null;
  if (!path) {
    const bundle = join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
    const heads = spawnSync("git", ["bundle", "list-heads", bundle], { encoding: "utf8" });
    const commit = heads.stdout?.trim().split(/\s+/)[0];
    const root = process.env.FRH_CACHE_DIR ?? join(homedir(), ".cache", "frh");
    if (commit) path = join(root, "llama-server", commit, "llama-server");
  }
  if (path && existsSync(path)) return { path, skip: false };
  const why = `needs llama-server (${path ?? "no cache path"} not found): run \`npm run server:build\` or set FRH_LLAMA_SERVER`;
  if (process.env.CI === "true") throw new Error(why);
  return { path: null, skip: why };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  proc: ChildProcess;
  log: string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  slots?: number;
  /** Context tokens per slot. */
  ctx?: number;
  port?: number;
  extra?: string[];
}

/** Starts llama-server on `model` and waits until /health says ok (at most 60 s). */
export async function startLlamaServer(bin: string, model: string, opts: ServerOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? await freePort();
  const slots = opts.slots ?? 2;
  const log = join(mkdtempSync(join(tmpdir(), "frh-llama-server-log-")), "server.log");
  const fd = openSync(log, "w");
  const proc = spawn(bin, ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-t", "1", "-np", String(slots),
    "-c", String(slots * (opts.ctx ?? 1024)), "--no-warmup", ...(opts.extra ?? [])], { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama-server exited with ${proc.exitCode} (log: ${log})`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`llama-server did not become healthy in 60 s (log: ${log})`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = async (sig: NodeJS.Signals) => { if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig); await exited; };
  return { url, port, proc, log, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}
