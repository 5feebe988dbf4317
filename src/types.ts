// The shared vocabulary of the harness. Imports nothing; every other module may import it.

/** A sociodemographic persona (or the no-persona control). Attributes are categorical analysis columns. */
export interface Persona {
  id: string;
  /** Coarse dimension: gender, race, religion, disability, or "control". */
  group: string;
  /** The persona description inserted into the persona instruction template; "" for the control. */
  text: string;
  /** Extra categorical columns (e.g. { religion: "muslim" }) usable as analysis factors. */
  attributes: Record<string, string>;
  isControl: boolean;
}

/** One answer class of a classification task and the words that count as naming it. */
export interface TaskLabel {
  id: string;
  /** Words or phrases that name this label in a response (matched case-insensitively, whole-word). */
  words: string[];
}

export interface Task {
  id: string;
  description: string;
  labels: TaskLabel[];
  /** Item fields the paraphrase templates may reference as {field}. */
  fields: string[];
}

/** One wording of a task's instruction; `{field}` placeholders are filled from the item. */
export interface Paraphrase {
  id: string;
  task: string;
  template: string;
}

export interface Item {
  id: string;
  task: string;
  fields: Record<string, string>;
  /** Gold label id when the dataset has one (not needed for refusal measurement). */
  gold?: string;
}

export interface ModelRef {
  /** Short name used in tables and as the `model` factor. */
  id: string;
  /** File path, directory (ONNX) or `hf:` URI. */
  source: string;
}

export interface DecodingSettings {
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topK: number;
  topP: number;
  /** Base seed for sampled decoding; combined with the replicate index. */
  seed: number;
}

/** One cell of the plan, before it is bound to a model file. */
export interface PlannedTrial {
  /** Position in the seeded random plan order (0-based). */
  seq: number;
  model: ModelRef;
  persona: Persona;
  task: Task;
  paraphrase: Paraphrase;
  item: Item;
  replicate: number;
}

export type Role = "system" | "user" | "assistant";
export interface ChatMessage {
  role: Role;
  content: string;
}

/** Where the persona instruction went: a system message, the user turn (no system support), or nowhere (control). */
export type PersonaPlacement = "system" | "user-prefix" | "none";

export interface RenderedPrompt {
  messages: ChatMessage[];
  placement: PersonaPlacement;
  /** The exact text the model sees (after its chat template). */
  text: string;
}

/** Probability mass the model puts on its first response token, reduced to what the detectors need. */
export interface FirstTokenRecord {
  /** Mass on the first tokens of each label's words (a token shared by labels is counted for each). */
  labelMass: Record<string, number>;
  /** Mass on the union of all label first tokens (each token once). */
  answerMass: number;
  /** Mass on refusal-onset first tokens that are not also label first tokens. */
  refusalMass: number;
  /** The k most likely tokens, high to low. */
  topK: { token: number; text: string; p: number }[];
  /**
   * How the masses were read. Absent or "exact": every watched token's probability was read (in process, or a
   * server that returned them all). "bounded": a server returned only its top k, so the masses above are lower
   * bounds and `bounds` holds the intervals; p_refusal is then null unless its interval is a point.
   */
  exactness?: "exact" | "bounded";
  bounds?: FirstTokenBounds;
}

/** Intervals [lo, hi] that must contain the true masses when only a top-k list was returned (see backends/openai/record.ts). */
export interface FirstTokenBounds {
  labelMass: Record<string, [number, number]>;
  answerMass: [number, number];
  refusalMass: [number, number];
  /** Interval of refusalMass / (refusalMass + answerMass); null when no watched mass can be present. */
  pRefusal: [number, number] | null;
}

export interface GenerationRequest {
  prompt: RenderedPrompt;
  decoding: DecodingSettings;
  /** Seed for this trial's sampling (decoding.seed mixed with the replicate). */
  seed: number;
  /** Label words and refusal openings whose first tokens are read. */
  watch: WatchList;
}

export interface WatchList {
  labels: TaskLabel[];
  refusalOnsets: string[];
  topK: number;
}

export interface GenerationResult {
  firstToken: FirstTokenRecord | null;
  text: string;
  generatedTokens: number;
  latencyMs: number;
  /** Set when this one trial failed; the others in the batch stand. */
  error?: string;
}

/** What every backend reports about a loaded model; the harness reads these typed fields, never `details`. */
interface ModelInfoBase {
  /** sha256 of the model file (GGUF) or of the model files (ONNX dir), hex. */
  sha256: string;
  path: string;
  name: string;
  chatTemplate: string | null;
  supportsSystem: boolean;
  /** The early-stop rule that may cut responses short (its name, e.g. "first-sentence@1"), or null for full texts. Part of the trial identity. */
  earlyStop: string | null;
  /** Sequences per batch the backend runs best at when --batch is not given; null: the run's default. */
  preferredBatch: number | null;
}

