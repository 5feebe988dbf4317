// `openai:http://HOST:PORT/v1[,http://HOST2:PORT/v1…][#served-model-name]` → endpoint base URLs and the name.
import { UsageError } from "../../errors.ts";

export const SERVER_PREFIX = "openai:";

export function isServerSource(source: string): boolean {
  return source.startsWith(SERVER_PREFIX);
}

export interface ServerSource {
  /** Base URLs without the trailing /v1 (llama-server's and SGLang's native routes sit beside it). */
  urls: string[];
  /** Served model name after '#', if given. */
  model: string | null;
}

export function parseServerSource(source: string): ServerSource {
  const rest = source.slice(SERVER_PREFIX.length);
  const hash = rest.indexOf("#");
  const model = hash >= 0 ? rest.slice(hash + 1) : null;
  const list = (hash >= 0 ? rest.slice(0, hash) : rest).split(",").map((s) => s.trim()).filter(Boolean);
  const hint = "use --model openai:http://HOST:PORT/v1 (optionally #served-model-name; several URLs separated by commas)";
  if (!source.startsWith(SERVER_PREFIX) || list.length === 0) throw new UsageError(`'${source}' is not a server model`, hint);
  if (model !== null && model.trim() === "") throw new UsageError(`empty served-model name after '#' in '${source}'`, hint);
  const urls = list.map((u) => {
    let url: URL;
    try { url = new URL(u); } catch { throw new UsageError(`'${u}' in '${source}' is not a URL`, hint); }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`'${u}' must start with http:// or https://`, hint);
    if (url.username || url.password) throw new UsageError(`'${u}' holds credentials; frh never stores them`, "put the API key in FRH_OPENAI_API_KEY (or OPENAI_API_KEY) instead");
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "")}`;
  });
  return { urls, model };
}

/** A short model id for tables: the served name, else host:port of the first endpoint. */
export function serverModelId(source: string): string {
  const s = parseServerSource(source);
  return s.model ?? new URL(s.urls[0]).host;
}
