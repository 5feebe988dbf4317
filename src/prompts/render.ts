// Trial → chat messages (pure). The model's own chat template is applied later by its backend.
import type { ChatMessage, Item, Paraphrase, Persona, PersonaPlacement } from "../types.ts";
import { sha256 } from "../util/hash.ts";

/** Replaces each {name} with values[name]; unknown names are left as they are (validated at load time). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => (name in values ? values[name] : whole));
}

export function personaInstruction(personaTemplate: string, persona: Persona): string {
  return fillTemplate(personaTemplate, { persona: persona.text }).trim();
}

export interface MessageOptions {
  personaTemplate: string;
  /** Resolved placement: the backend says whether its chat template supports a system message. */
  placement: "system" | "user-prefix";
}

/** The messages for one trial; the control persona gets no persona instruction at all. */
export function buildMessages(persona: Persona, paraphrase: Paraphrase, item: Item, opts: MessageOptions): { messages: ChatMessage[]; placement: PersonaPlacement } {
  const user = fillTemplate(paraphrase.template, item.fields).trim();
  if (persona.isControl || persona.text.trim() === "") return { messages: [{ role: "user", content: user }], placement: "none" };
  const instruction = personaInstruction(opts.personaTemplate, persona);
  if (opts.placement === "system") {
    return { messages: [{ role: "system", content: instruction }, { role: "user", content: user }], placement: "system" };
  }
  return { messages: [{ role: "user", content: `${instruction}\n\n${user}` }], placement: "user-prefix" };
}

/** Plain-text rendering for models without a chat template: no system role, so a system message joins the user turn. */
export function renderPlain(messages: ChatMessage[], plainTemplate: string): string {
  const user = messages.filter((m) => m.role !== "assistant").map((m) => m.content).join("\n\n");
  return fillTemplate(plainTemplate, { user });
}

export function promptHash(text: string): string {
  return sha256(text).slice(0, 16);
}
