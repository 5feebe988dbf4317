// Shared pieces of the SVG figures: frame, scales, ticks, text fitting, colour. No DOM, no library: strings only.
import { esc } from "../escape.ts";

export const FONT = 12;
/** Average glyph width relative to font size; generous so estimated label widths do not undershoot. */
const GLYPH = 0.62;

export const textWidth = (s: string, size = FONT): number => s.length * size * GLYPH;

/** Shortens a label to fit `width` px; the full text stays available as a tooltip (see `label`). */
export function fit(s: string, width: number, size = FONT): string {
  const max = Math.max(2, Math.floor(width / (size * GLYPH)));
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Breaks a label into at most `lines` lines of `width` px, preferring breaks after - _ . / or a space;
 * the last line is shortened with an ellipsis if the text still does not fit.
 */
export function wrap(s: string, width: number, lines = 2, size = FONT): string[] {
  const max = Math.max(2, Math.floor(width / (size * GLYPH)));
  const out: string[] = [];
  let rest = s;
  while (rest.length > max && out.length < lines - 1) {
    const head = rest.slice(0, max);
    // Word-like breaks (space, dash, slash, dot) read better than underscores inside a name like q4_k_m.
    const soft = Math.max(...[" ", "-", "/", "."].map((c) => head.lastIndexOf(c)));
    const cut = soft >= max / 3 ? soft : head.lastIndexOf("_");
    const at = cut >= max / 3 ? cut + 1 : max;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  out.push(fit(rest, width, size));
  return out;
}

const n2 = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

export interface TextOpts {
  anchor?: "start" | "middle" | "end";
  size?: number;
  weight?: "bold" | "normal";
  fill?: string;
  rotate?: number;
  /** Full text for a tooltip when the shown text was shortened. */
  full?: string;
  cls?: string;
}

/** A `<text>` element; the content is always escaped. */
export function label(x: number, y: number, text: string, o: TextOpts = {}): string {
  const attrs = [`x="${n2(x)}"`, `y="${n2(y)}"`];
  if (o.anchor && o.anchor !== "start") attrs.push(`text-anchor="${o.anchor}"`);
  if (o.size && o.size !== FONT) attrs.push(`font-size="${o.size}"`);
  if (o.weight === "bold") attrs.push(`font-weight="bold"`);
  if (o.fill) attrs.push(`fill="${esc(o.fill)}"`);
  if (o.rotate) attrs.push(`transform="rotate(${o.rotate} ${n2(x)} ${n2(y)})"`);
  if (o.cls) attrs.push(`class="${esc(o.cls)}"`);
  const tip = o.full && o.full !== text ? `<title>${esc(o.full)}</title>` : "";
  return `<text ${attrs.join(" ")}>${tip}${esc(text)}</text>`;
}

export const line = (x1: number, y1: number, x2: number, y2: number, stroke = "#333", extra = ""): string =>
  `<line x1="${n2(x1)}" y1="${n2(y1)}" x2="${n2(x2)}" y2="${n2(y2)}" stroke="${stroke}"${extra ? " " + extra : ""}/>`;

export const rect = (x: number, y: number, w: number, h: number, fill: string, extra = ""): string =>
  `<rect x="${n2(x)}" y="${n2(y)}" width="${n2(Math.max(0, w))}" height="${n2(Math.max(0, h))}" fill="${fill}"${extra ? " " + extra : ""}/>`;

export const circle = (cx: number, cy: number, r: number, fill: string, stroke: string): string =>
  `<circle cx="${n2(cx)}" cy="${n2(cy)}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`;

/**
 * The outer element. A fixed viewBox with width 100% scales to the column; max-width keeps small figures from
 * being blown up. `<title>` first gives the accessible name (role="img"), `<desc>` the longer description.
 * No xmlns: the HTML parser places inline `<svg>` in the SVG namespace itself.
 */
export function frame(width: number, height: number, title: string, desc: string, body: string[]): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    `<svg viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px;height:auto" role="img" class="figure" font-family="system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif" font-size="${FONT}">`,
    `<title>${esc(title)}</title>`,
    `<desc>${esc(desc)}</desc>`,
    rect(0, 0, w, h, "#fff"),
    ...body,
    `</svg>`,
  ].join("\n");
}

export type Scale = (v: number) => number;

export function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

function tickStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

/** About `count` round tick values inside [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = tickStep(lo, hi, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Round ticks whose first and last cover [lo, hi]: use them as the axis domain so nothing is clipped. */
export function coverTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const step = tickStep(lo, hi, count);
  return ticks(Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step, count);
}

/** Tick text with only as many decimals as the step needs (0.25 steps → two, 5 steps → none). */
export function tickText(v: number, all: number[]): string {
  const step = all.length > 1 ? Math.abs(all[1] - all[0]) : 1;
  let digits = 0;
  while (digits < 4 && Math.abs(step * 10 ** digits - Math.round(step * 10 ** digits)) > 1e-6) digits++;
  return v.toFixed(digits).replace(/^-/, "−");
}

// Viridis anchors (matplotlib): perceptually uniform and readable with the common colour-vision deficiencies.
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

/** Viridis colour for t in [0, 1]. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const a = hex(VIRIDIS[i]);
  const b = hex(VIRIDIS[i + 1]);
  return "#" + a.map((v, k) => Math.round(v + (b[k] - v) * (x - i)).toString(16).padStart(2, "0")).join("");
}

/** Black or white, whichever contrasts more with the background (WCAG relative luminance). */
export function inkOn(bg: string): string {
  const [r, g, b] = hex(bg).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#000" : "#fff";
}

/** Okabe–Ito: a categorical palette distinguishable with colour-vision deficiencies. */
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/** A horizontal value axis with gridlines and an axis title. */
export function xAxis(s: Scale, tickVals: number[], y: number, gridTop: number, title: string, fmt = (v: number) => tickText(v, tickVals)): string[] {
  const out: string[] = [];
  for (const v of tickVals) {
    out.push(line(s(v), gridTop, s(v), y, "#e3e3e3"));
    out.push(line(s(v), y, s(v), y + 4));
    out.push(label(s(v), y + 16, fmt(v), { anchor: "middle", size: 11 }));
  }
  const [a, b] = [s(tickVals[0]), s(tickVals[tickVals.length - 1])];
  out.push(line(Math.min(a, b), y, Math.max(a, b), y));
  out.push(label((a + b) / 2, y + 34, title, { anchor: "middle", weight: "bold" }));
  return out;
}

/** A vertical value axis with gridlines; the title is rotated along the axis. */
export function yAxis(s: Scale, tickVals: number[], x: number, gridRight: number, title: string, fmt = (v: number) => tickText(v, tickVals)): string[] {
  const out: string[] = [];
  for (const v of tickVals) {
    out.push(line(x, s(v), gridRight, s(v), "#e3e3e3"));
    out.push(line(x - 4, s(v), x, s(v)));
    out.push(label(x - 7, s(v) + 4, fmt(v), { anchor: "end", size: 11 }));
  }
  const [a, b] = [s(tickVals[0]), s(tickVals[tickVals.length - 1])];
  out.push(line(x, Math.min(a, b), x, Math.max(a, b)));
  const widest = Math.max(...tickVals.map((v) => textWidth(fmt(v), 11)));
  out.push(label(x - widest - 16, (a + b) / 2, title, { anchor: "middle", weight: "bold", rotate: -90 }));
  return out;
}
