// Under `npx frh` the real frh process is a grandchild: npm exec → sh -c → node bin/frh.mjs. Killing or timing out
// npx ends npm (and the shell) but not frh, which went on writing its store — a re-run then met a second writer
// (issue 18 item 6). So when npm launched us, frh watches its launcher chain and, once any of it is gone, stops as
// on SIGTERM (finished trials saved, exit 143). Started any other way (a shell, nohup, a service), nothing is watched:
// outliving the parent is then on purpose.
import { readFileSync } from "node:fs";

/** How often the launcher chain is checked (ms). */
const POLL_MS = 500;

/** Parent pid of `pid` from /proc (Linux), or null. */
function parentOf(pid: number): number | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so split after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is npm itself: its program (or node's script) is npm/npx, or its title says "npm exec" (npm sets it). */
function isNpm(pid: number): boolean {
  let argv: string[];
  try { argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").flatMap((a) => a.split(" ")).slice(0, 2); } catch { return false; }
  return argv.some((a) => /^(npm|npx)(-cli\.js)?$/.test(a.split("/").pop() ?? ""));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

/** The pids from our parent up to the npm process that started us (at most 4 steps), or just the parent. */
export function launcherChain(): number[] {
  const chain = [process.ppid];
  if (process.platform !== "linux") return chain;
  for (let pid = process.ppid, i = 0; i < 4; i++) {
    if (isNpm(pid)) return chain;
    const up = parentOf(pid);
    if (up === null || up <= 1) break;
    chain.push(up);
    pid = up;
  }
  return chain.slice(0, 1);
}

/** True when npm exec / npx launched this process (npm sets these in the child's environment). */
export function launchedByNpx(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command === "exec" || env.npm_lifecycle_event === "npx";
}

/**
 * Under npx: polls the launcher chain; when a member has gone (or we were re-parented), sends this process SIGTERM
 * once, so the command's own handler stops it cleanly. The timer does not keep the process alive.
 */
export function stopWithLauncher(env: NodeJS.ProcessEnv = process.env): void {
  if (!launchedByNpx(env)) return;
  const chain = launcherChain();
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent || chain.some((pid) => !alive(pid))) {
      clearInterval(timer);
      process.kill(process.pid, "SIGTERM");
    }
  }, POLL_MS);
  timer.unref();
}
