// zod schemas of the study data files. Strict objects: an unknown key is a typo to report, not to ignore.
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.', '-' only");

export const PersonaFileSchema = z.strictObject({
  id,
  description: z.string().optional(),
  /** Persona instruction; `{persona}` is replaced by the persona's text. */
  template: z.string().refine((t) => t.includes("{persona}"), "must contain {persona}"),
  personas: z
    .array(
      z.strictObject({
        id,
        group: z.string().min(1),
        text: z.string(),
        control: z.boolean().default(false),
        attributes: z.record(z.string(), z.string()).default({}),
      }),
    )
    .min(1),
});

export const TaskFileSchema = z.strictObject({
  id,
  description: z.string().default(""),
  fields: z.array(id).min(1),
  labels: z
    .array(z.strictObject({ id, words: z.array(z.string().min(1)).min(1) }))
    .min(2, "a classification task needs at least two labels"),
});

export const ParaphraseFileSchema = z.strictObject({
  task: id,
  paraphrases: z.array(z.strictObject({ id, template: z.string().min(1) })).min(1),
});

/** The released early-stop rules' names (src/detect/early-stop.ts; a unit test keeps the two lists equal). */
export const EARLY_STOP_NAMES = ["first-sentence@1", "first-sentence@2"] as const;

export const ITEM_FORMATS = ["csv", "snli-tsv", "snli-csv", "stanford-politeness", "popquorn"] as const;

const ItemFileSchema = z.strictObject({
  /** csv: our authored format (id, one column per task field, optional gold). Others: the public datasets' own files. */
  format: z.enum(ITEM_FORMATS).default("csv"),
  path: z.string().min(1),
  /** Use at most this many items (a seeded random subset, balanced by nothing: plain random). */
  limit: z.number().int().positive().optional(),
  /** stanford-politeness: keep the middle half as `neutral` instead of dropping it. */
  keepMiddle: z.boolean().optional(),
});

export const ItemSourceSchema = ItemFileSchema.extend({
  /** Read instead when `path` does not exist (e.g. public data kept outside the repository): our authored items. */
  fallback: ItemFileSchema.optional(),
});

export const TaskEntrySchema = z.strictObject({
  task: z.string().min(1),
  paraphrases: z.string().min(1),
  items: ItemSourceSchema,
  /** Restrict to these paraphrase ids. */
  include: z.array(id).optional(),
});

export const ModelEntrySchema = z.union([
  z.string().min(1),
  z.strictObject({ id: id.optional(), path: z.string().min(1) }),
]);

export const DecodingSchema = z.strictObject({
  /** Upper bound on generated tokens per response. */
  maxTokens: z.number().int().min(1).max(4096).default(48),
  /** 0 = greedy decoding. */
  temperature: z.number().min(0).max(5).default(0),
  topK: z.number().int().min(0).default(40),
  topP: z.number().min(0).max(1).default(0.95),
  seed: z.number().int().min(0).default(0),
});

export const SamplingSchema = z.discriminatedUnion("design", [
  z.strictObject({ design: z.literal("full"), seed: z.number().int().default(1) }),
  z.strictObject({ design: z.literal("random"), n: z.number().int().positive(), seed: z.number().int().default(1) }),
  /** Paired: draw (model, task, paraphrase, item) cells and run every persona (control included) in each. */
  z.strictObject({ design: z.literal("blocked"), cells: z.number().int().positive(), seed: z.number().int().default(1) }),
  /**
   * Blocked rounds drawn until every persona-vs-control difference has a 95% CI half-width ≤ targetHalfWidth, or
   * maxTrials is reached, or every cell has been drawn. Cells come from one seeded stream without replacement.
   */
  z.strictObject({
    design: z.literal("sequential"),
    /** Cells per round; each cell runs every persona and the control. */
    cellsPerRound: z.number().int().positive(),
    /** Stop once the widest persona-vs-control 95% CI half-width (a rate difference, 0–1) is at most this. */
    targetHalfWidth: z.number().gt(0, "must be > 0 (a rate difference such as 0.05)").lt(1, "must be < 1: it is a rate difference, e.g. 0.05 for ±5 points"),
    /** Never run more than this many trials (rounds are cut to whole cells). */
    maxTrials: z.number().int().positive(),
    seed: z.number().int().default(1),
  }),
]);

export const PromptSchema = z.strictObject({
  /** Plain-text rendering for models without a chat template; {user} is the user turn. */
  plainTemplate: z
    .string()
    .refine((t) => t.includes("{user}"), "must contain {user}")
    .default("{user}\n"),
  /** Where the persona instruction goes: "auto" = system message when the chat template has one, else user prefix. */
  personaPlacement: z.enum(["auto", "system", "user-prefix"]).default("auto"),
  /**
   * Text that starts the assistant turn (after the chat template's generation prompt; after the plain template
   * otherwise), e.g. "Answer:", so the first token is read where the decision is made. Part of the rendered prompt
   * (so of the trial id and the export). Absent: nothing is added.
   */
  responsePrefix: z.string().min(1, "must not be empty (leave it out instead)").max(200).optional(),
});

export const StudySchema = z.strictObject({
  id,
  description: z.string().optional(),
  models: z.array(ModelEntrySchema).default([]),
  personas: z.string().min(1),
  /** Restrict to these persona ids (the control is always kept). */
  includePersonas: z.array(id).optional(),
  tasks: z.array(TaskEntrySchema).min(1),
  decoding: DecodingSchema.default(DecodingSchema.parse({})),
  sampling: SamplingSchema,
  replicates: z.number().int().min(1).max(100).default(1),
  prompt: PromptSchema.default(PromptSchema.parse({})),
  /** Openings whose first tokens count as refusal onsets in the first-token record. */
  refusalOnsets: z
    .array(z.string().min(1))
    .default(["I'm sorry", "I am sorry", "Sorry", "I cannot", "I can't", "I apologize", "I won't", "Unfortunately", "As an AI"]),
  topK: z.number().int().min(1).max(100).default(10),
  /**
   * GGUF early-stop rule (its name is part of each trial id): first-sentence@1, or first-sentence@2, which reads
   * past up to two short neutral opening sentences ("Sure! Here is my answer.") to the one that decides.
   */
  earlyStop: z.enum(EARLY_STOP_NAMES).default("first-sentence@1"),
  /** First-token reading: first-token@2 calls a trial invalid (low-coverage) below this watched mass. */
  firstToken: z.strictObject({
    minWatchedMass: z.number().min(0, "must be in [0, 1]").max(1, "must be in [0, 1]").default(0.5),
  }).default({ minWatchedMass: 0.5 }),
});

export type StudyFile = z.infer<typeof StudySchema>;
export type ItemSource = z.infer<typeof ItemSourceSchema>;
