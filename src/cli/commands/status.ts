import { Command } from "commander";
import { resolve } from "node:path";
import { openDb, closeDb, checkpoint } from "../../store/db.ts";
import { liveWriter } from "../../store/lock.ts";
import { statusCounts, storeStudies } from "../../store/trials.ts";
import { DEFAULT_RULES } from "../../detect/index.ts";
import { sequentialFromDb, type SequentialTrace } from "../sequential-trace.ts";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show how many trials are planned, done and failed in a store (sequential design: also its stopping statistic; its final size is not known in advance).")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .option("--json", "print JSON")
    .option("--checkpoint", "also fold the -wal file into the store file (needs write access; marks runs whose process is gone as interrupted), so copying the .sqlite file alone is a complete copy")
    .action((o) => {
      const path = resolve(o.db);
      if (o.checkpoint) {
        const w = openDb(path, { mustExist: true });
        try {
          const c = checkpoint(w);
          const busy = liveWriter(w);
          process.stderr.write(c.folded && !busy ? `checkpoint: ${c.walFrames} WAL pages folded into ${path}\n`
            : `checkpoint: ${busy ? `run #${busy.run_id} (pid ${busy.pid}) is still writing; ` : ""}${c.walFrames} WAL pages, not all folded in yet — copy ${path}-wal along with the store, or checkpoint again when it has finished\n`);
        } finally {
          closeDb(w);
        }
      }
      const db = openDb(path, { mustExist: true, readonly: true, pooledOk: true });
      try {
        const s = statusCounts(db);
        const writer = liveWriter(db);
        if (s.lastRun && s.lastRun.status === "running" && !writer) s.lastRun.status = "interrupted"; // its process is gone; the next writer records it
        const seq = sequentialFromDb(db, DEFAULT_RULES);
        if (o.json) {
          // failures and fallbacks only when there are any: the JSON of a clean store stays as it was
          const { failures, fallbacks, ...counts } = s;
          const json = { ...counts, ...(failures.length ? { failures } : {}), ...(fallbacks.length ? { fallbacks } : {}) };
          process.stdout.write(JSON.stringify(seq ? { ...json, sequential: sequentialStatus(seq) } : json, null, 2) + "\n");
          return;
        }
        const lines = [`planned ${s.planned}   done ${s.done}   failed ${s.failed}   pending ${s.pending}   (${s.runs} run${s.runs === 1 ? "" : "s"})`];
        for (const m of s.byModel) lines.push(`  ${m.model.padEnd(30)} planned ${String(m.planned).padStart(6)}  done ${String(m.done).padStart(6)}  failed ${String(m.failed).padStart(5)}`);
        const studies = storeStudies(db);
        if (studies.length > 1) lines.push(`warning: this store pools ${studies.length} studies (${studies.join(", ")}); analyze and report refuse it`);
        if (writer) lines.push(`a run is writing now: run #${writer.run_id}, pid ${writer.pid} on ${writer.host}`);
        if (s.lastRun) lines.push(`last run #${s.lastRun.runId}: ${s.lastRun.status}, started ${s.lastRun.startedAt}${s.lastRun.finishedAt ? `, finished ${s.lastRun.finishedAt}` : ""}`);
        if (s.detectors.length) lines.push(`detectors: ${s.detectors.join(", ")}`);
        if (s.failures.length) {
          lines.push(`failed trials by item${s.failures.length === 10 ? " (the 10 items with most failures)" : ""}:`);
          for (const f of s.failures) lines.push(`  ${f.model} / ${f.item}: ${f.trials} failed — ${f.error}`);
        }
        if (s.fallbacks.length) {
          lines.push("backend fallbacks (slower paths, same results up to float rounding):");
          for (const f of s.fallbacks) lines.push(`  run #${f.runId} ${f.model}: ${f.code} — ${f.message}`);
        }
        if (seq) lines.push(sequentialText(sequentialStatus(seq)));
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        db.close();
      }
    });
}

/** Where a sequential study stands (the run's stopping statistic, with the run's detector). */
function sequentialStatus(t: SequentialTrace) {
  const last = t.points.at(-1);
  const hw = last && Number.isFinite(last.maxHalfWidth) ? last.maxHalfWidth : null;
  return {
    targetHalfWidth: t.targetHalfWidth, maxTrials: t.maxTrials, cellsPerRound: t.cellsPerRound,
    rounds: t.points.length, trials: last?.trials ?? 0, maxHalfWidth: hw, targetReached: hw !== null && hw <= t.targetHalfWidth,
    detector: DEFAULT_RULES,
  };
}

function sequentialText(q: ReturnType<typeof sequentialStatus>): string {
  const now = q.maxHalfWidth === null ? "no persona-vs-control estimate yet" : `widest persona-vs-control CI half-width ${q.maxHalfWidth.toFixed(3)} after ${q.trials} trials in ${q.rounds} round${q.rounds === 1 ? "" : "s"}`;
  return `sequential design: 'planned' counts only the rounds drawn so far; rounds are drawn until the half-width is ≤ ${q.targetHalfWidth} or ${q.maxTrials} trials.\n` +
    `  now: ${now}${q.targetReached ? " — target reached" : ""}`;
}
