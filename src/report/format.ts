// Number formatting shared by the HTML, Markdown and SVG output, so the same value reads the same everywhere.

export function fixed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "−∞";
  return x.toFixed(digits).replace(/^-/, "−");
}

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(digits)}%`;

/** p-values: three significant digits, and a floor instead of 0.000. */
export function pval(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "—";
  if (p < 0.001) return "<0.001";
  return p >= 0.1 ? p.toFixed(2) : p.toFixed(3);
}

export const interval = (ci: [number, number] | undefined, digits = 2): string =>
  ci ? `[${fixed(ci[0], digits)}, ${fixed(ci[1], digits)}]` : "—";

/** Significance stars for adjusted p-values, explained in the report legend. */
export function stars(p: number): string {
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "";
}
