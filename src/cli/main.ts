// The only place that prints and sets exit codes: 0 done, 1 error (one clear message), 2 bad usage.
import { Command, CommanderError } from "commander";
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
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
  if (!(e instanceof HarnessError)) e = fileError(e) ?? e;
  if (e instanceof HarnessError) {
    const hint = e.hint ? `\n  fix: ${e.hint}` : "";
    // BAD_USAGE raised below the CLI (an unknown --detector) is a usage error like commander's: exit 2
    return { text: `frh: error: ${e.message}${hint}`, code: e instanceof UsageError || e.code === "BAD_USAGE" ? 2 : 1 };
  }
  const err = e as Error;
  return { text: `frh: unexpected error: ${err?.message ?? String(e)}\n${process.env.FRH_DEBUG ? err?.stack ?? "" : "  (set FRH_DEBUG=1 for the stack trace)"}`, code: 1 };
}

/** What each OS error on a file means to the user, and what to do (issue 18 item 5: no "unexpected error" for these). */
const FILE_ERRORS: Record<string, [string, string]> = {
  ENOENT: ["no such file or directory", "check the path; to write there, create the directory first (mkdir -p)"],
  ENOTDIR: ["a part of the path is a file, not a directory", "check the path"],
  EISDIR: ["it is a directory, not a file", "give a file name"],
  EEXIST: ["a part of the path is a file, not a directory", "check the path"],
  EACCES: ["permission denied", "choose a place you may write to (or read from), or change its permissions"],
  EPERM: ["operation not permitted", "choose a place you may write to (or read from), or change its permissions"],
  EROFS: ["the file system is read-only", "write to a writable place (e.g. --out /tmp/…)"],
  ENOSPC: ["the disk is full", "free some space, or write to another disk"],
  EDQUOT: ["the disk quota is used up", "free some space, or write to another disk"],
  EMFILE: ["too many open files", "raise the limit (ulimit -n) or close other programs"],
};

/** An OS error on a named file (writing an export, a report, a model) as a HarnessError; null for anything else. */
function fileError(e: unknown): HarnessError | null {
  const err = e as NodeJS.ErrnoException;
  const known = typeof err?.code === "string" ? FILE_ERRORS[err.code] : undefined;
  if (!known || typeof err.path !== "string") return null;
  if (err.syscall === "mkdir" && err.code === "ENOENT") {
    // Node's recursive mkdir reports a read-only or unwritable parent as ENOENT: name the parent that refuses
    let up = dirname(err.path);
    while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
    try { accessSync(up, constants.W_OK); } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === "EROFS" ? "the file system is read-only" : "permission denied";
      return new HarnessError("BAD_DATA", `cannot create the directory ${err.path}: ${up} is not writable (${why})`, FILE_ERRORS.EACCES[1]);
    }
  }
  const verb = err.syscall === "mkdir" ? "create the directory" : err.syscall === "open" || err.syscall === "write" ? "open or write" : err.syscall ?? "use";
  return new HarnessError("BAD_DATA", `cannot ${verb} ${err.path}: ${known[0]}`, known[1]);
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
