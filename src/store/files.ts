// The store as a file: what its header says, whether we may write it, and SQLite/OS errors in our words
// (what, where, how to fix) instead of "unexpected error: unable to open database file".
import { accessSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { HarnessError } from "../errors.ts";

export interface StoreHeader {
  size: number;
  /** Header says WAL mode (a writer is at work, was killed, or the store predates rollback-at-rest). */
  walMode: boolean;
  /** Bytes in `<path>-wal` (0 when there is none). */
  walBytes: number;
  dirWritable: boolean;
}

const MAGIC = "SQLite format 3\0";

/** Reads and checks the first 100 bytes; throws a clear error for a directory, an empty, foreign or truncated file. */
export function readHeader(path: string): StoreHeader {
  let st;
  try { st = statSync(path); } catch (e) { throw fsError(e, path, "read the store"); }
  if (st.isDirectory()) throw new HarnessError("STORE", `${path} is a directory, not a store file`, "pass --db <file.sqlite>");
  if (st.size === 0) {
    throw new HarnessError("STORE", `${path} is an empty file (0 bytes), not an frh store`,
      "pass a store written by `frh run`, or delete the empty file (or pass a new path) and frh creates the store");
  }
  const head = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    readSync(fd, head, 0, 100, 0);
  } catch (e) {
    throw fsError(e, path, "read the store");
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (head.toString("latin1", 0, 16) !== MAGIC) {
    throw new HarnessError("STORE", `${path} is not an frh store (not an SQLite database at all)`, "pass the .sqlite file that `frh run` wrote, or a new path");
  }
  const walBytes = fileSize(`${path}-wal`);
  const rawPage = head.readUInt16BE(16);
  const pageSize = rawPage === 1 ? 65536 : rawPage;
  const pages = head.readUInt32BE(28);
  const sizeValid = head.readUInt32BE(24) === head.readUInt32BE(92);
  // With WAL content the main file may lawfully be behind its header (a checkpoint was cut short); SQLite replays it.
  if (walBytes === 0 && sizeValid && pages > 0 && st.size < pageSize * pages) {
    throw new HarnessError("STORE", `${path} is truncated: ${st.size} bytes, but its header says ${pages} pages of ${pageSize} bytes (${pages * pageSize})`,
      "restore the store from a full copy (copy the -wal file with it, or checkpoint first: docs/store.md); `sqlite3 <file> .recover` may save what it holds");
  }
  return { size: st.size, walMode: head[18] === 2 || head[19] === 2, walBytes, dirWritable: writable(dirname(path)) };
}

function fileSize(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

function writable(path: string): boolean {
  try { accessSync(path, constants.W_OK); return true; } catch { return false; }
}

/** A writer needs the file and its directory (SQLite puts `-wal` and `-shm` next to the store). */
export function assertWritable(path: string, dirOnly = false): void {
  const checks = [[dirname(path), "its directory"], [path, "the store file"]] as const;
  for (const [p, what] of dirOnly ? checks.slice(0, 1) : checks) {
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === "EROFS" ? "read-only file system" : "permission denied";
      throw new HarnessError("STORE", `cannot write ${path}: ${what}${p === path ? "" : ` ${p}`} is not writable (${why}); SQLite writes the store and its -wal and -shm files there`,
        "pass --db <file> in a writable directory (readers — status, export, analyze, report — work on read-only stores)");
    }
  }
}

const ERRNO: Record<string, string> = {
  EACCES: "permission denied", EPERM: "operation not permitted", EROFS: "read-only file system", ENOSPC: "disk full (no space left on device)",
  ENOENT: "no such file or directory", ENOTDIR: "a part of the path is not a directory", EDQUOT: "disk quota exceeded", EIO: "input/output error",
};

/** An OS error on `path` while trying to `doing`, in our words. */
export function fsError(e: unknown, path: string, doing: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (!code || !(code in ERRNO)) return e;
  const fix = code === "ENOSPC" || code === "EDQUOT" ? "free space on that file system, or pass --db on another one"
    : code === "ENOENT" || code === "ENOTDIR" ? "check the path"
    : doing.startsWith("read") ? "check the file's permissions (readers need read access only)" : "pass --db <file> in a writable directory";
  return new HarnessError("STORE", `cannot ${doing} at ${path}: ${ERRNO[code]}`, fix);
}

/** SQLite's error codes on the store at `path`, in our words; anything else is returned unchanged. */
export function storeError(e: unknown, path: string): unknown {
  if (e instanceof HarnessError) return e;
  const code = String((e as { code?: unknown })?.code ?? "");
  const msg = (e as Error)?.message ?? String(e);
  if (code === "SQLITE_FULL" || code === "ENOSPC") {
    return new HarnessError("STORE", `disk full: cannot write ${path} (${msg})`,
      "free space on that file system (or pass --db on another one) and re-run the same command: the trials saved so far are kept and the run resumes after them");
  }
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS" || code === "EACCES") {
    return new HarnessError("STORE", `cannot write ${path}: ${msg}`, "pass --db <file> in a writable directory (readers work on read-only stores)");
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return new HarnessError("STORE", `${path} is damaged: SQLite says "${msg}"`,
      "restore it from a full copy (a copy made during a run needs the -wal file too: docs/store.md); `sqlite3 <file> .recover` may save what it holds");
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return new HarnessError("STORE", `cannot open ${path}: ${msg}`, "check that the file and its directory exist and are readable (writers: writable)");
  }
  if (code.startsWith("SQLITE_BUSY")) {
    return new HarnessError("STORE", `${path} stayed locked by another process for 5 s (${msg})`, "another program (or a paused frh) holds it: wait for it to finish, then retry");
  }
  if (code.startsWith("SQLITE_IOERR")) {
    return new HarnessError("STORE", `input/output error on ${path} (${msg})`, "check the disk (full? removed? network file system gone?) and retry; saved trials are kept");
  }
  return e;
}
