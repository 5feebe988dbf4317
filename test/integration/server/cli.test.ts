// Through the CLI: `frh run --model openai:http://127.0.0.1:PORT/v1 --limit 200` against llama-server serving a
// planted GGUF stores 200 trials whose p_refusal matches the in-process run of the same plan, and status, export,
// analyze and report work on that store unchanged (analyze equals the in-process store's to the p_refusal precision).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../helpers/shared.ts";
import { writePlantedGguf, parseLaw } from "../../../src/plant/index.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { llamaServerBinary, startLlamaServer } from "./llama-server.ts";

const bin = llamaServerBinary();
const tmp = mkdtempSync(join(tmpdir(), "frh-server-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const frh = join(repoRoot, "bin", "frh.mjs");
const KEY = "sk-frh-test-key-never-stored-4711";

/** Runs frh without blocking the event loop (the server is another process, but keep the test responsive). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [frh, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Deep equality with numbers compared to `tol` (absolute, or relative for large values). */
function close(a: unknown, b: unknown, tol: number, path = "$"): void {
  if (typeof a === "number" && typeof b === "number") {
    assert.ok(a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a)), `${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: length`);
    a.forEach((x, i) => close(x, b[i], tol, `${path}[${i}]`));
    return;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    assert.deepEqual(ka, kb, `${path}: keys`);
    for (const k of ka) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
    return;
  }
  assert.deepEqual(a, b, path);
}

test("frh run --model openai:…/v1 --limit 200 on llama-server; status, export, analyze, report unchanged", { skip: bin.skip, timeout: 300_000 }, async () => {
  const law = parseLaw(JSON.stringify({ base: -0.2, triggers: { muslim: 1.1, woman: -0.9, atheist: 0.5 }, itemNoise: 0.7, refusal: "Sorry, no.", answer: "offensive", seed: 23 }), "inline");
  const model = join(tmp, "planted.gguf");
  writePlantedGguf(law, model);
  const { study } = writeTinyStudy({ items: 20 }); // 240 planned; --limit 200
  const local = join(tmp, "local.sqlite");
  const served = join(tmp, "served.sqlite");
  const a = await cli(["run", study, "--model", model, "--full-text", "--limit", "200", "--db", local, "--quiet"]);
  assert.equal(a.status, 0, a.stderr);
  const server = await startLlamaServer(bin.path!, model, { slots: 4 });
  try {
    // An API key in the environment is sent (llama-server without --api-key ignores it) and never stored.
    const b = await cli(["run", study, "--model", `openai:${server.url}/v1#planted`, "--limit", "200", "--db", served, "--quiet"], { FRH_OPENAI_API_KEY: KEY });
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /200 trials run, 0 already done, 0 failed, of 200 planned/);
    // the same command again does nothing (resumable)
    const again = await cli(["run", study, "--model", `openai:${server.url}/v1#planted`, "--limit", "200", "--db", served, "--quiet"]);
    assert.match(again.stdout, /0 trials run, 200 already done/);
  } finally { await server.stop(); }

  for (const f of [served, `${served}-wal`]) if (existsSync(f)) assert.ok(!readFileSync(f).includes(KEY), `${f} holds the API key`);

  const status = await cli(["status", "--db", served, "--json"]);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /"done":\s*200/);

  const ex = async (db: string) => {
    const r = await cli(["export", "--db", db, "--format", "jsonl"]);
    assert.equal(r.status, 0, r.stderr);
    return new Map(r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).map((x) => [`${x.persona}|${x.paraphrase}|${x.item}|${x.replicate}`, x]));
  };
  const ea = await ex(local), eb = await ex(served);
  assert.equal(eb.size, 200);
  for (const [k, x] of ea) {
    const y = eb.get(k);
    assert.ok(y, `served export lacks ${k}`);
    assert.ok(Math.abs((x.p_refusal as number) - (y.p_refusal as number)) <= 1e-6, `${k}: p_refusal ${x.p_refusal} vs ${y.p_refusal}`);
    assert.equal(y.response, x.response);
    assert.equal(y.outcome, x.outcome);
    assert.equal(y.model, "planted");
  }

  const an = async (db: string) => {
    const r = await cli(["analyze", "--db", db, "--json", "--outcome", "p_refusal"]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const ja = await an(local), jb = await an(served);
  // Provenance differs by design (backend, model identity); the statistics must not.
  for (const k of ["provenance", "sources", "store", "db"]) { delete ja[k]; delete jb[k]; }
  assert.ok(Object.keys(ja).length >= 3, `analyze JSON has content: ${Object.keys(ja).join(", ")}`);
  close(ja, jb, 1e-5);

  const out = join(tmp, "served.html");
  const rep = await cli(["report", "--db", served, "--out", out]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.ok(existsSync(out) && readFileSync(out, "utf8").includes("planted"));
});
