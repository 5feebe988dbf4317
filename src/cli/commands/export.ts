import { Command, Option } from "commander";
import { dirname, resolve } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { openDb } from "../../store/db.ts";
import { exportStore } from "../../store/export.ts";

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("Write one record per finished trial (factors, prompt, response, outcome, p_refusal, detector).")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .addOption(new Option("--format <fmt>", "output format").choices(["jsonl", "csv"]).default("jsonl"))
    .option("--out <file>", "write to a file instead of stdout")
    .option("--detector <id@version>", "which stored detector's verdict (default: the newest rules detector)")
    .action((o) => {
      const db = openDb(resolve(o.db), { mustExist: true, readonly: true });
      try {
        const { detector, rows, text } = exportStore(db, { format: o.format, detector: o.detector });
        if (o.out) {
          // as report and plant do: a missing directory is created
          mkdirSync(dirname(resolve(o.out)), { recursive: true });
          writeFileSync(resolve(o.out), text);
          process.stderr.write(`wrote ${rows.length} trials (${detector}) to ${o.out}\n`);
        } else process.stdout.write(text);
      } finally {
        db.close();
      }
    });
}
