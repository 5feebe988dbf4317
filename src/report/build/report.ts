// A whole report from a store: the detector chosen as `frh report` does, the input gathered, one page rendered.
import type { Db } from "../../store/db.ts";
import { pickDetector } from "../../store/detectors.ts";
import { renderHtml } from "../html.ts";
import { renderMarkdown } from "../markdown.ts";
import { buildReportInput, type ReportOptions } from "./input.ts";

export interface StoreReportOptions extends Omit<ReportOptions, "detector"> {
  /** "html" (one self-contained page, default) or "md". */
  format?: "html" | "md";
  /** Stored detector (id@version); default the newest rules detector. */
  detector?: string;
}

export function storeReport(db: Db, opts: StoreReportOptions = {}): { detector: string; text: string } {
  const detector = pickDetector(db, opts.detector);
  const input = buildReportInput(db, { ...opts, detector });
  return { detector, text: opts.format === "md" ? renderMarkdown(input) : renderHtml(input) };
}
