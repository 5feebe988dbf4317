// HTTP to a pool of servers: bounded concurrency per endpoint, retries with jittered exponential backoff on 429,
// 5xx and connection errors (Retry-After honoured), no retry on other 4xx, a timeout per request, and an endpoint
// that keeps failing leaves the pool with one warning. Node's built-in fetch (undici); no dependency.

/** A request that must not be retried (a 4xx other than 429, or a malformed reply): the trial fails with it. */
export class FatalRequestError extends Error {}

/** A request that may succeed when repeated (429, 5xx, connection error, timeout). */
export class RetryableError extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) { super(message); }
}

export interface TransportOptions {
  /** Per-request timeout. Default 120 s. */
  timeoutMs?: number;
  /** Attempts per unit of work (first try included). Default 6. */
  maxAttempts?: number;
  /** First backoff; doubles each retry, full jitter. Default 200 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts (a longer Retry-After is cut to this). Default 30 s. */
  maxDelayMs?: number;
  /** Consecutive failures after which an endpoint leaves the pool. Default 8. */
  failLimit?: number;
  /** Sent as a bearer token; read from the environment by the caller, never stored. */
  apiKey?: string;
  onWarning?: (message: string) => void;
  /** Tests: a seeded random source for the jitter. */
  random?: () => number;
}

export class Endpoint {
  active = 0;
  failures = 0;
  removed = false;
  /** Requests sent (all attempts), for tests and benchmarks. */
  sent = 0;
  constructor(readonly base: string, public limit: number, private readonly opts: TransportOptions) {}

  /** GET or POST JSON; throws RetryableError / FatalRequestError. */
  async call<T = unknown>(path: string, body?: unknown): Promise<T> {
    this.sent++;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why = err.name === "TimeoutError" ? `no reply within ${this.opts.timeoutMs ?? 120_000} ms` : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ""}`;
      throw new RetryableError(`${this.base}${path}: ${why}`);
    }
    let text: string;
    try { text = await res.text(); } catch (e) { throw new RetryableError(`${this.base}${path}: reply cut off (${(e as Error).message})`); }
    if (res.status === 429 || res.status >= 500) throw new RetryableError(`${this.base}${path}: HTTP ${res.status} ${text.slice(0, 200)}`, retryAfter(res.headers.get("retry-after")));
    if (!res.ok) throw new FatalRequestError(`${this.base}${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    try { return JSON.parse(text) as T; } catch { throw new RetryableError(`${this.base}${path}: reply is not JSON (${text.slice(0, 80)})`); }
  }
}

/** Retry-After in seconds or as an HTTP date → milliseconds (null when absent or unreadable). */
export function retryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

export class Pool {
  private waiters: (() => void)[] = [];
  constructor(readonly endpoints: Endpoint[], private readonly opts: TransportOptions) {}

  get live(): Endpoint[] { return this.endpoints.filter((e) => !e.removed); }

  /** Requests sent over all endpoints (every attempt). */
  get sent(): number { return this.endpoints.reduce((n, e) => n + e.sent, 0); }

  /** The live endpoint with the most free room, waiting while every one is full. */
  private async acquire(avoid: Endpoint | null): Promise<Endpoint> {
    for (;;) {
      const live = this.live;
      if (live.length === 0) throw new FatalRequestError("every server endpoint left the pool after repeated failures");
      const free = live.filter((e) => e.active < e.limit).sort((a, b) => (a === avoid ? 1 : 0) - (b === avoid ? 1 : 0) || (a.active / a.limit) - (b.active / b.limit));
      if (free.length) { free[0].active++; return free[0]; }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private release(e: Endpoint): void {
    e.active--;
    this.waiters.shift()?.();
  }

  /**
   * Runs `work` on one endpoint (all its calls go to that endpoint, e.g. a prompt and its continuation sharing a
   * slot's cache); on a retryable error waits and runs it again, on another endpoint where one is free.
   */
  async run<T>(work: (e: Endpoint) => Promise<T>): Promise<T> {
    const attempts = this.opts.maxAttempts ?? 6;
    const base = this.opts.baseDelayMs ?? 200;
    const cap = this.opts.maxDelayMs ?? 30_000;
    const random = this.opts.random ?? Math.random;
    let last: Endpoint | null = null;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const e = await this.acquire(last);
      let wait = 0;
      try {
        const out = await work(e);
        e.failures = 0;
        return out;
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        lastError = err;
        last = e;
        this.fail(e, err);
        // Full jitter (AWS architecture blog): uniform in [0, base·2^attempt], at least what Retry-After asks.
        wait = Math.min(cap, Math.max(err.retryAfterMs ?? 0, random() * base * 2 ** attempt));
      } finally {
        this.release(e);
      }
      if (attempt + 1 < attempts) await new Promise((r) => setTimeout(r, wait));
    }
    throw new FatalRequestError(`gave up after ${attempts} attempts: ${lastError?.message ?? "unknown error"}`);
  }

  private fail(e: Endpoint, err: Error): void {
    e.failures++;
    if (!e.removed && e.failures >= (this.opts.failLimit ?? 8) && this.live.length > 1) {
      e.removed = true;
      this.opts.onWarning?.(`server ${e.base} left the pool after ${e.failures} failures in a row (last: ${err.message}); the other ${this.live.length} go on`);
      for (const w of this.waiters.splice(0)) w();
    }
  }
}
