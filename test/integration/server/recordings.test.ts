// vLLM and SGLang through their documented APIs, against RECORDED replies (test/fixtures/recordings/): no vLLM or
// SGLang runs here. A loopback server replays each recording (a reply per method, path and body fields); the
// backend must probe the kind, render through the server's tokenizer, send token ids, and turn the logprobs into
// the record the numbers below were computed for by hand from the recordings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { repoRoot } from "../../helpers/shared.ts";
import { loadOpenAI } from "../../../src/backends/openai/index.ts";
import { pRefusal } from "../../../src/detect/first-token.ts";
import type { GenerationRequest } from "../../../src/types.ts";

interface Route { method: string; path: string; when?: Record<string, unknown>; reply: unknown }

/** Replays a recording; unmatched requests get 404 (the probe of another server kind) and are listed. */
async function replay(name: string) {
  const rec = JSON.parse(readFileSync(join(repoRoot, "test", "fixtures", "recordings", name), "utf8")) as { routes: Route[] };
  const seen: { path: string; body: Record<string, unknown> | null }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const body = text ? JSON.parse(text) as Record<string, unknown> : null;
      seen.push({ path: req.url ?? "", body });
      const hit = rec.routes.find((r) => r.method === req.method && r.path === req.url && Object.entries(r.when ?? {}).every(([k, v]) => isDeepStrictEqual(body?.[k], v)));
      res.writeHead(hit ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(hit ? hit.reply : { error: "not recorded" }));
    });
  });
  const url = await new Promise<string>((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const watch = { labels: [{ id: "yes", words: ["yes"] }, { id: "no", words: ["no"] }], refusalOnsets: ["Sorry"], topK: 5 };
const messages = [{ role: "user" as const, content: "Is this text offensive?" }];
const decoding = { maxTokens: 16, temperature: 0, topK: 40, topP: 0.95, seed: 0 };
const sum = (lps: number[]) => lps.reduce((s, x) => s + Math.exp(x), 0);
// The recordings' log-probabilities of the watched ids (yes: Yes yes YES ±space; no: …; refusal: Sorry sorry SORRY ±space).
const YES = [-0.35, -6.2, -9.5, -8.1, -11.0, -12.5], NO = [-1.6, -7.0, -9.9, -8.4, -11.7, -12.9], SORRY = [-2.9, -10.2, -9.1, -10.8, -7.7, -12.2];

async function one(url: string) {
  const b = await loadOpenAI(`openai:${url}/v1`);
  const [text] = await b.renderMany!([messages]);
  const req: GenerationRequest = { prompt: { messages, placement: "none", text }, decoding, seed: 7, watch };
  const [r] = await b.generate([req]);
  await b.dispose();
  return { b, text, r };
}

test("vLLM (recorded) with logprob_token_ids: exact record of exactly the watched ids", async () => {
  const s = await replay("vllm/logprob-token-ids.json");
  try {
    const { b, text, r } = await one(s.url);
    assert.equal(b.info.backend, "openai");
    assert.ok(b.info.backend === "openai" && b.info.details.server === "vllm" && b.info.details.logprobs === "token-ids");
    assert.equal(text, "<|im_start|>user\nIs this text offensive?<|im_end|>\n<|im_start|>assistant\n");
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.text, "Yes, it is offensive.");
    const ft = r.firstToken!;
    assert.equal(ft.exactness, "exact");
    assert.ok(Math.abs(ft.labelMass.yes - sum(YES)) < 1e-12);
    assert.ok(Math.abs(ft.labelMass.no - sum(NO)) < 1e-12);
    assert.ok(Math.abs(ft.refusalMass - sum(SORRY)) < 1e-12);
    assert.ok(Math.abs(pRefusal(ft)! - sum(SORRY) / (sum(SORRY) + sum(YES) + sum(NO))) < 1e-12);
    // what was sent: token ids, explicit sampling, the watched ids by name
    const sent = s.seen.find((x) => x.path === "/v1/completions" && Array.isArray(x.body?.prompt) && (x.body!.prompt as number[]).length > 1)!.body!;
    assert.deepEqual(sent.prompt, [151644, 872, 198, 3872, 419, 1467, 15183, 30, 151645, 198, 151644, 77091, 198]);
    assert.equal(sent.temperature, 0);
    assert.equal(sent.top_p, 0.95);
    assert.equal(sent.top_k, 40);
    assert.equal(sent.seed, 7);
    assert.deepEqual([...(sent.logprob_token_ids as number[])].sort((x, y) => x - y), [50, 328, 902, 2152, 2308, 2753, 5664, 7414, 8996, 9454, 9693, 9834, 14004, 14080, 14589, 19701, 32016, 67597]);
    // identity: what vLLM reports (served name, root, context) — no API key anywhere
    assert.deepEqual(b.info.backend === "openai" && b.info.details.identity.from, { server: "vllm", id: "Qwen/Qwen2.5-0.5B-Instruct", root: "Qwen/Qwen2.5-0.5B-Instruct", max_model_len: 32768 });
  } finally { await s.close(); }
});

test("vLLM (recorded) without logprob_token_ids: top-k only gives a bounded record and no p_refusal", async () => {
  const s = await replay("vllm/top-k-only.json");
  try {
    const { b, r } = await one(s.url);
    assert.ok(b.info.backend === "openai" && b.info.details.logprobs === "top-k");
    const ft = r.firstToken!;
    assert.equal(ft.exactness, "bounded");
    assert.equal(pRefusal(ft), null, "an interval is not a value");
    // By hand: listed Yes −0.45, No −1.9, Sorry −2.9 and two others; k-th p = e^−3.6; unlisted mass 1 − Σ listed.
    const listed = sum([-0.45, -1.9, -2.9, -3.3, -3.6]), kth = Math.exp(-3.6), rest = 1 - listed;
    const A = [Math.exp(-0.45) + Math.exp(-1.9), Math.exp(-0.45) + Math.exp(-1.9) + Math.min(10 * kth, rest)];
    const R = [Math.exp(-2.9), Math.exp(-2.9) + Math.min(5 * kth, rest)];
    const want = [R[0] / (R[0] + A[1]), R[1] / (R[1] + A[0])];
    const got = ft.bounds!;
    for (const [x, y] of [[got.answerMass, A], [got.refusalMass, R], [got.pRefusal!, want]] as const) {
      assert.ok(Math.abs(x[0] - y[0]) < 1e-12 && Math.abs(x[1] - y[1]) < 1e-12, `${x} vs ${y}`);
    }
  } finally { await s.close(); }
});

test("SGLang (recorded) with token_ids_logprob: exact record", async () => {
  const s = await replay("sglang/token-ids-logprob.json");
  try {
    const { b, r } = await one(s.url);
    assert.ok(b.info.backend === "openai" && b.info.details.server === "sglang" && b.info.details.logprobs === "token-ids");
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.generatedTokens, 6);
    const ft = r.firstToken!;
    assert.equal(ft.exactness, "exact");
    assert.ok(Math.abs(pRefusal(ft)! - sum(SORRY) / (sum(SORRY) + sum(YES) + sum(NO))) < 1e-12);
    const sent = s.seen.find((x) => x.path === "/generate")!.body!;
    assert.deepEqual((sent.sampling_params as Record<string, unknown>).max_new_tokens, 16);
    assert.equal((sent.sampling_params as Record<string, unknown>).temperature, 0);
    assert.equal(sent.return_logprob, true);
    assert.equal((sent.token_ids_logprob as number[]).length, 18);
  } finally { await s.close(); }
});

test("vLLM (recorded): a #name the server does not serve is one clear error naming what it serves", async () => {
  const s = await replay("vllm/logprob-token-ids.json");
  try {
    await assert.rejects(loadOpenAI(`openai:${s.url}/v1#other-model`), /does not serve 'other-model' \(it serves 'Qwen\/Qwen2.5-0.5B-Instruct'\)/);
  } finally { await s.close(); }
});
