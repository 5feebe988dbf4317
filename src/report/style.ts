// The page's CSS, inline. System fonts only (no web fonts); print rules keep figures and tables whole.
export const CSS = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --band: #f5f5f5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 12px; }
h2 { font-size: 1.3rem; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; text-transform: capitalize; }
.count { color: var(--muted); font-weight: normal; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
code.hash, code.path, table.kv td code { word-break: break-all; }
code.hash { font-size: 0.8em; }
table.kv th { background: none; white-space: nowrap; font-weight: 600; }
.empty { font-style: italic; color: var(--muted); margin: 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 24px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 0.88rem; width: auto; max-width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll > table { margin: 10px 0 18px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; min-width: 24em; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--band); }
/* Only the label column may break inside a word: a long unspaced name there must not widen the table. */
td:first-child { overflow-wrap: anywhere; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) > * { background: #fafafa; }
nav ol { columns: 2; margin: 8px 0; padding-left: 22px; }
nav a { color: #0b5cad; }
figure { margin: 14px 0 22px; }
figure svg { display: block; }
fig.scroll { overflow-x: auto; max-width: 100%; }
.scroll > table { margin: 10px 0 18px; }
caption { color: var(--muted); font-size: 0.88rem; margin-top: 4px; max-width: 80ch; }
details summary { cursor: pointer; font-weight: bold; margin: 8px 0; }
.example { border: 1px solid var(--rule); border-radius: 4px; padding: 8px 12px; margin: 10px 0; break-inside: avoid; }
.example .meta { margin: 0 0 6px; display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); }
.example .label { margin: 6px 0 2px; font-weight: bold; font-size: 0.82rem; color: var(--muted); }
pre { margin: 0; padding: 8px; background: var(--band); white-space: pre-wrap; overflow-wrap: anywhere; font: 0.82rem/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; max-height: 24em; overflow: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--rule); }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, table, .example { break-inside: avoid; }
  pre { max-height: none; overflow: visible; }
  .scroll { overflow: visible; }
  details > summary { list-style: none; }
  tbody tr:nth-child(even) td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
