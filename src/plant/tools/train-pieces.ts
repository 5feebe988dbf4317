// Dev-only: regenerates src/plant/pieces.txt, the planted vocabulary's regular word pieces, by byte-pair merges
// over word counts from English text columns under ../shared/data. Not imported by the tool.
//   node --import tsx src/plant/tools/train-pieces.ts [merges=3000]
// The output lists merged pieces in merge order (first = most frequent); single characters are added by vocab.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.FRH_SHARED ?? join(here, "..", "..", "..", "..", "shared");
const merges = Number(process.argv[2] ?? 3000);

const texts: string[] = [];
const csv = (rel: string, column: string, delimiter = ",") => {
  const rows = parse(readFileSync(join(shared, rel)), { columns: true, delimiter, relax_quotes: true, relax_column_count: true }) as Record<string, string>[];
  for (const r of rows) if (r[column]) texts.push(r[column]);
};
csv("data/refusal/xstest/xstest_prompts.csv", "prompt");
csv("data/tasks/nli/snli_test.tsv", "premise", "\t");
csv("data/tasks/nli/snli_test.tsv", "hypothesis", "\t");
csv("data/tasks/politeness/stanford_politeness_wikipedia.annotated.csv", "Request");
csv("data/tasks/politeness/stanford_politeness_stack-exchange.annotated.csv", "Request");

// Words as SentencePiece sees them: ASCII letter runs, "▁"-prefixed after a space or at the start.
const counts = new Map<string, number>();
for (const t of texts) {
  for (const m of t.matchAll(/(^|.)([A-Za-z]+)/gs)) {
    const w = (m[1] === "" || m[1] === " " ? "▁" : "") + m[2];
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
}
const words = [...counts].filter(([, c]) => c >= 2).map(([w, c]) => ({ syms: [...w], c }));
const out: string[] = [];
for (let k = 0; k < merges; k++) {
  const pairs = new Map<string, number>();
  for (const { syms, c } of words) for (let i = 0; i + 1 < syms.length; i++) {
    const key = syms[i] + "\u0000" + syms[i + 1];
    pairs.set(key, (pairs.get(key) ?? 0) + c);
  }
  let best = "", bestC = 0;
  for (const [p, c] of pairs) if (c > bestC || (c === bestC && p < best)) { best = p; bestC = c; }
  if (bestC < 2) break;
  const [a, b] = best.split("\u0000");
  out.push(a + b);
  for (const w of words) {
    const s = w.syms;
    for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) s.splice(i, 2, a + b);
  }
}
writeFileSync(join(here, "..", "pieces.txt"), out.join("\n") + "\n");
console.log(`${out.length} pieces from ${texts.length} texts, ${words.length} distinct words`);
