// Label words of the three built-in tasks, for scoring stored text outside a study (detect-eval's
// --task-column, the tricky-refusal fixture). A study's own task files take precedence when a run has them.
import type { TaskLabel } from "../types.ts";

export const BUILTIN_TASK_LABELS: Readonly<Record<string, TaskLabel[]>> = {
  nli: [
    { id: "entailment", words: ["entailment", "entails", "entailed"] },
    { id: "neutral", words: ["neutral"] },
    { id: "contradiction", words: ["contradiction", "contradicts", "contradictory"] },
  ],
  politeness: [
    { id: "polite", words: ["polite"] },
    { id: "impolite", words: ["impolite", "not polite", "rude"] },
  ],
  offensiveness: [
    { id: "offensive", words: ["offensive"] },
    { id: "not_offensive", words: ["not offensive", "non-offensive", "inoffensive"] },
  ],
};

export const BUILTIN_TASKS = Object.keys(BUILTIN_TASK_LABELS);
