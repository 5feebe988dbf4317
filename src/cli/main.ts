// The only place that prints and sets exit codes: 0 done, 1 error (one clear message), 2 bad usage.
import { Command, CommanderError } from "commander";
import { HarnessError, UsageError } from "../errors.ts";
import { toolVersion } from "../run/provenance.ts";
import { lastStorePath } from "../store/db.ts";
import { storeError } from "../store/files.ts";
import { registerRun } from "./commands/run.ts";
import { registerStatus } from "./commands/status.ts";
import { registerList } from "./commands/list.ts";
import { registerExport } from "./commands/export.ts";
import { registerPlant } from "./commands/plant.ts";
import { registerDetectEval } from "./commands/detect-eval.ts";
import { registerRescore } from "./commands/rescore.ts";
import { registerAnalyze } from "./commands/analyze.ts";
import { registerReport } from "./commands/report.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerMerge } from "./commands/merge.ts";
import { registerZoo } from "./commands/zoo.ts";

export function buildProgram(): Command {
  const program = new Command("frh")
    .description("False-refusal harness: persona prompts × local models (GGUF, ONNX) → refusal rates you can audit.")
    .version(toolVersion())
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of [registerRun, registerStatus, registerList, registerExport, registerPlant, registerAnalyze, registerReport, registerRescore, registerDetectEval, registerDemo, registerMerge, registerZoo]) register(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

export function formatError(e: unknown): { text: string; code: number } {
  // SQLite errors raised after the open (disk full, a damaged page) name the store and say how to fix it
  // (only SQLite's own errors: an OS error writing a report or export file is not about the store)
  const store = lastStorePath();
  if (store && !(e instanceof HarnessError) && String((e as { code?: unknown })?.code ?? "").startsWith("SQLITE_")) e = storeError(e, store);
  if (e instanceof HarnessError) {
    const hint = e.hint ? `\n  fix: ${e.hint}` : "";
    return { text: `frh: error: ${e.message}${hint}`, code: e instanceof UsageError ? 2 : 1 };
  }
  const err = e as Error;
  return { text: `frh: unexpected error: ${err?.message ?? String(e)}\n${process.env.FRH_DEBUG ? err?.stack ?? "" : "  (set FRH_DEBUG=1 for the stack trace)"}`, code: 1 };
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // a command that ends on purpose with another code (an interrupted run: 130) has set process.exitCode
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; commander has already printed its message for usage errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    const { text, code } = formatError(e);
    process.stderr.write(text + "\n");
    return code;
  }
}
