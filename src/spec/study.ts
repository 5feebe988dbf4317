// A study file and everything it names, loaded and cross-checked into one Study object.
import { existsSync } from "node:fs";
import { dirname, resolve, basename, extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { DecodingSettings, Item, ModelRef, Paraphrase, Persona, Task } from "../types.ts";
import { DataError, didYouMean } from "../errors.ts";
import { sha256 } from "../util/hash.ts";
import { loadYamlFile, parseYaml, readText, validate } from "./files.ts";
import { loadItems } from "./items.ts";
import { ParaphraseFileSchema, PersonaFileSchema, StudySchema, TaskFileSchema, type StudyFile } from "./schema.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_STUDY = resolve(REPO_ROOT, "datasets", "studies", "default.yaml");

export interface TaskSetup {
  task: Task;
  paraphrases: Paraphrase[];
  items: Item[];
}

export interface Study {
  id: string;
  path: string;
  /** The study file's text, stored with every run for provenance. */
  text: string;
  models: ModelRef[];
  personaTemplate: string;
  personas: Persona[];
  control: Persona;
  tasks: TaskSetup[];
  decoding: DecodingSettings;
  sampling: StudyFile["sampling"];
  replicates: number;
  prompt: StudyFile["prompt"];
  refusalOnsets: string[];
  topK: number;
  /** GGUF early-stop rule name (default first-sentence@1). */
  earlyStop: string;
  /** first-token@2's coverage floor (firstToken.minWatchedMass, default 0.5). */
  minWatchedMass: number;
  /** Every data file read, with its sha256. */
  files: { role: string; path: string; sha256: string }[];
  /** Problems that do not stop the study (e.g. bytes that are not UTF-8 in an items file); the CLI prints them. */
  warnings?: string[];
}

/** A model reference from a path or `hf:` URI; its id defaults to the file name without extension. */
/** A served model's id: its #name, else host_port of its first URL (ids name columns and files: no ':' or '/'). */
function servedId(source: string): string {
  const hash = source.indexOf("#");
  if (hash >= 0) return source.slice(hash + 1).replace(/[^A-Za-z0-9._-]+/g, "_");
  const m = /^openai:\s*https?:\/\/([^/,#]+)/.exec(source);
  return m ? m[1].replace(/[^A-Za-z0-9._-]+/g, "_") : "server";
}

export function modelRef(entry: string | { id?: string; path: string }, baseDir: string): ModelRef {
  const source = typeof entry === "string" ? entry : entry.path;
  const resolved = source.startsWith("hf:") || source.startsWith("openai:") ? source : resolve(baseDir, source);
  const id = (typeof entry === "object" && entry.id) || (source.startsWith("openai:") ? servedId(source) : basename(source.replace(/^hf:/, "")).replace(extname(source), "")) || source;
  return { id, source: resolved };
}

export function loadStudy(path: string = DEFAULT_STUDY): Study {
  const text = readText(path, "study file");
  const file = validate(StudySchema, parseYaml(text, path), path);
  const base = dirname(path);
  const files: Study["files"] = [{ role: "study", path, sha256: sha256(text) }];
  const warnings: string[] = [];
  const track = (role: string, p: string) => files.push({ role, path: p, sha256: sha256(readText(p, role)) });

  const personaPath = resolve(base, file.personas);
  const personaFile = loadYamlFile(PersonaFileSchema, personaPath, "persona file");
  track("personas", personaPath);
  let personas: Persona[] = personaFile.personas.map((p) => ({
    id: p.id, group: p.group, text: p.text, attributes: p.attributes, isControl: p.control,
  }));
  const dup = personas.find((p, i) => personas.findIndex((q) => q.id === p.id) !== i);
  if (dup) throw new DataError(personaPath, `duplicate persona id '${dup.id}'`);
  const controls = personas.filter((p) => p.isControl);
  if (controls.length !== 1) throw new DataError(personaPath, `needs exactly one persona with 'control: true' (found ${controls.length})`, "add a no-persona control entry with text \"\" and control: true");
  if (file.includePersonas) {
    const ids = personas.map((p) => p.id);
    for (const [i, want] of file.includePersonas.entries()) {
      if (!ids.includes(want)) throw new DataError(`${path}: includePersonas[${i}]`, `unknown persona '${want}' in ${personaPath} — ${didYouMean(want, ids)}`);
    }
    personas = personas.filter((p) => p.isControl || file.includePersonas!.includes(p.id));
  }

  const tasks: TaskSetup[] = file.tasks.map((entry, ti) => {
    const where = `${path}: tasks[${ti}]`;
    const taskPath = resolve(base, entry.task);
    const task = loadYamlFile(TaskFileSchema, taskPath, "task file") as Task;
    track(`task:${task.id}`, taskPath);
    const paraPath = resolve(base, entry.paraphrases);
    const paraFile = loadYamlFile(ParaphraseFileSchema, paraPath, "paraphrase file");
    track(`paraphrases:${task.id}`, paraPath);
    if (paraFile.task !== task.id) throw new DataError(`${paraPath}: task`, `is '${paraFile.task}' but the study pairs it with task '${task.id}'`);
    let paraphrases: Paraphrase[] = paraFile.paraphrases.map((p) => ({ id: p.id, task: task.id, template: p.template }));
    for (const [pi, p] of paraphrases.entries()) checkTemplate(p.template, task, `${paraPath}: paraphrases[${pi}].template`);
    if (entry.include) {
      const ids = paraphrases.map((p) => p.id);
      for (const [i, want] of entry.include.entries()) {
        if (!ids.includes(want)) throw new DataError(`${where}.include[${i}]`, `unknown paraphrase '${want}' — ${didYouMean(want, ids)}`);
      }
      paraphrases = paraphrases.filter((p) => entry.include!.includes(p.id));
    }
    let source = entry.items, itemPath = resolve(base, source.path);
    if (source.fallback && !existsSync(itemPath)) { source = source.fallback; itemPath = resolve(base, source.path); }
    const items = loadItems(source, itemPath, task, file.sampling.seed + ti, (w) => warnings.push(w));
    track(`items:${task.id}`, itemPath);
    return { task, paraphrases, items };
  });
  const taskIds = tasks.map((t) => t.task.id);
  const dupTask = taskIds.find((t, i) => taskIds.indexOf(t) !== i);
  if (dupTask) throw new DataError(path, `task '${dupTask}' is listed twice`);

  return {
    id: file.id, path, text,
    models: file.models.map((m) => modelRef(m, base)),
    personaTemplate: personaFile.template,
    personas,
    control: controls[0],
    tasks,
    decoding: file.decoding,
    sampling: file.sampling,
    replicates: file.replicates,
    prompt: file.prompt,
    refusalOnsets: file.refusalOnsets,
    topK: file.topK,
    minWatchedMass: file.firstToken.minWatchedMass,
    earlyStop: file.earlyStop,
    files,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** Every {field} of the task must appear, and no unknown placeholder. */
function checkTemplate(template: string, task: Task, where: string): void {
  const used = [...template.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
  for (const u of used) {
    if (!task.fields.includes(u)) throw new DataError(where, `unknown placeholder {${u}} — task '${task.id}' has fields ${task.fields.map((f) => `{${f}}`).join(", ")}`);
  }
  for (const f of task.fields) {
    if (!used.includes(f)) throw new DataError(where, `missing placeholder {${f}}`, `every paraphrase of '${task.id}' must include the item's ${f}`);
  }
}
