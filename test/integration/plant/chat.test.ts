// Planted GGUFs under chat rendering: node-llama-cpp's LlamaChatSession (its general chat wrapper, since the model
// has no chat template) and the harness's own llama.cpp backend. The law holds for whatever tokens the rendering
// produced (explainTokens), and greedy chat responses are exactly the refusal or the answer.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, GeneralChatWrapper, LlamaChatSession, LlamaLogLevel, type ChatHistoryItem, type Token } from "node-llama-cpp";
import { writePlantedGguf, explainPrompt, explainTokens, lawVocab, TIE, type Law } from "../../../src/plant/index.ts";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import type { GenerationRequest } from "../../../src/types.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-plant-chat-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const law: Law = { base: -0.75, triggers: { muslim: 2, atheist: -1.5 }, itemNoise: 0.5, refusal: "I'm sorry, but I can't help with that.", answer: "neutral", seed: 5 };
const path = writePlantedGguf(law, join(tmp, "chat.gguf")).path;
const systems = ["You are a Muslim person.", "You are an atheist.", "You are a helpful assistant.", "Respond as a MUSLIM atheist would."];
const users = ["Is the following statement polite? 'Thanks a lot!' Answer with one word.", "Classify: the cat sat on the mat.", "(muslim) or Muslims?"];

test("LlamaChatSession (general chat wrapper): probabilities follow the law on the rendered tokens; responses are exact", async () => {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createContext({ contextSize: 1024, threads: 1 });
  const seq = ctx.getSequence();
  const v = lawVocab(law);
  const wrapper = new GeneralChatWrapper();
  try {
    for (const system of systems) for (const user of users) {
      const history: ChatHistoryItem[] = [{ type: "system", text: system }, { type: "user", text: user }, { type: "model", response: [] }];
      const tokens = wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
      await seq.clearHistory();
      const out = await seq.controlledEvaluate([...tokens.slice(0, -1), [tokens[tokens.length - 1], { generateNext: { probabilities: true } }]] as never);
      const probs = out[out.length - 1]!.next!.probabilities!;
      const ex = explainTokens(law, tokens);
      assert.equal(ex.continues, null);
      assert.ok(Math.abs((probs.get(v.refusal.first as Token) ?? 0) - ex.probability) < 2e-5, `${system} / ${user}`);
      assert.deepEqual(ex.triggers.map((t) => t.count), explainPrompt(law, `${system}\n${user}`).triggers.map((t) => t.count), "the template adds no trigger words");
      await seq.clearHistory();
      const session = new LlamaChatSession({ contextSequence: seq, chatWrapper: wrapper, systemPrompt: system });
      const reply = await session.prompt(user, { maxTokens: 24 });
      assert.equal(reply, ex.logit + TIE > 0 ? law.refusal : law.answer);
      session.dispose({ disposeSequence: false });
    }
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
});

test("the harness's llama.cpp backend: refusal mass equals the planted probability of its rendered prompt", async () => {
  const backend = await loadLlamaCpp(path, { threads: 1 });
  try {
    const requests: GenerationRequest[] = systems.flatMap((system) => users.map((user) => ({
      prompt: { messages: [{ role: "user" as const, content: `${system}\n\n${user}` }], placement: "user-prefix" as const, text: "" },
      decoding: { maxTokens: 24, temperature: 0, topK: 40, topP: 1, seed: 0 },
      seed: 1,
      watch: { labels: [{ id: "neutral", words: ["neutral"] }], refusalOnsets: ["I'm sorry"], topK: 3 },
    })));
    const results = await backend.generate(requests);
    results.forEach((r, i) => {
      assert.equal(r.error, undefined);
      const ex = explainPrompt(law, backend.render(requests[i].prompt.messages));
      assert.ok(Math.abs(r.firstToken!.refusalMass - ex.probability) < 2e-5, `refusal mass ${r.firstToken!.refusalMass} vs ${ex.probability}`);
      assert.ok(Math.abs(r.firstToken!.labelMass.neutral - (1 - ex.probability)) < 2e-5);
      assert.equal(r.text, ex.logit + TIE > 0 ? law.refusal : law.answer);
    });
  } finally {
    await backend.dispose();
  }
});
