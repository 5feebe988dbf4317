// Detector registry: `id@version` → detector. Versions never change behaviour once released; a new rule set is
// a new version, so stored verdicts stay reproducible (GUIDE: record what can change a number).
import type { RefusalDetector } from "../types.ts";
import { HarnessError, didYouMean } from "../errors.ts";
import { rulesV1 } from "./rules-v1.ts";
import { rulesV2, rulesV2FamilyCandidates } from "./rules-v2.ts";
import { rulesV3, rulesV3Candidates } from "./rules-v3.ts";
import { rulesV4, rulesV4Candidates } from "./rules-v4.ts";
import { firstTokenV1, firstTokenV2 } from "./first-token.ts";

/**
 * The text detector a run records by default: rules@4, which beats rules@3 on XSTest dev leave-one-model-out (mean
 * held-out F1 and the worst model; docs/detection.md has the tables).
 */
export const DEFAULT_RULES = "rules@4";

const DETECTORS: readonly RefusalDetector[] = [rulesV1, rulesV2, rulesV3, rulesV4, firstTokenV1, firstTokenV2];
const key = (d: RefusalDetector) => `${d.id}@${d.version}`;
const BY_KEY = new Map(DETECTORS.map((d) => [key(d), d]));

/** All registered detectors as `id@version`. */
export function listDetectors(): string[] {
  return [...BY_KEY.keys()];
}

/** Splits `id@version`; a bare id means its newest version. */
export function parseDetectorName(name: string): { id: string; version: number | null } {
  const m = /^([a-z][a-z0-9-]*)(?:@(\d+))?$/i.exec(name.trim());
  if (!m) throw new HarnessError("BAD_USAGE", `'${name}' is not a detector name`, `write it as id@version, e.g. ${DEFAULT_RULES}`);
  return { id: m[1].toLowerCase(), version: m[2] === undefined ? null : Number(m[2]) };
}

export function getDetector(name: string): RefusalDetector {
  const { id, version } = parseDetectorName(name);
  const sameId = DETECTORS.filter((d) => d.id === id).sort((a, b) => b.version - a.version);
  const found = version === null ? sameId[0] : BY_KEY.get(`${id}@${version}`);
  if (found) return found;
  const what = sameId.length ? `detector '${id}' has no version ${version} (versions: ${sameId.map((d) => d.version).join(", ")})` : `unknown detector '${name}'`;
  throw new HarnessError("BAD_USAGE", `${what} — ${didYouMean(name, listDetectors())}`, `use one of: ${listDetectors().join(", ")}`);
}

/**
 * The configurations leave-one-model-out chooses among for a detector: its tunable switches (rules@2: weak-cue
 * families; rules@3: its added rules and rules@2's families; rules@4: its balance thresholds). A detector with nothing to tune is its own only
 * candidate, and the held-out score is then its plain per-group score.
 */
export function tuningCandidates(name: string): { name: string; detector: RefusalDetector }[] {
  const d = getDetector(name);
  const key = `${d.id}@${d.version}`;
  if (key === "rules@2") return rulesV2FamilyCandidates();
  if (key === "rules@3") return rulesV3Candidates();
  if (key === "rules@4") return rulesV4Candidates();
  return [{ name: key, detector: d }];
}

/** How leave-one-model-out breaks ties in binary F1 for a detector: rules@4's thresholds only move full ↔ partial. */
export function tuningTieBreak(name: string): "macro-f1" | undefined {
  const d = getDetector(name);
  return d.id === "rules" && d.version === 4 ? "macro-f1" : undefined;
}
