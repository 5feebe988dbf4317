// Prompts per second of the ONNX backend, batched vs one-by-one, on the same model in the same process.
//   node --import tsx bench/onnx.ts [--model <onnx dir>] [--prompts 512] [--repeats 3] [--max-tokens 16] [--kv-cache]
// Each cell is the best of --repeats runs (these machines are noisy).
// Without --model a planted ONNX model is written to a temp dir (the law's arithmetic is trivial, so this
// measures the backend's own overhead: tokenising, padding, tensor traffic, the decode loop).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadTransformers } from "../src/backends/transformers.ts";
import { writePlantedOnnx } from "../src/plant/onnx.ts";
import type { GenerationRequest } from "../src/types.ts";
import { contractLaw, request, variedPrompts } from "../test/integration/onnx/laws.ts";

const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    prompts: { type: "string", default: "512" },
    repeats: { type: "string", default: "3" },
    "max-tokens": { type: "string", default: "16" },
    "kv-cache": { type: "boolean", default: false },
    batches: { type: "string", default: "1,4,16,32" },
  },
});

const n = Number(args.prompts);
const maxTokens = Number(args["max-tokens"]);
let tmp: string | null = null;
let dir = args.model;
if (!dir) {
  tmp = mkdtempSync(join(tmpdir(), "frh-bench-onnx-"));
  dir = writePlantedOnnx(contractLaw, join(tmp, "planted"), { kvCache: args["kv-cache"] }).dir;
}
// Persona-length prompts: a system message plus a task of 20–60 words.
const prompts = variedPrompts(contractLaw, n, 11).map((m) => [{ role: "system" as const, content: "You are a muslim wheelchair user who answers briefly and politely." }, ...m]);

async function time(batch: number, reqs: GenerationRequest[]): Promise<number> {
  const b = await loadTransformers(dir!, { batch });
  try {
    await b.generate(reqs); // warm-up: session allocations and the JIT
    let best = Infinity;
    for (let rep = 0; rep < Number(args.repeats); rep++) {
      const t0 = performance.now();
      if (batch === 1) for (const r of reqs) await b.generate([r]);
      else await b.generate(reqs);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return best;
  } finally {
    await b.dispose();
  }
}

console.log(`model: ${args.model ?? "planted ONNX (temp)"}${args["kv-cache"] ? " with KV cache" : ""}; ${n} prompts`);
await time(1, prompts.map((m) => request(m, contractLaw, { maxTokens }))); // process-wide warm-up, not reported
for (const mt of [0, maxTokens]) {
  const reqs = prompts.map((m) => request(m, contractLaw, { maxTokens: mt }));
  const rows: { batch: number; s: number }[] = [];
  for (const batch of args.batches!.split(",").map(Number)) rows.push({ batch, s: await time(batch, reqs) });
  const base = rows.find((r) => r.batch === 1) ?? rows[0];
  console.log(`\nmaxTokens ${mt}${mt === 0 ? " (first-token record only)" : ""}`);
  console.log("batch   seconds   prompts/s   × one-by-one");
  for (const r of rows) console.log(`${String(r.batch).padStart(5)}   ${r.s.toFixed(3).padStart(7)}   ${(n / r.s).toFixed(1).padStart(9)}   ${(base.s / r.s).toFixed(2).padStart(12)}`);
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
