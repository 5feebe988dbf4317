// What later stages need from the study, as stored with each run: the sampling design (settings.sampling, since
// issue 12). Reports and the sequential trace read it here instead of re-parsing the stored study text.
import YAML from "yaml";
import type { Db } from "./db.ts";
import type { Study } from "../spec/study.ts";

export type Sampling = Study["sampling"];

/** The sampling design as run (overrides such as `--seed` applied), as far as the store knows it. */
export interface StoredSampling {
  /** "unknown" when the store cannot tell. */
  design: string;
  seed: number;
  /** Sequential design only. */
  cellsPerRound?: number;
  targetHalfWidth?: number;
  maxTrials?: number;
}

/** The last run's sampling design; null when the store has no run. */
export function lastSampling(db: Db): StoredSampling | null {
  const last = db.prepare(`SELECT settings, study_text FROM runs ORDER BY run_id DESC LIMIT 1`).get() as { settings: string; study_text: string } | undefined;
  if (!last) return null;
  const stored = (JSON.parse(last.settings) as { sampling?: Sampling }).sampling;
  return stored ? { ...stored } : fromStudyText(last.study_text);
}

/**
 * Stores written before issue 12 did not record the design: read it from the stored study text, as those versions
 * did (design "unknown" and seed 0 when absent; the text was validated when stored, so a parse failure only loses
 * the detail). Only old rows take this path.
 */
function fromStudyText(text: string): StoredSampling {
  let s: Record<string, unknown> | undefined;
  try {
    s = (YAML.parse(String(text ?? "")) as { sampling?: Record<string, unknown> } | null)?.sampling;
  } catch { s = undefined; }
  const num = (k: string) => (typeof s?.[k] === "number" ? (s[k] as number) : undefined);
  return {
    design: typeof s?.design === "string" ? s.design : "unknown", seed: num("seed") ?? 0,
    ...(s?.design === "sequential" ? { cellsPerRound: num("cellsPerRound"), targetHalfWidth: num("targetHalfWidth"), maxTrials: num("maxTrials") } : {}),
  };
}

/**
 * The detector the last run decided with (its first: the sequential stopping rule reads it), from
 * settings.detectors (stored since the first release); null when the store has no run.
 */
export function lastRunDetector(db: Db): string | null {
  const settings = db.prepare(`SELECT settings FROM runs ORDER BY run_id DESC LIMIT 1`).pluck().get() as string | undefined;
  if (settings === undefined) return null;
  const detectors = (JSON.parse(settings) as { detectors?: unknown }).detectors;
  return Array.isArray(detectors) && typeof detectors[0] === "string" ? detectors[0] : null;
}

/** first-token@2's coverage floor as the last run's study set it (firstToken.minWatchedMass); null when unset. */
export function lastMinWatchedMass(db: Db): number | null {
  const text = db.prepare(`SELECT study_text FROM runs ORDER BY run_id DESC LIMIT 1`).pluck().get() as string | undefined;
  if (text === undefined) return null;
  try {
    const v = (YAML.parse(String(text)) as { firstToken?: { minWatchedMass?: unknown } } | null)?.firstToken?.minWatchedMass;
    return typeof v === "number" && v >= 0 && v <= 1 ? v : null;
  } catch {
    return null;
  }
}
