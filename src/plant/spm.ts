// A TypeScript copy of llama.cpp's SentencePiece ("llama" vocab type) tokenizer, so the planted law's explain
// function sees exactly the tokens the engine sees. Mirrors llm_tokenizer_spm_session (src/llama-vocab.cpp):
// spaces escaped to "▁", a leading space prefix, UTF-8 characters as initial symbols, repeated merging of the
// adjacent pair whose concatenation is a piece with the highest score (ties: leftmost), byte fallback for
// leftover symbols that are not pieces. Pieces later in the list win when two share a text (token_to_id).

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

/** Max-heap on (score, then smaller left first): llama.cpp's llm_bigram_spm::comparator. */
class BigramQueue {
  private items: Bigram[] = [];
  get size(): number { return this.items.length; }
  private better(a: Bigram, b: Bigram): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(b: Bigram): void {
    const h = this.items;
    h.push(b);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Bigram {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.better(h[l], h[m])) m = l;
        if (r < h.length && this.better(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export class SpmTokenizer {
  private readonly idOf = new Map<string, number>();
  private readonly byteIds: number[] = [];

  constructor(private readonly pieces: readonly string[], private readonly scores: readonly number[]) {
    pieces.forEach((p, i) => this.idOf.set(p, i));
    for (let b = 0; b < 256; b++) {
      const id = this.idOf.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
      if (id === undefined) throw new Error(`vocabulary lacks byte token for 0x${b.toString(16)}`);
      this.byteIds.push(id);
    }
  }

  id(piece: string): number | undefined {
    return this.idOf.get(piece);
  }

  /**
   * Tokens of `text` as llama_tokenize(text, add_special = false, parse_special = false) gives them for a vocabulary
   * with add_space_prefix: no BOS, a "▁" prefix. Lone surrogates become U+FFFD, as in UTF-8 conversion.
   */
  tokenize(text: string, spacePrefix = true): number[] {
    if (text === "") return [];
    const escaped = Buffer.from((spacePrefix ? " " : "") + text, "utf8").toString("utf8").replace(/ /g, "\u2581");
    const chars = [...escaped];
    const n = chars.length;
    const len = new Int32Array(n), prev = new Int32Array(n), next = new Int32Array(n);
    const texts = chars.slice();
    for (let i = 0; i < n; i++) { len[i] = 1; prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
    const queue = new BigramQueue();
    const tryAdd = (l: number, r: number) => {
      if (l === -1 || r === -1) return;
      const t = texts[l] + texts[r];
      const id = this.idOf.get(t);
      if (id === undefined) return;
      queue.push({ left: l, right: r, score: this.scores[id], size: len[l] + len[r] });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    while (queue.size) {
      const b = queue.pop();
      if (len[b.left] === 0 || len[b.right] === 0 || len[b.left] + len[b.right] !== b.size) continue;
      texts[b.left] += texts[b.right];
      len[b.left] += len[b.right];
      len[b.right] = 0;
      next[b.left] = next[b.right];
      if (next[b.right] >= 0) prev[next[b.right]] = b.left;
      tryAdd(prev[b.left], b.left);
      tryAdd(b.left, next[b.left]);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1 && i < n; i = next[i]) {
      const id = this.idOf.get(texts[i]);
      if (id !== undefined) out.push(id);
      else for (const byte of Buffer.from(texts[i], "utf8")) out.push(this.byteIds[byte]);
    }
    return out;
  }
}
