// Multiple-comparison adjustments over the persona-vs-control family. Same results as R's p.adjust.

/**
 * Holm (1979) step-down, controls the family-wise error rate under any dependence:
 *   sort p ascending, p̃(i) = max_{j ≤ i} min(1, (m − j + 1)·p(j)).
 */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let run = 0;
  order.forEach(([v, i], k) => {
    run = Math.max(run, Math.min(1, (m - k) * v));
    out[i] = run;
  });
  return out;
}

/**
 * Benjamini–Hochberg (1995) step-up, controls the false discovery rate under independence or positive
 * dependence: p̃(i) = min_{j ≥ i} min(1, m·p(j)/j).
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let run = 1;
  for (let k = m - 1; k >= 0; k--) {
    const [v, i] = order[k];
    run = Math.min(run, (m * v) / (k + 1));
    out[i] = Math.min(1, run);
  }
  return out;
}
