import { Command } from "commander";
import { existsSync, realpathSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import { openDb, closeDb, type Db } from "../../store/db.ts";
import { commonStudy, mergeStores } from "../../store/merge.ts";
import { UsageError } from "../../errors.ts";

export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("Combine stores of one study (e.g. the shards of `frh run --shard i/n`) into one: the union of their trials, every source run's provenance kept; merging again changes nothing.")
    .argument("<stores...>", "stores to merge (read only, never changed)")
    .requiredOption("--out <file>", "the merged store (created, or extended when it is already a store of the same study)")
    .action((stores: string[], o) => {
      const outPath = resolve(o.out);
      const paths = stores.map((s) => resolve(s));
      const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
      const seen = new Set<string>();
      for (const p of paths) {
        if (real(p) === real(outPath)) throw new UsageError(`${p} is both a source and --out`, "write the merge to a new file: --out <merged.sqlite>");
        if (seen.has(real(p))) throw new UsageError(`${p} is given twice`, "name each store once");
        seen.add(real(p));
      }
      const sources: { path: string; db: Db }[] = [];
      let out: Db | null = null;
      const created = !existsSync(outPath);
      let ok = false;
      try {
        for (const p of paths) sources.push({ path: p, db: openDb(p, { mustExist: true, readonly: true }) });
        commonStudy(sources); // before --out is created: a refused merge leaves no file behind
        out = openDb(outPath);
        const r = mergeStores(out, outPath, sources);
        ok = true;
        process.stdout.write(`merged ${sources.length} stores → ${outPath}: ${r.trialsAdded} trials added, ${r.trialsUpdated} updated (done elsewhere), ${r.trialsSame} already there; ${r.runsAdded} runs added\n`);
      } finally {
        for (const s of sources) s.db.close();
        if (out) closeDb(out);
        if (!ok && created && existsSync(outPath)) {
          for (const f of [outPath, `${outPath}-wal`, `${outPath}-shm`]) { try { unlinkSync(f); } catch { /* gone */ } }
        }
      }
    });
}
