// One error class for every failure the user can fix. The CLI prints `message` and `hint` once and exits 1.

export type ErrorCode =
  | "BAD_USAGE"
  | "BAD_STUDY"
  | "BAD_DATA"
  | "MODEL_NOT_FOUND"
  | "BAD_MODEL"
  | "BACKEND"
  | "STORE"
  | "BAD_LAW";

export class HarnessError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** How to fix it, one sentence. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "HarnessError";
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends HarnessError {
  constructor(message: string, hint?: string) {
    super("BAD_USAGE", message, hint);
  }
}

/** A study, persona, task or dataset file that does not validate. `where` is file[:field]. */
export class DataError extends HarnessError {
  constructor(
    readonly where: string,
    message: string,
    hint?: string,
  ) {
    super("BAD_DATA", `${where}: ${message}`, hint);
  }
}

export class ModelError extends HarnessError {
  constructor(code: "MODEL_NOT_FOUND" | "BAD_MODEL" | "BACKEND", message: string, hint?: string) {
    super(code, message, hint);
  }
}

/** Levenshtein-based suggestion for "did you mean" hints. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function didYouMean(name: string, candidates: readonly string[]): string {
  const c = closest(name, candidates);
  return c ? `did you mean '${c}'?` : `known: ${candidates.slice(0, 20).join(", ")}`;
}
