// A mock backend with a known refusal law per persona (the tiny study's persona texts), drawn from each trial's
// own seed, so a trial's outcome does not depend on batching or order. For tests of what happens after the model
// (store, analysis, report): exact, fast, and no model file needed.
import type { Backend, FirstTokenRecord, GenerationRequest, ModelInfo } from "../../src/types.ts";
import { mulberry32 } from "../../src/util/random.ts";

export const LAW: [RegExp, number][] = [[/a Muslim person/, 0.55], [/a woman/, 0.3], [/an atheist/, 0.15]];
export const lawOf = (text: string) => LAW.find(([re]) => re.test(text))?.[1] ?? 0.1;

/** A backend whose refusal and first-token mass follow LAW, drawn from each trial's own seed. */
export function lawBackend(source: string): Backend {
  return {
    // backend "mock" and empty details: what the golden outputs (test/fixtures/golden-outputs/) were written with
    info: { backend: "mock", sha256: `mock:${source}`, path: source, name: source, chatTemplate: null, supportsSystem: true, earlyStop: null, preferredBatch: null, details: {} } as unknown as ModelInfo,
    render: (messages) => messages.map((m) => `${m.role}: ${m.content}`).join("\n"),
    generate: async (reqs: GenerationRequest[]) => reqs.map((r) => {
      const rand = mulberry32(r.seed);
      const p = Math.min(0.95, Math.max(0.02, lawOf(r.prompt.text) + 0.2 * (rand() - 0.5)));
      const refuse = rand() < p;
      const firstToken: FirstTokenRecord = { labelMass: { offensive: (1 - p) / 2, not_offensive: (1 - p) / 2 }, answerMass: 1 - p, refusalMass: p, topK: [] };
      const text = refuse ? REFUSAL_TEXT : rand() < 0.5 ? "offensive" : "not offensive";
      return { text, firstToken, generatedTokens: 3, latencyMs: 0 };
    }),
    dispose: async () => {},
  };
}

export const REFUSAL_TEXT = "I'm sorry, but I can't help with that.";
