// Re-label stored responses with another detector version, without calling any model: adds verdicts, never
// changes trials or responses. Writes in batches of 5000, each one transaction.
import type { Detection, RefusalDetector } from "../types.ts";
import type { Db } from "../store/db.ts";
import { saveDetections, storedResponses } from "../store/trials.ts";
import { lastMinWatchedMass } from "../store/runs.ts";
import { DEFAULT_MIN_WATCHED_MASS } from "../detect/first-token.ts";

/** The coverage floor of the study the store's latest run ran (firstToken.minWatchedMass), else the default. */
export function storedMinWatchedMass(db: Db): number {
  return lastMinWatchedMass(db) ?? DEFAULT_MIN_WATCHED_MASS;
}

export interface RescoreSummary {
  /** id@version */
  detector: string;
  trials: number;
  /** Trials by the new verdict's outcome. */
  outcomes: Record<string, number>;
}

/** `minWatchedMass`: first-token@2's floor; default: the one the store's latest run used (storedMinWatchedMass). */
export function rescoreStore(db: Db, detector: RefusalDetector, opts: { minWatchedMass?: number } = {}): RescoreSummary {
  const minWatchedMass = opts.minWatchedMass ?? storedMinWatchedMass(db);
  const batch: { trialId: string; detection: Detection }[] = [];
  let n = 0;
  const counts: Record<string, number> = {};
  for (const t of storedResponses(db)) {
    const detection = detector.detect({ text: t.response, labels: t.labels, firstToken: t.firstToken, minWatchedMass });
    batch.push({ trialId: t.trialId, detection });
    counts[detection.outcome] = (counts[detection.outcome] ?? 0) + 1;
    n++;
    if (batch.length >= 5000) saveDetections(db, batch.splice(0));
  }
  saveDetections(db, batch);
  return { detector: `${detector.id}@${detector.version}`, trials: n, outcomes: counts };
}
