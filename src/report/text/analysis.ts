// Plain-text rendering of an AnalysisResult for a terminal: every line fits WIDTH columns.
import type { AnalysisResult, Interval } from "../../stats/types.ts";

export const WIDTH = 100;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
/** Three significant digits, compact for odds ratios that span orders of magnitude. */
const sig = (x: number) => (!Number.isFinite(x) ? (x > 0 ? "inf" : String(x)) : x === 0 ? "0" : x >= 1000 || x < 0.001 ? x.toExponential(1) : x.toPrecision(3));
const iv = (c: Interval, f: (x: number) => string) => `[${f(c[0])}, ${f(c[1])}]`;
const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
const pval = (p: number) => (p < 1e-4 ? "<1e-4" : p.toFixed(4));

function clip(s: string, w: number): string {
  return s.length <= w ? s : s.slice(0, Math.max(1, w - 1)) + "…";
}

/**
 * Columns right-aligned except the first. To fit WIDTH: two-space gaps become one, then the first column
 * shrinks (with …) down to 12 characters; anything still too long is clipped.
 */
export function table(header: string[], rows: string[][], indent = "  "): string[] {
  const cols = header.length;
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  let gap = 2;
  const total = () => indent.length + widths.reduce((a, b) => a + b, 0) + gap * (cols - 1);
  if (total() > WIDTH) gap = 1;
  while (total() > WIDTH && widths[0] > 12) widths[0]--;
  const line = (r: string[]) =>
    clip(indent + r.map((c, j) => (j === 0 ? clip(c, widths[0]).padEnd(widths[0]) : c.padStart(widths[j]))).join(" ".repeat(gap)).trimEnd(), WIDTH);
  return [line(header), clip(indent + "-".repeat(total() - indent.length), WIDTH), ...rows.map(line)];
}

export function formatAnalysis(a: AnalysisResult): string {
  const out: string[] = [];
  const conf = `${Math.round(100 * (1 - (a.alpha ?? 0.05)))}%`;
  out.push(clip(`${a.n} trials; control '${a.control}'; refusal rate ${pct(a.refusalRate.estimate)} ${iv(a.refusalRate.ci, pct)} (${conf} Wilson)`, WIDTH));
  // A constant outcome (a model that never refuses is common) leaves nothing to compare: say so before the tables.
  const k = Math.round(a.refusalRate.estimate * a.n);
  if (a.n > 0 && (k === 0 || k === a.n)) {
    out.push(clip(`Note: ${k === 0 ? "no trial was a refusal" : "every trial was a refusal"}, so no factor can show an effect: tests, regression`, WIDTH),
      clip("and indices below only say how large an effect this many trials could have missed (the CIs).", WIDTH));
  }
  out.push("");

  for (const [factor, lv] of Object.entries(a.byFactor)) {
    out.push(`Refusal by ${factor}`);
    const hasP = lv.some((l) => l.meanPRefusal != null);
    out.push(...table(["level", "n", "refusals", "rate", `${conf} CI`, ...(hasP ? ["mean p"] : [])],
      lv.map((l) => [l.level, String(l.n), String(l.refusals), pct(l.rate), iv(l.ci, pct), ...(hasP ? [l.meanPRefusal == null ? "-" : num(l.meanPRefusal)] : [])])), "");
  }

  if (a.personaVsControl.length) {
    out.push(`Persona vs control (diff in percentage points; p Holm- and BH-adjusted; * = Holm p < ${a.alpha ?? 0.05})`);
    out.push(...table(["persona", "n", "rate", "control", "diff", `${conf} CI`, "OR", "OR CI", "p Holm", "p BH", ""],
      a.personaVsControl.map((c) => [c.persona, String(c.n), pct(c.rate), pct(c.controlRate), pp(c.diff), iv(c.ci, pp), sig(c.oddsRatio), iv(c.orCi, sig), pval(c.pHolm), pval(c.pBH), c.significant ? "*" : ""])));
    const methods = new Map<string, number>();
    for (const c of a.personaVsControl) { const m = c.test ? `${c.method}: ${c.test}` : c.method; methods.set(m, (methods.get(m) ?? 0) + 1); }
    for (const [m, k] of methods) out.push(clip(`  method: ${m} (${k} persona${k === 1 ? "" : "s"})`, WIDTH));
    out.push("");
  }

  const lr = a.logistic;
  out.push(clip(`Logistic regression (${lr.method}, ${lr.ciMethod} CIs${lr.converged ? "" : ", NOT converged"}, ${lr.iterations} iterations${lr.dropped?.length ? `; single-level factors left out: ${lr.dropped.join(", ")}` : ""})`, WIDTH));
  out.push(...table(["term", "coef", "se", "OR", `${conf} CI`, "p"], lr.terms.map((t) => [t.term, num(t.coef), num(t.se), sig(t.oddsRatio), iv(t.ci, sig), pval(t.p)])));
  if (lr.lrTests.length) {
    out.push("  Likelihood-ratio tests (factor dropped)");
    out.push(...table(["factor", "df", "chi2", "p", "note"], lr.lrTests.map((t) => [t.factor, String(t.df), num(t.chi2, 2), pval(t.p), t.note ?? ""]), "    "));
  }
  out.push("");

  if (a.sensitivity.length) {
    const s0 = a.sensitivity[0];
    out.push(`Sensitivity of ${a.sensitivityOutcome ?? a.outcome} to each factor (${conf} bootstrap CIs)`);
    const cell = (x: number, c: Interval) => `${num(x)} [${num(c[0])}, ${num(c[1])}]`;
    out.push(...table(["factor", "levels", "variance S", "delta", "Wasserstein", "> dummy"],
      a.sensitivity.map((s) => [s.factor, String(s.levels ?? ""), cell(s.variance, s.ci.variance), cell(s.delta, s.ci.delta), cell(s.wasserstein, s.ci.wasserstein), s.aboveDummy ? "yes" : "no"])));
    out.push(clip(`  noise floor (random dummy factor): S ${num(s0.dummy.variance)}, delta ${num(s0.dummy.delta)}, Wasserstein ${num(s0.dummy.wasserstein)}`, WIDTH), "");
  }

  out.push(...formatReplication(a), ...formatAgreement(a), ...formatCalibration(a), ...formatCoverage(a), ...formatCorrected(a, conf));
  for (const n of a.notes ?? []) out.push(clip(`note: ${n}`, WIDTH));
  return out.join("\n").trimEnd();
}

