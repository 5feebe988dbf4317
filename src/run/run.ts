// plan → skip done → batch → backend → detect → store. Emits progress events; prints nothing.
import type { Backend, BackendFallback, Detection, DecodingSettings, GenerationRequest, GenerationResult, ModelRef, PlannedTrial, RefusalDetector } from "../types.ts";
import { HarnessError, UsageError } from "../errors.ts";
import type { Study } from "../spec/study.ts";
import { expandPlan } from "../spec/design.ts";
import { buildMessages, promptHash } from "../prompts/render.ts";
import { sha256 } from "../util/hash.ts";
import { mixSeed } from "../util/random.ts";
import { loadBackend, type BackendOptions } from "../backends/index.ts";
import type { Db } from "../store/db.ts";
import { doneIds, finishRun, planTrials, recordFallback, recordServer, saveBatch, startRun, upsertModel, type PlannedRow, type TrialOutcome } from "../store/trials.ts";
import { provenance } from "./provenance.ts";
import { pRefusal, watchedMass } from "../detect/first-token.ts";
import { ambiguousReads, ambiguityWarning } from "./ambiguity.ts";
import { scheduleForPrefixReuse } from "./schedule.ts";
import { roundsWithin, runSequential, type RoundEvent, type SequentialOutcome } from "./sequential.ts";
import { analysisRows } from "../store/analysis-rows.ts";

/** Failed trials announced one by one per model (the rest are counted; `frh status` lists them by item). */
const FAILURES_TOLD = 3;

/** Batches handed to the backend per call (see the batching loop in runModel). */
const PIPELINE_ROUNDS = 4;

export interface RunOptions {
  /** Replaces the study's models. */
  models?: ModelRef[];
  /** Run only the first n trials of the plan (sequential design: of its stream of rounds; the stopping rule still applies). */
  limit?: number;
  batch?: number;
  backend?: BackendOptions;
  /** First: the primary verdict (the sequential design's stopping rule reads it). See run/detectors.ts for the default set. */
  detectors: RefusalDetector[];
  /** The command line stored with the run (provenance); default "frh (library)". */
  command?: string;
  /** Checked between batches and prompts: stop cleanly (the run is marked interrupted). */
  shouldStop?: () => boolean;
  /** Aborted on a stop request: ends a model download (kept out of the stored settings). */
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Abort a model when more than this share of its attempted trials failed (after 20 attempts). */
  maxFailureRate?: number;
  /** Run only shard `index` (1-based) of `count`: the trials whose id falls in it (see inShard). */
  shard?: { index: number; count: number };
  /** Clear runs recorded as running on another host (see store/lock.ts). */
  takeOver?: boolean;
  /** For tests: injects a backend loader. */
  loadBackend?: (source: string, opts: BackendOptions) => Promise<Backend>;
}

export type RunEvent =
  /** `planned`: the plan's size; for the sequential design the most it can reach (its size depends on the data). */
  | { type: "plan"; planned: number; alreadyDone: number; models: number; sequential?: boolean }
  | { type: "model-start"; model: string; sha256: string; todo: number; backend: string }
  | { type: "batch"; model: string; done: number; failed: number; todo: number; totalDone: number; totalTodo: number }
  | { type: "model-end"; model: string }
  | { type: "warning"; message: string }
  | RoundEvent;

export interface RunSummary {
  runId: number;
  /** Trials planned by this run (sequential design: in the rounds drawn). */
  planned: number;
  ran: number;
  failed: number;
  skipped: number;
  interrupted: boolean;
  /** Sequential design only: rounds, stopping statistic, why it stopped. */
  sequential?: SequentialOutcome;
}

/** Trial identity: a re-run never reuses another model's answer or another decoding's output. */
/** `generation` names how a response may be cut short (an early-stop rule) or "full": truncated and full texts never mix. */
export function trialId(modelSha256: string, prompt: string, decoding: DecodingSettings, seed: number, generation = "full"): string {
  return sha256([modelSha256, prompt, JSON.stringify(decoding), String(seed), generation].join("\u0000"));
}

