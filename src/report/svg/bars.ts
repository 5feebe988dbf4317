// Horizontal bar charts with 95% CI whiskers. Horizontal, so long level names (paraphrase ids, model files)
// stay readable without rotated labels.
import { OKABE_ITO, coverTicks, fit, frame, label, line, linear, rect, textWidth, xAxis } from "./core.ts";
import { fixed } from "../format.ts";

const ROW_H = 24;
const BAR_H = 14;

export interface IndexPanel {
  /** e.g. "Variance (first-order)". */
  name: string;
  values: number[];
  ci: [number, number][];
  /** The same index for a random dummy factor; drawn dashed as the noise floor. */
  floor?: number[];
}

export interface IndexChartOptions {
  title: string;
  /** One row per factor. */
  categories: string[];
  /** One panel per index, each with its own axis: the indices live on different scales. */
  panels: IndexPanel[];
  /** Rows whose indices all clear the noise floor; their labels are bold. */
  marked?: boolean[];
}

/** Axis ticks from 0 to just past the largest value (CI ends included), so no whisker is clipped. */
const zeroTo = (vals: number[], count: number, max = Infinity) => {
  const m = Math.min(max, Math.max(0, ...vals.filter(Number.isFinite)));
  return coverTicks(0, m > 0 ? m : 1, count);
};

/** Sensitivity indices per factor: one panel per index, bars with CIs, the dummy noise floor dashed. */
export function barChartWithCi(o: IndexChartOptions): string {
  const labelW = Math.min(170, Math.max(50, ...o.categories.map((c) => textWidth(c))));
  const left = 12 + labelW + 12;
  const panelW = 190;
  const gap = 34;
  const top = 66;
  const plotH = o.categories.length * ROW_H;
  const width = left + o.panels.length * (panelW + gap) - gap + 24;
  const height = top + plotH + 90;

  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(label(12, top - 10, "Factor", { weight: "bold", size: 11 }));
  o.categories.forEach((c, i) => {
    const y = top + i * ROW_H + ROW_H / 2 + 4;
    body.push(label(left - 12, y, fit(c, labelW), { anchor: "end", full: c, weight: o.marked?.[i] ? "bold" : "normal" }));
  });

  o.panels.forEach((p, k) => {
    const x0 = left + k * (panelW + gap);
    const tv = zeroTo([...p.values, ...p.ci.map((c) => c[1]), ...(p.floor ?? [])], 4);
    const s = linear(0, tv.at(-1)!, x0, x0 + panelW);
    const cap = (v: number) => Math.min(x0 + panelW, Math.max(x0, s(Number.isFinite(v) ? v : 0)));
    const colour = OKABE_ITO[k % OKABE_ITO.length];
    body.push(label(x0 + panelW / 2, top - 10, p.name, { anchor: "middle", weight: "bold", size: 11 }));
    body.push(...xAxis(s, tv, top + plotH + 4, top, "index value"));
    p.values.forEach((v, i) => {
      const y = top + i * ROW_H + (ROW_H - BAR_H) / 2;
      const below = p.floor && Number.isFinite(p.floor[i]) && !(p.ci[i][0] > p.floor[i]);
      // Bars whose CI does not clear the floor are drawn pale: indistinguishable from noise.
      body.push(rect(x0, y, cap(v) - x0, BAR_H, colour, below ? `fill-opacity="0.3"` : ""));
      const [a, b] = [cap(p.ci[i][0]), cap(p.ci[i][1])];
      const cy = y + BAR_H / 2;
      body.push(line(a, cy, b, cy, "#000", `stroke-width="1.3"`), line(a, cy - 4, a, cy + 4, "#000"), line(b, cy - 4, b, cy + 4, "#000"));
      if (p.floor && Number.isFinite(p.floor[i])) {
        body.push(line(cap(p.floor[i]), y - 4, cap(p.floor[i]), y + BAR_H + 4, "#D55E00", `stroke-width="2" stroke-dasharray="3 2"`));
      }
    });
  });

  const ly = top + plotH + 74;
  body.push(line(left, ly - 4, left + 18, ly - 4, "#D55E00", `stroke-width="2" stroke-dasharray="3 2"`));
  body.push(label(left + 24, ly, "dummy factor (noise floor)", { size: 11 }));
  const lx = left + 24 + textWidth("dummy factor (noise floor)", 11) + 20;
  body.push(rect(lx, ly - 10, 18, 10, "#888", `fill-opacity="0.3"`));
  body.push(label(lx + 24, ly, "CI reaches the floor", { size: 11 }));
  const lx2 = lx + 24 + textWidth("CI reaches the floor", 11) + 20;
  body.push(line(lx2, ly - 5, lx2 + 18, ly - 5, "#000", `stroke-width="1.3"`));
  body.push(label(lx2 + 24, ly, "95% CI", { size: 11 }));
  const desc = `Sensitivity indices (${o.panels.map((p) => p.name).join(", ")}) for ${o.categories.length} factors with 95% CIs; the dashed line is the same index for a random dummy factor.`;
  return frame(Math.max(width, lx2 + 90), height, o.title, desc, body);
}

