import { Command } from "commander";
import { resolve } from "node:path";
import { openDb } from "../../store/db.ts";
import { statusCounts } from "../../store/trials.ts";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show how many trials are planned, done and failed in a store.")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .option("--json", "print JSON")
    .action((o) => {
      const db = openDb(resolve(o.db), { mustExist: true, readonly: true });
      try {
        const s = statusCounts(db);
        if (o.json) {
          process.stdout.write(JSON.stringify(s, null, 2) + "\n");
          return;
        }
        const lines = [`planned ${s.planned}   done ${s.done}   failed ${s.failed}   pending ${s.pending}   (${s.runs} run${s.runs === 1 ? "" : "s"})`];
        for (const m of s.byModel) lines.push(`  ${m.model.padEnd(30)} planned ${String(m.planned).padStart(6)}  done ${String(m.done).padStart(6)}  failed ${String(m.failed).padStart(5)}`);
        if (s.lastRun) lines.push(`last run #${s.lastRun.runId}: ${s.lastRun.status}, started ${s.lastRun.startedAt}${s.lastRun.finishedAt ? `, finished ${s.lastRun.finishedAt}` : ""}`);
        if (s.detectors.length) lines.push(`detectors: ${s.detectors.join(", ")}`);
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        db.close();
      }
    });
}
