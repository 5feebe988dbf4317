// frh merge: the union of stores of one study (shards run on several machines) in one transaction. A trial is
// known by its id (the trial-identity formula), a run by its run_uid, so merging again adds nothing. Two stores
// that hold different results for one trial id are a conflict: nothing is written and the trials are named.
import { createHash } from "node:crypto";
import type { Db } from "./db.ts";
import { HarnessError } from "../errors.ts";
import { claimWriter, holderAlive } from "./lock.ts";
import { storeStudies } from "./trials.ts";

export interface MergeSource { path: string; db: Db }

export interface MergeResult {
  runsAdded: number;
  trialsAdded: number;
  /** Trials the output held as planned or failed and a source holds as done (or failed where it was planned). */
  trialsUpdated: number;
  detectionsAdded: number;
  /** Trials already in the output with the same result. */
  trialsSame: number;
}

/** Two stored p_refusal values closer than this are the same result (floating-point noise of batching: docs/store.md). */
export const P_REFUSAL_TOLERANCE = 1e-6;

const RANK: Record<string, number> = { planned: 0, failed: 1, done: 2 };

const columns = (db: Db, table: string) => (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);

/** The study every store holds; throws when they differ (or a store pools several). */
export function commonStudy(stores: { path: string; db: Db }[]): string | null {
  let study: string | null = null, where = "";
  for (const s of stores) {
    const ids = storeStudies(s.db);
    if (ids.length > 1) throw new HarnessError("STORE", `${s.path} holds trials of several studies (${ids.join(", ")})`, "merge stores that each hold one study");
    if (ids.length === 0) continue;
    if (study !== null && ids[0] !== study) {
      throw new HarnessError("STORE", `cannot merge stores of different studies: ${where} holds study '${study}', ${s.path} holds study '${ids[0]}'`,
        "merge only the shards of one study (the same study file, run with --shard i/n)");
    }
    study = ids[0];
    where = s.path;
  }
  return study;
}

export function mergeStores(out: Db, outPath: string, sources: MergeSource[]): MergeResult {
  for (const s of sources) {
    const live = (s.db.prepare(`SELECT run_id, pid, host, proc_start FROM runs WHERE status = 'running'`).all() as { run_id: number; pid: number | null; host: string | null; proc_start: string | null }[])
      .filter((h) => columns(s.db, "runs").includes("pid") && holderAlive(h) === true);
    if (live.length) throw new HarnessError("STORE", `${s.path} is being written by run #${live[0].run_id} (pid ${live[0].pid})`, "merge it after that run has finished (or stop it first)");
  }
  commonStudy([{ path: outPath, db: out }, ...sources]);
  claimWriter(out, outPath, false, true);
  const res: MergeResult = { runsAdded: 0, trialsAdded: 0, trialsUpdated: 0, detectionsAdded: 0, trialsSame: 0 };
  const conflicts: string[] = [];
  let conflictCount = 0;
  const origin = new Map<string, string>(); // trial id → the source this merge took it from
  out.transaction(() => {
    claimWriter(out, outPath);
    for (const s of sources) mergeOne(out, s, res, origin, (msg) => { if (conflicts.length < 5) conflicts.push(msg); conflictCount++; }, outPath);
    // trials copied from a store of schema < 3 have no watched_mass column: fill it as migration 3 does
    out.exec(`UPDATE trials SET watched_mass = json_extract(first_token, '$.refusalMass') + json_extract(first_token, '$.answerMass')
      WHERE watched_mass IS NULL AND first_token IS NOT NULL AND json_valid(first_token) AND json_type(first_token) = 'object'`);
    if (conflictCount) {
      throw new HarnessError("STORE", `cannot merge: ${conflictCount} trial${conflictCount === 1 ? "" : "s"} stored with different results in two stores:\n  ${conflicts.join("\n  ")}${conflictCount > conflicts.length ? "\n  …" : ""}`,
        "these stores ran the same trial and got different answers (another model file or settings behind one model name?); merge the stores that agree, or re-run the trials in one store; nothing was written");
    }
  }).immediate();
  return res;
}

