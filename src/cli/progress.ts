// Progress for long runs: a cli-progress bar on a TTY, plain periodic lines otherwise (logs, CI, pipes).
import cliProgress from "cli-progress";
import type { RunEvent } from "../run/run.ts";

export interface Progress {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet) return { onEvent: (e) => { if (e.type === "warning") stream.write(`warning: ${e.message}\n`); }, stop() {} };
  const tty = stream.isTTY === true && process.env.CI !== "true";
  let bar: cliProgress.SingleBar | null = null;
  let startedAt = 0;
  let startDone = 0;
  let lastLine = -Infinity; // the first batch always prints
  let modelStartedAt = 0;
  /** Prompts/s since the end of the model's first batch; until a later batch ends, since the model started. */
  const rate = (e: { totalDone: number; done: number }) => {
    const now = performance.now();
    if (e.totalDone > startDone) return (e.totalDone - startDone) / Math.max(1e-3, (now - startedAt) / 1000);
    return modelStartedAt && e.done > 0 ? e.done / Math.max(1e-3, (now - modelStartedAt) / 1000) : 0;
  };
  return {
    onEvent(e) {
      if (e.type === "warning") {
        stream.write(`warning: ${e.message}\n`);
      } else if (e.type === "round") {
        // sequential design: one line per round (the bar restarts below it)
        bar?.stop();
        bar = null;
        const hw = Number.isFinite(e.maxHalfWidth) ? e.maxHalfWidth.toFixed(3) : "n/a";
        stream.write(`round ${e.round}: ${e.trials} trials finished, widest persona-vs-control CI half-width ${hw} (target ${e.target}, at most ${e.cap} trials)\n`);
      } else if (e.type === "model-start") {
        startedAt = 0;
        modelStartedAt = performance.now();
        stream.write(`model ${e.model} (${e.backend}, sha256 ${e.sha256.slice(0, 12)}…): ${e.todo} trials to run\n`);
      } else if (e.type === "batch") {
        if (!startedAt) {
          // the first batch's own time is not known; rates count from the end of it
          startedAt = performance.now();
          startDone = e.totalDone;
        }
        if (tty) {
          if (!bar) {
            bar = new cliProgress.SingleBar({
              format: " {bar} {value}/{total} trials | {rate} prompts/s | ETA {eta_formatted} | failed {failed}",
              stream, hideCursor: true, etaBuffer: 50,
            }, cliProgress.Presets.shades_classic);
            bar.start(e.totalTodo, e.totalDone, { rate: "0.0", failed: 0 });
          }
          bar.update(e.totalDone, { rate: rate(e).toFixed(1), failed: e.failed });
        } else if (performance.now() - lastLine > 5000 || e.totalDone === e.totalTodo) {
          lastLine = performance.now();
          const r = rate(e);
          const eta = r > 0 ? Math.round((e.totalTodo - e.totalDone) / r) : NaN;
          stream.write(`progress ${e.totalDone}/${e.totalTodo} trials, ${r.toFixed(1)} prompts/s, ETA ${Number.isFinite(eta) ? `${eta}s` : "?"}, failed ${e.failed}\n`);
        }
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