/**
 * Sampling seed of one trial: the study's seed, the replicate and the prompt text. Mixing in the prompt makes
 * draws independent across trials (one shared seed would make every trial take the same uniform draw).
 */
export function trialSeed(decoding: DecodingSettings, replicate: number, prompt: string): number {
  return mixSeed(decoding.seed, replicate, parseInt(sha256(prompt).slice(0, 8), 16));
}

/**
 * Shards split the plan by trial id: a trial belongs to shard 1 + (first 52 bits of its id mod n). Ids are sha256
 * hex, so shards are near-equal, never overlap, and their union is the plan, on any machine, in any order.
 */
export function inShard(trialId: string, shard: { index: number; count: number }): boolean {
  return Number(BigInt(`0x${trialId.slice(0, 13)}`) % BigInt(shard.count)) === shard.index - 1;
}

/** Throws a usage error for a shard this study cannot take (called before the store is opened, and by runStudy). */
export function checkShard(study: Study, shard: RunOptions["shard"]): void {
  if (!shard) return;
  if (study.sampling.design === "sequential") {
    throw new UsageError(`--shard cannot split study '${study.id}': its sequential design draws each round from the results of all rounds before it, so shards cannot run apart`,
      "run a sequential study unsharded, or give it design: random or full to shard it");
  }
  if (!(Number.isInteger(shard.index) && Number.isInteger(shard.count) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new UsageError(`bad shard ${shard.index}/${shard.count}`, "use --shard i/n with 1 ≤ i ≤ n, e.g. --shard 1/4");
  }
}

/**
 * `store`: the open store, or a function that opens it — called only once the first model has loaded, so that a
 * model which cannot load leaves the store file exactly as it was (the CLI passes one).
 */
export async function runStudy(store: Db | (() => Db), study: Study, opts: RunOptions): Promise<RunSummary> {
  const models = opts.models && opts.models.length ? opts.models : study.models;
  const sequential = study.sampling.design === "sequential";
  checkShard(study, opts.shard);
  const rounds = sequential ? roundsWithin(study, models, opts.limit) : null;
  let plan = sequential ? [] : expandPlan(study, models);
  if (opts.limit !== undefined) plan = plan.slice(0, opts.limit);
  const pool = backendPool(study, opts, (source, f) => {
    // A fallback gives the same numbers more slowly; it is said once and kept with the run's provenance.
    const model = models.find((m) => m.source === source)?.id ?? source;
    recordFallback(db, runId, { model, code: f.code, message: f.message });
    opts.onEvent?.({ type: "warning", message: `${model}: ${f.message}` });
  });
  // The first model loads before the run is recorded: a model llama.cpp or onnxruntime refuses leaves the store
  // as it was (issue 16: bad input never changes a store).
  const first = sequential ? models[0] : models.find((m) => plan.some((t) => t.model.source === m.source));
  if (first && !opts.shouldStop?.()) await pool.preload(first.source);
  const prov = provenance();
  let runId = 0;
  let db!: Db;
  try {
    db = typeof store === "function" ? store() : store;
    runId = startRun(db, {
    command: opts.command ?? "frh (library)", studyId: study.id, studyPath: study.path, studyText: study.text, studySha256: sha256(study.text),
    toolVersion: prov.toolVersion, packages: prov.packages, environment: prov.environment, datasets: study.files,
    // sampling: the design as run (overrides applied), so reports and the sequential trace need not re-read the study
    settings: { limit: opts.limit ?? null, batch: opts.batch ?? null, backend: opts.backend ?? {}, detectors: opts.detectors.map((d) => `${d.id}@${d.version}`), models, shard: opts.shard ?? null, sampling: study.sampling },
    takeOver: opts.takeOver,
    });
  } catch (e) {
    await pool.release(); // the store refused (another writer, another study): the loaded model goes too
    throw e;
  }
  const summary: RunSummary = { runId, planned: opts.shard ? 0 : plan.length, ran: 0, failed: 0, skipped: 0, interrupted: false };
  let totalDone = 0;
  /** Runs trials grouped by model (in `models` order, or reversed: the backend loaded last is used first). */
  const tally = { total: 0 };
  const runTrials = async (trials: PlannedTrial[], total: number, reverse = false): Promise<{ ids: string[]; stopped: boolean }> => {
    const byModel = new Map<string, PlannedTrial[]>();
    const order = reverse ? [...models].reverse() : models;
    for (const m of order) byModel.set(m.source, []);
    for (const t of trials) byModel.get(t.model.source)!.push(t);
    const ids: string[] = [];
    tally.total = total;
    for (const [source, mine] of byModel) {
      if (mine.length === 0) continue;
      if (opts.shouldStop?.()) return { ids, stopped: true };
      const { backend, fresh } = await pool.get(source);
      const res = await runModel(db, runId, study, mine, backend, opts, (n) => { totalDone += n; return totalDone; }, tally, fresh);
      summary.planned += sequential || opts.shard ? res.ids.length : 0;
      summary.ran += res.ran;
      summary.failed += res.failed;
      summary.skipped += res.skipped;
      ids.push(...res.ids);
      if (res.stopped) return { ids, stopped: true };
    }
    return { ids, stopped: false };
  };
  try {
    if (sequential) {
      const cap = rounds!.rounds.reduce((n, r) => n + r.length, 0);
      opts.onEvent?.({ type: "plan", planned: cap, alreadyDone: 0, models: models.length, sequential: true });
      const detector = opts.detectors[0];
      let round = 0;
      summary.sequential = await runSequential(study, rounds!, {
        run: (trials) => runTrials(trials, cap, round++ % 2 === 1),
        rows: (ids) => analysisRows(db, `${detector.id}@${detector.version}`, { ids }),
        shouldStop: () => opts.shouldStop?.() ?? false,
        onRound: (e) => opts.onEvent?.(e),
      });
    } else {
      opts.onEvent?.({ type: "plan", planned: plan.length, alreadyDone: 0, models: new Set(plan.map((t) => t.model.source)).size });
      await runTrials(plan, plan.length);
    }
    summary.interrupted = opts.shouldStop?.() ?? false;
    finishRun(db, runId, summary.interrupted ? "interrupted" : "done");
    return summary;
  } catch (e) {
    // A full disk may refuse this write too: the row then stays 'running' and the next open marks it interrupted.
    try { finishRun(db, runId, "failed", (e as Error).message); } catch { /* keep the first error */ }
    throw e;
  } finally {
    await pool.release();
  }
}

/**
 * Holds at most one loaded backend (one model in memory at a time); asking for another model disposes it first.
 * The sequential design alternates the model order each round, so consecutive rounds share one load.
 */
function backendPool(study: Study, opts: RunOptions, onFallback: (source: string, f: BackendFallback) => void) {
  /** `handed`: given out by get() since it loaded (a preloaded backend is still fresh to its first user). */
  let current: { source: string; backend: Backend; handed: boolean } | null = null;
  const release = async () => {
    const b = current?.backend;
    current = null;
    await b?.dispose();
  };
  return {
    release,
    async get(source: string): Promise<{ backend: Backend; fresh: boolean }> {
      if (current?.source === source) {
        const fresh = !current.handed;
        current.handed = true;
        return { backend: current.backend, fresh };
      }
      await this.preload(source);
      current!.handed = true;
      return { backend: current!.backend, fresh: true };
    },
    /** Loads (or keeps) the backend for `source` without handing it out. */
    async preload(source: string): Promise<void> {
      if (current?.source === source) return;
      await release();
      const backend = await (opts.loadBackend ?? loadBackend)(source, {
        ...opts.backend, signal: opts.signal, batch: opts.batch, plainTemplate: study.prompt.plainTemplate,
        ...(study.prompt.responsePrefix !== undefined ? { responsePrefix: study.prompt.responsePrefix } : {}),
        ...(study.earlyStop !== "first-sentence@1" ? { earlyStop: study.earlyStop } : {}), onFallback: (f) => onFallback(source, f),
        onWarning: (message) => opts.onEvent?.({ type: "warning", message }),
      });
      current = { source, backend, handed: false };
    },
  };
}

async function runModel(
  db: Db, runId: number, study: Study, trials: PlannedTrial[], backend: Backend, opts: RunOptions,
  addDone: (n: number) => number, tally: { total: number }, announce = true,
): Promise<{ ran: number; failed: number; skipped: number; stopped: boolean; ids: string[] }> {
  const info = backend.info;
  const modelId = trials[0].model.id;
  upsertModel(db, modelId, info);
  if (info.backend === "openai") recordServer(db, runId, { model: modelId, details: info.details, provenance: info.provenance ?? null });
  if (announce && backend.firstTokens) {
    const labels = study.tasks.flatMap((t) => t.task.labels);
    const w = ambiguityWarning(modelId, ambiguousReads(study.refusalOnsets, labels, study.personas, (x) => backend.firstTokens!(x), backend.tokenText ? (t) => backend.tokenText!(t) : undefined));
    if (w) opts.onEvent?.({ type: "warning", message: w });
  }
  const placement = study.prompt.personaPlacement === "auto" ? (info.supportsSystem ? "system" : "user-prefix") : study.prompt.personaPlacement;
  const rows: (PlannedRow & { trial: PlannedTrial; messages: GenerationRequest["prompt"] })[] = [];
  const seen = new Set<string>();
  let collapsed = 0;
  const built = trials.map((t) => buildMessages(t.persona, t.paraphrase, t.item, { personaTemplate: study.personaTemplate, placement }));
  // A served model's template is applied by its server (I/O): all prompts are rendered in one go.
  const texts = backend.renderMany ? await backend.renderMany(built.map((b) => b.messages)) : null;
  for (const [i, t] of trials.entries()) {
    const { messages, placement: used } = built[i];
    const text = texts ? texts[i] : backend.render(messages);
    const seed = trialSeed(study.decoding, t.replicate, text);
    const id = trialId(info.sha256, text, study.decoding, seed, info.earlyStop ?? "full");
    if (seen.has(id)) { collapsed++; continue; }
    seen.add(id);
    if (opts.shard && !inShard(id, opts.shard)) { tally.total--; continue; }
    rows.push({
      trialId: id, runId, seq: t.seq, studyId: study.id, model: modelId, modelSha256: info.sha256,
      persona: t.persona.id, personaGroup: t.persona.group, personaIsControl: t.persona.isControl, personaAttributes: t.persona.attributes,
      task: t.task.id, paraphrase: t.paraphrase.id, item: t.item.id, itemGold: t.item.gold ?? null, replicate: t.replicate, seed,
      placement: used, prompt: text, promptHash: promptHash(text), decoding: study.decoding, labels: t.task.labels,
      trial: t, messages: { messages, placement: used, text },
    });
  }
  if (collapsed) opts.onEvent?.({ type: "warning", message: `${collapsed} planned trials render to a prompt already in the plan (identical items?) and run once` });
  planTrials(db, rows);
  const done = doneIds(db, rows.map((r) => r.trialId));
  const todo = rows.filter((r) => !done.has(r.trialId));
  addDone(done.size);
  if (announce) opts.onEvent?.({ type: "model-start", model: modelId, sha256: info.sha256, todo: todo.length, backend: info.backend });
  // --- batching (issue 8, perf): the backend may suggest a batch size; trials sharing a rendered prefix run
  // back to back on the same sequence (src/run/schedule.ts). Only execution order changes, never the plan.
  const preferred = info.preferredBatch;
  const batchSize = Math.max(1, opts.batch ?? (preferred !== null && Number.isInteger(preferred) && preferred > 0 ? preferred : 8));
  // A backend call gets PIPELINE_ROUNDS batches at once: the GGUF backend pipelines them over its sequences, so a
  // long response no longer holds up a whole batch. Results are stored as they finish, one transaction per
  // `batchSize` of them, so a kill loses at most one batch's work.
  const scheduled = scheduleForPrefixReuse(todo, (r) => r.prompt, batchSize);
  const calls: (typeof todo)[] = [];
  for (let i = 0; i < scheduled.length; i += PIPELINE_ROUNDS) calls.push(scheduled.slice(i, i + PIPELINE_ROUNDS).flat());
  // --- end batching
  let ran = 0;
  let failed = 0;
  let stopped = false;
  let lastError: string | undefined;
  /** Detects and stores finished results (one transaction) and reports progress. */
  const store = (call: typeof todo, done: [number, GenerationResult][]) => {
    const outcomes: TrialOutcome[] = done.map(([j, result]) => {
      const r = call[j];
      // The backend does not know the item: name it here, so a failed trial says which input to fix.
      if (result.error) result = { ...result, error: `item '${r.item}' (task '${r.task}', persona '${r.persona}', paraphrase '${r.paraphrase}'): ${result.error}` };
      const detections: Detection[] = result.error ? [] : opts.detectors.map((d) => d.detect({ text: result.text, labels: r.trial.task.labels, firstToken: result.firstToken, minWatchedMass: study.minWatchedMass }));
      return { trialId: r.trialId, result, pRefusal: result.firstToken ? pRefusal(result.firstToken) : null, watchedMass: watchedMass(result.firstToken), detections };
    });
    saveBatch(db, runId, outcomes);
    const bad = outcomes.filter((o) => o.result.error);
    if (bad.length) lastError = bad[bad.length - 1].result.error;
    // The first few failures are said at once (which item, why); `frh status` lists them all by item.
    for (const o of bad) if (failed + bad.indexOf(o) < FAILURES_TOLD) opts.onEvent?.({ type: "warning", message: `trial failed: ${o.result.error}` });
    failed += bad.length;
    ran += outcomes.length - bad.length;
    const totalDone = addDone(outcomes.length);
    opts.onEvent?.({ type: "batch", model: modelId, done: ran, failed, todo: todo.length, totalDone, totalTodo: tally.total });
  };
  for (const call of calls) {
    if (opts.shouldStop?.()) { stopped = true; break; }
    const requests: GenerationRequest[] = call.map((r) => ({
      prompt: r.messages, decoding: study.decoding, seed: r.seed,
      watch: { labels: r.trial.task.labels, refusalOnsets: study.refusalOnsets, topK: study.topK },
    }));
    const reported = new Set<number>();
    let pending: [number, GenerationResult][] = [];
    let storeError: unknown = null;
    const flush = () => {
      if (!pending.length || storeError) return;
      const now = pending;
      pending = [];
      try { store(call, now); } catch (e) { storeError = e; } // rethrown once the backend call is over
    };
    const results = await backend.generate(requests, {
      shouldStop: opts.shouldStop,
      onResult: (j, result) => {
        if (reported.has(j)) return;
        reported.add(j);
        pending.push([j, result]);
        if (pending.length >= batchSize) flush();
      },
    });
    // What the backend did not report one by one (a backend without onResult) is stored now; requests a stop left
    // unstarted are holes in `results` (forEach skips them) and stay planned for the next run.
    results.forEach((result, j) => { if (!reported.has(j)) pending.push([j, result]); });
    flush();
    if (storeError) throw storeError;
    if (opts.shouldStop?.()) { stopped = true; break; }
    const attempted = ran + failed;
    if (attempted >= 20 && failed / attempted > (opts.maxFailureRate ?? 0.5)) {
      throw new HarnessError("BACKEND", `${failed} of ${attempted} trials failed on model '${modelId}' (last error: ${lastError ?? "see the store"})`,
        "failed trials are stored with their errors (`frh status` lists them by item); fix the cause and re-run the same command to retry them");
    }
  }
  if (failed > FAILURES_TOLD) opts.onEvent?.({ type: "warning", message: `${failed} trials failed on model '${modelId}' (${FAILURES_TOLD} shown above); \`frh status\` lists the failures by item` });
  opts.onEvent?.({ type: "model-end", model: modelId });
  return { ran, failed, skipped: done.size, stopped, ids: rows.map((r) => r.trialId) };
}
