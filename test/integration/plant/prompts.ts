// Varied prompts for planted-law checks (not a test file): plain text and template-like renderings, punctuation,
// case variants, repeated triggers, near misses that must not count, long prompts, non-ASCII text.
import { mulberry32, randInt } from "../../../src/util/random.ts";
import { explainPrompt, type Law } from "../../../src/plant/law.ts";

const filler = ("the a of to and is in that it for you was with on as have but be they this at one from by not what all were we " +
  "when your can said there use an each which she do how their if will up other about out many then them these so some her would " +
  "make like him into time has look two more write go see number no way could people my than first been call who its now find " +
  "statement polite rude premise hypothesis classify label offensive person community please answer question help cat sat mat").split(" ");
const odd = ["über", "naïve", "café", "日本語", "Ελληνικά", "😀", "—", "…", "«oui»", "x²", "42", "3.14", "e-mail", "C++", "#tag", "@user", "\t", "\r\n"];
const decorate = [
  (w: string) => w, (w: string) => w[0].toUpperCase() + w.slice(1), (w: string) => w.toUpperCase(), (w: string) => `(${w})`,
  (w: string) => `"${w}"`, (w: string) => `${w}.`, (w: string) => `${w}'s`, (w: string) => `non-${w}`, (w: string) => `\n${w}\t`,
  (w: string) => `“${w}”`, (w: string) => `${w},`, (w: string) => `${w}!`,
];
const nearMiss = [(w: string) => `${w}s`, (w: string) => `${w}ah`, (w: string) => `a${w}`, (w: string) => `${w}2`, (w: string) => `${w.slice(0, 1)}${w.slice(1).toUpperCase()}s`, (w: string) => w.slice(0, -1)];
const renderings = [
  (s: string, u: string) => `${s}\n\n${u}\n\nAnswer:`,
  (s: string, u: string) => `${s} ${u}`,
  (s: string, u: string) => `[INST] <<SYS>>\n${s}\n<</SYS>>\n\n${u} [/INST]`,
  (s: string, u: string) => `<|system|>\n${s}\n<|user|>\n${u}\n<|assistant|>\n`,
  (s: string, u: string) => `### System:\n${s}\n\n### User:\n${u}\n\n### Response:\n`,
];

/** n prompts for a law; every fifth is long (hundreds of tokens). None ends in a response's first token. */
export function lawPrompts(law: Law, n: number, seed: number): string[] {
  const rng = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]) => xs[randInt(rng, xs.length)];
  const words = Object.keys(law.triggers);
  const sentence = (len: number) => {
    const out: string[] = [];
    for (let i = 0; i < len; i++) {
      const r = rng();
      if (r < 0.08 && words.length) out.push(pick(decorate)(pick(words)));
      else if (r < 0.13 && words.length) out.push(pick(nearMiss)(pick(words)));
      else if (r < 0.18) out.push(pick(odd));
      else out.push(pick(filler));
    }
    return out.join(rng() < 0.2 ? "  " : " ") + pick([".", "?", "!", ""]);
  };
  const prompts: string[] = [];
  while (prompts.length < n) {
    const long = prompts.length % 5 === 4;
    const sys = sentence(long ? 150 + randInt(rng, 250) : 3 + randInt(rng, 15));
    const user = sentence(long ? 100 + randInt(rng, 150) : 2 + randInt(rng, 20));
    let text = pick(renderings)(sys, user);
    if (prompts.length % 7 === 0 && words.length) text = `${words[0]} ${words[0].toUpperCase()} ${text}`; // repeats at the very start
    if (explainPrompt(law, text).continues) text += "\nAnswer:";
    prompts.push(text);
  }
  return prompts;
}
