// A zoo of planted models: one law per model, read from a directory of law files (datasets/zoo/m01.json …) or drawn
// at random from a seed (tests: a zoo nobody tuned to). Models are built once per law (the file name carries the
// law's hash, so an edited law gets a new model and a stale one is never reused).
//
// What the laws plant, in the vocabulary of the default study's data (datasets/): a base rate per model; task
// effects through words that occur in every paraphrase of one task ("offensive", "polite", "hypothesis"); smaller
// paraphrase effects through words of a single paraphrase ("insults" only in offensiveness_p8, …); persona effects
// through persona words ("muslim" in "a Muslim person", …) for a few personas in a few models, larger where the base
// rate is higher. Persona words are ones the public item sets rarely use, so persona effects stay persona effects.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "../errors.ts";
import { sha256 } from "../util/hash.ts";
import { parseLaw, type Law } from "./law.ts";
import { writePlantedGguf } from "./index.ts";
import { mulberry32 } from "../util/random.ts";

export interface ZooModel {
  /** The law file's name without .json. */
  id: string;
  law: Law;
  /** The law file (absent for a drawn zoo). */
  path?: string;
}

/** Law files are named like m01.json (letters, digits, '_', '-'): the model ids in the store. */
const LAW_FILE = /^[A-Za-z0-9_-]+\.json$/;

/** Every law file of a zoo directory, sorted by name. */
export function readZoo(dir: string): ZooModel[] {
  if (!existsSync(dir)) throw new DataError(dir, "zoo directory not found", "pass --zoo <dir> with one law file (.json) per model, e.g. datasets/zoo");
  const files = readdirSync(dir).filter((f) => LAW_FILE.test(f)).sort();
  if (files.length === 0) throw new DataError(dir, "no law files (*.json) in the zoo directory", "each model is one law file: base, triggers, itemNoise, refusal, answer, seed (docs/planted.md)");
  return files.map((f) => {
    const path = join(dir, f);
    return { id: f.replace(/\.json$/, ""), law: parseLaw(readFileSync(path, "utf8"), path), path };
  });
}

/** Builds the missing GGUFs into `outDir`; returns each model's file. */
export function buildZoo(models: readonly ZooModel[], outDir: string): { id: string; source: string; built: boolean; law: Law }[] {
  mkdirSync(outDir, { recursive: true });
  return models.map((m) => {
    const source = join(outDir, `${m.id}-${sha256(JSON.stringify(m.law)).slice(0, 12)}.gguf`);
    const built = !existsSync(source);
    if (built) writePlantedGguf(m.law, source);
    return { id: m.id, source, built, law: m.law };
  });
}

/**
 * Per-task answers for the default study's tasks: each task's prompts name its cue ("neutral" in every NLI paraphrase,
 * "impolite" in every politeness one); offensiveness prompts name neither and get the "*" answer.
 */
export const ZOO_ANSWER: Law["answer"] = { nli: "neutral", politeness: { text: "polite", cue: "impolite" }, "*": "not offensive" };
/**
 * Refusal texts the zoo's models alternate (both read as refusals by every rules detector). Not starting with "I":
 * the first-token watch drops a refusal first token that also starts a label word's spelling, and in a planted
 * vocabulary without an "IN" piece "INOFFENSIVE" starts with "▁I" — p_refusal then reads 0 (found by the zoo test).
 */
export const REFUSALS = ["Sorry, but I can't help with that.", "Unfortunately, I cannot assist with this request."];

/** The words a zoo plants, by role (each occurs where its comment says in the default study's data). */
export const ZOO_WORDS = {
  /** One per task, in every paraphrase of it. */
  task: { offensiveness: "offensive", politeness: "polite", nli: "hypothesis" } as Record<string, string>,
  /** Each in one paraphrase only. */
  paraphrase: ["insults", "detection", "forum", "courteous", "inference", "suppose"],
  /** Each in one persona's text only. */
  persona: ["muslim", "transgender", "jewish", "wheelchair", "atheist", "hispanic", "deaf", "binary"],
} as const;

export interface RandomZooOptions {
  models: number;
  /** Task words and their boost range per occurrence; default ZOO_WORDS.task with offensiveness the largest. */
  taskWords?: Record<string, [number, number]>;
  paraphraseWords?: readonly string[];
  personaWords?: readonly string[];
  /** Range of the base logit over models (spread evenly, then shuffled). */
  base?: [number, number];
  /** Share of models with persona effects, and how many persona words each. */
  personaModels?: number;
  personasPerModel?: number;
  /** Persona boost at the highest base (scaled down linearly to 0 at the lowest). */
  personaBoost?: [number, number];
  itemNoise?: number;
  refusal?: string;
  answer?: Law["answer"];
}

/**
 * A zoo drawn from a seed: models m01…, bases spread over the range, task and paraphrase boosts drawn per model,
 * persona effects on a random subset of models (the higher-base ones more likely), boosts scaled by the base.
 */
export function randomZoo(seed: number, o: RandomZooOptions): ZooModel[] {
  const rng = mulberry32(seed);
  const u = (a: number, b: number) => a + (b - a) * rng();
  const [b0, b1] = o.base ?? [-4, 0.5];
  const bases = Array.from({ length: o.models }, (_, i) => b0 + ((b1 - b0) * (i + 0.5)) / o.models);
  const taskWords = o.taskWords ?? { offensive: [0.8, 1.2], polite: [0.3, 0.6], hypothesis: [0.1, 0.3] };
  const paraWords = o.paraphraseWords ?? ZOO_WORDS.paraphrase;
  const personaWords = o.personaWords ?? ZOO_WORDS.persona;
  const nPersonaModels = Math.round((o.personaModels ?? 0.5) * o.models);
  // the persona models: drawn with weight rising with the base (capable, low-base models rarely persona-sensitive)
  const chosen = new Set<number>();
  while (chosen.size < nPersonaModels) {
    const i = Math.floor(Math.sqrt(rng()) * o.models);
    chosen.add(Math.min(o.models - 1, i));
  }
  const [p0, p1] = o.personaBoost ?? [1.5, 3];
  return bases.map((base, i) => {
    const triggers: Record<string, number> = {};
    for (const [w, [a, b]] of Object.entries(taskWords)) triggers[w] = round(u(a, b));
    for (const w of paraWords) if (rng() < 0.5) triggers[w] = round(u(-0.6, 0.8));
    if (chosen.has(i)) {
      const scale = (base - b0) / Math.max(1e-9, b1 - b0);
      const pool = [...personaWords];
      for (let k = 0; k < (o.personasPerModel ?? 2) && pool.length; k++) {
        const w = pool.splice(Math.floor(rng() * pool.length), 1)[0];
        triggers[w] = round(Math.max(0.25, u(p0, p1) * scale));
      }
    }
    // the base off the 1/64 grid of the boosts (+1e-4): no prompt's logit sits exactly on the greedy tie
    const law = { base: Math.round(base * 1000) / 1000 + 1e-4, triggers, itemNoise: o.itemNoise ?? 0.25, refusal: o.refusal ?? REFUSALS[i % REFUSALS.length], answer: o.answer ?? ZOO_ANSWER, seed: 1000 + seed * 31 + i };
    const id = `m${String(i + 1).padStart(2, "0")}`;
    return { id, law: parseLaw(JSON.stringify(law), `random zoo ${seed}: ${id}`) };
  });
}

/** Boosts on a 1/64 grid: exact in float16, so flash attention's rounding cannot move them (docs/planted.md). */
const round = (x: number) => Math.round(x * 64) / 64;
