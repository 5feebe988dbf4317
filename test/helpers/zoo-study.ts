// The zoo test's study and zoo (test/integration/zoo/zoo.test.ts), also used to simulate its sampling.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./shared.ts";
import { randomZoo, type ZooModel } from "../../src/plant/zoo.ts";

/** Items without any zoo word: short generated sentences, 100 per task. */
function items(task: string): string {
  const nouns = ["cat", "river", "train", "garden", "lamp", "market", "violin", "bridge", "kettle", "meadow"];
  const verbs = ["sits near", "faces", "looks like", "stands by", "leans on", "is under", "is above", "follows", "hides behind", "waits for"];
  const rows = task === "nli" ? ["id,premise,hypothesis"] : ["id,text"];
  for (let i = 0; i < 100; i++) {
    const a = nouns[i % 10], b = nouns[(i * 3 + 1) % 10], v = verbs[Math.floor(i / 10)];
    rows.push(task === "nli" ? `${task}_${i},The ${a} ${v} the ${b}.,A ${b} is there.` : `${task}_${i},The ${a} ${v} the ${b} today.`);
  }
  return rows.join("\n") + "\n";
}

/** Writes the study (and its item files) into `dir`; returns the study file. */
export function writeZooStudy(dir: string): string {
  for (const t of ["nli", "politeness", "offensiveness"]) writeFileSync(join(dir, `${t}.csv`), items(t));
  // the four paraphrases per task include the ones carrying the zoo's paraphrase words (p5/p8 of NLI, p4/p8 of
  // politeness, p8/p9 of offensiveness)
  const include: Record<string, string[]> = { nli: ["nli_p1", "nli_p5", "nli_p8", "nli_p9"], politeness: ["politeness_p1", "politeness_p4", "politeness_p8", "politeness_p9"], offensiveness: ["offensiveness_p1", "offensiveness_p5", "offensiveness_p8", "offensiveness_p9"] };
  const studyPath = join(dir, "zoo.yaml");
  writeFileSync(studyPath, `id: zoo-check
personas: ${join(repoRoot, "datasets/personas/default.yaml")}
includePersonas: [muslim_person, transgender_person, jewish_person, wheelchair_user, woman]
tasks:
${Object.entries(include).map(([t, ps]) => `  - task: ${join(repoRoot, `datasets/tasks/${t}.yaml`)}
    paraphrases: ${join(repoRoot, `datasets/paraphrases/${t}.yaml`)}
    items: { path: ${join(dir, `${t}.csv`)} }
    include: [${ps.join(", ")}]`).join("\n")}
decoding: { maxTokens: 16, temperature: 0 }
sampling: { design: random, n: 3600, seed: 11 }
`);
  return studyPath;
}

/** The seeded random zoo: 5 models; persona words of four included personas ("woman" carries none: a null everywhere). */
export function testZoo(): ZooModel[] {
  return randomZoo(20261203, { models: 5, personaWords: ["muslim", "transgender", "jewish", "wheelchair"], personaModels: 0.6, personasPerModel: 2, base: [-3, 0.5] });
}
