// The planted vocabulary (vocab.ts, shared with the planted GGUF) as a transformers.js tokenizer.json.
//
// llama.cpp's SentencePiece tokenizer repeatedly merges the adjacent pair whose concatenation is the piece with the
// highest score (ties: leftmost). A BPE model reproduces it when its merge list holds every way of building each
// piece from two buildable halves, ranked by the piece's score (high first): transformers.js then merges the
// lowest-ranked pair, ties leftmost. Pieces of equal score (the vocabulary's trigger tiers) are ordered so that one
// that can overlap another from the left ranks first, which is what "leftmost" decides between two such
// candidates; the tests compare both tokenizers on fuzzed and dataset text.
// Normalizer, byte fallback and decoder are those of HF's Llama tokenizer.json (prefix "▁", spaces → "▁").
import { TOKEN_TYPE, type PlantedVocab } from "./vocab.ts";

/** [left, right] pairs in rank order. */
export function spmMerges(v: PlantedVocab): [string, string][] {
  const buildable = new Set<string>();
  const normal = v.pieces.map((p, i) => ({ p, i, s: v.scores[i] })).filter(({ i }) => v.types[i] === TOKEN_TYPE.NORMAL);
  // A symbol is a single character or a piece some merge builds; pieces are checked shortest first.
  const isSymbol = (t: string) => [...t].length === 1 || buildable.has(t);
  const merges: { pair: [string, string]; s: number; i: number }[] = [];
  for (const { p, i, s } of normal.slice().sort((a, b) => [...a.p].length - [...b.p].length)) {
    const cs = [...p];
    if (cs.length < 2) continue;
    for (let k = 1; k < cs.length; k++) {
      const left = cs.slice(0, k).join(""), right = cs.slice(k).join("");
      if (isSymbol(left) && isSymbol(right)) merges.push({ pair: [left, right], s, i });
    }
    if (merges.length && merges[merges.length - 1].i === i) buildable.add(p);
  }
  // Within one score, llama.cpp merges the leftmost candidate first; BPE merges by rank. Where a merge can sit
  // immediately left of another of the same score, sharing a symbol ("ma" | "at" in "mat"), rank it first.
  const byScore = new Map<number, typeof merges>();
  for (const m of merges) byScore.set(m.s, [...(byScore.get(m.s) ?? []), m]);
  const out: [string, string][] = [];
  for (const s of [...byScore.keys()].sort((a, b) => b - a)) out.push(...leftFirst(byScore.get(s)!).map((m) => m.pair));
  return out;
}

/** Orders same-score merges so that one that can overlap another from the left comes first (Kahn; id order otherwise). */
function leftFirst<T extends { pair: [string, string]; i: number }>(group: T[]): T[] {
  const pieces = [...new Set(group.map((m) => m.i))].sort((a, b) => a - b);
  if (pieces.length < 2) return group;
  const rights = new Map<number, Set<string>>(), lefts = new Map<number, Set<string>>();
  for (const m of group) {
    (rights.get(m.i) ?? rights.set(m.i, new Set()).get(m.i)!).add(m.pair[1]);
    (lefts.get(m.i) ?? lefts.set(m.i, new Set()).get(m.i)!).add(m.pair[0]);
  }
  const before = new Map<number, number[]>(pieces.map((p) => [p, []]));
  const indeg = new Map<number, number>(pieces.map((p) => [p, 0]));
  for (const p of pieces) for (const q of pieces) {
    if (p === q) continue;
    if ([...rights.get(p)!].some((sym) => lefts.get(q)!.has(sym))) {
      before.get(p)!.push(q);
      indeg.set(q, indeg.get(q)! + 1);
    }
  }
  const order: number[] = [];
  const ready = pieces.filter((p) => indeg.get(p) === 0);
  const left = new Set(pieces);
  while (left.size) {
    const p = ready.length ? ready.shift()! : Math.min(...left); // a cycle: no order is right for every text
    if (!left.delete(p)) continue;
    order.push(p);
    for (const q of before.get(p)!) {
      indeg.set(q, indeg.get(q)! - 1);
      if (indeg.get(q) === 0 && left.has(q)) ready.push(q);
    }
  }
  const rank = new Map(order.map((p, k) => [p, k]));
  return group.slice().sort((a, b) => rank.get(a.i)! - rank.get(b.i)!);
}

export function spmTokenizerJson(v: PlantedVocab): object {
  const vocab: Record<string, number> = {};
  v.pieces.forEach((p, i) => (vocab[p] = i)); // a repeated text maps to its last id, as in llama.cpp
  const special = (id: number) => ({ id, content: v.pieces[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(v.unk), special(v.bos), special(v.eos)],
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, { type: "Replace", pattern: { String: " " }, content: "\u2581" }] },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: v.pieces[v.bos], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: v.pieces[v.bos], type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { [v.pieces[v.bos]]: { id: v.pieces[v.bos], ids: [v.bos], tokens: [v.pieces[v.bos]] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "\u2581" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: v.pieces[v.unk],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: spmMerges(v),
    },
  };
}

/** No chat template: prompts render with the study's plain template, exactly as the planted GGUF sees them. */
export function spmTokenizerConfig(v: PlantedVocab): object {
  return {
    tokenizer_class: "LlamaTokenizer",
    bos_token: v.pieces[v.bos],
    eos_token: v.pieces[v.eos],
    unk_token: v.pieces[v.unk],
    pad_token: v.pieces[v.eos],
    add_bos_token: true,
    add_eos_token: false,
    legacy: true,
    padding_side: "left",
    clean_up_tokenization_spaces: false,
    model_max_length: 1 << 20,
  };
}
