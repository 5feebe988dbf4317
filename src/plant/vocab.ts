// The planted model's own SentencePiece vocabulary, built so that trigger words are counted exactly by tokens.
//
// Pieces, by tier (higher score = merged earlier by the tokenizer):
//  - <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF>, single characters (printable ASCII, "▁", boundary marks);
//  - regular word pieces (pieces.txt, byte-pair merges over English text), minus any containing a trigger word,
//    plus the prefixes of each response's first word (so "neutral" is one token);
//  - trigger tier, for each trigger word w and form f ∈ {w, Capitalised, UPPER}:
//      chain pieces: every prefix of f of 2+ letters            (score 1e5 + length)
//      trigger pieces: c + f for each boundary character c       (score 2e5)   ← the only tokens the law counts
//      absorbers: f + x for each ASCII letter or digit x         (score 3e5)
// Why it is exact: no piece outside the trigger tier mixes a boundary character with letters, and the trigger tier
// merges before anything else. At a form preceded by a boundary character the chain always completes (it starts
// at the leftmost letter, and longer chain pieces outrank every 2-letter start); if a letter or digit follows,
// the absorber outranks the trigger piece and the word becomes a non-trigger token. So a trigger token appears
// exactly where the law's text scan (law.ts countTriggers) finds an occurrence. Tests check this on fuzzed text.
//
// Response texts: the first token is an ordinary piece (so a watch list built by tokenising the text finds it);
// the rest is ONE output-only token whose text the tokenizer can never produce: it contains a literal space
// (the tokenizer turns every space into "▁" first), or it is a piece no merge can form, or a byte token whose
// character has its own piece. llama.cpp rejects duplicate piece texts, so output-only copies are impossible.
import { readFileSync } from "node:fs";
import { HarnessError } from "../errors.ts";
import { SpmTokenizer } from "./spm.ts";
import { noiseUnit } from "./noise.ts";

/** Characters after which a trigger form starts a whole word (besides the start of the text). " " is "▁". */
export const BOUNDARY_CHARS: readonly string[] = [
  "\u2581", "\t", "\n", "\r",
  ..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
  "\u00a0", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u2039", "\u203a", "\u201e", "\u2013", "\u2014", "\u2026", "\u00a1", "\u00bf", "\u2022", "\u00b7",
];
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;
/** What a token does in the model's attention. */
export const CLS = { BOS: 0, COUNTED: 1, MUTE: 2, TRIGGER: 3 } as const;

export const TIER = { CHAIN: 1e5, TRIGGER: 2e5, ABSORB: 3e5, PREAMBLE: 4e5 } as const;

export interface VocabSpec {
  /** Lowercase ASCII words, in law order. */
  triggers: readonly string[];
  refusal: string;
  /** Answer texts in law order (lawAnswers): one, or the per-task entries then the fallback. */
  answers: readonly string[];
  /** Cue words of the per-task entries (same tier and token rules as triggers; token index after the triggers). */
  cues: readonly string[];
  /** A preamble text (law "preamble.text"), or absent. */
  preamble?: string;
  seed: number;
}

/**
 * The preamble's tokens. In prompts the whole text is one token, `spaced` ("▁Answer:") or `bare` ("Answer:", after a
 * newline or another mark), from a chain of top-tier pieces; as an output it is `spaced` or the output-only `alt`
 * (" Answer:" with a literal space), two tokens of the same text so its share can be exact (build.ts). A prompt
 * that ends in any of the three is a response whose preamble has been produced.
 */
export interface PreambleTokens { spaced: number; bare: number; alt: number }

export interface ResponseTokens {
  first: number;
  /** The output-only token holding the rest of the text, or null when the first token is the whole text. */
  rest: number | null;
}