export interface RateRow {
  label: string;
  rate: number;
  ci: [number, number];
  n: number;
}

export interface RateBarsOptions {
  title: string;
  rows: RateRow[];
  /** Axis title, e.g. "Refusal rate". */
  xTitle: string;
  /** A reference line, e.g. the overall rate. */
  reference?: { value: number; label: string };
}

/** Rates by level (task, model, paraphrase) with Wilson CIs, the overall rate as a dotted reference. */
export function rateBars(o: RateBarsOptions): string {
  const labelW = Math.min(260, Math.max(50, ...o.rows.map((r) => textWidth(r.label))));
  const left = 12 + labelW + 12;
  const plotW = 380;
  const right = left + plotW;
  const top = 58;
  const plotH = o.rows.length * ROW_H;
  const width = right + 200;
  const height = top + plotH + 70;
  const tv = zeroTo([...o.rows.map((r) => r.ci[1]), o.reference?.value ?? 0], 5, 1);
  const s = linear(0, tv.at(-1)!, left, right);
  const cap = (v: number) => Math.min(right, Math.max(left, s(v)));

  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(label(right + 14, top - 10, "rate [95% CI] (n)", { weight: "bold", size: 11 }));
  body.push(...xAxis(s, tv, top + plotH + 4, top, o.xTitle, (v) => `${Math.round(v * 1000) / 10}%`));
  o.rows.forEach((r, i) => {
    const y = top + i * ROW_H + (ROW_H - BAR_H) / 2;
    const cy = y + BAR_H / 2;
    body.push(label(left - 12, cy + 4, fit(r.label, labelW), { anchor: "end", full: r.label }));
    body.push(rect(left, y, cap(r.rate) - left, BAR_H, OKABE_ITO[4]));
    const [a, b] = [cap(r.ci[0]), cap(r.ci[1])];
    body.push(line(a, cy, b, cy, "#000", `stroke-width="1.3"`), line(a, cy - 5, a, cy + 5, "#000"), line(b, cy - 5, b, cy + 5, "#000"));
    body.push(label(right + 14, cy + 4, `${pctText(r.rate)} [${pctText(r.ci[0])}, ${pctText(r.ci[1])}] (${r.n})`, { size: 11 }));
  });
  if (o.reference) {
    const x = cap(o.reference.value);
    body.push(line(x, top - 6, x, top + plotH + 4, "#000", `stroke-width="1.3" stroke-dasharray="2 2"`));
    body.push(label(x, top - 10, fit(o.reference.label, 200, 11), { anchor: x > right - 60 ? "end" : "middle", size: 11 }));
  }
  const desc = `${o.xTitle} for ${o.rows.length} levels with 95% confidence intervals.`;
  return frame(width, height, o.title, desc, body);
}

const pctText = (v: number) => (Number.isFinite(v) ? `${fixed(v * 100, 1)}%` : "—");
