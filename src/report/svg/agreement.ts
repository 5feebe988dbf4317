// Detector agreement: the cross-table of two detectors' outcomes as a shaded matrix. Counts and row shares
// are printed; the diagonal (agreement) is outlined; Cohen's κ is in the title.
import { fit, frame, inkOn, label, rect, textWidth } from "./core.ts";

export interface AgreementOptions {
  title: string;
  detectors: [string, string];
  /** table[outcome of detectors[0]][outcome of detectors[1]] = count. */
  table: Record<string, Record<string, number>>;
  kappa?: number | null;
}

const CELL_W = 96;
const CELL_H = 40;

// A light single-hue ramp: counts are quantities, not categories; white → dark blue.
function shade(t: number): string {
  const a = [247, 251, 255];
  const b = [8, 69, 148];
  return "#" + a.map((v, k) => Math.round(v + (b[k] - v) * Math.min(1, Math.max(0, t))).toString(16).padStart(2, "0")).join("");
}

export function agreementTable(o: AgreementOptions): string {
  const rows = Object.keys(o.table);
  const cols = [...new Set([...rows, ...rows.flatMap((r) => Object.keys(o.table[r]))])];
  const labelW = Math.max(60, ...rows.map((r) => textWidth(r)));
  const left = 40 + labelW + 10;
  const top = 84;
  const gridW = cols.length * CELL_W;
  const width = Math.max(left + gridW + 90, textWidth(o.title, 15) + 30);
  const height = top + rows.length * CELL_H + 30;
  const total = rows.reduce((s, r) => s + cols.reduce((t, c) => t + (o.table[r][c] ?? 0), 0), 0);

  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(label(left + gridW / 2, 50, fit(o.detectors[1], gridW + 80), { anchor: "middle", weight: "bold", full: o.detectors[1] }));
  body.push(label(18, top + (rows.length * CELL_H) / 2, fit(o.detectors[0], rows.length * CELL_H + 60), { anchor: "middle", weight: "bold", rotate: -90, full: o.detectors[0] }));
  cols.forEach((c, j) => body.push(label(left + j * CELL_W + CELL_W / 2, top - 10, fit(c, CELL_W - 6), { anchor: "middle", full: c })));
  body.push(label(left + gridW + 12, top - 10, "row n", { size: 11, weight: "bold" }));
  rows.forEach((r, i) => {
    const y = top + i * CELL_H;
    const rowN = cols.reduce((t, c) => t + (o.table[r][c] ?? 0), 0);
    body.push(label(left - 10, y + CELL_H / 2 + 4, r, { anchor: "end" }));
    cols.forEach((c, j) => {
      const x = left + j * CELL_W;
      const n = o.table[r][c] ?? 0;
      const share = rowN ? n / rowN : 0;
      const fill = shade(share);
      const ink = inkOn(fill);
      body.push(rect(x, y, CELL_W, CELL_H, fill, r === c ? `stroke="#000" stroke-width="2"` : `stroke="#fff"`));
      body.push(label(x + CELL_W / 2, y + 17, n.toLocaleString("en-US"), { anchor: "middle", weight: "bold", fill: ink }));
      body.push(label(x + CELL_W / 2, y + 32, rowN ? `${(share * 100).toFixed(0)}% of row` : "—", { anchor: "middle", size: 10, fill: ink }));
    });
    body.push(label(left + gridW + 12, y + CELL_H / 2 + 4, rowN.toLocaleString("en-US"), { size: 11 }));
  });
  const agree = rows.reduce((s, r) => s + (o.table[r][r] ?? 0), 0);
  const desc = `Cross-table of ${o.detectors[0]} (rows) and ${o.detectors[1]} (columns) over ${total} trials; ${agree} agree${o.kappa != null ? `; Cohen's kappa ${o.kappa.toFixed(2)}` : ""}.`;
  return frame(width, height, o.title, desc, body);
}
