// SQLite store: open, migrate by PRAGMA user_version, WAL. Every write is one short transaction after the
// model returns, so a kill -9 at any moment loses at most the batch in flight and never half a trial.
import Database from "better-sqlite3";
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { HarnessError } from "../errors.ts";

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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function looksLikeSqlite(path: string): boolean {
  if (statSync(path).size === 0) return true;
  const fd = openSync(path, "r");
  const head = Buffer.alloc(16);
  try { readSync(fd, head, 0, 16, 0); } finally { closeSync(fd); }
  return head.toString("latin1") === "SQLite format 3\0";
}

export interface OpenOptions {
  /** Refuse to create a new file (status/export/analyze read an existing store). */
  mustExist?: boolean;
  readonly?: boolean;
}

export function openDb(path: string, opts: OpenOptions = {}): Db {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new HarnessError("STORE", `${path} is a directory, not a database file`, "pass --db <file.sqlite>");
    if (!looksLikeSqlite(path)) throw new HarnessError("STORE", `${path} is not an SQLite database`, "pass the .sqlite file that `frh run` wrote, or a new path");
  } else if (opts.mustExist) {
    throw new HarnessError("STORE", `database not found: ${path}`, "run `frh run … --db <file>` first, or check the path");
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new Database(path, { readonly: opts.readonly ?? false });
  db.pragma("busy_timeout = 5000");
  if (!opts.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, path);
  } else {
    checkVersion(db, path);
  }
  return db;
}

function checkVersion(db: Db, path: string): number {
  const v = db.pragma("user_version", { simple: true }) as number;
  if (v > SCHEMA_VERSION) throw new HarnessError("STORE", `${path} has schema version ${v}, newer than this frh (${SCHEMA_VERSION})`, "upgrade frh to read it");
  return v;
}

function migrate(db: Db, path: string): void {
  const v = checkVersion(db, path);
  for (let i = v; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
