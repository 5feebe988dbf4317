// The report: pure renderers from a ReportInput to one HTML page or one Markdown file.
export { renderHtml } from "./html.ts";
export { renderMarkdown, mdTable } from "./markdown.ts";
export { esc, mdCell, mdFence } from "./escape.ts";
export * from "./svg.ts";
export type { HeatRow, ReportExample, ReportInput, ReportModel, SequentialPoint } from "./types.ts";
