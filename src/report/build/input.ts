// Gathers a ReportInput from a store: provenance from `runs`/`models`, rows for the analysis, heat cells, examples.
import type { Db } from "../../store/db.ts";
import { controlPersona, finishedTrials, modelRows, runRows, statusCounts } from "../../store/trials.ts";
import { analysisRows } from "../../store/analysis-rows.ts";
import { lastSampling } from "../../store/runs.ts";
import { analyze } from "../../stats/analyze.ts";
import type { ReportInput, HeatRow, ReportExample, ReplicationTruthInput } from "../types.ts";
import { toolVersion } from "../../run/provenance.ts";
import { sequentialFromDb } from "../../analysis/sequential-trace.ts";

export interface ReportOptions {
  detector: string;
  bootstrap?: number;
  seed?: number;
  examplesPerOutcome?: number;
  /** Fixed timestamp (tests); default now. */
  generatedAt?: string;
  /** A planted truth to show beside the replication section's estimates (frh zoo run). */
  replicationTruth?: ReplicationTruthInput;
}

export function buildReportInput(db: Db, opts: ReportOptions): ReportInput {
  const rows = analysisRows(db, opts.detector, { verdicts: true });
  const control = controlPersona(db) ?? "control";
  const analysis = analyze(rows, { control, outcome: "refusal", bootstrap: opts.bootstrap ?? 200, seed: opts.seed ?? 1 });
  const runs = runRows(db);
  const last = runs[runs.length - 1] ?? {};
  const { design, seed } = lastSampling(db) ?? { design: "unknown", seed: 0 };
  const counts = statusCounts(db);
  const heatMap = new Map<string, HeatRow>();
  for (const r of rows) {
    const k = `${r.task}\u0000${r.model}\u0000${r.persona}`;
    const h = heatMap.get(k) ?? { task: r.task, model: r.model, persona: r.persona, n: 0, refusals: 0, rate: 0 };
    h.n++;
    h.refusals += r.refusal;
    heatMap.set(k, h);
  }
  const heat = [...heatMap.values()].map((h) => ({ ...h, rate: h.refusals / h.n }));
  const per = opts.examplesPerOutcome ?? 3;
  const examples: ReportExample[] = [];
  const byOutcome = new Map<string, number>();
  for (const t of finishedTrials(db, opts.detector)) {
    const n = byOutcome.get(t.outcome) ?? 0;
    if (n >= per) continue;
    byOutcome.set(t.outcome, n + 1);
    examples.push({ outcome: t.outcome, model: t.model, persona: t.persona, task: t.task, prompt: t.prompt, response: t.response, rule: t.rule });
  }
  const packages = JSON.parse(String(last.packages ?? "{}")) as Record<string, string>;
  const env = JSON.parse(String(last.environment ?? "{}")) as { node?: string };
  // sequential design: the precision trace, recomputed from stored trials in plan order (see analysis/sequential-trace.ts)
  const trace = design === "sequential" ? sequentialFromDb(db, opts.detector) : null;
  const points = trace?.points.filter((p) => Number.isFinite(p.maxHalfWidth)) ?? [];
  return {
    title: `False refusal: study '${String(last.study_id ?? "?")}'`,
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    tool: { name: "frh", version: String(last.tool_version ?? toolVersion()) },
    packages: { ...packages, ...(env.node ? { node: env.node } : {}) },
    study: {
      id: String(last.study_id ?? "?"), design, seed, studySha256: String(last.study_sha256 ?? ""), runs: runs.length, control,
      ...(trace ? { stoppingRule: `widest persona-vs-control 95% CI half-width ≤ ${trace.targetHalfWidth}, at most ${trace.maxTrials} trials, ${trace.cellsPerRound} cells a round` } : {}),
    },
    models: modelRows(db).map((m) => ({ id: m.model_id, sha256: m.model_sha256, backend: m.backend, path: m.path })),
    trials: { planned: counts.planned, done: counts.done, failed: counts.failed },
    detectors: [opts.detector, ...counts.detectors.filter((d) => d !== opts.detector)],
    analysis,
    examples,
    heat,
    ...(trace && points.length ? { sequential: points, sequentialTarget: trace.targetHalfWidth } : {}),
    ...(counts.fallbacks.length ? { fallbacks: counts.fallbacks } : {}),
    ...(opts.replicationTruth ? { replicationTruth: opts.replicationTruth } : {}),
  };
}
