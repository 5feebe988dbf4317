// The served-model backend's pure parts and its transport, without a model: first-token records from full,
// named and top-k lists (intervals checked against the true masses of random distributions), the source syntax,
// Retry-After, and the pool against a loopback HTTP server (no retry on 4xx, retries on 5xx, bounded
// concurrency, a failing endpoint leaves the pool with one warning).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { recordFrom } from "../../../src/backends/openai/record.ts";
import { parseServerSource, serverModelId } from "../../../src/backends/openai/source.ts";
import { Endpoint, FatalRequestError, Pool, retryAfter } from "../../../src/backends/openai/transport.ts";
import { apiKeyFromEnv } from "../../../src/backends/openai/backend.ts";
import { pRefusal } from "../../../src/detect/first-token.ts";
import { mulberry32 } from "../../../src/util/random.ts";
import { HarnessError } from "../../../src/errors.ts";
import type { WatchTokens } from "../../../src/backends/watch.ts";
import { modelRef } from "../../../src/spec/study.ts";
import { backendKind } from "../../../src/backends/index.ts";

const tokens: WatchTokens = { labels: new Map([["a", new Set([1])], ["b", new Set([2, 3])]]), refusal: new Set([4]), answer: new Set([1, 2, 3]) };
const name = (t: number) => `t${t}`;

test("a top-k list missing watched tokens gives the intervals computed by hand", () => {
  const r = recordFrom({ listed: [{ token: 1, p: 0.5 }, { token: 4, p: 0.2 }, { token: 5, p: 0.1 }], complete: false, topK: true }, tokens, 3, name);
  assert.equal(r.exactness, "bounded");
  // k-th p 0.1, unlisted mass 0.2: label b (2 missing) ≤ min(0.2, 0.2); answer [0.5, 0.7]; refusal exact 0.2
  assert.deepEqual(r.bounds!.labelMass.b, [0, 0.2]);
  assert.deepEqual(r.bounds!.answerMass, [0.5, 0.7]);
  assert.deepEqual(r.bounds!.refusalMass, [0.2, 0.2]);
  const [lo, hi] = r.bounds!.pRefusal!;
  assert.ok(Math.abs(lo - 0.2 / 0.9) < 1e-15 && Math.abs(hi - 0.2 / 0.7) < 1e-15);
  assert.equal(pRefusal(r), null);
});

test("a complete list, or one holding every watched token, is exact", () => {
  const full = recordFrom({ listed: [{ token: 1, p: 0.6 }, { token: 4, p: 0.3 }, { token: 9, p: 0.1 }], complete: true, topK: true }, tokens, 2, name);
  assert.equal(full.exactness, "exact");
  assert.equal(full.answerMass, 0.6);
  assert.ok(Math.abs(pRefusal(full)! - 0.3 / 0.9) < 1e-15);
  const named = recordFrom({ listed: [1, 2, 3, 4].map((t) => ({ token: t, p: t / 100 })), complete: false, topK: false }, tokens, 2, name);
  assert.equal(named.exactness, "exact");
  assert.deepEqual(named.topK.map((x) => x.token), [4, 3]);
  assert.throws(() => recordFrom({ listed: [{ token: 1, p: 0.5 }], complete: false, topK: false }, tokens, 1, name), /did not return/);
});

test("intervals from top-k always contain the true masses (random distributions, 500 cases)", () => {
  const rnd = mulberry32(42);
  for (let c = 0; c < 500; c++) {
    const v = 12, k = 1 + Math.floor(rnd() * 6);
    const w = Array.from({ length: v }, () => Math.exp(4 * rnd() - 2));
    const z = w.reduce((s, x) => s + x, 0);
    const p = w.map((x) => x / z);
    const top = p.map((q, token) => ({ token, p: q })).sort((a, b) => b.p - a.p).slice(0, k);
    const r = recordFrom({ listed: top, complete: false, topK: true }, tokens, k, name);
    const A = p[1] + p[2] + p[3], R = p[4];
    if (r.exactness === "exact") { assert.ok(Math.abs(r.answerMass - A) < 1e-12 && Math.abs(r.refusalMass - R) < 1e-12); continue; }
    const b = r.bounds!;
    const inside = (x: number, [lo, hi]: [number, number]) => x >= lo - 1e-12 && x <= hi + 1e-12;
    assert.ok(inside(A, b.answerMass) && inside(R, b.refusalMass) && inside(p[2] + p[3], b.labelMass.b), `case ${c}`);
    assert.ok(b.pRefusal && inside(R / (R + A), b.pRefusal), `case ${c}: p_refusal ${R / (R + A)} outside ${b.pRefusal}`);
  }
});

