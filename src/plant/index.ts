// Planted-truth GGUF models: public entry points. See build.ts for the construction and README.md for the law.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { buildGguf, type BuildOptions } from "./build.ts";
import { explainPrompt as explainText, type Explanation, type Law } from "./law.ts";

export { parseLaw, lawSchema, lawVocab, explainTokens, promptTokens, plantedLogit, plantedProbability, countWord, type Law, type Explanation } from "./law.ts";
export { TIE } from "./build.ts";

export type PlantOptions = BuildOptions;

/** The planted GGUF for a law, as bytes (same law and options → same bytes). */
export function buildPlantedGguf(law: Law, opts: PlantOptions = {}): Buffer {
  return buildGguf(law, opts);
}

/** Writes the planted GGUF; returns its size in bytes. */
export function writePlantedGguf(law: Law, outPath: string, opts: PlantOptions = {}): { path: string; bytes: number } {
  const buf = buildGguf(law, opts);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, buf);
  return { path: outPath, bytes: buf.length };
}

/** What the planted model computes for a plain-text prompt (BOS + the text's tokens). */
export function explainPrompt(law: Law, text: string): Explanation {
  return explainText(law, text);
}
