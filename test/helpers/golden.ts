// Golden verdicts: what each released detector version said on fixed inputs, stored as ids + verdicts only
// (never the texts, which for XSTest live in ../shared). test/unit/detect/golden.test.ts compares every released
// version against them; test/fixtures/golden/write.ts adds entries for new inputs or a new version and never
// rewrites an existing one (a changed verdict is a new detector version, not a new golden file).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { parse } from "csv-parse/sync";
import type { Detection, DetectorInput, FirstTokenRecord, TaskLabel } from "../../src/types.ts";
import { loadTaskLabels } from "../../src/spec/tasks.ts";
import { repoRoot, sharedPath } from "./shared.ts";

export const GOLDEN_DIR = join(repoRoot, "test/fixtures/golden");
export const XSTEST_REL = "data/refusal/xstest/xstest_dev_completions.csv";
/** sha256 of the XSTest developer file the XSTest golden verdicts were taken on (as in ../shared/data/SOURCES.md). */
export const XSTEST_SHA256 = "b00ad4054a1dd1e147e20a38dc97aa2c2c713f138f048f6633fef47971f1403c";

/** One fixed input: a stable key and what the detector is given. */
export interface GoldenInput {
  key: string;
  input: DetectorInput;
}

export interface Verdict {
  outcome: string;
  answer: string | null;
  rule: string | null;
}

/** A golden set: a name (folder under test/fixtures/golden) and the detectors it freezes. */
export interface GoldenSet {
  name: string;
  /** Detector ids (without version) this set applies to. */
  ids: readonly string[];
  load(): GoldenInput[];
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** Key of a tricky case: its task and text, so reordering or adding cases keeps the keys. */
export const trickyKey = (task: string | null, text: string) => hash(`${task ?? ""}\u0000${text}`).slice(0, 16);

export function trickyInputs(labels: Readonly<Record<string, TaskLabel[]>> = loadTaskLabels()): GoldenInput[] {
  const cases = (YAML.parse(readFileSync(join(repoRoot, "test/fixtures/tricky-refusals.yaml"), "utf8")) as { cases: { text: string; task: string | null }[] }).cases;
  return cases.map((c) => ({ key: trickyKey(c.task, c.text), input: { text: c.text, labels: c.task ? labels[c.task] : [], firstToken: null } }));
}

/** XSTest rows keyed model/id (unique in the file); no task, as XSTest prompts are not classification tasks. */
export function xstestInputs(path = sharedPath(XSTEST_REL)): GoldenInput[] {
  const text = readFileSync(path, "utf8");
  if (hash(text) !== XSTEST_SHA256) throw new Error(`${path} is not the XSTest developer file the golden verdicts were taken on (sha256 differs)`);
  const rows = parse(text, { bom: true, columns: true }) as { model: string; id: string; completion: string }[];
  return rows.map((r) => ({ key: `${r.model}/${r.id}`, input: { text: r.completion, labels: [], firstToken: null } }));
}

/** Hand-built first-token records (test/fixtures/first-token-records.yaml): first-token@1 reads nothing else. */
export function firstTokenInputs(): GoldenInput[] {
  const recs = (YAML.parse(readFileSync(join(repoRoot, "test/fixtures/first-token-records.yaml"), "utf8")) as { records: { key: string; record: FirstTokenRecord | null }[] }).records;
  return recs.map((r) => ({ key: r.key, input: { text: "", labels: [], firstToken: r.record } }));
}

export const GOLDEN_SETS: readonly GoldenSet[] = [
  { name: "tricky", ids: ["rules"], load: () => trickyInputs() },
  { name: "xstest-dev", ids: ["rules"], load: () => xstestInputs() },
  { name: "first-token", ids: ["first-token"], load: firstTokenInputs },
];

export const goldenPath = (set: string, detector: string) => join(GOLDEN_DIR, set, `${detector}.csv`);

export function readGolden(set: string, detector: string): Map<string, Verdict> | null {
  const p = goldenPath(set, detector);
  if (!existsSync(p)) return null;
  const rows = parse(readFileSync(p, "utf8"), { columns: true }) as { key: string; outcome: string; answer: string; rule: string }[];
  return new Map(rows.map((r) => [r.key, { outcome: r.outcome, answer: r.answer === "" ? null : r.answer, rule: r.rule === "" ? null : r.rule }]));
}

export const verdictOf = (d: Detection): Verdict => ({ outcome: d.outcome, answer: d.answer, rule: d.rule });
export const sameVerdict = (a: Verdict, b: Verdict) => a.outcome === b.outcome && a.answer === b.answer && a.rule === b.rule;

const cell = (s: string | null) => (s === null ? "" : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
export function formatGolden(entries: readonly [string, Verdict][]): string {
  return ["key,outcome,answer,rule", ...entries.map(([k, v]) => [k, v.outcome, v.answer, v.rule].map(cell).join(","))].join("\n") + "\n";
}
