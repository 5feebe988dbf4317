// SQLite store: open, check it is ours, migrate by PRAGMA user_version, WAL while writing. Every write is one short
// transaction after the model returns, so a kill -9 at any moment loses at most the batch in flight and never half a
// trial. Guarantees and their tests: docs/store.md.
import Database from "better-sqlite3";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, linkSync, renameSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { HarnessError } from "../errors.ts";
import { assertWritable, fsError, storeError, readHeader, type StoreHeader } from "./files.ts";
import { claimWriter, markStaleRuns } from "./lock.ts";

export type Db = Database.Database;

/** Each entry moves the schema from version i to i+1. Never edit a shipped migration; append. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,               -- running | done | failed | interrupted
    command TEXT NOT NULL,
    study_id TEXT NOT NULL,
    study_path TEXT NOT NULL,
    study_text TEXT NOT NULL,
    study_sha256 TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    packages TEXT NOT NULL,             -- JSON: package → version
    environment TEXT NOT NULL,          -- JSON: node, platform, cpus
    datasets TEXT NOT NULL,             -- JSON: [{role, path, sha256}]
    settings TEXT NOT NULL,             -- JSON: batch, gpu, limit, detectors …
    error TEXT
  );
  CREATE TABLE models (
    model_sha256 TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    path TEXT NOT NULL,
    backend TEXT NOT NULL,
    name TEXT,
    chat_template TEXT,
    details TEXT NOT NULL,
    first_seen TEXT NOT NULL
  );
  CREATE TABLE trials (
    trial_id TEXT PRIMARY KEY,          -- sha256(model sha256, prompt, decoding, seed)
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    seq INTEGER NOT NULL,
    study_id TEXT NOT NULL,
    model TEXT NOT NULL,
    model_sha256 TEXT NOT NULL REFERENCES models(model_sha256),
    persona TEXT NOT NULL,
    persona_group TEXT NOT NULL,
    persona_is_control INTEGER NOT NULL,
    persona_attributes TEXT NOT NULL,
    task TEXT NOT NULL,
    paraphrase TEXT NOT NULL,
    item TEXT NOT NULL,
    item_gold TEXT,
    replicate INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    placement TEXT NOT NULL,
    prompt TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    decoding TEXT NOT NULL,
    labels TEXT NOT NULL,               -- JSON: the task's labels at run time (rescoring needs them)
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    response TEXT,
    first_token TEXT,                   -- JSON FirstTokenRecord
    p_refusal REAL,
    generated_tokens INTEGER,
    latency_ms REAL,
    error TEXT,
    done_run_id INTEGER,
    finished_at TEXT
  );
  CREATE INDEX trials_status ON trials(status, seq);
  CREATE INDEX trials_factors ON trials(model, persona, task, paraphrase);
  CREATE TABLE detections (
    trial_id TEXT NOT NULL REFERENCES trials(trial_id),
    detector TEXT NOT NULL,             -- id@version
    outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'refusal', 'partial', 'invalid')),
    answer TEXT,
    refusal INTEGER NOT NULL CHECK (refusal IN (0, 1)),
    p_refusal REAL,
    rule TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (trial_id, detector)
  );
  `,
  // 2: who writes (the one-writer lock, stale-run detection), a run's own id (merge recognises runs it holds),
  // where a merged run came from; the application id marks the file as an frh store.
  `
  ALTER TABLE runs ADD COLUMN run_uid TEXT;
  ALTER TABLE runs ADD COLUMN pid INTEGER;
  ALTER TABLE runs ADD COLUMN host TEXT;
  ALTER TABLE runs ADD COLUMN proc_start TEXT;  -- the process's start time (Linux), so a reused pid is not taken for it
  ALTER TABLE runs ADD COLUMN origin TEXT;      -- JSON {store, run_id} for runs copied in by frh merge
  CREATE UNIQUE INDEX runs_uid ON runs(run_uid);
  PRAGMA application_id = 1718773809;
  `,
  // 3: coverage (issue 14): the first-token mass on refusal onsets + label first tokens at the read position. Trials
  // stored before it get the same sum from their stored first-token record (no record: null).
  `
  ALTER TABLE trials ADD COLUMN watched_mass REAL;
  UPDATE trials SET watched_mass = json_extract(first_token, '$.refusalMass') + json_extract(first_token, '$.answerMass')
    WHERE first_token IS NOT NULL AND json_valid(first_token) AND json_type(first_token) = 'object';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
/** PRAGMA application_id of an frh store ("frh1"); stores of schema 1 have 0 and are known by their tables. */
export const APP_ID = 0x66726831;

