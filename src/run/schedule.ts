// Execution order for prefix reuse (pure). The seeded plan decides WHICH trials run; this only decides in what
// order and in which batch slot, so that trials sharing a rendered prefix (system prompt, persona, instruction)
// run back to back on the same sequence and its KV cache is reused.
//
// Rule: sort the trials by rendered prompt (neighbours in sorted order share the longest prefixes), cut the
// sorted list into `sequences` contiguous streams of near-equal length, and let batch b hold the b-th trial of
// every stream. Slot j of each batch is stream j, so consecutive trials on sequence j are sorted neighbours.
// The backend matches requests to sequences by cached prefix itself, so slot order is a hint, not a contract.

/** Batches (each ≤ `sequences` trials) covering every trial exactly once; the input array is not changed. */
export function scheduleForPrefixReuse<T>(trials: readonly T[], promptOf: (t: T) => string, sequences: number): T[][] {
  const s = Math.max(1, Math.floor(sequences));
  const keyed = trials.map((t, i) => ({ t, i, p: promptOf(t) }));
  // Ties keep plan order, so the schedule is deterministic for a given plan.
  keyed.sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : a.i - b.i));
  const n = keyed.length;
  const streams = Math.min(s, n);
  const q = Math.floor(n / Math.max(1, streams));
  const r = n - q * streams;
  const starts: number[] = [];
  for (let j = 0, at = 0; j < streams; j++) { starts.push(at); at += q + (j < r ? 1 : 0); }
  const batches: T[][] = [];
  for (let b = 0; b < q + (r > 0 ? 1 : 0); b++) {
    const batch: T[] = [];
    for (let j = 0; j < streams; j++) if (b < q + (j < r ? 1 : 0)) batch.push(keyed[starts[j] + b].t);
    batches.push(batch);
  }
  return batches;
}

/** Characters shared with the previous trial on the same slot, summed: what a schedule lets the cache reuse. */
export function sharedPrefixChars<T>(batches: readonly T[][], promptOf: (t: T) => string): number {
  let total = 0;
  for (let b = 1; b < batches.length; b++) {
    for (let j = 0; j < batches[b].length; j++) {
      const prev = batches[b - 1][j];
      if (prev === undefined) continue;
      const x = promptOf(prev), y = promptOf(batches[b][j]);
      let k = 0;
      while (k < x.length && k < y.length && x[k] === y[k]) k++;
      total += k;
    }
  }
  return total;
}
