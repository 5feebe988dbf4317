// One self-contained HTML page: inline CSS and SVG, no scripts, no external requests (a CSP meta tag forbids
// them, so even a missed escape could neither run code nor fetch anything). Readable on screen and on paper.
import { esc } from "./escape.ts";
import { fixed, interval, pct, pval } from "./format.ts";
import {
  MAX_BARS, METHOD_NOTES, SENSITIVITY_PANELS, clip, contrastTable, contrastsInOrder, sensitivityTable, examplesByOutcome, heatByTask, measureName, rateFactors, studyRows,
} from "./content.ts";
import { agreementTable, barChartWithCi, forestPlot, heatmap, linePlot, rateBars, reliabilityPlot } from "./svg.ts";
import type { ReportInput } from "./types.ts";
import { CSS } from "./style.ts";
import { replicationContent, type PlainTable } from "./replication.ts";

type Cell = string | number | { html: string };
const cell = (c: Cell) => (typeof c === "object" ? c.html : esc(c));
const code = (s: string) => ({ html: `<code>${esc(s)}</code>` });

/** A table; numeric columns (by index) are right-aligned. */
function table(head: string[], rows: Cell[][], numeric: number[] = [], caption?: string): string {
  const th = head.map((h, i) => `<th scope="col"${numeric.includes(i) ? ` class="num"` : ""}>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ` class="num"` : ""}>${cell(c)}</td>`).join("")}</tr>`).join("\n");
  // Wide tables scroll inside their own box on narrow screens instead of widening the page.
  return `<div class="scroll"><table>${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${th}</tr></thead>\n<tbody>\n${tr}\n</tbody></table></div>`;
}

/** A two-column key/value table: keys are row headers, no empty header row. */
function kv(rows: [string, Cell][], caption?: string): string {
  const tr = rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${cell(v)}</td></tr>`).join("\n");
  return `<table class="kv">${caption ? `<caption>${esc(caption)}</caption>` : ""}<tbody>\n${tr}\n</tbody></table>`;
}

const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
const section = (id: string, title: string, body: string) => `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;

function header(input: ReportInput): string {
  const t = input.trials;
  const failShare = t.done + t.failed > 0 ? t.failed / (t.done + t.failed) : 0;
  const a = input.analysis;
  const facts = kv([
    ["Generated", input.generatedAt],
    ["Tool", `${input.tool.name} ${input.tool.version}`],
    ["Trials", `${t.done.toLocaleString("en-US")} done of ${t.planned.toLocaleString("en-US")} planned; ${t.failed.toLocaleString("en-US")} failed (${pct(failShare)})`],
    ["Analysed", `${a.n.toLocaleString("en-US")} trials; control persona: ${a.control}`],
    [measureName(input), { html: `<strong>${esc(pct(a.refusalRate.estimate))}</strong> (95% CI ${esc(pct(a.refusalRate.ci[0]))}–${esc(pct(a.refusalRate.ci[1]))})` }],
    ["Detectors", { html: input.detectors.map((d, i) => `<code>${esc(d)}</code>${i === 0 ? " (primary)" : ""}`).join(", ") || "—" }],
  ]);
  const study = kv(studyRows(input).map(([k, v]) => [k, code(v)]), "Study");
  const models = table(["Model", "Backend", "sha256", "Path"], input.models.map((m) => [m.id, m.backend, { html: `<code class="hash">${esc(m.sha256)}</code>` }, { html: `<code class="path">${esc(m.path)}</code>` }]));
  const pkgs = table(["Package", "Version"], Object.entries(input.packages).map(([k, v]) => [code(k), v]));
  const fallbacks = input.fallbacks?.length
    ? `\n<p><strong>Backend fallbacks</strong> (slower paths with the same results up to float rounding):</p>\n` +
      table(["Run", "Model", "Fallback", "What happened"], input.fallbacks.map((f) => [`#${f.runId}`, f.model, code(f.code), f.message]))
    : "";
  return `<header><h1>${esc(input.title)}</h1>
<div class="facts">${facts}${study}</div>
${models}${fallbacks}
<details open><summary>Package versions</summary>${pkgs}</details></header>`;
}

function toc(ids: [string, string][]): string {
  return `<nav aria-label="Contents"><ol>${ids.map(([id, t]) => `<li><a href="#${esc(id)}">${esc(t)}</a></li>`).join("")}</ol></nav>`;
}

