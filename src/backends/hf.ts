// `hf:` model URIs for GGUF: a file downloaded before resolves offline; otherwise the hub is probed first with a
// bounded wait, because node-llama-cpp's downloader retries a dead network for ~12 minutes and does not stop on
// SIGTERM (issue 18 item 6). The download itself honours `signal` (the run's stop request).
import { ModelError } from "../errors.ts";

/** How long the reachability probe may take (ms); FRH_NETWORK_TIMEOUT_MS overrides it. */
export const HF_PROBE_MS = 15_000;

const HINT = "check your network (or proxy), or download the .gguf once elsewhere and pass its path with --model";

export interface HfOptions {
  /** Where downloads go and are looked up (node-llama-cpp's `directory`). */
  directory: string;
  /** Aborts the probe and the download (the run's stop request). */
  signal?: AbortSignal;
  probeMs?: number;
}

/** The hub's base URL (HF_ENDPOINT, as the huggingface tools read it). */
const hub = () => (process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); timer.unref(); })]).finally(() => clearTimeout(timer));
}

export async function resolveHfGguf(source: string, opts: HfOptions): Promise<string> {
  const { resolveModelFile } = await import("node-llama-cpp");
  const probeMs = opts.probeMs ?? (Number(process.env.FRH_NETWORK_TIMEOUT_MS) || HF_PROBE_MS);
  // already downloaded: found without the network (a lookup that would need it gives up within the probe time)
  const lookup = new AbortController();
  const local = await withTimeout(resolveModelFile(source, { directory: opts.directory, download: false, cli: false, signal: lookup.signal }).catch(() => undefined), probeMs);
  if (local) return local;
  lookup.abort(); // a lookup still waiting on the network must not outlive this call
  const url = `${hub()}/api/models/${source.slice(3).split(/[/:]/).slice(0, 2).join("/")}`;
  const started = Date.now();
  try {
    // any HTTP answer (even 401 or 404) means the hub is reachable; resolveModelFile then says what is wrong
    await fetch(url, { method: "HEAD", signal: AbortSignal.any([AbortSignal.timeout(probeMs), ...(opts.signal ? [opts.signal] : [])]) });
  } catch (e) {
    if (opts.signal?.aborted) throw new ModelError("MODEL_NOT_FOUND", `stopped before ${source} was fetched`, "re-run the same command to continue");
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === "TimeoutError" ? `no answer within ${Math.round((Date.now() - started) / 1000)} s` : err.cause?.code ?? err.cause?.message ?? err.message;
    throw new ModelError("MODEL_NOT_FOUND", `cannot fetch ${source}: ${hub()} is not reachable (${why}) and the file is not in ${opts.directory}/`, HINT);
  }
  try {
    return await resolveModelFile(source, { directory: opts.directory, signal: opts.signal, cli: process.stderr.isTTY === true });
  } catch (e) {
    if (opts.signal?.aborted) throw new ModelError("MODEL_NOT_FOUND", `download of ${source} stopped`, "re-run the same command to continue");
    throw new ModelError("MODEL_NOT_FOUND", `cannot fetch ${source}: ${(e as Error).message}`, "check the URI (hf:<org>/<repo>/<file>.gguf or hf:<org>/<repo>:<quant>) and your network");
  }
}
