// Escaping for every piece of text that reaches the page. Model output is untrusted: a response that contains
// `<script>` or `</svg>` must arrive as inert text, so all five XML specials are replaced, in text and attributes.

const XML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes `& < > " '` for HTML/SVG text and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => XML[c]);
}

/**
 * One Markdown table cell: HTML specials become entities (a renderer that passes HTML through stays inert),
 * Markdown specials are backslash-escaped, `|` cannot split the cell and newlines cannot end the row.
 */
export function mdCell(value: unknown): string {
  return String(value ?? "")
    .replace(/[&<>]/g, (c) => XML[c])
    .replace(/([\\`*_[\]|#~])/g, "\\$1")
    .replace(/\r?\n|\r/g, " ")
    .trim();
}

/** A fenced code block whose fence is longer than any backtick run in the text, so the text cannot close it. */
export function mdFence(text: string, info = "text"): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}
