// What `frh demo` prints, as numbers: per planted model and persona, the measured refusal rate with its 95% CI
// and Holm-adjusted test against the control, beside the planted probability and the first-token p_refusal.
import type { Db } from "../store/db.ts";
import { finishedTrials } from "../store/trials.ts";
import { analysisRows, type StoredRow } from "../store/analysis-rows.ts";
import { analyze } from "../stats/analyze.ts";
import { explainPrompt, type Law } from "../plant/index.ts";
import type { Interval } from "../stats/types.ts";

export interface DemoPersona {
  persona: string;
  n: number;
  /** Mean planted refusal probability over the persona's prompts (the truth the measurement should find). */
  planted: number;
  /** Mean first-token p_refusal (NaN when none recorded). */
  firstToken: number;
  rate: number;
  ci: Interval;
  /** Versus the control; absent for the control itself. */
  vsControl?: { diff: number; significant: boolean; pHolm: number };
}

export interface DemoModelSummary {
  model: string;
  law: Law;
  /** Sorted by planted probability, highest first. */
  personas: DemoPersona[];
}

export interface DemoSummary {
  trials: number;
  detector: string;
  models: DemoModelSummary[];
  /** Trials where first-token@1's rule (p_refusal > 0.5) agrees with the detector. */
  agree: number;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export function demoSummary(db: Db, models: readonly { id: string; law: Law }[], detector: string): DemoSummary {
  const rows = analysisRows(db, detector);
  // the planted truth of each trial needs its prompt text, which analysis rows do not carry
  const prompts = new Map(finishedTrials(db, detector).map((t) => [t.trial_id, t.prompt]));
  const agree = rows.filter((t) => t.pRefusal !== null && (t.pRefusal > 0.5) === (t.refusal === 1)).length;
  return { trials: rows.length, detector, agree, models: models.filter((m) => rows.some((t) => t.model === m.id)).map((m) => modelSummary(m.id, m.law, rows.filter((t) => t.model === m.id), prompts)) };
}

function modelSummary(model: string, law: Law, rows: StoredRow[], prompts: Map<string, string>): DemoModelSummary {
  const a = analyze(rows, { control: "control", outcome: "refusal", bootstrap: 100, seed: 1 });
  const planted = new Map<string, number[]>();
  for (const t of rows) planted.set(t.persona, [...(planted.get(t.persona) ?? []), explainPrompt(law, prompts.get(t.trialId)!).probability]);
  const rates = new Map(a.byFactor.persona.map((r) => [r.level, r]));
  const contrasts = new Map(a.personaVsControl.map((c) => [c.persona, c]));
  const firstToken = (persona: string) => mean(rows.filter((t) => t.persona === persona && t.pRefusal !== null).map((t) => t.pRefusal!));
  const personas = [...planted].sort((x, y) => mean(y[1]) - mean(x[1])).map(([persona, ps]): DemoPersona => {
    const r = rates.get(persona)!;
    const c = contrasts.get(persona);
    return { persona, n: r.n, planted: mean(ps), firstToken: firstToken(persona), rate: r.rate, ci: r.ci, ...(c ? { vsControl: { diff: c.diff, significant: c.significant, pHolm: c.pHolm } } : {}) };
  });
  return { model, law, personas };
}
