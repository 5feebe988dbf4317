// Plain progress lines (no TTY): a rate even when the whole model finishes in its first batch, and no rate
// invented before anything finished.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createProgress } from "../../../src/cli/progress.ts";

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}
const sleep = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end) { /* busy: a measurable interval */ } };
const rateOf = (line: string) => Number(/, ([\d.]+) prompts\/s/.exec(line)![1]);

test("a model done in one batch reports its rate since the model started", () => {
  const { lines, stream } = capture();
  const p = createProgress(stream);
  p.onEvent({ type: "model-start", model: "m", sha256: "0".repeat(64), todo: 10, backend: "llama.cpp" });
  sleep(50);
  p.onEvent({ type: "batch", model: "m", done: 10, failed: 0, todo: 10, totalDone: 10, totalTodo: 10 });
  const last = lines.at(-1)!;
  // 10 prompts in ≥ 50 ms: at most 200/s, and above 0
  assert.ok(rateOf(last) > 0 && rateOf(last) <= 200, last);
  assert.match(last, /ETA 0s/);
});

test("nothing finished: no rate and no ETA; later batches count from the end of the first one", () => {
  const { lines, stream } = capture();
  const p = createProgress(stream);
  p.onEvent({ type: "model-start", model: "m", sha256: "0".repeat(64), todo: 20, backend: "llama.cpp" });
  p.onEvent({ type: "batch", model: "m", done: 0, failed: 0, todo: 20, totalDone: 0, totalTodo: 20 });
  assert.match(lines.at(-1)!, /0\.0 prompts\/s, ETA \?/);
  sleep(100);
  p.onEvent({ type: "batch", model: "m", done: 20, failed: 0, todo: 20, totalDone: 20, totalTodo: 20 });
  assert.ok(rateOf(lines.at(-1)!) > 0 && rateOf(lines.at(-1)!) <= 200, lines.at(-1));
});
