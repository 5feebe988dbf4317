// One row of logits → exactly what a trial needs: probabilities of a few tokens, the top k, the argmax.
// Never a full token→probability Map: real vocabularies have 150k entries and most of the row is never read.

/** A logits row viewed as numbers (float16 rows arrive as raw half bits and are converted once). */
export type Row = Float32Array | Float64Array;

export class Softmax {
  private readonly max: number;
  private readonly logZ: number;

  constructor(readonly row: Row) {
    let max = -Infinity;
    for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
    let z = 0;
    for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
    this.max = max;
    this.logZ = Math.log(z);
  }

  /** Probability of one token (0 for ids outside the row). */
  p = (token: number): number => (token >= 0 && token < this.row.length ? Math.exp(this.row[token] - this.max - this.logZ) : 0);

  argmax(): number {
    let best = 0;
    for (let i = 1; i < this.row.length; i++) if (this.row[i] > this.row[best]) best = i;
    return best;
  }

  /** The k most likely tokens, high to low (ties: lower id first). k ≥ vocabulary size sorts the whole row. */
  top(k: number): { token: number; p: number }[] {
    const n = this.row.length;
    const kk = Math.min(Math.max(0, k), n);
    if (kk === 0) return [];
    let ids: number[];
    if (kk * 8 >= n) {
      ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.row[b] - this.row[a] || a - b).slice(0, kk);
    } else {
      // Insertion into a short sorted list: O(n·k) worst case but O(n) for the usual small k.
      ids = [];
      for (let i = 0; i < n; i++) {
        const v = this.row[i];
        if (ids.length === kk) {
          if (v <= this.row[ids[kk - 1]]) continue;
          ids.pop();
        }
        let j = ids.length;
        ids.push(i);
        while (j > 0 && this.row[ids[j - 1]] < v) {
          ids[j] = ids[j - 1];
          j--;
        }
        ids[j] = i;
      }
    }
    return ids.map((token) => ({ token, p: this.p(token) }));
  }
}

/** IEEE half bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Row `index` of a [rows, V] block of logits data (float32, float16 as Uint16 bits or Float16Array). */
export function rowOf(data: ArrayLike<number> & { subarray?: unknown }, type: string, index: number, vocab: number): Row {
  const start = index * vocab;
  if (data instanceof Float32Array) return data.subarray(start, start + vocab);
  const out = new Float32Array(vocab);
  if (type === "float16" && data instanceof Uint16Array) for (let i = 0; i < vocab; i++) out[i] = halfToFloat(data[start + i]);
  else for (let i = 0; i < vocab; i++) out[i] = Number(data[start + i]);
  return out;
}
