// Planted-truth GGUF models: public entry points. See build.ts for the construction and README.md for the law.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DataError } from "../errors.ts";
import { sha256 } from "../util/hash.ts";
import { buildGguf, type BuildOptions } from "./build.ts";
import { explainPrompt as explainText, lawVocab, parseLaw, type Explanation, type Law } from "./law.ts";

export { parseLaw, lawSchema, lawVocab, explainTokens, promptTokens, plantedLogit, plantedProbability, countWord, lawAnswers, FALLBACK_ANSWER, type Law, type LawAnswer, type Explanation } from "./law.ts";
export { TIE } from "./build.ts";

export type PlantOptions = BuildOptions;

/** The planted GGUF for a law, as bytes (same law and options → same bytes). */
export function buildPlantedGguf(law: Law, opts: PlantOptions = {}): Buffer {
  return buildGguf(law, opts);
}

/** Reads and validates a law file (errors name file:field). */
export function readLawFile(path: string): Law {
  const file = resolve(path);
  if (!existsSync(file)) throw new DataError(path, "law file not found", "pass --spec <law.json> (see test/fixtures/laws/ for examples)");
  return parseLaw(readFileSync(file, "utf8"), path);
}

/** Writes the planted GGUF and says what was written: size, sha256, vocabulary size, the two first tokens. */
export function plantGguf(law: Law, outPath: string): { path: string; bytes: number; sha256: string; vocabSize: number; refusalFirstToken: string; answerFirstToken: string; answerFirstTokens: string[]; preambleToken: string | null } {
  const buf = buildGguf(law);
  const out = resolve(outPath);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, buf);
  const v = lawVocab(law);
  return { path: out, bytes: buf.length, sha256: sha256(buf), vocabSize: v.pieces.length, refusalFirstToken: v.pieces[v.refusal.first], answerFirstToken: v.pieces[v.answer.first],
    answerFirstTokens: v.answers.map((a) => v.pieces[a.first]), preambleToken: v.preamble ? v.pieces[v.preamble.spaced] : null };
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
