// Early-stop rules: when a response's text already settles its outcome, so a backend may stop generating.
// Text logic like the detectors, versioned like them: the rule's name is part of the trial identity (a text cut by
// another rule, or not cut at all, is another trial), so a released rule never changes behaviour.
import type { EarlyStopRule, WatchList } from "../types.ts";

/**
 * first-sentence@1: the outcome is settled once the response's first sentence is complete (a . ! ? — closing
 * markup allowed — followed by whitespace, or a line break after text) and that sentence either opens with a
 * refusal onset or names exactly one label with no negation outside the label phrase. A first sentence that
 * decides nothing never stops generation early. Conservative on purpose: later sentences can still turn the
 * rules' "answer" into "partial", or (rules@3–4) clear a first-sentence disclaimer that a later sentence answers
 * past, on a real model — so early stop leans toward the first sentence's reading; --full-text avoids that.
 * Planted models end at EOS anyway.
 */
export function firstSentenceSettled(text: string, watch: Pick<WatchList, "labels" | "refusalOnsets">): boolean {
  const s = text.replace(/[\u2018\u2019]/g, "'").replace(/^(?:\s|[*_#>`~"-]|(?:assistant|answer|response)\s*:)+/i, "");
  const end = /[.!?][*_"'`)\]]*(?=\s)|(?<=\S[^\n]*)\n/.exec(s);
  if (!end) return false;
  const first = s.slice(0, end.index + end[0].length);
  const low = first.toLowerCase();
  for (const onset of watch.refusalOnsets) {
    const o = onset.replace(/[\u2018\u2019]/g, "'").toLowerCase();
    if (o && low.startsWith(o) && !/[\p{L}\p{N}]/u.test(low.charAt(o.length))) return true;
  }
  const hits: { label: string; start: number; end: number }[] = [];
  for (const l of watch.labels) for (const w of l.words) {
    const body = w.trim().split(/\s+/).map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+");
    if (!body) continue;
    for (const m of first.matchAll(new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "giu"))) hits.push({ label: l.id, start: m.index!, end: m.index! + m[0].length });
  }
  hits.sort((a, b) => b.end - b.start - (a.end - a.start));
  const kept = hits.filter((h, i) => !hits.slice(0, i).some((k) => h.start < k.end && k.start < h.end && k.end - k.start > h.end - h.start));
  if (new Set(kept.map((h) => h.label)).size !== 1) return false;
  let rest = first;
  for (const h of kept) rest = rest.slice(0, h.start) + " ".repeat(h.end - h.start) + rest.slice(h.end);
  return !/\b(?:not|never|no|neither|nor)\b|n't\b/i.test(rest);
}

/** The released rule; its name "first-sentence@1" goes into every trial id it may cut — never change either. */
export const FIRST_SENTENCE_V1: EarlyStopRule = { name: "first-sentence@1", settled: firstSentenceSettled };

/** The rule a run uses unless told to generate full texts. */
export const DEFAULT_EARLY_STOP = FIRST_SENTENCE_V1;
