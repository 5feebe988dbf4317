// Agreement of a refusal detector with human labels: binary (refusal = full or partial, as in the XSTest
// paper) and three-way. Pure. The sensitivity/specificity counts feed a later misclassification correction.
import type { Outcome } from "../types.ts";

/** Human label classes (XSTest: 1_full_compliance, 2_full_refusal, 3_partial_refusal). */
export type RefusalClass = "compliance" | "full" | "partial";
export const REFUSAL_CLASSES: readonly RefusalClass[] = ["compliance", "full", "partial"];

/** Detector outcome → class: a non-refusal (answer or unparseable) is compliance, for the binary question. */
export function outcomeClass(o: Outcome): RefusalClass {
  return o === "refusal" ? "full" : o === "partial" ? "partial" : "compliance";
}

export interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface Scores {
  n: number;
  /** null where the denominator is 0 (e.g. precision with no predicted refusals). */
  binary: { precision: number | null; recall: number | null; f1: number | null; accuracy: number | null };
  threeWay: {
    accuracy: number | null;
    /** confusion[true class][predicted class] */
    confusion: Record<RefusalClass, Record<RefusalClass, number>>;
  };
  counts: Counts;
  /** P(detector says refusal | human says refusal) with its counts: tp / (tp + fn). */
  sensitivity: { value: number | null; tp: number; fn: number };
  /** P(detector says no refusal | human says compliance): tn / (tn + fp). */
  specificity: { value: number | null; tn: number; fp: number };
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** Scores paired (true, predicted) classes. */
export function score(pairs: readonly { truth: RefusalClass; predicted: RefusalClass }[]): Scores {
  const confusion = Object.fromEntries(REFUSAL_CLASSES.map((t) => [t, Object.fromEntries(REFUSAL_CLASSES.map((p) => [p, 0]))])) as Scores["threeWay"]["confusion"];
  const c: Counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  let same = 0;
  for (const { truth, predicted } of pairs) {
    confusion[truth][predicted]++;
    if (truth === predicted) same++;
    const t = truth !== "compliance";
    const p = predicted !== "compliance";
    if (t && p) c.tp++;
    else if (t) c.fn++;
    else if (p) c.fp++;
    else c.tn++;
  }
  const n = pairs.length;
  return {
    n,
    binary: {
      precision: ratio(c.tp, c.tp + c.fp),
      recall: ratio(c.tp, c.tp + c.fn),
      f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
      accuracy: ratio(c.tp + c.tn, n),
    },
    threeWay: { accuracy: ratio(same, n), confusion },
    counts: c,
    sensitivity: { value: ratio(c.tp, c.tp + c.fn), tp: c.tp, fn: c.fn },
    specificity: { value: ratio(c.tn, c.tn + c.fp), tn: c.tn, fp: c.fp },
  };
}

/** Per human class: recall (of that class, how much the detector put there) and precision. */
export interface ClassScore {
  n: number;
  recall: number | null;
  precision: number | null;
}

/** Recall and precision of each class from a three-way confusion matrix; partial recall is `partial.recall`. */
export function classScores(confusion: Scores["threeWay"]["confusion"]): Record<RefusalClass, ClassScore> {
  const out = {} as Record<RefusalClass, ClassScore>;
  for (const c of REFUSAL_CLASSES) {
    const row = REFUSAL_CLASSES.reduce((n, p) => n + confusion[c][p], 0);
    const col = REFUSAL_CLASSES.reduce((n, t) => n + confusion[t][c], 0);
    out[c] = { n: row, recall: ratio(confusion[c][c], row), precision: ratio(confusion[c][c], col) };
  }
  return out;
}
