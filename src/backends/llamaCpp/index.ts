// The GGUF backend (node-llama-cpp): what the rest of the harness imports. Imported lazily by ../index.ts.
export { loadLlamaCpp, type LlamaCppOptions, type InternalsProbes } from "./backend.ts";
export { assertGguf, type GpuChoice } from "./load.ts";
export { checkGgufHeader, type GgufHeaderFacts } from "./header.ts";
export { chooseTuning, commonPrefix, assignSequences } from "./schedule.ts";
