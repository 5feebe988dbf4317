// Writes and reads of runs, models, trials and detections.
import { randomUUID } from "node:crypto";
import { assertStudy, type Db } from "./db.ts";
import { claimWriter, self } from "./lock.ts";
import type { Detection, FirstTokenRecord, GenerationResult, ModelInfo, TaskLabel } from "../types.ts";

const now = () => new Date().toISOString();

export interface RunStart {
  command: string;
  studyId: string;
  studyPath: string;
  studyText: string;
  studySha256: string;
  toolVersion: string;
  packages: Record<string, string>;
  environment: Record<string, unknown>;
  datasets: unknown;
  settings: Record<string, unknown>;
  /** Clear runs recorded as running on another host (the user says they stopped). */
  takeOver?: boolean;
}

/** The studies a store holds trials or runs of (one, in a store frh wrote; legacy stores may pool several). */
export function storeStudies(db: Db): string[] {
  return db.prepare(`SELECT study_id FROM runs UNION SELECT study_id FROM trials ORDER BY 1`).pluck().all() as string[];
}

/**
 * Registers a run and takes the store's one-writer lock (lock.ts) in one IMMEDIATE transaction. Refuses a store
 * of another study: status, analyze and report would pool the two.
 */
export function startRun(db: Db, r: RunStart): number {
  const me = self();
  assertStudy(db, db.name, r.studyId);
  claimWriter(db, db.name, r.takeOver, true);
  return db.transaction(() => {
    assertStudy(db, db.name, r.studyId);
    claimWriter(db, db.name, r.takeOver);
    const info = db.prepare(`INSERT INTO runs (started_at, status, command, study_id, study_path, study_text, study_sha256, tool_version, packages, environment, datasets, settings, run_uid, pid, host, proc_start)
      VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      now(), r.command, r.studyId, r.studyPath, r.studyText, r.studySha256, r.toolVersion,
      JSON.stringify(r.packages), JSON.stringify(r.environment), JSON.stringify(r.datasets), JSON.stringify(r.settings), randomUUID(), me.pid, me.host, me.procStart);
    return Number(info.lastInsertRowid);
  }).immediate();
}

export function finishRun(db: Db, runId: number, status: "done" | "failed" | "interrupted", error?: string): void {
  db.prepare(`UPDATE runs SET finished_at = ?, status = ?, error = ? WHERE run_id = ?`).run(now(), status, error ?? null, runId);
}

/** A backend fallback as stored with its run (in runs.settings.fallbacks). */
export interface RunFallback {
  runId: number;
  /** The `model` factor level. */
  model: string;
  code: string;
  message: string;
}

/**
 * Records a backend fallback in the run's provenance: appended to runs.settings.fallbacks (the settings the run
 * actually ran with), once per model and code.
 */
export function recordFallback(db: Db, runId: number, f: Omit<RunFallback, "runId">): void {
  db.transaction(() => {
    const text = db.prepare(`SELECT settings FROM runs WHERE run_id = ?`).pluck().get(runId) as string | undefined;
    if (text === undefined) return;
    const settings = JSON.parse(text) as { fallbacks?: Omit<RunFallback, "runId">[] };
    const list = settings.fallbacks ?? [];
    if (list.some((x) => x.model === f.model && x.code === f.code)) return;
    list.push({ model: f.model, code: f.code, message: f.message });
    db.prepare(`UPDATE runs SET settings = ? WHERE run_id = ?`).run(JSON.stringify({ ...settings, fallbacks: list }), runId);
  })();
}

/** A served model's probe (server, version, identity, endpoints), kept in the run's settings under `servers`. */
export function recordServer(db: Db, runId: number, entry: { model: string; details: unknown; provenance: unknown }): void {
  db.transaction(() => {
    const text = db.prepare(`SELECT settings FROM runs WHERE run_id = ?`).pluck().get(runId) as string | undefined;
    if (text === undefined) return;
    const settings = JSON.parse(text) as { servers?: { model: string }[] };
    const list = (settings.servers ?? []).filter((x) => x.model !== entry.model);
    list.push(entry);
    db.prepare(`UPDATE runs SET settings = ? WHERE run_id = ?`).run(JSON.stringify({ ...settings, servers: list }), runId);
  })();
}

/** Every fallback recorded by any run of the store, in run order. */
export function runFallbacks(db: Db): RunFallback[] {
  const rows = db.prepare(`SELECT run_id, settings FROM runs ORDER BY run_id`).all() as { run_id: number; settings: string }[];
  const out: RunFallback[] = [];
  for (const r of rows) {
    let list: unknown;
    try { list = (JSON.parse(r.settings) as { fallbacks?: unknown }).fallbacks; } catch { continue; }
    if (!Array.isArray(list)) continue;
    for (const f of list as Omit<RunFallback, "runId">[]) out.push({ runId: r.run_id, model: String(f.model), code: String(f.code), message: String(f.message) });
  }
  return out;
}

export function upsertModel(db: Db, modelId: string, info: ModelInfo): void {
  db.prepare(`INSERT INTO models (model_sha256, model_id, path, backend, name, chat_template, details, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(model_sha256) DO UPDATE SET model_id = excluded.model_id, path = excluded.path`).run(
    info.sha256, modelId, info.path, info.backend, info.name, info.chatTemplate, JSON.stringify(info.details), now());
}

export interface PlannedRow {
  trialId: string;
  runId: number;
  seq: number;
  studyId: string;
  model: string;
  modelSha256: string;
  persona: string;
  personaGroup: string;
  personaIsControl: boolean;
  personaAttributes: Record<string, string>;
  task: string;
  paraphrase: string;
  item: string;
  itemGold: string | null;
  replicate: number;
  seed: number;
  placement: string;
  prompt: string;
  promptHash: string;
  decoding: unknown;
  labels: TaskLabel[];
}

/** Inserts planned trials; existing ones (same identity) are left as they are. Returns how many were new. */
export function planTrials(db: Db, rows: PlannedRow[]): number {
  const stmt = db.prepare(`INSERT OR IGNORE INTO trials (trial_id, run_id, seq, study_id, model, model_sha256, persona, persona_group, persona_is_control, persona_attributes,
    task, paraphrase, item, item_gold, replicate, seed, placement, prompt, prompt_hash, decoding, labels)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let added = 0;
  db.transaction(() => {
    for (const r of rows) {
      added += stmt.run(r.trialId, r.runId, r.seq, r.studyId, r.model, r.modelSha256, r.persona, r.personaGroup, r.personaIsControl ? 1 : 0, JSON.stringify(r.personaAttributes),
        r.task, r.paraphrase, r.item, r.itemGold, r.replicate, r.seed, r.placement, r.prompt, r.promptHash, JSON.stringify(r.decoding), JSON.stringify(r.labels)).changes;
    }
  })();
  return added;
}

/** Status of the given trial ids: which are already done. */
export function doneIds(db: Db, ids: string[]): Set<string> {
  const done = new Set<string>();
  const stmt = db.prepare(`SELECT trial_id FROM trials WHERE trial_id = ? AND status = 'done'`).pluck();
  for (const id of ids) if (stmt.get(id)) done.add(id);
  return done;
}

export interface TrialOutcome {
  trialId: string;
  result: GenerationResult;
  pRefusal: number | null;
  /** Refusal + label first-token mass (null without a first-token record). */
  watchedMass?: number | null;
  detections: Detection[];
}

/** One transaction per batch: the trial rows and their detections land together or not at all. */
export function saveBatch(db: Db, runId: number, outcomes: TrialOutcome[]): void {
  const ok = db.prepare(`UPDATE trials SET status = 'done', attempts = attempts + 1, response = ?, first_token = ?, p_refusal = ?, watched_mass = ?, generated_tokens = ?,
    latency_ms = ?, error = NULL, done_run_id = ?, finished_at = ? WHERE trial_id = ?`);
  const bad = db.prepare(`UPDATE trials SET status = 'failed', attempts = attempts + 1, error = ?, latency_ms = ?, done_run_id = ?, finished_at = ? WHERE trial_id = ?`);
  const det = db.prepare(`INSERT OR REPLACE INTO detections (trial_id, detector, outcome, answer, refusal, p_refusal, rule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const t = now();
  db.transaction(() => {
    for (const o of outcomes) {
      if (o.result.error) {
        bad.run(o.result.error, o.result.latencyMs, runId, t, o.trialId);
        continue;
      }
      const watched = o.watchedMass !== undefined ? o.watchedMass : o.result.firstToken ? o.result.firstToken.refusalMass + o.result.firstToken.answerMass : null;
      ok.run(o.result.text, JSON.stringify(o.result.firstToken), o.pRefusal, watched, o.result.generatedTokens, o.result.latencyMs, runId, t, o.trialId);
      for (const d of o.detections) det.run(o.trialId, d.detector, d.outcome, d.answer, d.refusal, d.pRefusal, d.rule, t);
    }
  })();
}

export function saveDetections(db: Db, rows: { trialId: string; detection: Detection }[]): void {
  const det = db.prepare(`INSERT OR REPLACE INTO detections (trial_id, detector, outcome, answer, refusal, p_refusal, rule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const t = now();
  db.transaction(() => { for (const r of rows) det.run(r.trialId, r.detection.detector, r.detection.outcome, r.detection.answer, r.detection.refusal, r.detection.pRefusal, r.detection.rule, t); })();
}

export interface StatusCounts {
  planned: number;
  done: number;
  failed: number;
  pending: number;
  byModel: { model: string; planned: number; done: number; failed: number }[];
  runs: number;
  lastRun: { runId: number; status: string; startedAt: string; finishedAt: string | null } | null;
  detectors: string[];
  /** Slower equivalent paths the backends fell back to, per run (see recordFallback). */
  fallbacks: RunFallback[];
  /** Failed trials grouped by model and item, most first (at most 10 groups), with one stored error each. */
  failures: { model: string; item: string; trials: number; error: string }[];
}

export function statusCounts(db: Db): StatusCounts {
  const c = db.prepare(`SELECT COUNT(*) planned, SUM(status = 'done') done, SUM(status = 'failed') failed FROM trials`).get() as { planned: number; done: number | null; failed: number | null };
  const byModel = db.prepare(`SELECT model, COUNT(*) planned, SUM(status = 'done') done, SUM(status = 'failed') failed FROM trials GROUP BY model ORDER BY model`).all() as StatusCounts["byModel"];
  const last = db.prepare(`SELECT run_id runId, status, started_at startedAt, finished_at finishedAt FROM runs ORDER BY run_id DESC LIMIT 1`).get() as StatusCounts["lastRun"] | undefined;
  const runs = (db.prepare(`SELECT COUNT(*) FROM runs`).pluck().get() as number) ?? 0;
  const detectors = db.prepare(`SELECT DISTINCT detector FROM detections ORDER BY detector`).pluck().all() as string[];
  const done = c.done ?? 0;
  const failed = c.failed ?? 0;
  return {
    planned: c.planned, done, failed, pending: c.planned - done - failed,
    byModel: byModel.map((m) => ({ ...m, done: m.done ?? 0, failed: m.failed ?? 0 })),
    runs, lastRun: last ?? null, detectors, fallbacks: runFallbacks(db),
    failures: db.prepare(`SELECT model, item, COUNT(*) trials, MAX(error) error FROM trials WHERE status = 'failed'
      GROUP BY model, item ORDER BY trials DESC, model, item LIMIT 10`).all() as StatusCounts["failures"],
  };
}

/** A finished trial joined with one detector's verdict: the export record. */
export interface TrialRecord {
  trial_id: string;
  run_id: number;
  seq: number;
  study: string;
  model: string;
  model_sha256: string;
  persona: string;
  persona_group: string;
  task: string;
  paraphrase: string;
  item: string;
  item_gold: string | null;
  replicate: number;
  placement: string;
  prompt: string;
  response: string;
  answer: string | null;
  outcome: string;
  refusal: 0 | 1;
  p_refusal: number | null;
  /** Refusal + label first-token mass at the read position (coverage of p_refusal); null without a record. */
  watched_mass: number | null;
  detector: string;
  rule: string | null;
  latency_ms: number;
  generated_tokens: number;
}

/**
 * The SQL for a trial's watched mass: the column (schema 3), or for a store a reader opens without migrating
 * (schema 1–2) the same sum from its stored first-token record, which is what migration 3 fills in.
 */
export function watchedMassSql(db: Db, alias = "t"): string {
  const cols = (db.prepare(`PRAGMA table_info(trials)`).all() as { name: string }[]).map((c) => c.name);
  if (cols.includes("watched_mass")) return `${alias}.watched_mass`;
  return `(CASE WHEN json_valid(${alias}.first_token) AND json_type(${alias}.first_token) = 'object'
    THEN json_extract(${alias}.first_token, '$.refusalMass') + json_extract(${alias}.first_token, '$.answerMass') END)`;
}

export function finishedTrials(db: Db, detector: string): TrialRecord[] {
  return db.prepare(`SELECT t.trial_id, t.run_id, t.seq, t.study_id AS study, t.model, t.model_sha256, t.persona, t.persona_group, t.task, t.paraphrase,
      t.item, t.item_gold, t.replicate, t.placement, t.prompt, t.response, d.answer, d.outcome, d.refusal, t.p_refusal, ${watchedMassSql(db)} AS watched_mass, d.detector, d.rule,
      t.latency_ms, t.generated_tokens
    FROM trials t JOIN detections d ON d.trial_id = t.trial_id AND d.detector = ?
    WHERE t.status = 'done' ORDER BY t.seq, t.model, t.trial_id`).all(detector) as TrialRecord[];
}

export interface StoredTrial {
  trialId: string;
  response: string;
  labels: TaskLabel[];
  firstToken: FirstTokenRecord | null;
}

/** Finished trials with what a detector needs, for rescoring without a model. */
export function* storedResponses(db: Db): Generator<StoredTrial> {
  const rows = db.prepare(`SELECT trial_id, response, labels, first_token FROM trials WHERE status = 'done' ORDER BY seq`).iterate() as Iterable<{ trial_id: string; response: string; labels: string; first_token: string | null }>;
  for (const r of rows) yield { trialId: r.trial_id, response: r.response, labels: JSON.parse(r.labels), firstToken: r.first_token ? JSON.parse(r.first_token) : null };
}

export function runRows(db: Db): Record<string, unknown>[] {
  return db.prepare(`SELECT * FROM runs ORDER BY run_id`).all() as Record<string, unknown>[];
}

export function modelRows(db: Db): { model_sha256: string; model_id: string; path: string; backend: string; name: string | null }[] {
  return db.prepare(`SELECT model_sha256, model_id, path, backend, name FROM models ORDER BY model_id`).all() as never;
}

/** The control persona's id in this store (the persona marked as control when the trials were planned). */
export function controlPersona(db: Db): string | null {
  return (db.prepare(`SELECT persona FROM trials WHERE persona_is_control = 1 LIMIT 1`).pluck().get() as string | undefined) ?? null;
}
