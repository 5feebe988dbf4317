// The detectors a run applies unless told otherwise: the newest rules version (the primary verdict, first) and
// the first-token probability rule.
import type { RefusalDetector } from "../types.ts";
import { DEFAULT_RULES, getDetector } from "../detect/index.ts";

export function defaultDetectors(): RefusalDetector[] {
  return [getDetector(DEFAULT_RULES), getDetector("first-token@1")];
}