test("server sources: URLs, pools, names; bad ones are usage errors with a hint", () => {
  assert.deepEqual(parseServerSource("openai:http://127.0.0.1:8080/v1"), { urls: ["http://127.0.0.1:8080"], model: null });
  assert.deepEqual(parseServerSource("openai:http://a:1/v1/,https://b:2/v1#Qwen/Qwen2.5"), { urls: ["http://a:1", "https://b:2"], model: "Qwen/Qwen2.5" });
  assert.equal(serverModelId("openai:http://127.0.0.1:8080/v1"), "127.0.0.1:8080");
  // a served model is not a path: kept as given, its id from #name or host_port
  assert.deepEqual(modelRef("openai:http://127.0.0.1:8080/v1", "/some/dir"), { id: "127.0.0.1_8080", source: "openai:http://127.0.0.1:8080/v1" });
  assert.deepEqual(modelRef("openai:http://h:1/v1#Qwen/Qwen2.5-7B", "/d"), { id: "Qwen_Qwen2.5-7B", source: "openai:http://h:1/v1#Qwen/Qwen2.5-7B" });
  assert.equal(backendKind("openai:http://h:1/v1"), "openai");
  for (const bad of ["openai:", "openai:ftp://x/v1", "openai:not a url", "openai:http://u:p@h:1/v1", "openai:http://h:1/v1#"]) {
    assert.throws(() => parseServerSource(bad), (e: unknown) => e instanceof HarnessError && !!e.hint, bad);
  }
});

test("Retry-After in seconds or as a date; the API key only from the environment", () => {
  assert.equal(retryAfter("3"), 3000);
  assert.equal(retryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(retryAfter(null), null);
  assert.equal(retryAfter("soon"), null);
  assert.equal(apiKeyFromEnv({ FRH_OPENAI_API_KEY: "a", OPENAI_API_KEY: "b" }), "a");
  assert.equal(apiKeyFromEnv({ OPENAI_API_KEY: "b" }), "b");
  assert.equal(apiKeyFromEnv({}), undefined);
});

/** A loopback server whose handler decides each reply; counts requests and the most in flight. */
async function loopback(handler: (n: number) => { status: number; delay?: number; headers?: Record<string, string> }) {
  let n = 0, inFlight = 0, maxInFlight = 0;
  const auth: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    const k = ++n;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    auth.push(req.headers.authorization);
    const h = handler(k);
    setTimeout(() => { inFlight--; res.writeHead(h.status, { "content-type": "application/json", ...h.headers }); res.end(JSON.stringify({ n: k })); }, h.delay ?? 0);
  });
  const url = await new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
  return { url, auth, get n() { return n; }, get maxInFlight() { return maxInFlight; }, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const quick = { baseDelayMs: 1, maxDelayMs: 5, random: () => 1 };

test("pool: no retry on 4xx, retries on 5xx and 429, bounded attempts", async () => {
  const s400 = await loopback(() => ({ status: 400 }));
  const p400 = new Pool([new Endpoint(s400.url, 2, quick)], quick);
  await assert.rejects(p400.run((e) => e.call("/x", {})), FatalRequestError);
  assert.equal(s400.n, 1, "a 400 is not retried");
  await s400.close();

  const flaky = await loopback((n) => (n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { "retry-after": "0" } } : { status: 200 }));
  const pf = new Pool([new Endpoint(flaky.url, 2, quick)], quick);
  assert.deepEqual(await pf.run((e) => e.call("/x")), { n: 3 });
  await flaky.close();

  const down = await loopback(() => ({ status: 500 }));
  const pd = new Pool([new Endpoint(down.url, 2, { ...quick, maxAttempts: 4 })], { ...quick, maxAttempts: 4 });
  await assert.rejects(pd.run((e) => e.call("/x")), /gave up after 4 attempts/);
  assert.equal(down.n, 4);
  await down.close();
});

test("pool: concurrency per endpoint is bounded; a failing endpoint leaves with one warning; key sent as bearer", async () => {
  const good = await loopback(() => ({ status: 200, delay: 20 }));
  const bad = await loopback(() => ({ status: 502 }));
  const warnings: string[] = [];
  const opts = { ...quick, failLimit: 3, apiKey: "sk-test", onWarning: (m: string) => warnings.push(m) };
  const pool = new Pool([new Endpoint(good.url, 3, opts), new Endpoint(bad.url, 3, opts)], opts);
  const out = await Promise.all(Array.from({ length: 30 }, () => pool.run((e) => e.call<{ n: number }>("/x"))));
  assert.equal(out.length, 30);
  assert.ok(good.maxInFlight <= 3, `at most 3 in flight (saw ${good.maxInFlight})`);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /left the pool after 3 failures/);
  assert.equal(pool.live.length, 1);
  assert.ok(bad.n <= 3 + 3, "the bad endpoint stops getting work once it left");
  assert.ok(good.auth.every((a) => a === "Bearer sk-test"));
  await good.close();
  await bad.close();
});
