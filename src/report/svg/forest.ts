// Forest plot: one row per persona, the persona − control effect with its 95% CI. Filled markers and an
// asterisk mark contrasts significant after multiple-testing adjustment; the adjusted p is printed beside each
// row, so the verdict never rests on the marker alone.
import { OKABE_ITO, circle, coverTicks, fit, frame, label, line, linear, rect, textWidth, xAxis, type Scale } from "./core.ts";
import { fixed, pval } from "../format.ts";

export interface ForestRow {
  label: string;
  group?: string;
  estimate: number;
  ci: [number, number];
  significant: boolean;
  /** Adjusted p-value shown beside the row. */
  pAdjusted?: number;
}

export interface ForestOptions {
  title: string;
  rows: ForestRow[];
  /** "difference": linear axis with a line at 0; "ratio": log axis with a line at 1. */
  scale: "difference" | "ratio";
  xTitle: string;
  /** Name of the adjustment for the legend, e.g. "Holm". */
  adjustment?: string;
  alpha?: number;
}

const ROW_H = 22;
const PLOT_W = 360;
const COLOR = OKABE_ITO[0];

function domain(o: ForestOptions): [number, number] {
  const ref = o.scale === "ratio" ? 1 : 0;
  const vals = o.rows.flatMap((r) => [r.estimate, ...r.ci]).filter((v) => Number.isFinite(v) && (o.scale === "difference" || v > 0));
  let lo = Math.min(ref, ...vals);
  let hi = Math.max(ref, ...vals);
  if (o.scale === "ratio") {
    // Powers of two keep the log axis readable; extreme ORs (near-empty cells) are clipped with an arrow.
    lo = 2 ** Math.max(-6, Math.floor(Math.log2(lo)));
    hi = 2 ** Math.min(6, Math.ceil(Math.log2(hi)));
    if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
    return [lo, hi];
  }
  const tv = coverTicks(Math.max(-1, lo), Math.min(1, hi), 6);
  return [tv[0], tv[tv.length - 1]];
}

