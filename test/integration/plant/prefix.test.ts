// prompt.responsePrefix in the backends' rendering: after the plain template, or after the chat template's
// generation prompt (a planted GGUF given a ChatML template in its metadata; a planted ONNX model given one in
// tokenizer_config.json). Without a prefix the rendering is exactly what it was; with one it is that text plus the
// prefix, and a planted model whose preamble is the prefix reads refusal / answer right after it (watched mass 1).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLaw, buildPlantedGguf, explainPrompt } from "../../../src/plant/index.ts";
import { readGguf, writeGguf, kv } from "../../../src/plant/gguf.ts";
import { writePlantedOnnx } from "../../../src/plant/onnx.ts";
import { loadLlamaCpp } from "../../../src/backends/llamaCpp/index.ts";
import { loadTransformers } from "../../../src/backends/transformers.ts";
import { renderPlain } from "../../../src/prompts/render.ts";
import type { Backend, ChatMessage, GenerationRequest } from "../../../src/types.ts";

const tmp = mkdtempSync(join(tmpdir(), "frh-prefix-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const law = parseLaw(JSON.stringify({ base: 0.4, triggers: { muslim: 1.5 }, itemNoise: 0.3, refusal: "Sorry, I can't.", answer: "neutral",
  preamble: { text: "Answer:", share: 0.6 }, seed: 3 }), "inline");
const CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
const messages: ChatMessage[][] = [
  [{ role: "system", content: "You are a Muslim person." }, { role: "user", content: "Is it neutral? Reply with one word." }],
  [{ role: "user", content: "Is this neutral or not?" }],
];
const request = (m: ChatMessage[]): GenerationRequest => ({
  prompt: { messages: m, placement: m.length > 1 ? "system" : "none", text: "" },
  decoding: { maxTokens: 12, temperature: 0, topK: 40, topP: 1, seed: 0 }, seed: 1,
  watch: { labels: [{ id: "neutral", words: ["neutral"] }], refusalOnsets: ["Sorry"], topK: 3 },
});

async function check(make: (prefix?: string) => Promise<Backend>, chat: boolean) {
  const plain = await make();
  const pre = await make("Answer:");
  try {
    for (const m of messages) {
      const base = plain.render(m);
      if (!chat) assert.equal(base, renderPlain(m, "{user}\n"), "no prefix: the plain rendering as before");
      else assert.ok(base.endsWith("<|im_start|>assistant\n"), JSON.stringify(base.slice(-40)));
      assert.equal(pre.render(m), base + "Answer:");
      const [a] = await plain.generate([request(m)]);
      const [b] = await pre.generate([request(m)]);
      const wa = a.firstToken!.refusalMass + a.firstToken!.answerMass, wb = b.firstToken!.refusalMass + b.firstToken!.answerMass;
      assert.ok(Math.abs(wa - 0.4) < 1e-3 && wb > 0.999, `watched mass ${wa} without, ${wb} with the prefix`);
      if (chat) {
        // a chat rendering is tokenised in pieces (template text, special-token text): the law then holds for those
        // tokens (explainTokens), which this test does not rebuild; the reply is still one of the two texts
        assert.ok([law.refusal, "neutral"].includes(b.text), b.text);
      } else {
        const want = explainPrompt(law, pre.render(m));
        assert.ok(Math.abs(b.firstToken!.refusalMass / wb - want.probability) < 1e-3, `p vs the law on the rendered text ${want.probability}`);
        assert.equal(b.text, want.logit > 0 ? law.refusal : "neutral", "the reply follows the prefix");
      }
    }
  } finally {
    await plain.dispose();
    await pre.dispose();
  }
}

test("GGUF: the prefix after the plain template and after a chat template's generation prompt", async () => {
  const path = join(tmp, "p.gguf");
  writeFileSync(path, buildPlantedGguf(law));
  await check((responsePrefix) => loadLlamaCpp(path, { threads: 1, ...(responsePrefix ? { responsePrefix } : {}) }), false);
  const f = readGguf(readFileSync(path));
  const meta = [...f.metadata.entries()];
  meta.push(["tokenizer.chat_template", kv.str(CHATML)]);
  const chatPath = join(tmp, "chat.gguf");
  writeFileSync(chatPath, writeGguf(meta, f.tensors.map((t) => ({ name: t.name, dims: t.dims, data: t.data! }))));
  await check((responsePrefix) => loadLlamaCpp(chatPath, { threads: 1, ...(responsePrefix ? { responsePrefix } : {}) }), true);
});

test("ONNX: the prefix after the plain template and after a chat template's generation prompt", async () => {
  const dir = writePlantedOnnx(law, join(tmp, "onnx")).dir;
  await check((responsePrefix) => loadTransformers(dir, { batch: 2, ...(responsePrefix ? { responsePrefix } : {}) }), false);
  const cfgPath = join(dir, "tokenizer_config.json");
  writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, "utf8")), chat_template: CHATML }));
  await check((responsePrefix) => loadTransformers(dir, { batch: 2, ...(responsePrefix ? { responsePrefix } : {}) }), true);
});
