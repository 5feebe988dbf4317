// The task files of datasets/tasks (or another folder): the one source of label words. Detectors are pure and
// take labels as input; whoever scores text outside a study (detect-eval, the detector fixtures) loads them here.
import { readdirSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import type { Task, TaskLabel } from "../types.ts";
import { DataError } from "../errors.ts";
import { loadYamlFile } from "./files.ts";
import { TaskFileSchema } from "./schema.ts";
import { REPO_ROOT } from "./study.ts";

/** The study's built-in task files. */
export const TASKS_DIR = resolve(REPO_ROOT, "datasets", "tasks");

export function loadTaskFile(path: string): Task {
  return loadYamlFile(TaskFileSchema, path, "task file") as Task;
}

/** Every `*.yaml` task file in `dir`, by task id. Two files with one id are an error. */
export function loadTaskLabels(dir: string = TASKS_DIR): Record<string, TaskLabel[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => [".yaml", ".yml"].includes(extname(n))).sort();
  } catch (e) {
    throw new DataError(dir, `cannot read the task folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "point --task-dir at a folder of task files (datasets/tasks)");
  }
  if (!names.length) throw new DataError(dir, "no task files (*.yaml) in this folder", "point --task-dir at a folder of task files (datasets/tasks)");
  const out: Record<string, TaskLabel[]> = {};
  for (const n of names) {
    const t = loadTaskFile(join(dir, n));
    if (out[t.id]) throw new DataError(join(dir, n), `task id '${t.id}' is used by two files in ${dir}`, "give each task file its own id");
    out[t.id] = t.labels;
  }
  return out;
}
