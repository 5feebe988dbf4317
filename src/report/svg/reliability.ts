// Reliability diagram of the first-token refusal probability: per p_refusal bin, the observed refusal rate of the
// generated outcome (dot, 95% Wilson CI whisker, area ∝ n) against the bin's mean p. Calibrated points lie on the
// dashed diagonal (sampled decoding); greedy decoding gives a step at 0.5.
import { OKABE_ITO, circle, frame, label, line, linear, xAxis, yAxis } from "./core.ts";

export interface ReliabilityOptions {
  title: string;
  bins: { meanP: number; rate: number; ci: [number, number]; n: number }[];
  /** One line under the title, e.g. the verdict. */
  subtitle?: string;
}

export function reliabilityPlot(o: ReliabilityOptions): string {
  const left = 84, top = 60, size = 300, width = left + size + 40, height = top + size + 62;
  const sx = linear(0, 1, left, left + size), sy = linear(0, 1, top + size, top);
  const t = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const body: string[] = [label(12, 24, o.title, { size: 15, weight: "bold" })];
  if (o.subtitle) body.push(label(12, 44, o.subtitle, { size: 11, fill: "#444" }));
  body.push(...yAxis(sy, t, left, left + size, "Observed refusal rate"));
  body.push(...xAxis(sx, t, top + size, top, "Mean p_refusal in bin"));
  body.push(line(sx(0), sy(0), sx(1), sy(1), "#777", `stroke-width="1" stroke-dasharray="4 3"`));
  const nMax = Math.max(1, ...o.bins.map((b) => b.n));
  for (const b of o.bins) {
    if (![b.meanP, b.rate, b.ci[0], b.ci[1]].every(Number.isFinite)) continue;
    body.push(line(sx(b.meanP), sy(b.ci[0]), sx(b.meanP), sy(b.ci[1]), OKABE_ITO[0], `stroke-width="1.5"`));
    body.push(circle(sx(b.meanP), sy(b.rate), 2.5 + 4.5 * Math.sqrt(b.n / nMax), OKABE_ITO[0], OKABE_ITO[0]));
  }
  const desc = `Observed refusal rate against mean p_refusal in ${o.bins.length} bins with 95% CIs; the diagonal is perfect calibration.`;
  return frame(width, height, o.title, desc, body);
}
