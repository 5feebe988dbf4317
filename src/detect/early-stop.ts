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

/** Opening sentences first-sentence@2 may pass over, and the most words one may have. */
const MAX_PREAMBLE_SENTENCES = 2;
const MAX_PREAMBLE_WORDS = 16;

/** The first complete sentence of `text` as first-sentence@1 cuts it (after its leading marks), or null. */
function leadingSentence(text: string): { sentence: string; rest: string } | null {
  const s = text.replace(/[\u2018\u2019]/g, "'").replace(/^(?:\s|[*_#>`~"-]|(?:assistant|answer|response)\s*:)+/i, "");
  const end = /[.!?][*_"'`)\]]*(?=\s)|(?<=\S[^\n]*)\n/.exec(s);
  if (!end) return null;
  const cut = end.index + end[0].length;
  return { sentence: s.slice(0, cut), rest: s.slice(cut) };
}

/**
 * first-sentence@2: first-sentence@1, read past a preamble. When the first sentence decides nothing and is a short
 * opening that names no label and opens with no refusal onset ("Sure!", "Here is my answer.", "Let me think."), the
 * next sentence is read the same way, up to two such openings. Chat models often open so; @1 then never stops early.
 * A label or onset anywhere in a passed-over sentence ends the search (that sentence was not neutral).
 */
export function preambleSettled(text: string, watch: Pick<WatchList, "labels" | "refusalOnsets">): boolean {
  let rest = text;
  for (let i = 0; i <= MAX_PREAMBLE_SENTENCES; i++) {
    if (firstSentenceSettled(rest, watch)) return true;
    if (i === MAX_PREAMBLE_SENTENCES) return false;
    const lead = leadingSentence(rest);
    if (!lead || lead.sentence.trim().split(/\s+/).length > MAX_PREAMBLE_WORDS || namesAnything(lead.sentence, watch)) return false;
    rest = lead.rest;
  }
  return false;
}

/** Does a sentence name a label word or contain a refusal onset anywhere (so it is no neutral opening)? */
function namesAnything(sentence: string, watch: Pick<WatchList, "labels" | "refusalOnsets">): boolean {
  const words = [...watch.labels.flatMap((l) => l.words), ...watch.refusalOnsets];
  return words.some((w) => {
    const body = w.replace(/[\u2018\u2019]/g, "'").trim().split(/\s+/).map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+");
    return body !== "" && new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "iu").test(sentence.replace(/[\u2018\u2019]/g, "'"));
  });
}

export const FIRST_SENTENCE_V2: EarlyStopRule = { name: "first-sentence@2", settled: preambleSettled };

const RULES = new Map([FIRST_SENTENCE_V1, FIRST_SENTENCE_V2].map((r) => [r.name, r]));
export const EARLY_STOP_RULES: readonly string[] = [...RULES.keys()];

/** A rule by name (the study's `earlyStop`); undefined for an unknown name. */
export function earlyStopRule(name: string): EarlyStopRule | undefined {
  return RULES.get(name);
}

/** The rule a run uses unless told to generate full texts. */
export const DEFAULT_EARLY_STOP = FIRST_SENTENCE_V1;
