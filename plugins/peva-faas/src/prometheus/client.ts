/**
 * Prometheus HTTP API client (edge module: HTTP via `fetch`). Instant and range queries with a per-request
 * timeout; an empty result is retried a bounded number of times (upstream retried for 120 s); transport and HTTP
 * errors are not retried. Every error names the query and the URL.
 */
import { instantSum, meanOfFinite, rangeSumsPerTimestamp, seriesCount, type PromResponse } from "./values.ts";

/** Raised when a query fails or keeps returning no data. */
export class PrometheusQueryError extends Error {
  readonly query: string;
  readonly url: string;
  constructor(message: string, query: string, url: string) {
    super(`${message} (query: ${query}; url: ${url})`);
    this.name = "PrometheusQueryError";
    this.query = query;
    this.url = url;
  }
}

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Per-request timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Attempts for an empty result (default 5; 1 = no retry). */
  readonly emptyResultAttempts?: number;
  /** Pause between empty-result attempts in ms (default 1000). */
  readonly emptyResultIntervalMs?: number;
  /** `Authorization` header sent with every query (e.g. basic auth), when Prometheus needs one. */
  readonly authorization?: string | undefined;
  /** Injectable for tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A range query result: per-timestamp sums and their mean. */
export interface RangeResult {
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly mean: number;
  readonly series: number;
}

/** An instant query result: the sum over series. */
export interface InstantResult {
  readonly value: number;
  readonly series: number;
}

/** The query operations other modules depend on (implemented by {@link PrometheusClient}). */
export interface PrometheusQuerier {
  instant(query: string, time?: number): Promise<InstantResult>;
  range(query: string, start: number, end: number, stepSeconds: number): Promise<RangeResult>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Prometheus HTTP API client. */
export class PrometheusClient implements PrometheusQuerier {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #intervalMs: number;
  readonly #fetch: typeof fetch;
  readonly #authorization: string | undefined;
  readonly #sleep: (ms: number) => Promise<void>;

  /** @throws Error `Unsupported URL scheme for Prometheus: X` for non-http(s) URLs. */
  constructor(baseUrl: string, opts: PrometheusClientOptions = {}) {
    const url = new URL(baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`Unsupported URL scheme for Prometheus: ${url.protocol.replace(/:$/, "")}`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#attempts = Math.max(1, Math.floor(opts.emptyResultAttempts ?? 5));
    this.#intervalMs = Math.max(0, opts.emptyResultIntervalMs ?? 1000);
    this.#fetch = opts.fetch ?? fetch;
    this.#authorization = opts.authorization;
    this.#sleep = opts.sleep ?? defaultSleep;
  }

  /** Instant query (at `time`, epoch seconds, or now); series are summed. */
  async instant(query: string, time?: number): Promise<InstantResult> {
    const params: Record<string, string> = { query };
    if (time !== undefined) params["time"] = String(time);
    const payload = await this.#withRetry("/api/v1/query", params);
    return { value: instantSum(payload), series: seriesCount(payload) };
  }

  /** The number of series an instant query returns now; an empty result is an answer (0), not retried. */
  async countSeries(query: string): Promise<number> {
    return seriesCount(await this.#request(`${this.baseUrl}/api/v1/query`, { query }));
  }

  /** Range query; series are summed per timestamp, then averaged. */
  async range(query: string, start: number, end: number, stepSeconds: number): Promise<RangeResult> {
    const payload = await this.#withRetry("/api/v1/query_range", {
      query,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
    const points = rangeSumsPerTimestamp(payload);
    return { points, mean: meanOfFinite(points), series: seriesCount(payload) };
  }

  async #withRetry(path: string, params: Record<string, string>): Promise<PromResponse> {
    const url = `${this.baseUrl}${path}`;
    for (let attempt = 1; ; attempt++) {
      const payload = await this.#request(url, params);
      if (seriesCount(payload) > 0) return payload;
      if (attempt >= this.#attempts) {
        throw new PrometheusQueryError(
          `Prometheus query returned no data after ${attempt} attempt(s)`,
          params["query"]!,
          url,
        );
      }
      await this.#sleep(this.#intervalMs);
    }
  }

  async #request(url: string, params: Record<string, string>): Promise<PromResponse> {
    const query = params["query"]!;
    const full = `${url}?${new URLSearchParams(params).toString()}`;
    let response: Response;
    try {
      response = await this.#fetch(full, {
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(this.#authorization ? { headers: { authorization: this.#authorization } } : {}),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const detail = e.name === "TimeoutError" ? `timed out after ${this.#timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new PrometheusQueryError(`Prometheus request failed: ${detail}`, query, url);
    }
    const text = await response.text();
    let payload: PromResponse;
    try {
      payload = JSON.parse(text) as PromResponse;
    } catch {
      throw new PrometheusQueryError(`Prometheus returned HTTP ${response.status} with a non-JSON body`, query, url);
    }
    if (!response.ok || payload.status !== "success") {
      throw new PrometheusQueryError(
        `Prometheus returned HTTP ${response.status}: ${payload.errorType ?? "error"}: ${payload.error ?? text.slice(0, 200)}`,
        query,
        url,
      );
    }
    return payload;
  }
}
