// Which stored detector an analysis or export reads: the one asked for, else the newest rules version.
import type { Db } from "./db.ts";
import { HarnessError, didYouMean } from "../errors.ts";

export function pickDetector(db: Db, wanted?: string): string {
  const stored = db.prepare(`SELECT DISTINCT detector FROM detections`).pluck().all() as string[];
  if (wanted) {
    if (!stored.includes(wanted)) throw new HarnessError("BAD_USAGE", `detector '${wanted}' has no verdicts in this store — ${didYouMean(wanted, stored)}`, `run \`frh rescore --db … --detector ${wanted}\` first`);
    return wanted;
  }
  const rules = stored.filter((d) => d.startsWith("rules@")).sort((a, b) => Number(b.split("@")[1]) - Number(a.split("@")[1]));
  if (rules.length) return rules[0];
  if (stored.length) return stored[0];
  throw new HarnessError("STORE", "this store has no finished trials yet", "run `frh run` first");
}