/** The paper's claims (3+ models): one line per claim with its verdict, then the significant persona × model effects. */
function formatReplication(a: AnalysisResult): string[] {
  const r = a.replication;
  if (!r) return [];
  const out = ["The paper's claims (verdict from the 95% CI: supported / contradicted / inconclusive)"];
  out.push(...wrap(`ranking [${r.ranking.verdict}]: ${r.ranking.order.join(" > ")}; ${r.ranking.factors.map((f) => `${f.factor} S ${num(f.variance, 4)} ${iv(f.ci, (x) => num(x, 4))}`).join(", ")} (bias-corrected CIs)`, "  "));
  out.push(...wrap(`trend [${r.trend.verdict}]: persona effect (mean squared persona − control difference, debiased) on base rate across ${r.trend.models.length} models, slope ${num(r.trend.slope, 4)} ${iv(r.trend.ci, (x) => num(x, 4))}`, "  "));
  out.push(...wrap(`effects [${r.effects.verdict}]: ${r.effects.significant.length} of ${r.effects.tests} persona × model effects significant (Holm over all, alpha ${r.alpha})`, "  "));
  if (r.effects.significant.length) {
    out.push(...table(["model", "persona", "diff", "95% CI", "p Holm"], r.effects.significant.map((e) => [e.model, e.persona, pp(e.diff), iv(e.ci, pp), pval(e.pHolm)]), "    "));
  }
  out.push("");
  return out;
}

function formatAgreement(a: AnalysisResult): string[] {
  const out: string[] = [];
  const m = a.agreementMatrix;
  if (m) {
    out.push(clip(`Detector agreement, refusal yes/no (above the diagonal: Cohen's kappa; below: share agreeing)`, WIDTH));
    const short = m.detectors.map((_, i) => `D${i + 1}`);
    out.push(...table(["detector", ...short], m.detectors.map((d, i) => [`D${i + 1} ${d}`, ...m.detectors.map((_, j) =>
      i === j ? "-" : i < j ? (m.kappa[i][j] == null ? "n/a" : num(m.kappa[i][j]!, 2)) : (m.agreement[i][j] == null ? "n/a" : pct(m.agreement[i][j]!)))])));
    for (const g of m.pairs) {
      const cols = [...new Set(Object.values(g.table).flatMap((r) => Object.keys(r)))];
      out.push(clip(`  ${g.detectors[0]} (rows) vs ${g.detectors[1]} (columns): n ${g.n}, kappa ${num(g.kappa, 2)}`, WIDTH));
      out.push(...table(["", ...cols], Object.entries(g.table).map(([r, v]) => [r, ...cols.map((c) => String(v[c] ?? 0))]), "    "));
    }
    out.push("");
  } else if (a.agreement) {
    const g = a.agreement;
    const cols = [...new Set(Object.values(g.table).flatMap((r) => Object.keys(r)))];
    out.push(clip(`Detector agreement: ${g.detectors[0]} (rows) vs ${g.detectors[1]} (columns); Cohen's kappa ${num(g.kappa, 2)}`, WIDTH));
    out.push(...table(["", ...cols], Object.entries(g.table).map(([r, v]) => [r, ...cols.map((c) => String(v[c] ?? 0))])), "");
  }
  return out;
}

