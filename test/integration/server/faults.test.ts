// Faults against a real llama-server: the server SIGKILLed mid-run, restarted, the run resumed; and a loopback
// proxy that injects 429 with Retry-After, 503, connection resets and slow replies. Every trial is stored once
// and right (the planted law says what right is), and the number of requests stays bounded.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadStudy, type Study } from "../../../src/spec/study.ts";
import { openDb, closeDb } from "../../../src/store/db.ts";
import { runStudy, type RunSummary } from "../../../src/run/run.ts";
import { defaultDetectors } from "../../../src/run/detectors.ts";
import { writePlantedGguf, explainPrompt, parseLaw, type Law } from "../../../src/plant/index.ts";
import { writeTinyStudy } from "../../helpers/study.ts";
import { llamaServerBinary, startLlamaServer, freePort } from "./llama-server.ts";

const bin = llamaServerBinary();
const tmp = mkdtempSync(join(tmpdir(), "frh-server-faults-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const law: Law = parseLaw(JSON.stringify({ base: 0.3, triggers: { muslim: -1.2, woman: 0.8, atheist: 1.4 }, itemNoise: 0.4, refusal: "Sorry, that is not for me.", answer: "offensive", seed: 11 }), "inline");
const model = join(tmp, "planted.gguf");
if (!bin.skip) writePlantedGguf(law, model);

/** Every trial of the store: done, stored once, with the law's p_refusal and the law's greedy text. */
function checkStore(dbPath: string, planned: number): void {
  const db = openDb(dbPath, { readonly: true });
  try {
    const rows = db.prepare(`SELECT trial_id, status, prompt, p_refusal, response FROM trials`).all() as { trial_id: string; status: string; prompt: string; p_refusal: number | null; response: string }[];
    assert.equal(rows.length, planned, "one row per planned trial");
    assert.equal(new Set(rows.map((r) => r.trial_id)).size, planned);
    for (const r of rows) {
      assert.equal(r.status, "done", `${r.trial_id} is ${r.status}`);
      const p = explainPrompt(law, r.prompt).probability;
      assert.ok(r.p_refusal !== null && Math.abs(r.p_refusal - p) <= 5e-6, `p_refusal ${r.p_refusal} vs law ${p}`);
      assert.equal(r.response, p >= 0.5 ? law.refusal : law.answer);
    }
    const dets = db.prepare(`SELECT COUNT(*) FROM detections WHERE detector = 'first-token@1'`).pluck().get() as number;
    assert.equal(dets, planned, "one detection per trial and detector");
  } finally { closeDb(db); }
}

async function run(dbPath: string, study: Study, url: string, extra: Parameters<typeof runStudy>[2]["backend"] = {}, onDone?: (n: number) => void): Promise<RunSummary | Error> {
  const db = openDb(dbPath, { study: study.id });
  try {
    return await runStudy(db, study, {
      models: [{ id: "planted", source: `openai:${url}/v1` }], detectors: defaultDetectors(), batch: 4,
      backend: { ...extra }, maxFailureRate: 1,
      onEvent: (e) => { if (e.type === "batch") onDone?.(e.totalDone); },
    });
  } catch (e) {
    return e as Error;
  } finally { closeDb(db); }
}

test("llama-server SIGKILLed mid-run, restarted, run resumed: every trial stored once, none wrong", { skip: bin.skip, timeout: 240_000 }, async (t) => {
  const { study: path } = writeTinyStudy({ items: 10 }); // 120 trials
  const study = loadStudy(path);
  const port = await freePort();
  let server = await startLlamaServer(bin.path!, model, { slots: 1, port });
  const dbPath = join(tmp, "kill.sqlite");
  let killed = false;
  const first = await run(dbPath, study, server.url, { requestTimeoutMs: 5000 }, (n) => {
    if (!killed && n >= 30) { killed = true; void server.kill(); }
  });
  assert.ok(killed, "the server was killed during the run");
  t.diagnostic(`first run: ${first instanceof Error ? `stopped: ${first.message}` : JSON.stringify(first)}`);
  assert.ok(!(first instanceof Error) ? first.failed > 0 : true, "trials after the kill failed (no server) and are stored as failures");
  {
    const db = openDb(dbPath, { readonly: true });
    const done = db.prepare(`SELECT COUNT(*) FROM trials WHERE status = 'done'`).pluck().get() as number;
    closeDb(db);
    assert.ok(done >= 30 && done < 120, `some trials done before the kill (${done})`);
  }
  server = await startLlamaServer(bin.path!, model, { slots: 1, port });
  try {
    const second = await run(dbPath, study, server.url);
    assert.ok(!(second instanceof Error), `resumed run: ${second instanceof Error ? second.message : ""}`);
    assert.equal(second.failed, 0);
    assert.ok(second.skipped >= 30, "the resumed run skipped what was done");
    t.diagnostic(`resumed run: ${JSON.stringify(second)}`);
  } finally { await server.stop(); }
  checkStore(dbPath, 120);
});

/** A loopback proxy to `target` that injects a fault on chosen request numbers (1-based). */
function faultyProxy(target: string, fault: (n: number) => "429" | "503" | "reset" | "slow" | "late" | null) {
  let n = 0;
  const counts: Record<string, number> = { total: 0, "429": 0, "503": 0, reset: 0, slow: 0, late: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const u = new URL(target);
    const up = httpRequest({ host: u.hostname, port: u.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => { res.destroy(); });
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const k = ++n;
      counts.total++;
      const f = fault(k);
      if (f) counts[f]++;
      const body = Buffer.concat(chunks);
      if (f === "429") { res.writeHead(429, { "retry-after": "1", "content-type": "application/json" }); res.end('{"error":"busy"}'); return; }
      if (f === "503") { res.writeHead(503, { "content-type": "application/json" }); res.end('{"error":"unavailable"}'); return; }
      if (f === "reset") { req.socket.destroy(); return; }
      if (f === "slow") { setTimeout(() => forward(req, res, body), 300); return; }
      if (f === "late") { setTimeout(() => forward(req, res, body), 2500); return; } // past the client's 1.5 s timeout
      forward(req, res, body);
    });
  });
  return {
    counts,
    listen: () => new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as { port: number }).port}`))),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test("a proxy injecting 429 + Retry-After, 503, resets and slow replies: every trial once, requests bounded", { skip: bin.skip, timeout: 240_000 }, async (t) => {
  const { study: path } = writeTinyStudy({ items: 5 }); // 60 trials
  const study = loadStudy(path);
  const server = await startLlamaServer(bin.path!, model, { slots: 2 });
  const clean = faultyProxy(server.url, () => null);
  // Faults start after the probe (the first 20 requests) and hit every 7th request with a rotating kind.
  const kinds = ["503", "reset", "slow", "429", "late", "503", "reset"] as const;
  const faulty = faultyProxy(server.url, (k) => (k > 20 && k % 7 === 0 ? kinds[(k / 7) % kinds.length] : null));
  try {
    const cleanUrl = await clean.listen();
    const a = await run(join(tmp, "clean.sqlite"), study, cleanUrl, { requestTimeoutMs: 1500 });
    assert.ok(!(a instanceof Error) && a.failed === 0);
    checkStore(join(tmp, "clean.sqlite"), 60);
    const faultyUrl = await faulty.listen();
    const b = await run(join(tmp, "faulty.sqlite"), study, faultyUrl, { requestTimeoutMs: 1500 });
    assert.ok(!(b instanceof Error), `faulty run: ${b instanceof Error ? b.message : ""}`);
    assert.equal(b.failed, 0, "every fault was retried to success");
    checkStore(join(tmp, "faulty.sqlite"), 60);
    t.diagnostic(`clean: ${clean.counts.total} requests; faulty: ${JSON.stringify(faulty.counts)}`);
    const injected = faulty.counts["429"] + faulty.counts["503"] + faulty.counts.reset + faulty.counts.late;
    assert.ok(injected >= 8, `faults were injected (${JSON.stringify(faulty.counts)})`);
    // A failed call repeats its unit of work (at most the two calls of one trial): requests ≤ clean + 2 per fault.
    assert.ok(faulty.counts.total <= clean.counts.total + 2 * injected, `requests ${faulty.counts.total} vs clean ${clean.counts.total} + 2×${injected}`);
    assert.ok(faulty.counts.total >= clean.counts.total + injected - faulty.counts.late, "each fault cost at least one more request");
  } finally {
    await clean.close();
    await faulty.close();
    await server.stop();
  }
});
