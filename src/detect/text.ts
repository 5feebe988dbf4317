// Text helpers shared by the rule detectors: normalisation, quote masking, clause splitting, label search.
// Pure; no detector logic here.
import type { Detection, Outcome, TaskLabel } from "../types.ts";

/** Builds a Detection; `refusal` follows from the outcome so the two can never disagree. */
export function detection(detector: string, outcome: Outcome, answer: string | null, rule: string | null, pRefusal: number | null = null): Detection {
  return { detector, outcome, answer, refusal: outcome === "refusal" || outcome === "partial" ? 1 : 0, pRefusal, rule };
}

/** Curly quotes and apostrophes to straight ones, NBSP to space: models emit both spellings of "can't". */
export function normalize(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u00a0\u2007\u202f]/g, " ");
}

/**
 * Strips what a model puts before its first word: whitespace, markdown emphasis/headings/bullets, and
 * chat-template role tags ("Assistant:"). Quotation marks are kept: a quoted opening is not the model's own voice.
 */
export function stripLead(text: string): string {
  return text.replace(/^(?:\s|[*_#>`~-]|(?:assistant|answer|response)\s*:)+/i, "");
}

/** Letters or digits in any script: the "word" for whole-word matching (\b is ASCII-only). */
const WORD = "[\\p{L}\\p{N}_]";
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A whole-word, case-insensitive regex for a phrase; inner spaces match any run of whitespace. */
export function wordRe(phrase: string, flags = "giu"): RegExp {
  const body = phrase.trim().split(/\s+/).map(escapeRe).join("\\s+");
  return new RegExp(`(?<!${WORD})${body}(?!${WORD})`, flags);
}

/**
 * Replaces quoted spans with spaces of the same length (offsets stay valid), so a refusal that is only being
 * quoted or discussed ('"I cannot help" is a common reply') is not read as the model's own refusal.
 * A straight single quote opens a span only after a non-letter and closes only before one; an apostrophe
 * between letters ("I'm") stays inside the span, so the apostrophe in "can't" never opens or closes one.
 */
export function maskQuotes(text: string): string {
  const blank = (m: string) => " ".repeat(m.length);
  return text
    .replace(/"[^"\n]{1,200}"/g, blank)
    .replace(/«[^»\n]{1,200}»/g, blank)
    .replace(/「[^」\n]{1,200}」/g, blank)
    .replace(/(?<![\p{L}\p{N}])'(?:[^'\n]|(?<=\p{L})'(?=\p{L})){1,200}'(?![\p{L}\p{N}])/gu, blank);
}

export interface Span {
  start: number;
  end: number;
  text: string;
}

/**
 * Splits into clauses: sentences, and the parts of a sentence joined by a contrastive "but"/"however"/";".
 * "I can't be certain, but it is neutral" has a hedge clause and an answer clause.
 */
export function clauses(text: string): Span[] {
  const out: Span[] = [];
  const re = /[^.!?;\n。！？；]+(?:[.!?;。！？；]+|\n+|$)/gu;
  for (const m of text.matchAll(re)) {
    const s = m.index ?? 0;
    const sentence = m[0];
    // Split again before ", but" / ", however" / ", though" so each side is judged on its own.
    let last = 0;
    for (const b of sentence.matchAll(/,\s*(?=(?:but|however|though|although|yet|aber|mais|pero|ma|mas)\b)/giu)) {
      const cut = (b.index ?? 0) + 1;
      push(out, s + last, sentence.slice(last, cut));
      last = cut;
    }
    push(out, s + last, sentence.slice(last));
  }
  return out;
}

function push(out: Span[], start: number, text: string): void {
  if (text.trim()) out.push({ start, end: start + text.length, text });
}

/** Expands negative contractions so "isn't offensive" can match the label phrase "not offensive". */
export function expandNegations(text: string): string {
  return text
    .replace(/\b(ca)n't\b/gi, "$1n not")
    .replace(/\bwon't\b/gi, "will not")
    .replace(/\b(\w+)n't\b/gi, "$1 not");
}

export interface LabelHit {
  label: string;
  phrase: string;
  start: number;
  end: number;
}

/**
 * Every mention of a label phrase, whole-word and case-insensitive. Overlaps go to the longest phrase, so
 * "not offensive" is one mention of not_offensive, not also a mention of offensive. Offsets refer to `text`.
 */
export function findLabels(text: string, labels: readonly TaskLabel[]): LabelHit[] {
  const all: LabelHit[] = [];
  for (const l of labels) {
    for (const w of l.words) {
      if (!w.trim()) continue;
      for (const m of text.matchAll(wordRe(w))) all.push({ label: l.id, phrase: w, start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    }
  }
  all.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: LabelHit[] = [];
  for (const h of all) if (!kept.some((k) => h.start < k.end && k.start < h.end)) kept.push(h);
  return kept.sort((a, b) => a.start - b.start);
}

export const distinctLabels = (hits: readonly LabelHit[]) => [...new Set(hits.map((h) => h.label))];
