import { Command, Option } from "commander";
import { resolve } from "node:path";
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { openDb } from "../../store/db.ts";
import { storeReport } from "../../report/build/report.ts";
import { intOption } from "../options.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("Write one self-contained HTML page (or Markdown) with the study's figures, statistics and examples.")
    .requiredOption("--db <file>", "SQLite store written by `frh run`")
    .option("--out <file>", "output file (default: reports/<db name>.html or .md)")
    .addOption(new Option("--format <fmt>", "html or md").choices(["html", "md"]).default("html"))
    .option("--detector <id@version>", "which stored detector's verdicts (default: the newest rules detector)")
    .option("--bootstrap <n>", "bootstrap resamples for CIs", intOption("--bootstrap", 0), 200)
    .action((o) => {
      const dbPath = resolve(o.db);
      const db = openDb(dbPath, { mustExist: true, readonly: true });
      let text: string;
      try {
        text = storeReport(db, { format: o.format, detector: o.detector, bootstrap: o.bootstrap }).text;
      } finally {
        db.close();
      }
      const base = dbPath.replace(/^.*\//, "").replace(/\.sqlite3?$|\.db$/, "");
      const out = resolve(o.out ?? `reports/${base}.${o.format}`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
      process.stdout.write(`report: ${out}\n`);
    });
}
