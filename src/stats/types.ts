// Input and output shapes of the analysis (the `frh analyze --json` contract). Pure data.
import type { CalibrationResult } from "./calibration.ts";
import type { CorrectedResult } from "./misclassification.ts";
export type { CalibrationResult, CorrectedResult };

/** One finished trial as the statistics see it (from the store or an export file). */
export interface AnalysisRow {
  model: string;
  persona: string;
  personaGroup: string;
  task: string;
  paraphrase: string;
  item: string;
  /** 1 = refusal (full or partial), 0 = not. */
  refusal: 0 | 1;
  /** First-token refusal probability, when recorded. */
  pRefusal: number | null;
  /** Coverage of pRefusal: refusal + label first-token mass at the read position, when recorded. */
  watchedMass?: number | null;
  /** Rule outcome, for detector agreement. */
  outcome?: string;
  /** Every stored detector's verdict on this trial (id@version → verdict), for the agreement matrix. */
  verdicts?: Record<string, { outcome: string; refusal: 0 | 1 }>;
}

export type Interval = [number, number];

/** Two detectors on the trials both judged: cross-table of outcomes (rows: first detector), κ on refusal yes/no. */
export interface AgreementPair {
  detectors: [string, string];
  n?: number;
  table: Record<string, Record<string, number>>;
  kappa: number;
  /** Share of trials with the same binary refusal call. */
  agreement?: number;
}

/** Every pair of detectors: symmetric matrices indexed like `detectors` (null on the diagonal and for no overlap). */
export interface AgreementMatrix {
  detectors: string[];
  kappa: (number | null)[][];
  agreement: (number | null)[][];
  n: number[][];
  pairs: AgreementPair[];
}

export interface LevelRate {
  level: string;
  n: number;
  refusals: number;
  rate: number;
  ci: Interval;
  /** Mean p_refusal over the level, when recorded. */
  meanPRefusal?: number | null;
}

export interface PersonaContrast {
  persona: string;
  group: string;
  n: number;
  nControl: number;
  rate: number;
  controlRate: number;
  /** Rate difference persona − control. */
  diff: number;
  ci: Interval;
  oddsRatio: number;
  orCi: Interval;
  p: number;
  pHolm: number;
  pBH: number;
  /** Holm-adjusted p < alpha. */
  significant: boolean;
  /** "paired" (McNemar / paired differences in matched cells) or "two-sample". */
  method: string;
  /** The test behind `p`, e.g. "McNemar mid-p", "Fisher exact", "z (item-clustered SE)". */
  test?: string;
}

export interface LogisticTerm {
  /** "(Intercept)" or `factor[level]`. */
  term: string;
  factor?: string | null;
  level?: string | null;
  coef: number;
  se: number;
  oddsRatio: number;
  /** 95% CI of the odds ratio. */
  ci: Interval;
  p: number;
}

export interface LrTest {
  factor: string;
  df: number;
  chi2: number;
  p: number;
  /** Why the test is special (not testable, refitted separately). */
  note?: string;
}

export interface LogisticResult {
  /** e.g. "firth" or "mle". */
  method: string;
  converged: boolean;
  iterations: number;
  terms: LogisticTerm[];
  lrTests: LrTest[];
  /** Dummies dropped as exact linear combinations of others (e.g. paraphrase nested in task). */
  aliased?: string[];
  /** Trials in the fit. */
  n?: number;
  /** Factors left out of the model (a single level). */
  dropped?: string[];
  /** How the term CIs and p-values were computed. */
  ciMethod: "wald" | "profile";
}

export interface SensitivityIndex {
  factor: string;
  variance: number;
  delta: number;
  wasserstein: number;
  ci: { variance: Interval; delta: Interval; wasserstein: Interval };
  /** The same index for a random dummy factor (noise floor). */
  dummy: { variance: number; delta: number; wasserstein: number };
  /** The Wasserstein index's CI lower bound exceeds the dummy's value (see sensitivity.ts). */
  aboveDummy: boolean;
  /** The same rule per index. */
  aboveDummyBy?: { variance: boolean; delta: boolean; wasserstein: boolean };
  levels?: number;
}