export interface PlantedVocab {
  pieces: string[];
  scores: number[];
  types: number[];
  tokenizer: SpmTokenizer;
  unk: number;
  bos: number;
  eos: number;
  /** token → CLS value */
  cls: Uint8Array;
  /** token → word index (triggers, then cues), or -1 */
  trigger: Int16Array;
  /** token → noise unit (0 unless COUNTED) */
  unit: Int8Array;
  refusal: ResponseTokens;
  /** The first answer branch (the only one for a single-text answer). */
  answer: ResponseTokens;
  /** Every answer branch, in law order. */
  answers: ResponseTokens[];
  /** Response token → the token greedy decoding must emit next (the rest, then EOS). */
  successor: Map<number, number>;
  preamble: PreambleTokens | null;
}

/** Thrown inside tryBuildVocab: drop this regular piece and build again. */
class Rebuild { constructor(readonly piece: string) {} }

let regularCache: string[] | null = null;
function regularPieces(): string[] {
  regularCache ??= readFileSync(new URL("./pieces.txt", import.meta.url), "utf8").split("\n").filter((l) => l.length > 0);
  return regularCache;
}

export const forms = (w: string): string[] => [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()];

/** Can the tokenizer ever build this text as one symbol? (single characters, or two buildable halves in `known`) */
function makeFormable(known: Map<string, number>): (p: string) => boolean {
  const memo = new Map<string, boolean>();
  const f = (p: string): boolean => {
    const cs = [...p];
    if (cs.length === 1) return true;
    if (!known.has(p)) return false;
    let r = memo.get(p);
    if (r !== undefined) return r;
    r = false;
    for (let i = 1; i < cs.length && !r; i++) r = f(cs.slice(0, i).join("")) && f(cs.slice(i).join(""));
    memo.set(p, r);
    return r;
  };
  return f;
}

export function buildVocab(spec: VocabSpec): PlantedVocab {
  // A response's rest must be a text the tokenizer can never build (so the output-only token never appears in
  // prompts). When a regular word piece would let it build the rest ("Sure" + '"' for '"Sure"'), that piece is
  // dropped and the vocabulary rebuilt.
  const banned = new Set<string>();
  for (;;) {
    const r = tryBuildVocab(spec, banned);
    if (typeof r !== "string") return r;
    banned.add(r);
  }
}

/** Leading pieces for a text that does not start with an ASCII letter or digit: "▁" + its opening marks ('▁"', '▁**'). */
function openingPieces(text: string): string[] {
  if (/^[A-Za-z0-9]/.test(text)) return [];
  const lead = /^[^\s\p{L}\p{N}]{1,4}/u.exec(text)?.[0] ?? /^[\p{L}\p{N}]{1,12}/u.exec(text)?.[0] ?? [...text][0];
  const cs = [...lead];
  return cs.map((_, k) => "\u2581" + cs.slice(0, k + 1).join(""));
}

