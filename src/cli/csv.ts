// CSV output through csv-stringify (RFC-4180 quoting); nested values become JSON text.
import { stringify } from "csv-stringify/sync";

export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0]);
  const flat = rows.map((r) => cols.map((c) => (r[c] !== null && typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c])));
  return stringify(flat, { header: true, columns: cols, record_delimiter: "unix" });
}
