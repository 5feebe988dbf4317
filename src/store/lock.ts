// One writer per store. A run records its process (pid, host, start time) in its `runs` row; a second `frh run`
// finds a live one there and refuses, instead of computing every trial again (last writer wins). The check and
// the new row are one IMMEDIATE transaction, so two runs starting at the same instant cannot both pass.
// A `running` row whose process is gone (kill -9, power loss) is marked interrupted by the next writer's open.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type Database from "better-sqlite3";
import { HarnessError } from "../errors.ts";

type Db = Database.Database;

/** Start time of a process in clock ticks since boot (Linux /proc); null where unknown. Tells a reused pid apart. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return null; // dead, not yet reaped
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export const self = () => ({ pid: process.pid, host: hostname(), procStart: processStart(process.pid) });

interface Holder { run_id: number; pid: number | null; host: string | null; proc_start: string | null; started_at: string; command: string }

/** true: that run's process is alive on this host; false: gone; null: another host (cannot tell from here). */
export function holderAlive(h: Pick<Holder, "pid" | "host" | "proc_start">): boolean | null {
  if (h.pid == null) return false; // written by a version without the lock: it cannot still be running
  if (h.host !== hostname()) return null;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStart(h.pid);
  if (start === null && process.platform === "linux") return false;
  return h.proc_start == null || start == null || start === h.proc_start;
}

function runningRows(db: Db): Holder[] {
  return db.prepare(`SELECT run_id, pid, host, proc_start, started_at, command FROM runs WHERE status = 'running' ORDER BY run_id`).all() as Holder[];
}

const markInterrupted = (db: Db, runId: number, why: string) =>
  db.prepare(`UPDATE runs SET status = 'interrupted', error = COALESCE(error, ?) WHERE run_id = ? AND status = 'running'`).run(why, runId);

/** On a writer's open: runs left `running` by a process that is gone become `interrupted`. Returns how many. */
export function markStaleRuns(db: Db): number {
  let n = 0;
  // read first: the write lock is only taken when there is something to mark (a live writer may hold it)
  if (!runningRows(db).some((h) => holderAlive(h) === false)) return 0;
  db.transaction(() => {
    for (const h of runningRows(db)) {
      if (holderAlive(h) === false) n += markInterrupted(db, h.run_id, "process ended without finishing the run (killed or crashed); marked by the next open").changes;
    }
  }).immediate();
  return n;
}

/**
 * Inside the transaction that inserts a new run: throws when another run is writing. `takeOver` also clears runs
 * recorded on another host (frh cannot see those processes; the user says they are gone). `check`: only throw, mark
 * nothing — a read before taking the write lock, which a live writer may be holding mid-batch.
 */
export function claimWriter(db: Db, path: string, takeOver = false, check = false): void {
  for (const h of runningRows(db)) {
    const alive = holderAlive(h);
    if (alive === false || (alive === null && takeOver)) {
      if (check) continue;
      markInterrupted(db, h.run_id, alive === false ? "process ended without finishing the run; marked by the next run" : "taken over by a run started with --take-over");
      continue;
    }
    const who = `run #${h.run_id} (pid ${h.pid} on ${h.host}, started ${h.started_at}: ${h.command})`;
    if (alive === null) {
      throw new HarnessError("STORE", `${path} is held by ${who}, recorded as running on another machine; frh cannot see from here whether it still is`,
        "if that run has stopped, re-run with --take-over; otherwise wait for it (two runs on one store would compute the same trials twice) or use --shard and frh merge");
    }
    throw new HarnessError("STORE", `${path} is being written by another frh ${who}; one store takes one run at a time`,
      "wait for it to finish (re-running the same command afterwards runs only what is left), stop it, or run shards into separate stores (--shard i/n) and combine them with frh merge");
  }
}

/** The run writing now (alive on this host, or on another host where frh cannot tell), if any. */
export function liveWriter(db: Db): Holder | null {
  const hasPid = (db.prepare(`SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'pid'`).pluck().get() as number) > 0;
  if (!hasPid) return null;
  return runningRows(db).find((h) => holderAlive(h) !== false) ?? null;
}