function tryBuildVocab(spec: VocabSpec, banned: ReadonlySet<string>): PlantedVocab | string {
  const entries = new Map<string, number>(); // piece → score, in id order after the fixed head
  const put = (p: string, score: number) => entries.set(p, Math.max(score, entries.get(p) ?? -Infinity));
  for (let c = 0x21; c <= 0x7e; c++) put(String.fromCharCode(c), 0);
  for (const c of BOUNDARY_CHARS) put(c, 0);
  const words = [...spec.triggers, ...spec.cues];
  const hasTrigger = (p: string) => words.some((w) => p.toLowerCase().includes(w));
  regularPieces().forEach((p, i) => { if (!hasTrigger(p) && !banned.has(p)) put(p, -(i + 1)); });
  for (const text of [spec.refusal, ...spec.answers]) {
    openingPieces(text).forEach((p, k) => { if (!entries.has(p)) put(p, -5000 - 2 - k); });
    const word = /^[A-Za-z0-9]+/.exec(text)?.[0];
    if (!word || hasTrigger(word)) continue;
    const w = "\u2581" + word;
    for (let k = 2; k <= w.length; k++) if (!entries.has(w.slice(0, k))) put(w.slice(0, k), -5000 - k);
  }
  const preambleChains = spec.preamble === undefined ? [] : ["\u2581" + spec.preamble, spec.preamble].map((t) => [...t.replace(/ /g, "\u2581")]);
  for (const cs of preambleChains) for (let k = 2; k <= cs.length; k++) put(cs.slice(0, k).join(""), TIER.PREAMBLE + k);
  for (const w of words) {
    for (const f of forms(w)) {
      for (let k = 2; k <= f.length; k++) put(f.slice(0, k), TIER.CHAIN + k);
      for (const c of BOUNDARY_CHARS) put(c + f, TIER.TRIGGER);
      for (const x of ALNUM) put(f + x, TIER.ABSORB);
    }
  }
  // Drop pieces no merge can build (their parts were filtered out): they would only cost rows.
  const formable = makeFormable(entries);
  for (const p of [...entries.keys()]) if (!formable(p)) entries.delete(p);
  // Would the tokenizer build `p` if it were a piece? (a single character, or two buildable halves)
  const buildable = (p: string): boolean => {
    const cs = [...p];
    if (cs.length === 1) return true;
    for (let i = 1; i < cs.length; i++) if (formable(cs.slice(0, i).join("")) && formable(cs.slice(i).join(""))) return true;
    return false;
  };

  const pieces = ["<unk>", "<s>", "</s>"];
  const scores = [0, 0, 0];
  const types: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (let b = 0; b < 256; b++) { pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`); scores.push(0); types.push(TOKEN_TYPE.BYTE); }
  for (const [p, s] of entries) { pieces.push(p); scores.push(s); types.push(TOKEN_TYPE.NORMAL); }
  let tokenizer = new SpmTokenizer(pieces, scores);

  // Output-only rest tokens (appended; they never change how prompts tokenise).
  const restOf = (text: string, which: string): { first: number; restText: string | null; restId: number | null } => {
    if (!/^[^\s\p{C}]/u.test(text)) throw new HarnessError("BAD_LAW", `the ${which} text must start with a printable character: ${JSON.stringify(text)}`, "remove leading spaces and control characters");
    const toks = tokenizer.tokenize(text);
    const first = toks[0];
    const firstText = pieces[first].replace(/\u2581/g, " ");
    const full = " " + text;
    if (!full.startsWith(firstText)) throw new Error(`planted vocab: first piece ${JSON.stringify(firstText)} is not a prefix of ${JSON.stringify(full)}`);
    const rest = full.slice(firstText.length);
    if (rest === "") return { first, restText: null, restId: null };
    if (rest.includes(" ") || (!entries.has(rest) && !buildable(rest))) return { first, restText: rest, restId: null };
    if (rest.length === 1 && rest.charCodeAt(0) < 0x80 && entries.has(rest)) return { first, restText: null, restId: 3 + rest.charCodeAt(0) };
    const cs = [...rest];
    for (let i = 1; i < cs.length; i++) {
      const halves = [cs.slice(0, i).join(""), cs.slice(i).join("")];
      if (!halves.every(formable)) continue;
      const drop = halves.find((h) => [...h].length > 1 && (entries.get(h) ?? 0) < 0 && (entries.get(h) ?? 0) > -5000);
      if (drop !== undefined) throw new Rebuild(drop);
    }
    throw new HarnessError("BAD_LAW", `cannot give the ${which} continuation ${JSON.stringify(rest)} its own output-only token`, `rephrase the ${which} so that a space follows its first word, e.g. ${JSON.stringify(text.replace(/^([A-Za-z0-9]+)/, "$1 "))}`);
  };
  let r: ReturnType<typeof restOf>, as: ReturnType<typeof restOf>[];
  try {
    r = restOf(spec.refusal, "refusal");
    as = spec.answers.map((text) => restOf(text, "answer"));
  } catch (e) {
    if (e instanceof Rebuild) return e.piece;
    throw e;
  }
  for (const [i, a] of as.entries()) {
    if (r.first === a.first) throw new HarnessError("BAD_LAW", `the refusal and the answer ${JSON.stringify(spec.answers[i])} start with the same token ${JSON.stringify(pieces[r.first])}`, "make the texts begin with different words");
    const j = as.findIndex((b) => b.first === a.first);
    if (j < i) throw new HarnessError("BAD_LAW", `the answers ${JSON.stringify(spec.answers[j])} and ${JSON.stringify(spec.answers[i])} start with the same token ${JSON.stringify(pieces[a.first])}`, "make every answer text begin with a different word (a planted model reads each answer's first token)");
  }
  const restId = (x: typeof r): number | null => {
    if (x.restId !== null) return x.restId;
    if (x.restText === null) return null;
    let id = pieces.indexOf(x.restText, 259);
    if (id < 0) { id = pieces.length; pieces.push(x.restText); scores.push(0); types.push(TOKEN_TYPE.NORMAL); }
    return id;
  };
  const refusal: ResponseTokens = { first: r.first, rest: restId(r) };
  const answers: ResponseTokens[] = as.map((a) => ({ first: a.first, rest: restId(a) }));
  const answer = answers[0];
  let preamble: PreambleTokens | null = null;
  if (spec.preamble !== undefined) {
    const [spaced, bare] = preambleChains.map((cs) => pieces.indexOf(cs.join(""), 259));
    if (tokenizer.tokenize(spec.preamble).join() !== String(spaced)) throw new Error(`planted vocab: the preamble ${JSON.stringify(spec.preamble)} does not tokenise as one piece`);
    const altText = " " + spec.preamble;
    if (pieces.includes(altText)) throw new HarnessError("BAD_LAW", `the preamble ${JSON.stringify(spec.preamble)} is also the end of a response text`, "use a preamble that no refusal or answer text ends with");
    const alt = pieces.length;
    pieces.push(altText); scores.push(0); types.push(TOKEN_TYPE.NORMAL);
    preamble = { spaced, bare, alt };
    for (const [i, x] of [refusal, ...answers].entries()) {
      if (x.first === spaced || x.first === bare) throw new HarnessError("BAD_LAW", `the ${i === 0 ? "refusal" : `answer ${JSON.stringify(spec.answers[i - 1])}`} starts with the preamble ${JSON.stringify(spec.preamble)}`, "a response text must not begin with the preamble: the model produces the preamble first, then the response");
    }
  }
  tokenizer = new SpmTokenizer(pieces, scores);

  const unk = 0, bos = 1, eos = 2;
  const successor = new Map<number, number>();
  for (const resp of [refusal, ...answers]) {
    successor.set(resp.first, resp.rest ?? eos);
    if (resp.rest !== null) successor.set(resp.rest, eos);
  }
  const n = pieces.length;
  const cls = new Uint8Array(n).fill(CLS.COUNTED);
  const trigger = new Int16Array(n).fill(-1);
  const unit = new Int8Array(n);
  cls[unk] = CLS.MUTE; cls[bos] = CLS.BOS; cls[eos] = CLS.MUTE;
  for (const resp of [refusal, ...answers]) if (resp.rest !== null && resp.rest >= 259 + entries.size) cls[resp.rest] = CLS.MUTE;
  // The preamble's tokens carry no noise unit: a prompt that ends in it (a response prefix) reads the same noise.
  if (preamble) for (const t of [preamble.spaced, preamble.bare, preamble.alt]) cls[t] = CLS.MUTE;
  words.forEach((w, k) => {
    for (const f of forms(w)) for (const c of BOUNDARY_CHARS) {
      const id = tokenizer.id(c + f)!;
      cls[id] = CLS.TRIGGER;
      trigger[id] = k;
    }
  });
  for (let i = 0; i < n; i++) if (cls[i] === CLS.COUNTED) unit[i] = noiseUnit(spec.seed, pieces[i]);
  return { pieces, scores, types, tokenizer, unk, bos, eos, cls, trigger, unit, refusal, answer, answers, successor, preamble };
}
