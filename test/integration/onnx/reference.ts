// An independent statement of the law for the tests: count whole-word, case-insensitive trigger occurrences in
// each message with a plain regex (no tokenizer), z = base + Σ boost × count.
import type { ChatMessage } from "../../../src/types.ts";
import type { TestLaw } from "./laws.ts";

const W = "\\p{L}\\p{M}\\p{N}_";
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function countWhole(text: string, phrase: string): number {
  const body = phrase.trim().split(/\s+/).map(esc).join("\\s+");
  return (text.match(new RegExp(`(?<![${W}])${body}(?![${W}])`, "giu")) ?? []).length;
}

export function lawLogit(law: TestLaw, messages: ChatMessage[]): number {
  let z = law.base;
  for (const m of messages) for (const t of law.triggers) z += t.boost * countWhole(m.content, t.word);
  return z;
}
