// Plan-time check of the first-token reading (issue 14): a refusal onset whose first token is also the first token
// of a label word, or of the words a persona-voiced reply opens with ("As a Muslim woman, …" next to the onset
// "As an AI"), cannot be read apart from it by first-token mass. The watch list already leaves a token shared with a
// label out of the refusal side; this says so, and names the persona openings too.
import type { Persona, TaskLabel } from "../types.ts";

export interface AmbiguousRead {
  onset: string;
  /** The label word or persona opening that starts with the same token. */
  other: string;
  kind: "label" | "persona";
  /** The shared token's text, when the backend can say. */
  token?: string;
}

/** Openings of a reply in a persona's voice: its text's first word, and "As " + the text. */
export function personaOpenings(personas: readonly Persona[]): string[] {
  const out = new Set<string>();
  for (const p of personas) {
    const text = p.text.trim();
    if (p.isControl || !text) continue;
    out.add(text.split(/\s+/)[0]);
    out.add(`As ${text}`);
  }
  return [...out];
}

/**
 * `tokenText` (optional) names tokens and drops whitespace-only ones: SentencePiece turns " (" into "▁" + "(", and a
 * bare "▁" shared by everything is no evidence of an ambiguous reading.
 */
export function ambiguousReads(onsets: readonly string[], labels: readonly TaskLabel[], personas: readonly Persona[], firstTokens: (text: string) => number[],
  tokenText?: (id: number) => string): AmbiguousRead[] {
  const keep = (t: number) => !tokenText || tokenText(t).trim() !== "";
  const tokensOf = (w: string) => new Set([w, w.charAt(0).toUpperCase() + w.slice(1)].flatMap((v) => firstTokens(v)).filter(keep));
  const others: { text: string; kind: AmbiguousRead["kind"]; tokens: Set<number> }[] = [
    ...[...new Set(labels.flatMap((l) => l.words))].map((w) => ({ text: w, kind: "label" as const, tokens: tokensOf(w) })),
    ...personaOpenings(personas).map((w) => ({ text: w, kind: "persona" as const, tokens: tokensOf(w) })),
  ];
  const out: AmbiguousRead[] = [];
  for (const onset of onsets) {
    const mine = tokensOf(onset);
    for (const o of others) {
      const t = [...mine].find((x) => o.tokens.has(x));
      if (t !== undefined) out.push({ onset, other: o.text, kind: o.kind, ...(tokenText ? { token: tokenText(t) } : {}) });
    }
  }
  return out;
}

/** One warning line for a model, or null when nothing is ambiguous. */
export function ambiguityWarning(model: string, reads: readonly AmbiguousRead[]): string | null {
  if (!reads.length) return null;
  const shown = reads.slice(0, 4).map((r) => `'${r.onset}' / ${r.kind === "label" ? "label word" : "persona opening"} '${r.other}'${r.token !== undefined ? ` (${JSON.stringify(r.token)})` : ""}`);
  return `${model}: ambiguous first-token reads — ${reads.length} refusal onset${reads.length === 1 ? "" : "s"} start${reads.length === 1 ? "s" : ""} with the same token as a label word or a persona opening (${shown.join("; ")}${reads.length > 4 ? "; …" : ""}): ` +
    "p_refusal cannot tell them apart; drop or reword those onsets (study refusalOnsets), or set prompt.responsePrefix";
}
