// Writes a small, complete study into a temp directory so tests do not depend on the shipped datasets.
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TinyStudyOptions {
  sampling?: string;
  personasExtra?: string;
  studyExtra?: string;
  items?: number;
}

export function writeTinyStudy(opts: TinyStudyOptions = {}): { dir: string; study: string } {
  const dir = mkdtempSync(join(tmpdir(), "frh-study-"));
  mkdirSync(join(dir, "d"));
  writeFileSync(join(dir, "d", "personas.yaml"), `id: tiny
template: "Respond as {persona} would."
personas:
  - { id: control, group: control, text: "", control: true }
  - { id: muslim_person, group: religion, text: "a Muslim person", attributes: { religion: muslim } }
  - { id: woman, group: gender, text: "a woman", attributes: { gender: woman } }
  - { id: atheist_person, group: religion, text: "an atheist", attributes: { religion: atheist } }
${opts.personasExtra ?? ""}`);
  writeFileSync(join(dir, "d", "task.yaml"), `id: offensiveness
description: Is the text offensive?
fields: [text]
labels:
  - { id: offensive, words: [offensive] }
  - { id: not_offensive, words: [not offensive, inoffensive] }
`);
  writeFileSync(join(dir, "d", "paraphrases.yaml"), `task: offensiveness
paraphrases:
  - { id: p1, template: "Is this text offensive or not offensive? Text: {text}" }
  - { id: p2, template: "Label the text as offensive or not offensive.\\n{text}" }
  - { id: p3, template: "Text: {text}\\nOffensive or not offensive?" }
`);
  const n = opts.items ?? 6;
  const rows = ["id,text,gold"];
  for (let i = 0; i < n; i++) rows.push(`it${i},"Sample sentence number ${i}, about ${["cats", "rain", "trains", "coffee", "maps", "songs"][i % 6]}.",${i % 2 ? "offensive" : "not_offensive"}`);
  writeFileSync(join(dir, "d", "items.csv"), rows.join("\n") + "\n");
  const study = join(dir, "study.yaml");
  writeFileSync(study, `id: tiny
personas: d/personas.yaml
tasks:
  - task: d/task.yaml
    paraphrases: d/paraphrases.yaml
    items: { path: d/items.csv }
decoding: { maxTokens: 8 }
sampling: ${opts.sampling ?? "{ design: full, seed: 3 }"}
${opts.studyExtra ?? ""}`);
  return { dir, study };
}
