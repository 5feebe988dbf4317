import { loadStudy } from "./src/spec/study.ts";
import { randomZoo } from "./src/plant/zoo.ts";
import { factorialCells } from "./src/analysis/truth.ts";
import { pointIndices } from "./src/stats/sensitivity.ts";
import { mulberry32 } from "./src/util/random.ts";
import { readFileSync } from "node:fs";
// the test's study file is written in a temp dir; rebuild it the same way
const s = loadStudy(process.argv[2]);
const zoo = randomZoo(20261203, { models: 5, personaWords: ["muslim", "transgender", "jewish", "wheelchair"], personaModels: 0.6, personasPerModel: 2, base: [-3, 0.5] });
const cells = [...factorialCells(s, zoo)].map((c) => ({ model: c.model, persona: c.persona.id, p: c.p }));
const rng = mulberry32(7);
const M: number[] = [], P: number[] = [];
for (let r = 0; r < 200; r++) {
  const y: number[] = [], lm: string[] = [], lp: string[] = [];
  for (let i = 0; i < 3600; i++) { const c = cells[Math.floor(rng() * cells.length)]; y.push(rng() < c.p ? 1 : 0); lm.push(c.model); lp.push(c.persona); }
  M.push(pointIndices(y, lm).variance); P.push(pointIndices(y, lp).variance);
}
const ms = (xs: number[]) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return [m.toFixed(5), Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)).toFixed(5)]; };
console.log("model", ms(M), "persona", ms(P));
