import { Command } from "commander";
import { resolve } from "node:path";
import { openDb, closeDb } from "../../store/db.ts";
import { storedResponses, saveDetections } from "../../store/trials.ts";
import { getDetector } from "../../detect/index.ts";
import type { Detection } from "../../types.ts";

export function registerRescore(program: Command): void {
  program
    .command("rescore")
    .description("Re-label stored responses with another detector version, without calling any model (adds verdicts; trials and responses are never changed).")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .requiredOption("--detector <id@version>", "detector to apply, e.g. rules@3, rules@2, first-token@1")
    .action((o) => {
      const detector = getDetector(o.detector);
      const name = `${detector.id}@${detector.version}`;
      const db = openDb(resolve(o.db), { mustExist: true });
      try {
        const batch: { trialId: string; detection: Detection }[] = [];
        let n = 0;
        const counts: Record<string, number> = {};
        for (const t of storedResponses(db)) {
          const detection = detector.detect({ text: t.response, labels: t.labels, firstToken: t.firstToken });
          batch.push({ trialId: t.trialId, detection });
          counts[detection.outcome] = (counts[detection.outcome] ?? 0) + 1;
          n++;
          if (batch.length >= 5000) saveDetections(db, batch.splice(0));
        }
        saveDetections(db, batch);
        const summary = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ");
        process.stdout.write(`rescored ${n} trials with ${name}: ${summary || "no finished trials"}\n`);
      } finally {
        closeDb(db);
      }
    });
}
