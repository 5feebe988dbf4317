import { Command } from "commander";
import { resolve } from "node:path";
import { openDb, closeDb } from "../../store/db.ts";
import { getDetector } from "../../detect/index.ts";
import { rescoreStore } from "../../run/rescore.ts";

export function registerRescore(program: Command): void {
  program
    .command("rescore")
    .description("Re-label stored responses with another detector version, without calling any model (adds verdicts; trials and responses are never changed).")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .requiredOption("--detector <id@version>", "detector to apply, e.g. rules@3, rules@2, first-token@1")
    .action((o) => {
      const detector = getDetector(o.detector);
      const db = openDb(resolve(o.db), { mustExist: true });
      try {
        const r = rescoreStore(db, detector);
        const summary = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(", ");
        process.stdout.write(`rescored ${r.trials} trials with ${r.detector}: ${summary || "no finished trials"}\n`);
      } finally {
        closeDb(db);
      }
    });
}
