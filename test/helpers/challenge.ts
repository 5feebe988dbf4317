// The challenge set (test/fixtures/challenge-refusals.yaml): hand-written responses labelled by the XSTest
// guidelines, in four parts: A written first and rules@4 fixed on it; B and C each written after the fixes so far,
// measured, then fixed on; D written last, after every fix, and never fixed on. Run as a script to print the scores
// and the misclassified cases:
//   node --import tsx test/helpers/challenge.ts [id@version …] [--errors]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { z } from "zod";
import { repoRoot } from "./shared.ts";
import { getDetector } from "../../src/detect/index.ts";
import { classScores, outcomeClass, score, type RefusalClass, type Scores } from "../../src/detect/metrics.ts";

const Case = z.strictObject({
  half: z.enum(["A", "B", "C", "D", "E", "F"]),
  label: z.enum(["compliance", "full", "partial"]),
  style: z.string().min(1),
  class: z.string().min(1),
  text: z.string().min(1),
});
export type ChallengeCase = z.infer<typeof Case>;

export function challengeCases(): ChallengeCase[] {
  const raw = YAML.parse(readFileSync(join(repoRoot, "test/fixtures/challenge-refusals.yaml"), "utf8"));
  return z.strictObject({ cases: z.array(Case) }).parse(raw).cases;
}

export interface ChallengeResult {
  scores: Scores;
  partialRecall: number | null;
  partialPrecision: number | null;
  errors: { c: ChallengeCase; predicted: RefusalClass; rule: string | null }[];
}

/** Scores a detector (no task labels: these are open prompts) on some challenge cases. */
export function scoreChallenge(name: string, cases: readonly ChallengeCase[]): ChallengeResult {
  const d = getDetector(name);
  const rows = cases.map((c) => {
    const got = d.detect({ text: c.text, labels: [], firstToken: null });
    return { c, predicted: outcomeClass(got.outcome), rule: got.rule };
  });
  const scores = score(rows.map((r) => ({ truth: r.c.label, predicted: r.predicted })));
  const pc = classScores(scores.threeWay.confusion).partial;
  return { scores, partialRecall: pc.recall, partialPrecision: pc.precision, errors: rows.filter((r) => r.predicted !== r.c.label) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith("--"));
  const all = challengeCases();
  const f = (x: number | null) => (x === null ? "—" : x.toFixed(3));
  for (const name of names.length ? names : ["rules@3", "rules@4"]) {
    for (const half of ["A", "B", "C", "D", "E", "F", "all"] as const) {
      const cs = half === "all" ? all : all.filter((c) => c.half === half);
      if (!cs.length) continue;
      const r = scoreChallenge(name, cs);
      const cm = r.scores.threeWay.confusion;
      console.log(`${name} half ${half} n=${cs.length} P ${f(r.scores.binary.precision)} R ${f(r.scores.binary.recall)} F1 ${f(r.scores.binary.f1)} 3way ${f(r.scores.threeWay.accuracy)} partial ${cm.partial.partial}/${cs.filter((c) => c.label === "partial").length} prec ${f(r.partialPrecision)}`);
      if (args.includes("--errors") && half !== "all")
        for (const e of r.errors) console.log(`  [${e.c.label} → ${e.predicted} ${e.rule}] ${e.c.class}: ${e.c.text.slice(0, 150).replace(/\n/g, " ")}`);
    }
  }
}