export function renderHtml(input: ReportInput): string {
  const a = input.analysis;
  const measure = measureName(input);
  const sections: [string, string, string][] = [];

  const heat = heatByTask(input);
  if (heat.length) {
    sections.push(["heatmaps", `${measure} by persona and model`, heat.map((h) => figure(
      heatmap({ title: `${measure} — task ${h.task}`, rows: h.personas, cols: h.models, cells: h.cells.map((c) => ({ row: c.persona, col: c.model, n: c.n, refusals: c.refusals, rate: c.rate })), valueLabel: measure, emphasize: [a.control] }),
      `Task ${h.task}: each cell is one persona × model; the number is the ${measure.toLowerCase()} and n the trials in the cell. The control row (${a.control}) is the reference.`,
    )).join("\n")]);
  }

  const contrasts = contrastsInOrder(input);
  if (contrasts.length) {
    const forest = forestPlot({
      title: `Persona − control (${a.control}): difference in ${measure.toLowerCase()}`, scale: "difference", xTitle: `Difference in ${measure.toLowerCase()} (persona − control)`, adjustment: "Holm",
      rows: contrasts.map((c) => ({ label: c.persona, group: c.group, estimate: c.diff, ci: c.ci, significant: c.significant, pAdjusted: c.pHolm })),
    });
    const ct = contrastTable(input);
    const tab = table(ct.head, ct.rows.map((r, i) => r.map((v, j) => (j === ct.pHolmAt && ct.significant[i] ? { html: `<strong>${esc(v)} *</strong>` } : v))), ct.numeric,
      `${ct.note}Δ = persona − control; * = significant after Holm adjustment.`);
    sections.push(["contrasts", "Persona versus control", figure(forest, "Markers are differences with 95% CIs; filled markers and * are significant after Holm adjustment. The dashed line is no difference.") + tab]);
  }

  if (a.sensitivity.length) {
    const s = a.sensitivity;
    const chart = barChartWithCi({
      title: "Sensitivity of refusal to each factor", categories: s.map((x) => x.factor), marked: s.map((x) => x.aboveDummy),
      panels: SENSITIVITY_PANELS.map((p) => ({ name: p.name, values: s.map((x) => x[p.key]), ci: s.map((x) => x.ci[p.key]), floor: s.map((x) => x.dummy[p.key]) })),
    });
    const st = sensitivityTable(input);
    const tab = table(st.head, st.rows, st.numeric);
    sections.push(["sensitivity", "Sensitivity indices", figure(chart, "Each panel is one index on its own scale. The dashed line is the index of a random dummy factor: a factor whose CI reaches it is not distinguishable from noise (pale bar). Bold factor names clear the floor.") + tab]);
  }

  const rc = replicationContent(input);
  if (rc) {
    const t = (x: PlainTable) => table(x.head, x.rows, x.numeric, x.caption);
    const sig = rc.rep.effects.significant;
    const forest = sig.length ? figure(forestPlot({
      title: "Significant persona × model effects (persona − control)", scale: "difference", xTitle: "Difference in refusal rate", adjustment: "Holm",
      rows: sig.map((e) => ({ label: `${e.model} · ${e.persona}`, estimate: e.diff, ci: e.ci, significant: true, pAdjusted: e.pHolm })),
    }), "Each row is one persona in one model with its 95% CI; Holm-adjusted over every persona × model test.") : "";
    sections.push(["replication", "The paper's claims", `<p>Plaza-del-Arco et al. (2025) as checkable statements on this store${rc.truth ? `, beside the planted truth (${esc(rc.truth.source)})` : ""}.</p>`
      + t(rc.claims) + "<h3>Factor ranking</h3>" + t(rc.ranking) + "<h3>Persona effect against base rate</h3>" + t(rc.trend)
      + "<h3>Persona × model effects</h3>" + forest + t(rc.effects)]);
  }

  const factors = rateFactors(input);
  if (factors.length) {
    sections.push(["rates", `${measure} by factor`, factors.map(({ factor, levels }) => levels.length <= MAX_BARS
      ? figure(rateBars({ title: `${measure} by ${factor}`, xTitle: measure, rows: levels.map((l) => ({ label: l.level, rate: l.rate, ci: l.ci, n: l.n })), reference: { value: a.refusalRate.estimate, label: `overall ${pct(a.refusalRate.estimate)}` } }), `${measure} per ${factor} level with 95% Wilson CIs; the dotted line is the overall rate.`)
      : `<h3>${esc(factor)}</h3>` + table(["Level", "n", "Refusals", "Rate", "95% CI"], levels.map((l) => [l.level, l.n, l.refusals, pct(l.rate), `${pct(l.ci[0])}–${pct(l.ci[1])}`]), [1, 2, 3, 4])).join("\n")]);
  }

  if (a.agreement) {
    const g = a.agreement;
    sections.push(["agreement", "Detector agreement", figure(
      agreementTable({ title: `Detector agreement${g.kappa != null ? ` (Cohen's κ = ${fixed(g.kappa, 2)})` : ""}`, detectors: g.detectors, table: g.table, kappa: g.kappa }),
      `Rows: ${g.detectors[0]}; columns: ${g.detectors[1]}. Outlined cells are agreement; shading is the share of the row.`)]);
  }

  if (a.calibration) {
    const c = a.calibration;
    sections.push(["calibration", "First-token calibration", figure(
      reliabilityPlot({ title: "p_refusal vs the generated outcome", subtitle: `${c.n} trials; verdict: ${c.verdict}; ECE ${fixed(c.ece, 3)}`, bins: c.bins }),
      `${c.verdictText} Dots: observed refusal rate${c.outcomeDetector ? ` (${c.outcomeDetector})` : ""} per bin, area ∝ trials, with 95% Wilson CIs; dashed: the diagonal.`)]);
  }

  if (a.coverage) {
    const c = a.coverage;
    sections.push(["coverage", "First-token coverage", (c.warning ? `<p class="warning"><strong>Warning:</strong> ${esc(c.warning)}</p>` : `<p>Every model × task cell has a median watched mass of at least ${esc(c.threshold)}: the first-token readings rest on most of the model's first-token mass.</p>`)
      + table(["Model", "Task", "n", "Median watched mass", `Below ${c.threshold}`, ""], c.cells.map((x) => [code(x.model), x.task, x.n, x.median === null ? "–" : fixed(x.median, 3), x.shareBelow === null ? "–" : pct(x.shareBelow), x.low ? "low" : ""]), [2, 3, 4],
        "Watched mass: first-token mass on refusal onsets plus label first tokens, the denominator of p_refusal")]);
  }

  if (input.sequential?.length) {
    sections.push(["sequential", "Precision over trials", figure(
      linePlot({ title: "Widest 95% CI half-width vs trials", xTitle: "Trials completed", yTitle: "Max CI half-width", points: input.sequential.map((p) => ({ x: p.trials, y: p.maxHalfWidth })), target: input.sequentialTarget !== undefined ? { value: input.sequentialTarget, label: `target ${fixed(input.sequentialTarget, 3)}` } : undefined }),
      "The sequential design adds trials until the widest CI among the reported rates is narrow enough.")]);
  }

  const lr = a.logistic;
  sections.push(["logistic", "Logistic regression", `<p>Method: <code>${esc(lr.method)}</code>, ${esc(lr.ciMethod)} CIs; ${lr.converged ? "converged" : "<strong>did not converge</strong>"} after ${esc(lr.iterations)} iterations. Odds ratios are relative to each factor's reference level.</p>`
    + table(["Term", "Coef.", "SE", "OR", "OR 95% CI", "p"], lr.terms.map((t) => [code(t.term), fixed(t.coef, 3), fixed(t.se, 3), fixed(t.oddsRatio, 2), interval(t.ci, 2), pval(t.p)]), [1, 2, 3, 4, 5], "Coefficients")
    + (lr.lrTests.length ? table(["Factor", "df", "χ²", "p"], lr.lrTests.map((t) => [t.factor, t.df, fixed(t.chi2, 2), pval(t.p)]), [1, 2, 3], "Likelihood-ratio tests (factor dropped)") : "")]);

  const groups = examplesByOutcome(input);
  if (groups.length) {
    sections.push(["examples", "Example responses", groups.map((g) => `<h3>${esc(g.outcome)} <span class="count">(${g.examples.length})</span></h3>\n` + g.examples.map((e) =>
      `<article class="example"><p class="meta"><span>model <code>${esc(e.model)}</code></span> <span>persona <code>${esc(e.persona)}</code></span> <span>task <code>${esc(e.task)}</code></span>${e.rule ? ` <span>rule <code>${esc(e.rule)}</code></span>` : ""}</p>
<p class="label">Prompt</p><pre>${esc(clip(e.prompt))}</pre><p class="label">Response</p>${e.response ? `<pre>${esc(clip(e.response))}</pre>` : `<p class="empty">(empty response)</p>`}</article>`).join("\n")).join("\n")]);
  }

  sections.push(["methods", "Notes on methods", `<ul>${METHOD_NOTES.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`]);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(input.tool.name)} ${esc(input.tool.version)}">
<title>${esc(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(input)}
${toc(sections.map(([id, t]) => [id, t]))}
${sections.map(([id, t, body]) => section(id, t, body)).join("\n")}
<footer><p>Generated by ${esc(input.tool.name)} ${esc(input.tool.version)} at ${esc(input.generatedAt)} for study <code>${esc(input.study.id)}</code>.</p></footer>
</main>
</body>
</html>
`;
}
