// Line plot for sequential designs: the widest 95% CI half-width after each batch of trials, with the
// stopping target dashed, so one sees whether more trials would still buy precision.
import { OKABE_ITO, circle, frame, label, line, coverTicks, linear, xAxis, yAxis } from "./core.ts";

export interface LinePlotOptions {
  title: string;
  points: { x: number; y: number }[];
  xTitle: string;
  yTitle: string;
  /** A horizontal target line, e.g. the half-width at which sampling stops. */
  target?: { value: number; label: string };
}

export function linePlot(o: LinePlotOptions): string {
  const pts = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
  const left = 84;
  const top = 48;
  const plotW = 480;
  const plotH = 240;
  const width = left + plotW + 30;
  const height = top + plotH + 62;
  const xs = pts.map((p) => p.x);
  const ys = [...pts.map((p) => p.y), o.target?.value ?? 0];
  const xt = coverTicks(Math.min(0, ...xs), Math.max(1, ...xs), 6);
  const yt = coverTicks(0, Math.max(1e-3, ...ys), 5);
  const sx = linear(xt[0], xt.at(-1)!, left, left + plotW);
  const sy = linear(0, yt.at(-1)!, top + plotH, top);

  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  body.push(...yAxis(sy, yt, left, left + plotW, o.yTitle));
  body.push(...xAxis(sx, xt, top + plotH, top, o.xTitle, (v) => v.toLocaleString("en-US")));
  if (o.target) {
    const y = sy(o.target.value);
    body.push(line(left, y, left + plotW, y, "#D55E00", `stroke-width="1.5" stroke-dasharray="5 3"`));
    body.push(label(left + plotW - 4, y - 6, o.target.label, { anchor: "end", size: 11, fill: "#9c3d00" }));
  }
  if (pts.length) {
    body.push(`<polyline points="${pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}" fill="none" stroke="${OKABE_ITO[0]}" stroke-width="2"/>`);
    for (const p of pts) body.push(circle(sx(p.x), sy(p.y), 3, OKABE_ITO[0], OKABE_ITO[0]));
  }
  const last = pts.at(-1);
  const desc = `${o.yTitle} against ${o.xTitle} at ${pts.length} checkpoints${last ? `; last: ${last.y.toFixed(3)} after ${last.x} trials` : ""}.`;
  return frame(width, height, o.title, desc, body);
}
