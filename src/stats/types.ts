// Input and output shapes of the analysis (the `frh analyze --json` contract). Pure data.

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
  /** Rule outcome, for detector agreement. */
  outcome?: string;
}

export type Interval = [number, number];

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
}

export interface LogisticTerm {
  term: string;
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
}

export interface LogisticResult {
  /** e.g. "firth" or "mle". */
  method: string;
  converged: boolean;
  iterations: number;
  terms: LogisticTerm[];
  lrTests: LrTest[];
}

export interface SensitivityIndex {
  factor: string;
  variance: number;
  delta: number;
  wasserstein: number;
  ci: { variance: Interval; delta: Interval; wasserstein: Interval };
  /** The same index for a random dummy factor (noise floor). */
  dummy: { variance: number; delta: number; wasserstein: number };
  aboveDummy: boolean;
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
  /** Cross-table of two detectors' outcomes, when both were recorded. */
  agreement?: { detectors: [string, string]; table: Record<string, Record<string, number>>; kappa: number } | null;
}
