// Execution order for prefix reuse, sequence assignment, and the early-stop rule (pure functions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { scheduleForPrefixReuse, sharedPrefixChars } from "../../../src/run/schedule.ts";
import { assignSequences, commonPrefix, chooseTuning } from "../../../src/backends/llamaCpp/index.ts";
import { firstSentenceSettled as outcomeSettled } from "../../../src/detect/early-stop.ts";

const personas = ["A teacher. ", "A nurse. ", "A farmer. ", ""];
const tasks = ["Is it offensive? ", "Label politeness: "];
const trials = personas.flatMap((p, pi) => tasks.flatMap((t, ti) => [0, 1, 2, 3, 4].map((i) => ({ id: `${pi}-${ti}-${i}`, prompt: `${p}${t}item ${i}` }))));
// A seeded-looking shuffle: the plan order the run loop receives.
const plan = trials.map((t, i) => ({ t, k: (i * 7919) % 41 })).sort((a, b) => a.k - b.k).map((x) => x.t);

test("the schedule covers every trial once and leaves the plan untouched", () => {
  const copy = [...plan];
  for (const s of [1, 3, 8, 40, 100]) {
    const batches = scheduleForPrefixReuse(plan, (t) => t.prompt, s);
    assert.deepEqual(plan, copy);
    assert.ok(batches.every((b) => b.length >= 1 && b.length <= s));
    const ids = batches.flat().map((t) => t.id).sort();
    assert.deepEqual(ids, plan.map((t) => t.id).sort());
    // Only the last batches may be short: never more batches than needed.
    assert.equal(batches.length, Math.ceil(plan.length / Math.min(s, plan.length)));
  }
  assert.deepEqual(scheduleForPrefixReuse([], (t: string) => t, 4), []);
});

test("consecutive trials on a slot share more prefix than in plan order", () => {
  const promptOf = (t: { prompt: string }) => t.prompt;
  const scheduled = sharedPrefixChars(scheduleForPrefixReuse(plan, promptOf, 4), promptOf);
  const naive: (typeof plan)[] = [];
  for (let i = 0; i < plan.length; i += 4) naive.push(plan.slice(i, i + 4));
  assert.ok(scheduled > 2 * sharedPrefixChars(naive, promptOf), `${scheduled} vs ${sharedPrefixChars(naive, promptOf)}`);
});

test("requests go to the sequence with the longest cached prefix", () => {
  assert.equal(commonPrefix([1, 2, 3], [1, 2, 4]), 2);
  assert.deepEqual(assignSequences([[1, 2], [3, 4]], [[], []]), [0, 1]);
  assert.deepEqual(assignSequences([[1, 2, 3], [5, 6, 7]], [[5, 6], [1, 2]]), [1, 0]);
  // two requests want the same sequence: the longer match wins it, the other takes a free one
  assert.deepEqual(assignSequences([[1, 2, 9], [1, 2, 3, 4]], [[1, 2, 3, 4, 5], [8], [7]]), [1, 0]);
});

test("early stop: settled only by a decisive first sentence", () => {
  const watch = { labels: [{ id: "offensive", words: ["offensive"] }, { id: "not_offensive", words: ["not offensive", "inoffensive"] }], refusalOnsets: ["I'm sorry", "I cannot", "Sorry"] };
  const yes = ["Offensive. The text", "**Not offensive.** Because", "I'm sorry, but I can't do that. However", "I cannot answer that.\n", "The text is inoffensive. It", "Sorry. I"];
  const no = [
    "Offensive", "The text is offensive", // first sentence not complete
    "It is not offensive or offensive. Hmm", // two labels
    "This is not really offensive. But", // negation outside the label phrase
    "I think so. It is offensive.", "Mr. Smith said offensive things. Really", // first sentence decides nothing
    "Sorryful. Then", "I'm sorryish. And", // onset must end at a word boundary
  ];
  for (const s of yes) assert.equal(outcomeSettled(s, watch), true, s);
  for (const s of no) assert.equal(outcomeSettled(s, watch), false, s);
});

test("tuning: CPU and GPU defaults, options win, memory bounds the sequences", () => {
  const m = { layers: 24, kvHeads: 2, headDim: 64 };
  assert.deepEqual(chooseTuning(m, { gpu: false, mathCores: 2, freeBytes: 16e9 }, 512), { sequences: 16, threads: 2, batchSize: 512 });
  assert.deepEqual(chooseTuning(m, { gpu: true, mathCores: 16, freeBytes: 16e9 }, 1024), { sequences: 64, threads: 16, batchSize: 2048 });
  assert.deepEqual(chooseTuning(m, { gpu: false, mathCores: 2, freeBytes: 16e9 }, 512, { sequences: 3, threads: 1, batchSize: 64 }), { sequences: 3, threads: 1, batchSize: 64 });
  // 24 layers × 2 heads × 64 × 2 (K,V) × 2 bytes × 4096 tokens = 48 MiB per sequence; 200 MB free → a quarter fits one
  assert.equal(chooseTuning(m, { gpu: false, mathCores: 2, freeBytes: 200e6 }, 4096).sequences, 1);
  // a tiny CPU model (a planted one: 1 block, width 64) runs on one thread unless told otherwise; a 0.5B shape does not
  const tiny = { layers: 1, kvHeads: 4, headDim: 16, embedding: 64 };
  assert.equal(chooseTuning(tiny, { gpu: false, mathCores: 2, freeBytes: 16e9 }, 512).threads, 1);
  assert.equal(chooseTuning(tiny, { gpu: false, mathCores: 2, freeBytes: 16e9 }, 512, { threads: 2 }).threads, 2);
  assert.equal(chooseTuning(tiny, { gpu: true, mathCores: 16, freeBytes: 16e9 }, 512).threads, 16);
  assert.equal(chooseTuning({ ...m, embedding: 896 }, { gpu: false, mathCores: 2, freeBytes: 16e9 }, 512).threads, 2);
});
