import { Command, Option } from "commander";
import { resolve } from "node:path";
import { loadStudy, modelRef, DEFAULT_STUDY } from "../../spec/study.ts";
import { openDb, closeDb, checkWriterPath, type Db } from "../../store/db.ts";
import { runStudy, checkShard } from "../../run/run.ts";
import type { SequentialOutcome } from "../../run/sequential.ts";
import { preflight } from "../../backends/index.ts";
import { defaultDetectors } from "../../run/detectors.ts";
import { createProgress } from "../progress.ts";
import { intOption, collect, shardOption } from "../options.ts";

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run a study (default: the built-in study) on one or more models; resumable — re-run the same command to continue.")
    .argument("[study]", "study file (YAML)", DEFAULT_STUDY)
    .option("-m, --model <path-or-uri>", "model to run (GGUF file, ONNX directory, hf: URI, or openai:http://HOST:PORT/v1[#name] for a served model); repeat for several; replaces the study's models", collect, [])
    .option("--db <file>", "SQLite store (default: db/<study-id>.sqlite)")
    .option("--limit <n>", "run only the first n trials of the seeded random plan (sequential design: of its stream of rounds; it still stops early at the target)", intOption("--limit", 1))
    .option("--seed <n>", "plan seed (overrides sampling.seed in the study)", intOption("--seed", 0))
    .option("--batch <n>", "prompts evaluated together (sequences per context; default: the backend's choice — GGUF 16 on CPU, 64 on GPU, fewer when memory is short; ONNX 8)", intOption("--batch", 1))
    .addOption(new Option("--gpu <kind>", "GGUF on GPU: auto, cuda, vulkan or metal (default: CPU)").choices(["auto", "cuda", "vulkan", "metal"]))
    .option("--threads <n>", "CPU threads (default: math cores)", intOption("--threads", 1))
    .option("--device <name>", "ONNX execution device (cpu, webgpu, cuda)", "cpu")
    .option("--dtype <type>", "ONNX weights: fp32, fp16, q8, q4 (where the model offers them)")
    .option("--endpoint <url>", "served models (--model openai:…): another server of the same model (http://HOST:PORT/v1); repeat for a pool", collect, [])
    .option("--model-sha256 <hex>", "served models: the sha256 of the served weights, pinned into the trial identity (where the server cannot tell it; see docs/servers.md)")
    .option("--concurrency <n>", "served models: requests in flight per server (default: its slots as reported, else 16)", intOption("--concurrency", 1))
    .option("--request-timeout <s>", "served models: seconds one request may take before it is retried", intOption("--request-timeout", 1))
    .option("--full-text", "GGUF: generate every response to maxTokens or EOS (default: stop once the outcome is settled)")
    .option("--shard <i/n>", "run only shard i of n (1-based): the trials whose id falls in it; shards never overlap and together are the plan — run each into its own --db, then `frh merge` (not for sequential designs)", shardOption)
    .option("--take-over", "clear runs recorded as running on another machine (frh cannot check them) — only when you know they stopped")
    .option("--quiet", "no progress output")
    .action(async (studyPath: string, o) => {
      const study = loadStudy(resolve(studyPath));
      for (const w of study.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      if (o.seed !== undefined) study.sampling = { ...study.sampling, seed: o.seed };
      checkShard(study, o.shard);
      const models = (o.model as string[]).map((m) => modelRef(m, process.cwd()));
      for (const m of models.length ? models : study.models) await preflight(m.source, { dtype: o.dtype });
      const detectors = defaultDetectors();
      const dbPath = resolve(o.db ?? `db/${study.id}.sqlite`);
      // A store that is not ours, or another study's, is refused now (read-only, nothing written), before a model
      // loads; the writer opens only once the first model has loaded (runStudy), so a model that fails to load
      // leaves the store byte-identical.
      checkWriterPath(dbPath, study.id, o.takeOver === true);
      let db: Db | null = null;
      // First SIGINT/SIGTERM: finish no new prompt, drop the ones mid-generation, save what is done, exit 128 + signal
      // number (130 Ctrl-C, 143 SIGTERM). A second one quits at once: each batch is saved in one transaction, so
      // quitting between two JS steps never leaves half a batch (docs/guarantees.md).
      let stop: NodeJS.Signals | null = null;
      const abort = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (stop) process.exit(exitCodeFor(sig));
        stop = sig;
        abort.abort();
        process.stderr.write(`\n${sig === "SIGINT" ? "Ctrl-C" : sig}: stopping — the prompts in flight are dropped, finished trials are saved (${sig === "SIGINT" ? "Ctrl-C" : sig} again to quit now); re-run the same command to continue\n`);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const progress = createProgress(process.stderr, o.quiet === true);
      try {
        const s = await runStudy(() => (db = openDb(dbPath, { study: study.id })), study, {
          models, limit: o.limit, batch: o.batch, detectors,
          backend: {
            gpu: o.gpu ?? false, threads: o.threads, device: o.device, dtype: o.dtype, fullText: o.fullText === true,
            ...(o.endpoint.length ? { endpoints: o.endpoint } : {}), ...(o.modelSha256 ? { modelSha256: o.modelSha256 } : {}),
            ...(o.concurrency ? { concurrency: o.concurrency } : {}), ...(o.requestTimeout ? { requestTimeoutMs: o.requestTimeout * 1000 } : {}),
          },
          command: ["frh", ...process.argv.slice(2)].join(" "),
          shard: o.shard, takeOver: o.takeOver === true,
          shouldStop: () => stop !== null, signal: abort.signal, onEvent: (e) => progress.onEvent(e),
        });
        progress.stop();
        const verb = s.interrupted ? "interrupted" : "done";
        if (s.sequential) process.stdout.write(sequentialLine(s.sequential) + "\n");
        const shard = o.shard ? ` in shard ${o.shard.index}/${o.shard.count}` : "";
        process.stdout.write(`${verb}: ${s.ran} trials run, ${s.skipped} already done, ${s.failed} failed, of ${s.planned} planned${shard} → ${dbPath}\n`);
        if (s.interrupted) process.exitCode = exitCodeFor(stop ?? "SIGINT");
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        if (db) closeDb(db);
      }
    });
}

/** The shell's convention for a process ended by a signal: 128 + its number. */
const exitCodeFor = (sig: NodeJS.Signals) => (sig === "SIGTERM" ? 143 : 130);

const STOP_WHY: Record<SequentialOutcome["stop"], string> = {
  target: "target reached",
  cap: "maxTrials reached before the target",
  exhausted: "every cell drawn before the target",
  limit: "--limit reached before the target (re-run without it to go on)",
  interrupted: "interrupted (re-run the same command to go on)",
};

function sequentialLine(q: SequentialOutcome): string {
  const hw = Number.isFinite(q.maxHalfWidth) ? q.maxHalfWidth.toFixed(3) : "n/a";
  return `sequential: ${STOP_WHY[q.stop]} after ${q.rounds} round${q.rounds === 1 ? "" : "s"}, ${q.trials} trials; widest persona-vs-control CI half-width ${hw} (target ${q.target})`;
}
