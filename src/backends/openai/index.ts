// Models served by an OpenAI-compatible inference server (llama-server, vLLM, SGLang): see docs/servers.md.
export { loadOpenAI, apiKeyFromEnv, type OpenAIOptions } from "./backend.ts";
export { isServerSource, parseServerSource, serverModelId, SERVER_PREFIX } from "./source.ts";