export interface OpenOptions {
  /** Refuse to create a new file (status/export/analyze read an existing store). */
  mustExist?: boolean;
  readonly?: boolean;
  /** The study a writer will add to: a store holding another study is refused before anything is written. */
  study?: string;
  /** Readers: accept a store that pools several studies (written before frh refused that); only `status` does. */
  pooledOk?: boolean;
}

/** The path of the store opened last: errors raised later by SQLite (disk full, corruption) name it. */
let lastPath: string | null = null;
export const lastStorePath = () => lastPath;

/**
 * Opens an frh store. Refuses what is not one (empty file, another program's SQLite, a newer schema, a damaged
 * file) before anything is written. Readers never write: a store at rest is one file in rollback-journal mode
 * (see closeDb), which SQLite reads on read-only media without creating any sidecar file.
 */
export function openDb(path: string, opts: OpenOptions = {}): Db {
  const readonly = opts.readonly ?? false;
  const header = existsSync(path) ? readHeader(path) : null;
  if (!header) {
    if (opts.mustExist || readonly) throw new HarnessError("STORE", `store not found: ${path}`, "run `frh run … --db <file>` first, or check the path");
    createStore(path);
  }
  lastPath = path;
  if (!readonly) assertWritable(path);
  let db: Db;
  try {
    db = readonly ? openReader(path, header ?? readHeader(path)!) : new Database(path);
  } catch (e) {
    throw storeError(e, path);
  }
  try {
    db.pragma("busy_timeout = 5000");
    identify(db, path);
    if (opts.study !== undefined) assertStudy(db, path, opts.study);
    if (readonly && !opts.pooledOk) assertOneStudy(db, path);
    if (!readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      migrate(db, path);
      markStaleRuns(db);
    }
  } catch (e) {
    db.close();
    throw storeError(e, path);
  }
  return db;
}

/**
 * Ends a writer's session: folds the WAL into the main file and leaves it in rollback-journal mode, so the store
 * is one self-contained file (safe to copy, readable on read-only media). Another connection still open (a
 * concurrent reader) keeps WAL mode; the checkpoint is then best effort and SQLite finishes it later.
 */
export function closeDb(db: Db): void {
  if (db.open && !db.readonly) {
    try {
      db.pragma("busy_timeout = 250");
      const mode = db.pragma("journal_mode = DELETE", { simple: true });
      if (mode !== "delete") db.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      // another process holds the store (a reader, a second writer): SQLite checkpoints when the last one closes
    }
  }
  if (db.open) db.close();
}

/** `frh status --checkpoint`: what closeDb does, on demand; says whether the WAL could be folded in. */
export function checkpoint(db: Db): { folded: boolean; walFrames: number } {
  const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number; log: number; checkpointed: number }[];
  return { folded: r.busy === 0 && r.log === r.checkpointed, walFrames: r.log };
}

/** Creates a new store atomically: built under a temporary name, then linked into place (never over a file). */
function createStore(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    // recursive mkdir reports a read-only parent as ENOENT: name the first existing ancestor's problem instead
    let up = dir;
    while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
    try { accessSync(up, constants.W_OK); } catch (e) { throw fsError(e, dir, "create the directory for the store"); }
    try { mkdirSync(dir, { recursive: true }); } catch (e) { throw fsError(e, dir, "create the directory for the store"); }
  }
  assertWritable(path, true);
  const tmp = `${path}.${process.pid}.creating`;
  try {
    const db = new Database(tmp);
    try { migrate(db, tmp); } finally { db.close(); }
    try {
      linkSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // EEXIST: another process created it first, use theirs; no hard links here (EPERM …): rename instead
      if (code !== "EEXIST" && !existsSync(path)) renameSync(tmp, path);
    }
  } catch (e) {
    throw storeError(e, path);
  } finally {
    try { unlinkSync(tmp); } catch { /* renamed or never written */ }
    try { unlinkSync(`${tmp}-journal`); } catch { /* none */ }
  }
}

