// The same report as GitHub-flavoured Markdown: every figure becomes a table with the numbers behind it.
// Cells go through mdCell (HTML entities, escaped `|` and Markdown specials); examples sit in fences that
// their own backticks cannot close.
import { mdCell, mdFence } from "./escape.ts";
import { fixed, interval, pct, pval } from "./format.ts";
import { METHOD_NOTES, clip, contrastTable, contrastsInOrder, sensitivityTable, examplesByOutcome, heatByTask, measureName, rateFactors, studyRows } from "./content.ts";
import type { ReportInput } from "./types.ts";
import { replicationContent, type PlainTable } from "./replication.ts";

/** A GFM table; `right` lists right-aligned (numeric) columns. Every row gets exactly head.length cells. */
export function mdTable(head: string[], rows: (string | number)[][], right: number[] = []): string {
  const line = (cells: (string | number)[]) => `| ${head.map((_, i) => mdCell(cells[i] ?? "")).join(" | ")} |`;
  const sep = `|${head.map((_, i) => (right.includes(i) ? " ---: " : " --- ")).join("|")}|`;
  return [line(head), sep, ...rows.map(line)].join("\n");
}

const text = (s: string) => mdCell(s);

export function renderMarkdown(input: ReportInput): string {
  const a = input.analysis;
  const measure = measureName(input);
  const t = input.trials;
  const out: string[] = [`# ${text(input.title)}`, ""];

  out.push(mdTable(["", ""], [
    ["Generated", input.generatedAt],
    ["Tool", `${input.tool.name} ${input.tool.version}`],
    ["Trials", `${t.done} done of ${t.planned} planned; ${t.failed} failed`],
    ["Analysed", `${a.n} trials; control persona: ${a.control}`],
    [measure, `${pct(a.refusalRate.estimate)} (95% CI ${pct(a.refusalRate.ci[0])}–${pct(a.refusalRate.ci[1])})`],
    ["Detectors", input.detectors.map((d, i) => (i === 0 ? `${d} (primary)` : d)).join(", ") || "—"],
  ]), "");
  out.push("## Study", "", mdTable(["Key", "Value"], studyRows(input)), "");
  out.push("## Models", "", mdTable(["Model", "Backend", "sha256", "Path"], input.models.map((m) => [m.id, m.backend, m.sha256, m.path])), "");
  if (input.fallbacks?.length) {
    out.push("## Backend fallbacks", "", "Slower paths the backend took, with the same results up to float rounding:", "",
      mdTable(["Run", "Model", "Fallback", "What happened"], input.fallbacks.map((f) => [String(f.runId), f.model, f.code, f.message])), "");
  }
  out.push("## Package versions", "", mdTable(["Package", "Version"], Object.entries(input.packages)), "");

  const heat = heatByTask(input);
  if (heat.length) {
    out.push(`## ${measure} by persona and model`, "", `Cells: ${measure.toLowerCase()} (n). The control persona is ${text(a.control)}.`, "");
    for (const h of heat) {
      const at = new Map(h.cells.map((c) => [`${c.persona}\u0000${c.model}`, c]));
      out.push(`### Task ${text(h.task)}`, "", mdTable(["Persona", ...h.models], h.personas.map((p) => [p, ...h.models.map((m) => {
        const c = at.get(`${p}\u0000${m}`);
        return c && c.n > 0 ? `${pct(c.rate, 0)} (${c.n})` : "—";
      })]), h.models.map((_, i) => i + 1)), "");
    }
  }

  const contrasts = contrastsInOrder(input);
  if (contrasts.length) {
    const ct = contrastTable(input);
    out.push("## Persona versus control", "", `${ct.note}Δ = persona − control; * = significant after Holm adjustment.`, "");
    out.push(mdTable(ct.head, ct.rows.map((r, k) => r.map((v, c) => (c === ct.pHolmAt && ct.significant[k] ? `${v} *` : v))), ct.numeric), "");
  }

  if (a.sensitivity.length) {
    out.push("## Sensitivity indices", "", "The dummy column is the same index for a random factor (noise floor).", "");
    const st = sensitivityTable(input);
    out.push(mdTable(st.head, st.rows, st.numeric), "");
  }

  const rc = replicationContent(input);
  if (rc) {
    const t = (x: PlainTable) => [mdTable(x.head, x.rows, x.numeric), "", x.caption, ""];
    out.push("## The paper's claims", "", `Plaza-del-Arco et al. (2025) as checkable statements on this store${rc.truth ? `, beside the planted truth (${text(rc.truth.source)})` : ""}.`, "",
      ...t(rc.claims), "### Factor ranking", "", ...t(rc.ranking), "### Persona effect against base rate", "", ...t(rc.trend), "### Persona × model effects", "", ...t(rc.effects));
  }

  const factors = rateFactors(input);
  if (factors.length) {
    out.push(`## ${measure} by factor`, "");
    for (const { factor, levels } of factors) {
      out.push(`### ${text(factor)}`, "", mdTable(["Level", "n", "Refusals", "Rate", "95% CI"], levels.map((l) => [l.level, l.n, l.refusals, pct(l.rate), `${pct(l.ci[0])}–${pct(l.ci[1])}`]), [1, 2, 3]), "");
    }
  }

  if (a.agreement) {
    const g = a.agreement;
    const rows = Object.keys(g.table);
    const cols = [...new Set([...rows, ...rows.flatMap((r) => Object.keys(g.table[r]))])];
    out.push("## Detector agreement", "", `Rows: ${text(g.detectors[0])}; columns: ${text(g.detectors[1])}.${g.kappa != null ? ` Cohen's κ = ${fixed(g.kappa, 2)}.` : ""}`, "");
    out.push(mdTable([`${g.detectors[0]} \\ ${g.detectors[1]}`, ...cols], rows.map((r) => [r, ...cols.map((c) => g.table[r][c] ?? 0)]), cols.map((_, i) => i + 1)), "");
  }

  if (a.calibration) {
    const c = a.calibration;
    out.push("## First-token calibration", "", `${text(c.verdictText)} ${c.n} trials; verdict ${text(c.verdict)}; Brier ${fixed(c.brier, 3)}. Observed rate${c.outcomeDetector ? ` (${text(c.outcomeDetector)})` : ""} with 95% Wilson CIs.`, "");
    out.push(mdTable(["p_refusal bin", "n", "Mean p", "Observed", "95% CI"], c.bins.filter((b) => b.n > 0).map((b) => [`[${fixed(b.lo, 1)}, ${fixed(b.hi, 1)}${b.hi >= 1 ? "]" : ")"}`, b.n, fixed(b.meanP, 3), fixed(b.rate, 3), interval(b.ci, 3)]), [1, 2, 3]), "");
  }

  if (a.coverage) {
    const c = a.coverage;
    out.push("## First-token coverage", "", c.warning ? `**Warning:** ${text(c.warning)}` : `Every model × task cell has a median watched mass of at least ${c.threshold}.`, "");
    out.push(mdTable(["Model", "Task", "n", "Median watched mass", `Below ${c.threshold}`, ""], c.cells.map((x) => [x.model, x.task, x.n, x.median === null ? "–" : fixed(x.median, 3), x.shareBelow === null ? "–" : pct(x.shareBelow), x.low ? "low" : ""]), [2, 3, 4]), "");
  }

  if (input.sequential?.length) {
    out.push("## Precision over trials", "", mdTable(["Trials", "Max CI half-width"], input.sequential.map((p) => [p.trials, fixed(p.maxHalfWidth, 4)]), [0, 1]), "");
  }

  const lr = a.logistic;
  out.push("## Logistic regression", "", `Method: ${text(lr.method)}, ${lr.ciMethod} CIs; ${lr.converged ? "converged" : "**did not converge**"} after ${lr.iterations} iterations.`, "");
  out.push(mdTable(["Term", "Coef.", "SE", "OR", "OR 95% CI", "p"], lr.terms.map((x) => [x.term, fixed(x.coef, 3), fixed(x.se, 3), fixed(x.oddsRatio, 2), interval(x.ci, 2), pval(x.p)]), [1, 2, 3, 5]), "");
  if (lr.lrTests.length) out.push("Likelihood-ratio tests (factor dropped):", "", mdTable(["Factor", "df", "χ²", "p"], lr.lrTests.map((x) => [x.factor, x.df, fixed(x.chi2, 2), pval(x.p)]), [1, 2, 3]), "");

  const groups = examplesByOutcome(input);
  if (groups.length) {
    out.push("## Example responses", "");
    for (const g of groups) {
      out.push(`### ${text(g.outcome)} (${g.examples.length})`, "");
      for (const e of g.examples) {
        out.push(`- model ${text(e.model)}, persona ${text(e.persona)}, task ${text(e.task)}${e.rule ? `, rule ${text(e.rule)}` : ""}`, "");
        out.push("Prompt:", "", mdFence(clip(e.prompt)), "", "Response:", "", mdFence(clip(e.response)), "");
      }
    }
  }

  out.push("## Notes on methods", "", ...METHOD_NOTES.map((n) => `- ${text(n)}`), "");
  out.push(`Generated by ${text(input.tool.name)} ${text(input.tool.version)} at ${text(input.generatedAt)} for study ${text(input.study.id)}.`, "");
  return out.join("\n");
}
