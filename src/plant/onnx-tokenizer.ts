// The planted ONNX model's own tokenizer (tokenizer.json + tokenizer_config.json for transformers.js).
//
// Whole-word, case-insensitive trigger matching is done by the normalizer, not the model: one Replace rule per
// trigger rewrites every whole-word, any-case occurrence to a private-use character, and the pre-tokenizer keeps
// each such character as its own piece, so a trigger is exactly one token wherever it occurs. Everything else is
// split into words and single punctuation marks; words outside the vocabulary become <unk>.
//
// The two response texts are encoded so decoding reproduces them exactly: the first word is an ordinary vocabulary
// token (so a watch list built from the text finds it), the remainder one output-only token (it contains spaces,
// which the pre-tokenizer never yields), and the decoder concatenates pieces as they are (Fuse).

/** Characters that make up a word for whole-word matching (what \b means for Unicode text). */
export const WORD_CHAR = "\\p{L}\\p{M}\\p{N}_";
/** Pieces the pre-tokenizer yields: a private-use trigger mark, a word, or one other non-space character. */
const PIECE = `[\\u{E000}-\\u{F8FF}]|[${WORD_CHAR}]+|[^\\s${WORD_CHAR}]`;
const FIRST_PUA = 0xe000;

export const SPECIAL = { pad: "<pad>", bos: "<s>", eos: "</s>", unk: "<unk>", system: "<|§|>", user: "<|»|>", assistant: "<|«|>" } as const;

/**
 * Role markers carry no letters, so a template never adds a word that a trigger could match; the law reads only
 * the message texts. The generation prompt ends in the assistant marker, the position whose row carries the law.
 */
export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}" + SPECIAL.system +
  "{% elif m['role'] == 'user' %}" + SPECIAL.user + "{% else %}" + SPECIAL.assistant +
  "{% endif %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}" + SPECIAL.assistant + "{% endif %}";

/** A word or phrase that becomes one token: its Replace rule, its private-use mark. */
export interface MarkedPhrase {
  text: string;
}

export interface PlantedVocab {
  /** token string → id */
  vocab: Record<string, number>;
  /** ids of the special tokens */
  ids: Record<keyof typeof SPECIAL, number>;
  /** id of each marked phrase, in input order */
  phraseIds: number[];
  /** token ids of each response text (first word, then the remainder if any) */
  refusal: number[];
  answer: number[];
  size: number;
}

/** Splits a text the way the pre-tokenizer does (after trigger marking). */
export function pieces(text: string): string[] {
  return text.match(new RegExp(PIECE, "gu")) ?? [];
}

/** A regex source matching `text` as a whole word (or phrase), any case; inner whitespace matches any run of it. */
export function wholeWordPattern(text: string): string {
  const hex = (f: string) => `\\x{${f.codePointAt(0)!.toString(16)}}`; // Oniguruma syntax; transformers.js rewrites it
  const body = [...text.trim()].map((c) => {
    if (/\s/u.test(c)) return "\\s+";
    const forms = [...new Set([c, c.toLowerCase(), c.toUpperCase()].filter((f) => [...f].length === 1))];
    return forms.length === 1 ? hex(forms[0]) : `[${forms.map(hex).join("")}]`;
  });
  return `(?<![${WORD_CHAR}])${body.join("")}(?![${WORD_CHAR}])`;
}

/** Response text → [first word, remainder]: the first piece as the pre-tokenizer yields it, the rest verbatim. */
export function splitResponse(text: string): string[] {
  const first = pieces(text)[0];
  if (!first || !text.startsWith(first)) throw new Error(`response text must start with a word or mark, not whitespace: ${JSON.stringify(text)}`);
  const rest = text.slice(first.length);
  return rest ? [first, rest] : [first];
}

export function buildVocab(phrases: MarkedPhrase[], refusal: string, answer: string): PlantedVocab {
  const vocab: Record<string, number> = {};
  const add = (s: string): number => (vocab[s] ??= Object.keys(vocab).length);
  const ids = Object.fromEntries(Object.entries(SPECIAL).map(([k, s]) => [k, add(s)])) as PlantedVocab["ids"];
  const phraseIds = phrases.map((_, i) => add(String.fromCodePoint(FIRST_PUA + i)));
  const ref = splitResponse(refusal).map(add);
  const ans = splitResponse(answer).map(add);
  return { vocab, ids, phraseIds, refusal: ref, answer: ans, size: Object.keys(vocab).length };
}

export function tokenizerJson(v: PlantedVocab, phrases: MarkedPhrase[]): object {
  if (phrases.length > 0xf8ff - FIRST_PUA) throw new Error(`too many marked phrases (${phrases.length})`);
  // Longest first, so a phrase containing another phrase is marked as the longer one.
  const order = phrases.map((p, i) => ({ p, i })).sort((a, b) => b.p.text.length - a.p.text.length || a.i - b.i);
  const specials = Object.values(SPECIAL).map((s) => ({ id: v.vocab[s], content: s, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials,
    normalizer: {
      type: "Sequence",
      normalizers: [
        // Private-use characters in the input would pose as trigger marks: drop them first.
        { type: "Replace", pattern: { Regex: "[\\u{E000}-\\u{F8FF}]" }, content: "" },
        ...order.map(({ p, i }) => ({ type: "Replace", pattern: { Regex: wholeWordPattern(p.text) }, content: String.fromCodePoint(FIRST_PUA + i) })),
      ],
    },
    pre_tokenizer: { type: "Split", pattern: { Regex: PIECE }, behavior: "Removed", invert: true },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: SPECIAL.bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: SPECIAL.bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { [SPECIAL.bos]: { id: SPECIAL.bos, ids: [v.ids.bos], tokens: [SPECIAL.bos] } },
    },
    decoder: { type: "Fuse" },
    model: { type: "WordPiece", unk_token: SPECIAL.unk, continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: v.vocab },
  };
}

export function tokenizerConfig(): object {
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: SPECIAL.bos,
    eos_token: SPECIAL.eos,
    unk_token: SPECIAL.unk,
    pad_token: SPECIAL.pad,
    padding_side: "left",
    clean_up_tokenization_spaces: false,
    model_max_length: 1 << 20,
    chat_template: CHAT_TEMPLATE,
  };
}