/**
 * A reader. SQLite reads a rollback-journal store with no sidecar file; a store in WAL mode (a writer is at work,
 * or was killed) needs `-shm`. In a directory we cannot write, with no WAL content to apply, a WAL-mode store is
 * read from memory instead (its header marked rollback, which changes nothing else).
 */
function openReader(path: string, h: StoreHeader): Db {
  const dir = dirname(path);
  if (h.walMode && !h.dirWritable && !existsSync(`${path}-shm`)) {
    if (h.walBytes > 0) {
      throw new HarnessError("STORE", `cannot read ${path}: its last trials are still in ${path}-wal (a run was stopped before it finished) and SQLite needs to create ${path}-shm to read them, but ${dir} is read-only`,
        `copy ${path} together with ${path}-wal to a writable directory and read it there, or run \`frh status --db ${path} --checkpoint\` once where it is writable`);
    }
    const buf = readFileSync(path);
    buf[18] = 1;
    buf[19] = 1;
    return new Database(buf, { readonly: true });
  }
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** Throws unless this is an frh store this version can use. */
function identify(db: Db, path: string): void {
  const appId = db.pragma("application_id", { simple: true }) as number;
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
  const legacy = appId === 0 && version >= 1 && tables.includes("trials") && tables.includes("runs");
  if (appId !== APP_ID && !legacy) {
    const what = tables.length === 0 ? "an empty SQLite database" : `an SQLite database of another program (tables: ${tables.slice(0, 6).join(", ")}${tables.length > 6 ? ", …" : ""})`;
    throw new HarnessError("STORE", `${path} is not an frh store: it is ${what}`,
      "pass a store written by `frh run`, or a path that does not exist yet (frh creates it); frh never adds its tables to another database");
  }
  if (version > SCHEMA_VERSION) {
    throw new HarnessError("STORE", `${path} has store schema version ${version}, newer than this frh understands (${SCHEMA_VERSION})`,
      "upgrade frh to read or extend it; an older frh leaves it untouched");
  }
}

/** One store holds one study: status, analyze and report would otherwise pool two. */
export function assertStudy(db: Db, path: string, study: string): void {
  const other = (db.prepare(`SELECT study_id FROM runs UNION SELECT study_id FROM trials`).pluck().all() as string[]).filter((s) => s !== study);
  if (other.length) {
    throw new HarnessError("STORE", `${path} holds study '${other.join("', '")}', not '${study}': one store holds one study`,
      `pass another --db for study '${study}' (the default is db/${study}.sqlite)`);
  }
}

/** A store written before frh refused a second study may pool two: analysing it would mix them. */
function assertOneStudy(db: Db, path: string): void {
  const ids = db.prepare(`SELECT study_id FROM runs UNION SELECT study_id FROM trials ORDER BY 1`).pluck().all() as string[];
  if (ids.length > 1) {
    throw new HarnessError("STORE", `${path} pools trials of ${ids.length} studies (${ids.join(", ")}); its numbers would mix them`,
      "re-run each study into its own --db (frh now refuses a second study in a store), or split a copy per study with sqlite3; `frh status` still reads it");
  }
}

function migrate(db: Db, path: string): void {
  const v = db.pragma("user_version", { simple: true }) as number;
  if (v > SCHEMA_VERSION) throw new HarnessError("STORE", `${path} has store schema version ${v}, newer than this frh understands (${SCHEMA_VERSION})`, "upgrade frh");
  for (let i = v; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

/**
 * What a writer would refuse, checked without writing anything (before a model loads): an existing store must be
 * ours, of this study and writable; a new one must be creatable where it is asked for.
 */
export function checkWriterPath(path: string, study: string, takeOver = false): void {
  if (existsSync(path)) {
    const db = openDb(path, { readonly: true, study });
    try {
      // a live writer is refused now, not after this run's model has loaded (the claim itself is made again,
      // atomically, when the writer opens)
      const hasPid = (db.prepare(`SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'pid'`).pluck().get() as number) > 0;
      if (hasPid) claimWriter(db, path, takeOver, true);
    } finally { closeDb(db); }
    assertWritable(path);
    return;
  }
  // the same words createStore would use
  const dir = dirname(path);
  if (existsSync(dir)) return assertWritable(path, true);
  let up = dir;
  while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
  try { accessSync(up, constants.W_OK); } catch (e) { throw fsError(e, dir, "create the directory for the store"); }
}