export function forestPlot(o: ForestOptions): string {
  const [lo, hi] = domain(o);
  const groupW = Math.max(0, ...o.rows.map((r) => textWidth(r.group ?? "", 11)));
  const labelW = Math.min(190, Math.max(50, ...o.rows.map((r) => textWidth(r.label))));
  const groupX = 12;
  const left = groupX + (groupW ? groupW + 14 : 0) + labelW + 10;
  const right = left + PLOT_W;
  const top = 62;
  const plotH = o.rows.length * ROW_H;
  const textX = right + 16;
  const width = textX + 250;
  const height = top + plotH + 84;

  const s: Scale = o.scale === "ratio" ? (() => { const l = linear(Math.log(lo), Math.log(hi), left, right); return (v) => l(Math.log(v)); })() : linear(lo, hi, left, right);
  const clamp = (v: number) => Math.min(right, Math.max(left, s(Number.isFinite(v) && (o.scale === "difference" || v > 0) ? v : v > 0 ? hi : lo)));
  const tv = o.scale === "ratio" ? ratioTicks(lo, hi) : coverTicks(lo, hi, 6);
  const fmtTick = o.scale === "ratio" ? (v: number) => (v >= 1 ? String(v) : `1/${Math.round(1 / v)}`) : undefined;

  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(label(textX, top - 10, o.scale === "ratio" ? "OR [95% CI]" : "Δ [95% CI]", { weight: "bold", size: 11 }));
  body.push(label(width - 12, top - 10, `p (${o.adjustment ?? "adj."})`, { weight: "bold", size: 11, anchor: "end" }));
  if (groupW) body.push(label(groupX, top - 10, "Group", { weight: "bold", size: 11 }));
  body.push(label(left - 10, top - 10, "Persona", { weight: "bold", size: 11, anchor: "end" }));
  // Zebra stripes first, so gridlines and markers draw over them.
  o.rows.forEach((_, i) => { if (i % 2 === 0) body.push(rect(groupX - 4, top + i * ROW_H, width - groupX - 4, ROW_H, "#f6f6f6")); });
  body.push(...xAxis(s, tv, top + plotH + 6, top, o.xTitle, fmtTick));
  const ref = s(o.scale === "ratio" ? 1 : 0);
  body.push(line(ref, top - 4, ref, top + plotH + 6, "#000", `stroke-dasharray="4 3"`));

  o.rows.forEach((r, i) => {
    const y = top + i * ROW_H + ROW_H / 2;
    if (r.group) body.push(label(groupX, y + 4, r.group, { size: 11, fill: "#555" }));
    body.push(label(left - 10, y + 4, fit(r.label, labelW), { anchor: "end", full: r.label, weight: r.significant ? "bold" : "normal" }));
    const [a, b] = [clamp(r.ci[0]), clamp(r.ci[1])];
    body.push(line(a, y, b, y, COLOR, `stroke-width="1.8"`));
    for (const [x, v, dir] of [[a, r.ci[0], -1], [b, r.ci[1], 1]] as const) {
      const sv = o.scale === "ratio" && !(v > 0) ? NaN : s(v);
      const clipped = !(Number.isFinite(sv) && sv >= left - 0.5 && sv <= right + 0.5);
      body.push(clipped ? `<path d="M${x} ${y - 4} L${x + dir * 6} ${y} L${x} ${y + 4} Z" fill="${COLOR}"/>` : line(x, y - 5, x, y + 5, COLOR, `stroke-width="1.8"`));
    }
    body.push(circle(clamp(r.estimate), y, 4.5, r.significant ? COLOR : "#fff", COLOR));
    const est = o.scale === "ratio" ? fixed(r.estimate, 2) : signed(r.estimate);
    const ciText = o.scale === "ratio" ? `[${fixed(r.ci[0], 2)}, ${fixed(r.ci[1], 2)}]` : `[${signed(r.ci[0])}, ${signed(r.ci[1])}]`;
    body.push(label(textX, y + 4, `${est} ${ciText}`, { size: 11 }));
    if (r.pAdjusted !== undefined) body.push(label(width - 12, y + 4, `${pval(r.pAdjusted)}${r.significant ? " *" : ""}`, { size: 11, anchor: "end", weight: r.significant ? "bold" : "normal" }));
  });

  const ly = top + plotH + 66;
  body.push(circle(left, ly - 4, 4.5, COLOR, COLOR));
  body.push(label(left + 10, ly, `significant (${o.adjustment ?? "adjusted"} p < ${o.alpha ?? 0.05}) *`, { size: 11 }));
  const lx2 = left + 10 + textWidth(`significant (${o.adjustment ?? "adjusted"} p < ${o.alpha ?? 0.05}) *`, 11) + 20;
  body.push(circle(lx2, ly - 4, 4.5, "#fff", COLOR));
  body.push(label(lx2 + 10, ly, "not significant", { size: 11 }));
  const desc = `${o.rows.length} persona contrasts against the control with 95% confidence intervals; ${o.rows.filter((r) => r.significant).length} significant after ${o.adjustment ?? "adjustment"}.`;
  return frame(width, height, o.title, desc, body);
}

/** Two decimals with an explicit sign; values that round to zero print as 0.00, never −0.00. */
const signed = (v: number) => {
  if (!Number.isFinite(v)) return fixed(v, 2);
  const r = Math.round(v * 100) / 100;
  return r === 0 ? "0.00" : (r > 0 ? "+" : "") + fixed(r, 2);
};

function ratioTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const step = Math.log2(hi / lo) > 6 ? 2 : 1;
  // With step 2 the exponents stay even, so 1 (the null) is always a tick.
  const first = Math.round(Math.log2(lo));
  for (let e = first - (((first % step) + step) % step); e <= Math.round(Math.log2(hi)); e += step) if (2 ** e >= lo) out.push(2 ** e);
  return out;
}