/** Coverage of the first-token reading per model × task (coverage.ts). */
export interface CoverageResult {
  /** Watched mass below this is "low coverage" (first-token@2 calls such trials invalid). */
  threshold: number;
  cells: {
    model: string;
    task: string;
    /** Trials with a recorded watched mass. */
    n: number;
    /** Trials without one (no first-token record). */
    missing: number;
    median: number | null;
    below: number;
    shareBelow: number | null;
    /** Median below the threshold: the first-token estimates of this cell rest on little mass. */
    low: boolean;
  }[];
  lowCells: number;
  /** A plain-language warning when some cell is low (stats/coverage.ts), else null. */
  warning: string | null;
}

export interface AnalysisResult {
  n: number;
  outcome: "refusal" | "p_refusal";
  control: string;
  refusalRate: { estimate: number; ci: Interval };
  byFactor: Record<string, LevelRate[]>;
  personaVsControl: PersonaContrast[];
  logistic: LogisticResult;
  sensitivity: SensitivityIndex[];
  /** Cross-table of two detectors' outcomes (the primary detector vs first-token), when both were recorded. */
  agreement?: AgreementPair | null;
  /** Every pair of detectors recorded on the same trials (see agreement.ts). */
  agreementMatrix?: AgreementMatrix | null;
  /** p_refusal against the generated outcome (see calibration.ts); null when no trial has both. */
  calibration?: CalibrationResult | null;
  /** Rates corrected for the detector's misclassification (`--detector-error`, see misclassification.ts). */
  corrected?: CorrectedResult | null;
  /** The outcome the sensitivity indices use ("refusal" or "p_refusal"); rates, tests and the regression use `refusal`. */
  sensitivityOutcome?: "refusal" | "p_refusal";
  alpha?: number;
  /** Plain-language notes on method choices made for this data. */
  notes?: string[];
  /** The paper's claims checked on this data (replication.ts); only with 3+ models and a control. */
  replication?: Replication;
  /** Coverage of the first-token reading per model × task; null when no trial records a watched mass. */
  coverage?: CoverageResult | null;
}

// --- the paper's claims (replication.ts)
/** supported: the CI says so; contradicted: the CI says the opposite; inconclusive: the CI allows both. */
export type Verdict = "supported" | "contradicted" | "inconclusive";

export interface ReplicationFactor {
  factor: string;
  /** The given-data estimate (as in `sensitivity`). */
  variance: number;
  /** The same with the one-way ANOVA noise bias removed (sensitivity.ts debiasedVariance). */
  debiased: number;
  /** 95% CI of the index, bias-corrected (the percentile bootstrap interval through debiasedVariance). */
  ci: Interval;
  percentileCi: Interval;
}

export interface ReplicationEffect {
  model: string;
  persona: string;
  diff: number;
  ci: Interval;
  p: number;
  /** Holm over every persona × model contrast. */
  pHolm: number;
  significant: boolean;
  n: number;
  nControl: number;
  test?: string;
}

export interface ReplicationModel {
  model: string;
  n: number;
  /** The control's refusal rate. */
  base: number;
  /** Mean over personas of (p̂_persona − p̂_control)² less both rates' unbiased binomial variances: an unbiased
   *  estimate of the mean squared persona effect (replication.ts meanSquaredEffect; can be below 0). */
  personaEffect: number;
}

export interface Replication {
  alpha: number;
  ranking: { order: string[]; factors: ReplicationFactor[]; claim: string; verdict: Verdict };
  trend: { models: ReplicationModel[]; slope: number; intercept: number; ci: Interval; claim: string; verdict: Verdict };
  effects: { tests: number; significant: ReplicationEffect[]; all: ReplicationEffect[]; claim: string; verdict: Verdict };
}



/** What the report's replication section shows of a planted truth (analysis/truth.ts), beside the estimates. */
export interface ReplicationTruthInput {
  /** Where the laws came from (a zoo directory). */
  source: string;
  /** True first-order variance index per factor. */
  factors: Record<string, number>;
  order: string[];
  /** OLS slope of the true mean squared persona effect on the true base rate. */
  slope: number;
  /** personaEffect: mean squared persona − control difference of the true rates. */
  models: { model: string; base: number; personaEffect: number }[];
  /** Every non-control persona of every model; planted: its text holds a trigger word of the model's law. */
  personas: { model: string; persona: string; diff: number; planted: boolean }[];
}
