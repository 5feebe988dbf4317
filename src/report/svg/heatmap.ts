// Heatmap: refusal rate by persona (rows) × model (columns) for one task. Cells show the rate and n, so the
// figure is readable without the colour; the colour scale is viridis on a fixed 0–1 domain, so heatmaps of
// different tasks can be compared by eye.
import { esc } from "../escape.ts";
import { fit, frame, inkOn, label, line, rect, textWidth, viridis, wrap } from "./core.ts";

export interface HeatCell {
  row: string;
  col: string;
  n: number;
  refusals: number;
  rate: number;
}

export interface HeatmapOptions {
  title: string;
  rows: string[];
  cols: string[];
  cells: HeatCell[];
  rowTitle?: string;
  colTitle?: string;
  /** Legend title, e.g. "refusal rate". */
  valueLabel?: string;
  /** Rows to draw with a heavier label (e.g. the control persona). */
  emphasize?: string[];
}

const CELL_H = 34;
const MAX_ROW_LABEL = 190;

export function heatmap(o: HeatmapOptions): string {
  const rowTitle = o.rowTitle ?? "Persona";
  const colTitle = o.colTitle ?? "Model";
  const valueLabel = o.valueLabel ?? "Refusal rate";
  const rowLabelW = Math.min(MAX_ROW_LABEL, Math.max(40, ...o.rows.map((r) => textWidth(r))));
  const cellW = Math.min(140, Math.max(78, ...o.cols.map((c) => textWidth(c) + 12)));
  const left = 34 + rowLabelW + 8;
  // Long model names take two lines above their column rather than being cut to a few characters.
  const colLines = o.cols.map((c) => wrap(c, cellW - 8));
  const top = colLines.some((l) => l.length > 1) ? 90 : 76;
  const gridW = o.cols.length * cellW;
  const gridH = o.rows.length * CELL_H;
  const legendX = left + gridW + 28;
  const legendH = 200;
  const width = Math.max(legendX + Math.max(textWidth(valueLabel), 70) + 12, left + textWidth(o.title, 15) - 40);
  const height = top + Math.max(gridH, legendH + 20) + 16;

  const byKey = new Map(o.cells.map((c) => [`${c.row}\u0000${c.col}`, c]));
  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(label(left + gridW / 2, 46, colTitle, { anchor: "middle", weight: "bold" }));
  body.push(label(16, top + gridH / 2, rowTitle, { anchor: "middle", weight: "bold", rotate: -90 }));

  o.cols.forEach((c, j) => {
    const lines = colLines[j];
    lines.forEach((l, k) => body.push(label(left + j * cellW + cellW / 2, top - 10 - (lines.length - 1 - k) * 14, l, { anchor: "middle", full: c })));
  });
  const emph = new Set(o.emphasize ?? []);
  o.rows.forEach((r, i) => {
    const y = top + i * CELL_H;
    body.push(label(left - 8, y + CELL_H / 2 + 4, fit(r, rowLabelW), { anchor: "end", full: r, weight: emph.has(r) ? "bold" : "normal" }));
    o.cols.forEach((c, j) => {
      const x = left + j * cellW;
      const cell = byKey.get(`${r}\u0000${c}`);
      if (!cell || cell.n === 0) {
        body.push(rect(x, y, cellW, CELL_H, "#f0f0f0", `stroke="#fff"`));
        body.push(label(x + cellW / 2, y + CELL_H / 2 + 4, "no data", { anchor: "middle", size: 10, fill: "#555" }));
        return;
      }
      const fill = viridis(cell.rate);
      const ink = inkOn(fill);
      body.push(rect(x, y, cellW, CELL_H, fill, `stroke="#fff"`).replace("/>", `><title>${escTip(r, c, cell)}</title></rect>`));
      body.push(label(x + cellW / 2, y + 15, `${Math.round(cell.rate * 100)}%`, { anchor: "middle", weight: "bold", fill: ink }));
      body.push(label(x + cellW / 2, y + 28, `n=${cell.n}`, { anchor: "middle", size: 10, fill: ink }));
    });
  });
  if (emph.size) {
    // A rule under emphasized rows (the control) separates the reference from the personas.
    o.rows.forEach((r, i) => {
      if (emph.has(r)) body.push(line(left - rowLabelW - 8, top + (i + 1) * CELL_H, left + gridW, top + (i + 1) * CELL_H, "#000", `stroke-width="1.5"`));
    });
  }

  // Discrete legend: ten blocks, no gradient ids needed (several heatmaps share one page).
  body.push(label(legendX, top - 10, valueLabel, { weight: "bold" }));
  const blocks = 10;
  const bh = legendH / blocks;
  for (let k = 0; k < blocks; k++) {
    const t0 = k / blocks;
    body.push(rect(legendX, top + legendH - (k + 1) * bh, 16, bh, viridis(t0 + 0.5 / blocks)));
  }
  for (let k = 0; k <= blocks; k += 2) {
    const y = top + legendH - k * bh;
    body.push(line(legendX + 16, y, legendX + 20, y));
    body.push(label(legendX + 23, y + 4, `${k * 10}%`, { size: 11 }));
  }
  const desc = `${valueLabel} for ${o.rows.length} ${rowTitle.toLowerCase()} rows × ${o.cols.length} ${colTitle.toLowerCase()} columns; each cell shows the rate and the number of trials.`;
  return frame(width, height, o.title, desc, body);
}

const escTip = (r: string, c: string, cell: HeatCell) =>
  esc(`${r} × ${c}: ${cell.refusals}/${cell.n} = ${(cell.rate * 100).toFixed(1)}%`);