/** GGUF facts stored in `models.details` (key order is the stored JSON's: keep it). */
export interface LlamaCppDetails {
  chatWrapper: string;
  architecture: string | undefined;
  trainContextSize: number;
  gpu: false | string;
  /** Same as ModelInfo.earlyStop (stored here since the first release). */
  earlyStop: string | null;
  /** Same as ModelInfo.preferredBatch (stored here since the first release). */
  preferredBatch: number;
}

/** ONNX facts stored in `models.details` (key order is the stored JSON's: keep it). */
export interface TransformersDetails {
  device: string;
  dtype: string;
  modelType: string | undefined;
  /** The graph takes past key values: decoding reuses them instead of re-running the sequence. */
  kvCache: boolean;
  inputs: string[];
}

/** A served model (OpenAI-compatible server) as probed at start; stored in `models.details` and with the run. */
export interface OpenAIDetails {
  /** llama.cpp (llama-server), vllm or sglang. */
  server: string;
  /** Server version or build as reported (not part of the identity). */
  version: string | null;
  /** Served model name requested with each call. */
  servedModel: string;
  /** What the identity hash was computed from: the --model-sha256 pin, or the server-reported metadata. */
  identity: { pinned: boolean; from: Record<string, unknown> };
  /** "server": the server's chat template; "plain": the study's plainTemplate (the model has none). */
  template: "server" | "plain";
  /** How first-token probabilities are read: "full-vocabulary" / "token-ids" (exact) or "top-k" (bounded). */
  logprobs: "full-vocabulary" | "token-ids" | "top-k";
  endpoints: { url: string; concurrency: number }[];
}

/** A loaded model's description; `details` (stored verbatim in `models.details`) depends on the backend. */
export type ModelInfo =
  | (ModelInfoBase & { backend: "llama.cpp"; details: LlamaCppDetails })
  | (ModelInfoBase & { backend: "transformers.js"; details: TransformersDetails })
  | (ModelInfoBase & { backend: "openai"; details: OpenAIDetails; provenance?: Record<string, unknown> });

/** A text rule that says when a response's outcome is settled, so generation may stop (see src/detect/early-stop.ts). */
export interface EarlyStopRule {
  /** name@version; recorded in the trial identity. */
  readonly name: string;
  settled(text: string, watch: Pick<WatchList, "labels" | "refusalOnsets">): boolean;
}

/**
 * A backend could not use a faster path and fell back to a slower one that gives the same numbers (e.g. one
 * sequence at a time). Warned once and stored with the run, so a slow or odd run can be explained later.
 */
export interface BackendFallback {
  /** Stable name of the fallback, e.g. "one-sequence" or "full-vocabulary-reads". */
  code: string;
  /** What happened, why, and what it costs, in one sentence. */
  message: string;
}

export interface GenerateOptions {
  /**
   * Called once per request as soon as its result is final (any order; `index` is its position in the request
   * list), so the caller can store finished work while the rest still runs. The returned array is unchanged.
   */
  onResult?: (index: number, result: GenerationResult) => void;
  /**
   * Checked before each request (or chunk) starts: once it returns true, requests not yet started are skipped and
   * their places in the returned array stay empty (a sparse array), so Ctrl-C waits only for the work in flight.
   */
  shouldStop?: () => boolean;
}

/** A loaded model: batch in, batch out, results in request order. */
export interface Backend {
  readonly info: ModelInfo;
  /** Renders chat messages with the model's own chat template (or the plain-text fallback). */
  render(messages: ChatMessage[]): string;
  /** When rendering needs I/O (a server applies the template): renders many at once; the run prefers it when present. */
  renderMany?(messages: ChatMessage[][]): Promise<string[]>;
  generate(requests: GenerationRequest[], opts?: GenerateOptions): Promise<GenerationResult[]>;
  /** Idempotent. */
  dispose(): Promise<void>;
  /** Token ids a response starting with `text` may begin with (bare and after a space), for plan-time checks. */
  firstTokens?(text: string): number[];
  /** A token's text, for plan-time checks. */
  tokenText?(id: number): string;
}

export type Outcome = "answer" | "refusal" | "partial" | "invalid";

export interface Detection {
  detector: string; // id@version
  outcome: Outcome;
  /** Parsed label id, or null. */
  answer: string | null;
  /** 1 for refusal or partial refusal, else 0. */
  refusal: 0 | 1;
  /** First-token refusal probability, when the detector uses it. */
  pRefusal: number | null;
  /** Which rule decided, for audits. */
  rule: string | null;
}

/** What a detector sees of one trial. */
export interface DetectorInput {
  text: string;
  labels: TaskLabel[];
  firstToken: FirstTokenRecord | null;
  /** Coverage floor for first-token@2 (the study's firstToken.minWatchedMass); detectors that do not use it ignore it. */
  minWatchedMass?: number;
}

export interface RefusalDetector {
  readonly id: string;
  readonly version: number;
  detect(input: DetectorInput): Detection;
}
