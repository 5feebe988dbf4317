// What both renderers show, decided once: orderings, groupings and wording. HTML and Markdown then differ only
// in markup, so they cannot drift apart.
import type { LevelRate, PersonaContrast } from "../stats/types.ts";
import { fixed, interval, pct, pval } from "./format.ts";
import type { HeatRow, ReportExample, ReportInput } from "./types.ts";

/** "Refusal rate" or "Mean p(refusal)", after what the analysis modelled. */
export const measureName = (input: ReportInput): string => (input.analysis.outcome === "p_refusal" ? "Mean p(refusal)" : "Refusal rate");

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

export interface TaskHeat {
  task: string;
  personas: string[];
  models: string[];
  cells: HeatRow[];
}

/** One heatmap per task; the control persona first (the reference row), others in input order. */
export function heatByTask(input: ReportInput): TaskHeat[] {
  const control = input.analysis.control;
  const modelOrder = unique([...input.models.map((m) => m.id), ...input.heat.map((h) => h.model)]);
  return unique(input.heat.map((h) => h.task)).map((task) => {
    const cells = input.heat.filter((h) => h.task === task);
    const personas = unique(cells.map((c) => c.persona));
    const ordered = personas.includes(control) ? [control, ...personas.filter((p) => p !== control)] : personas;
    const present = new Set(cells.map((c) => c.model));
    return { task, personas: ordered, models: modelOrder.filter((m) => present.has(m)), cells };
  });
}

/** Factors shown as rate bars: the design factors first, then any other, never persona (heatmap, forest) or item. */
export function rateFactors(input: ReportInput): { factor: string; levels: LevelRate[] }[] {
  const by = input.analysis.byFactor;
  const first = ["task", "model", "paraphrase"].filter((f) => by[f]);
  const rest = Object.keys(by).filter((f) => !first.includes(f) && f !== "persona" && f !== "item").sort();
  return [...first, ...rest].map((factor) => ({ factor, levels: by[factor] }));
}

/** Most bars a rate figure holds; beyond that the levels are listed in a table only. */
export const MAX_BARS = 40;

/** Contrasts grouped by persona group (stable within a group), so related personas sit together. */
export function contrastsInOrder(input: ReportInput): PersonaContrast[] {
  const groups = unique(input.analysis.personaVsControl.map((c) => c.group));
  return groups.flatMap((g) => input.analysis.personaVsControl.filter((c) => c.group === g));
}

/**
 * The persona-contrast table. Estimate and CI share a cell and a method column is shown only when methods
 * differ, which keeps the table within a page width. `pHolmAt` is the column that marks significance.
 */
export function contrastTable(input: ReportInput) {
  const cs = contrastsInOrder(input);
  const methods = [...new Set(cs.map((c) => c.method))];
  const head = ["Persona", "Group", "n", "Rate", "Control", "Δ [95% CI]", "OR [95% CI]", "p", "p Holm", "p BH", ...(methods.length > 1 ? ["Method"] : [])];
  const rows = cs.map((c) => [
    c.persona, c.group, String(c.n), pct(c.rate), pct(c.controlRate), `${fixed(c.diff, 3)} ${interval(c.ci, 3)}`, `${fixed(c.oddsRatio, 2)} ${interval(c.orCi, 2)}`,
    pval(c.p), pval(c.pHolm), pval(c.pBH), ...(methods.length > 1 ? [c.method] : []),
  ]);
  const note = methods.length === 1 ? `Method: ${methods[0]}. ` : "";
  return { head, rows, numeric: [2, 3, 4, 5, 6, 7, 8, 9], pHolmAt: 8, significant: cs.map((c) => c.significant), note };
}

/** Sensitivity indices: each index with its CI in one cell, then the dummy's value (the noise floor). */
export function sensitivityTable(input: ReportInput) {
  const head = ["Factor", ...SENSITIVITY_PANELS.flatMap((p) => [`${p.name} [95% CI]`, "dummy"]), "Above dummy"];
  const rows = input.analysis.sensitivity.map((x) => [
    x.factor, ...SENSITIVITY_PANELS.flatMap((p) => [`${fixed(x[p.key], 3)} ${interval(x.ci[p.key], 3)}`, fixed(x.dummy[p.key], 3)]), x.aboveDummy ? "yes" : "no",
  ]);
  return { head, rows, numeric: [1, 2, 3, 4, 5, 6] };
}

const OUTCOME_ORDER = ["refusal", "partial", "answer", "invalid"];

/** Examples grouped by outcome: refusal, partial, answer, invalid, then any other outcome by name. */
export function examplesByOutcome(input: ReportInput): { outcome: string; examples: ReportExample[] }[] {
  const outcomes = unique(input.examples.map((e) => e.outcome));
  const rank = (o: string) => (OUTCOME_ORDER.includes(o) ? OUTCOME_ORDER.indexOf(o) : OUTCOME_ORDER.length);
  outcomes.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return outcomes.map((outcome) => ({ outcome, examples: input.examples.filter((e) => e.outcome === outcome) }));
}

/** Example text longer than this is cut, with the full length stated. */
export const EXAMPLE_CHARS = 2000;

export function clip(text: string, max = EXAMPLE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… cut: ${text.length.toLocaleString("en-US")} characters in all]`;
}

export const SENSITIVITY_PANELS = [
  { key: "variance", name: "Variance (first-order)" },
  { key: "delta", name: "Borgonovo δ" },
  { key: "wasserstein", name: "Wasserstein" },
] as const;

/** Header rows for the study: the required keys first, then every extra one. */
export function studyRows(input: ReportInput): [string, string][] {
  const { id, design, seed, ...rest } = input.study;
  return [["id", id], ["design", design], ["seed", String(seed)], ...Object.entries(rest).map(([k, v]) => [k, v === null ? "—" : String(v)] as [string, string])];
}

export const METHOD_NOTES = [
  "Rates carry 95% Wilson score intervals.",
  "Persona contrasts compare each persona with the control (the method column says paired or two-sample); p-values are adjusted across personas by Holm (family-wise error) and Benjamini–Hochberg (false discovery rate). Significance marks use Holm.",
  "Sensitivity indices (first-order variance share, Borgonovo's δ, Wasserstein distance) carry 95% CIs; the same index for a random dummy factor is the noise floor a real factor must clear.",
];