function mergeOne(out: Db, s: MergeSource, res: MergeResult, origin: Map<string, string>, conflict: (msg: string) => void, outPath: string): void {
  // runs: recognised by run_uid (stores of schema 1 have none: a hash of the run's own record stands in)
  const outRunCols = columns(out, "runs");
  const srcRunCols = columns(s.db, "runs").filter((c) => outRunCols.includes(c) && c !== "run_id");
  const findRun = out.prepare(`SELECT run_id FROM runs WHERE run_uid = ?`).pluck();
  const runMap = new Map<number, number>();
  for (const r of s.db.prepare(`SELECT * FROM runs ORDER BY run_id`).all() as Record<string, unknown>[]) {
    const uid = (r.run_uid as string | null) ?? `legacy:${createHash("sha256").update(JSON.stringify([r.started_at, r.command, r.study_sha256, r.environment, r.settings, r.finished_at])).digest("hex")}`;
    const have = findRun.get(uid) as number | undefined;
    if (have !== undefined) { runMap.set(r.run_id as number, have); continue; }
    const row: Record<string, unknown> = {};
    for (const c of srcRunCols) row[c] = r[c];
    row.run_uid = uid;
    row.origin = r.origin ?? JSON.stringify({ store: s.path, run_id: r.run_id });
    if (row.status === "running") row.status = "interrupted"; // history now: it must not hold the output's writer lock
    const cols = Object.keys(row);
    const info = out.prepare(`INSERT INTO runs (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...cols.map((c) => row[c] as never));
    runMap.set(r.run_id as number, Number(info.lastInsertRowid));
    res.runsAdded++;
  }
  // models: the sha256 is the identity
  const modelCols = columns(s.db, "models").filter((c) => columns(out, "models").includes(c));
  const insModel = out.prepare(`INSERT OR IGNORE INTO models (${modelCols.join(", ")}) VALUES (${modelCols.map(() => "?").join(", ")})`);
  for (const m of s.db.prepare(`SELECT ${modelCols.join(", ")} FROM models`).raw().all() as unknown[][]) insModel.run(...(m as never[]));
  // trials and their detections
  const trialCols = columns(s.db, "trials").filter((c) => columns(out, "trials").includes(c));
  const insTrial = out.prepare(`INSERT INTO trials (${trialCols.join(", ")}) VALUES (${trialCols.map(() => "?").join(", ")})`);
  const delTrial = out.prepare(`DELETE FROM trials WHERE trial_id = ?`);
  const getTrial = out.prepare(`SELECT status, response, p_refusal, model, persona, item FROM trials WHERE trial_id = ?`);
  const detCols = columns(s.db, "detections").filter((c) => columns(out, "detections").includes(c));
  const srcDets = s.db.prepare(`SELECT ${detCols.join(", ")} FROM detections WHERE trial_id = ?`);
  const getDet = out.prepare(`SELECT outcome, answer, refusal FROM detections WHERE trial_id = ? AND detector = ?`);
  const insDet = out.prepare(`INSERT INTO detections (${detCols.join(", ")}) VALUES (${detCols.map(() => "?").join(", ")})`);
  const delDets = out.prepare(`DELETE FROM detections WHERE trial_id = ?`);
  const copyDets = (id: string) => { for (const d of srcDets.all(id) as Record<string, unknown>[]) { insDet.run(...detCols.map((c) => d[c] as never)); res.detectionsAdded++; } };
  const mapRun = (v: unknown) => (v == null ? v : runMap.get(v as number) ?? v);
  const put = (t: Record<string, unknown>) => insTrial.run(...trialCols.map((c) => (c === "run_id" || c === "done_run_id" ? mapRun(t[c]) : t[c]) as never));
  for (const t of s.db.prepare(`SELECT ${trialCols.join(", ")} FROM trials ORDER BY seq, trial_id`).iterate() as Iterable<Record<string, unknown>>) {
    const id = t.trial_id as string;
    const have = getTrial.get(id) as { status: string; response: string | null; p_refusal: number | null; model: string; persona: string; item: string } | undefined;
    if (!have) { put(t); copyDets(id); res.trialsAdded++; origin.set(id, s.path); continue; }
    const mine = RANK[t.status as string] ?? 0, theirs = RANK[have.status] ?? 0;
    if (mine > theirs) { delDets.run(id); delTrial.run(id); put(t); copyDets(id); res.trialsUpdated++; origin.set(id, s.path); continue; }
    if (mine < theirs || mine < RANK.done) { res.trialsSame++; continue; }
    const where = origin.get(id) ?? outPath;
    const sameP = (have.p_refusal == null && t.p_refusal == null) ||
      (have.p_refusal != null && t.p_refusal != null && Math.abs(have.p_refusal - (t.p_refusal as number)) <= P_REFUSAL_TOLERANCE);
    if (have.response !== t.response || !sameP) {
      conflict(`trial ${id.slice(0, 16)}… (model ${have.model}, persona ${have.persona}, item ${have.item}): ${where} has ${describe(have.response, have.p_refusal)}, ${s.path} has ${describe(t.response as string, t.p_refusal as number | null)}`);
      continue;
    }
    res.trialsSame++;
    for (const d of srcDets.all(id) as Record<string, unknown>[]) {
      const o = getDet.get(id, d.detector) as { outcome: string; answer: string | null; refusal: number } | undefined;
      if (!o) { insDet.run(...detCols.map((c) => d[c] as never)); res.detectionsAdded++; }
      else if (o.outcome !== d.outcome || o.refusal !== d.refusal || o.answer !== d.answer) {
        conflict(`trial ${id.slice(0, 16)}…, detector ${d.detector as string}: ${where} says ${o.outcome}, ${s.path} says ${d.outcome as string} for the same response`);
      }
    }
  }
}

function describe(text: string | null, p: number | null): string {
  const t = text === null ? "no response" : JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return `${t} (p_refusal ${p === null ? "null" : p.toPrecision(6)})`;
}