function formatCalibration(a: AnalysisResult): string[] {
  const c = a.calibration;
  if (!c) return [];
  const out = [clip(`First-token calibration: p_refusal vs the generated outcome${c.outcomeDetector ? ` (${c.outcomeDetector})` : ""}, ${c.n} trials`, WIDTH)];
  out.push(...table(["p_refusal bin", "n", "mean p", "refusals", "observed", "95% CI", "mean p in CI"],
    c.bins.map((b) => [`[${b.lo.toFixed(1)}, ${b.hi.toFixed(1)}${b.hi >= 1 ? "]" : ")"}`, String(b.n), num(b.meanP), String(b.refusals), num(b.rate), iv(b.ci, (x) => num(x)), b.withinCi ? "yes" : "NO"])));
  out.push(clip(`  Brier ${num(c.brier, 4)}, ECE ${num(c.ece)}; refusals observed ${c.inTheLarge.observed} vs expected ${num(c.inTheLarge.expected, 1)} (z ${num(c.inTheLarge.z, 2)}, p ${pval(c.inTheLarge.p)})`, WIDTH));
  out.push(clip(`  rule ${c.rule.rule}: agrees with the generated outcome in ${pct(c.rule.agreement)} (${c.rule.mismatches} differ)`, WIDTH));
  out.push(...wrap(`verdict (${c.verdict}): ${c.verdictText}`, "  "), "");
  return out;
}

function formatCoverage(a: AnalysisResult): string[] {
  const c = a.coverage;
  if (!c) return [];
  const out = [clip(`First-token coverage: watched mass (refusal + label first tokens) per model × task, threshold ${c.threshold}`, WIDTH)];
  out.push(...table(["model", "task", "n", "median", `below ${c.threshold}`, ""],
    c.cells.map((x) => [x.model, x.task, String(x.n), x.median === null ? "-" : num(x.median), x.shareBelow === null ? "-" : pct(x.shareBelow), x.low ? "LOW" : ""])));
  if (c.warning) out.push(...wrap(`warning: ${c.warning}`, "  "));
  out.push("");
  return out;
}

function formatCorrected(a: AnalysisResult, conf: string): string[] {
  const c = a.corrected;
  if (!c) return [];
  const out = [clip(`Corrected for detector error (Rogan–Gladen)${c.detector ? ` — ${c.detector}` : ""}: Se ${num(c.sensitivity.value)} (${c.sensitivity.tp}/${c.sensitivity.tp + c.sensitivity.fn}), Sp ${num(c.specificity.value)} (${c.specificity.tn}/${c.specificity.tn + c.specificity.fp})`, WIDTH)];
  out.push(...wrap(`${conf} percentile CIs from ${c.bootstrap} draws of Se, Sp (Jeffreys beta) and the trials (${c.resampling}); * = estimate clipped to [0, 1]`, "  "));
  const row = (r: (typeof c.byFactor)[string][number], name: string) => [name, String(r.n), pct(r.observed), `${pct(r.corrected)}${r.clipped ? "*" : ""}`, iv(r.ci, pct)];
  out.push(...table(["level", "n", "observed", "corrected", `${conf} CI`], [row(c.overall, "all trials")]));
  for (const [factor, lv] of Object.entries(c.byFactor)) {
    if (lv.length < 2) continue;
    out.push(`  by ${factor}`);
    out.push(...table(["level", "n", "observed", "corrected", `${conf} CI`], lv.map((r) => row(r, r.level)), "    "));
  }
  if (c.personaVsControl.length) {
    out.push("  persona vs control, corrected (diff in percentage points; CI joint over the same draws)");
    out.push(...table(["persona", "rate", "control", "diff", `${conf} CI`], c.personaVsControl.map((d) => [d.persona, pct(d.rate), pct(d.controlRate), pp(d.diff), iv(d.ci, pp)]), "    "));
  }
  out.push("");
  return out;
}

/** Word-wraps a sentence to WIDTH with an indent. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const w of text.split(" ")) {
    if (line.length + w.length + 1 > WIDTH && line.trim()) { lines.push(line.trimEnd()); line = indent; }
    line += (line.trim() ? " " : "") + w;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}
