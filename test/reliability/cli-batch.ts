// Runs many CLI invocations in ONE process — `main()` of src/cli/main.ts, the function bin/frh.mjs calls — and
// records what each wrote and returned. bad-input.test.ts uses it for the cases that load no model (a spawn costs
// ~1 s each on these cores); cases that load a model spawn the real bin/frh.mjs, so native log lines are seen too.
// Usage: node --import tsx cli-batch.ts <cases.json> <results.json>; cases: { cwd, cases: [{ args, env? }] }.
import { readFileSync, writeFileSync } from "node:fs";
import { main } from "../../src/cli/main.ts";

const [casesFile, outFile] = process.argv.slice(2);
const { cwd, cases } = JSON.parse(readFileSync(casesFile, "utf8")) as { cwd: string; cases: { args: string[]; env?: Record<string, string> }[] };
process.chdir(cwd);
const results: { code: number; out: string; err: string }[] = [];
const stdoutWrite = process.stdout.write, stderrWrite = process.stderr.write;
for (const c of cases) {
  let out = "", err = "";
  process.stdout.write = ((chunk: unknown) => { out += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => { err += String(chunk); return true; }) as typeof process.stderr.write;
  const saved = Object.fromEntries(Object.keys(c.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, c.env ?? {});
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(["node", "frh", ...c.args]);
  } catch (e) {
    code = -1;
    err += `main() threw: ${(e as Error).stack}`;
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  results.push({ code, out, err });
}
process.exitCode = 0;
writeFileSync(outFile, JSON.stringify(results));
