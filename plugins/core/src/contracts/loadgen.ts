/**
 * Contract of `loadgen` plugins: an open-loop load generator with process control.
 *
 * The caller hands over per-function targets (URL, method, body, headers, rate) for one load window of a fixed
 * duration; the generator starts sending at once, can be stopped at any moment, and reports per function what it
 * sent and what came back, plus the raw report of the tool it drives. Units are part of the names: latencies are
 * integer nanoseconds (`…Ns`, as vegeta and the DFaaS sampler report them), times are epoch seconds, rates are
 * requests per second.
 *
 * Definitions every generator follows, so results from different generators mean the same:
 * - **success**: an HTTP response with status 200–399 (vegeta's and the DFaaS sampler's rule);
 * - **failure causes**: `http` (a response outside 200–399), `timeout` (no response within the request
 *   timeout), `connection` (refused, reset, or any other transport error);
 * - **dropped**: requests the schedule asked for that the generator did not send, `rate × load seconds − sent`,
 *   never negative, where load seconds are the configured duration (or the time until a stop); a generator never
 *   sends more than `⌈rate × duration⌉` requests to a function (what bounds an early abort in the campaign);
 * - **load window**: from the first request sent to the last response received, over all functions; a run with
 *   no loaded function reports the idle wait instead;
 * - a function at rate 0 is not loaded and reports {@link idleFunctionStats}: success 1, latency 0 (the legacy
 *   semantics of both upstreams).
 */
import { Plugin } from "./plugin.ts";

/** One function under load. */
export interface LoadTarget {
  /** The function's name (as deployed); results are keyed by it. */
  readonly functionName: string;
  /** Absolute http(s) URL of the function. */
  readonly url: string;
  /** HTTP method, upper case. */
  readonly method: string;
  /** Request body, sent verbatim (UTF-8). */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Requests per second, a whole number ≥ 0; 0 means the function is not loaded. */
  readonly rate: number;
}

/** One load window: every target at its rate for the same duration. */
export interface LoadRequest {
  readonly targets: readonly LoadTarget[];
  /** Length of the load window, seconds (> 0). */
  readonly durationSeconds: number;
  /** Per-request timeout, seconds (> 0): a request without a response by then is a `timeout` failure. */
  readonly requestTimeoutSeconds: number;
  /** A directory the generator owns for this run (raw outputs, logs); it exists and is empty. */
  readonly workDir: string;
  /**
   * The environment of the generator's child processes. Callers pass only what the tool needs (PATH, HOME,
   * locale), never the controller's secrets.
   */
  readonly env: Readonly<Record<string, string>>;
}

/** Latency figures of a set of responses, integer nanoseconds; `NaN` when the set is empty. */
export interface LatencyStats {
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p95Ns: number;
  readonly p99Ns: number;
  readonly maxNs: number;
}

/** Why requests failed, as counts. */
export interface FailureCounts {
  /** Responses with a status outside 200–399. */
  readonly http: number;
  /** No response within the request timeout. */
  readonly timeout: number;
  /** Transport errors: refused, reset, DNS, TLS, … */
  readonly connection: number;
}

/** What the generator measured for one function. */
export interface FunctionLoadStats {
  readonly functionName: string;
  /** The target rate, requests per second. */
  readonly targetRate: number;
  /** Requests sent. */
  readonly requests: number;
  /** Responses by HTTP status code (`"200"`, `"429"`, …); requests without a response are counted under `"0"`. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Responses with status 200–399. */
  readonly successes: number;
  readonly failures: FailureCounts;
  /** `successes / (requests + dropped)`: a request the generator could not send counts against success. 1 when idle. */
  readonly successRate: number;
  /**
   * Requests sent / load seconds, requests per second; load seconds are the configured duration, or the time until
   * a stop. `achievedRate / targetRate` is the generator's fidelity.
   */
  readonly achievedRate: number;
  /** Requests the schedule asked for but the generator did not send (never negative). */
  readonly dropped: number;
  /** Latency of every request (failures included, with the time they took). */
  readonly latencyAll: LatencyStats;
  /** Latency of the successful requests only: overload's fast 429s do not pull this mean down. */
  readonly latencySuccess: LatencyStats;
  /** Response bytes received. */
  readonly bytesIn: number;
  /** Request bytes sent. */
  readonly bytesOut: number;
}

/** Which generator produced a result, and its settings that change what a measurement means. */
export interface GeneratorIdentity {
  /** The plugin name, e.g. `vegeta`. */
  readonly name: string;
  /** The version of the tool it drives, as the tool reports it, e.g. `v12.13.0`. */
  readonly version: string;
  /** The generator's settings that shape the load (timeouts, worker caps, keep-alive, …), canonical values. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

/** How a load run ended. `stopped`: {@link LoadRun.stop} was called; what was sent until then is still reported. */
export type LoadOutcome = "completed" | "stopped";

/** The result of one load window. */
export interface LoadRunResult {
  readonly generator: GeneratorIdentity;
  readonly outcome: LoadOutcome;
  /** The load window, epoch seconds: first request sent → last response received. */
  readonly window: { readonly start: number; readonly end: number };
  /** One entry per target, in the request's order, idle targets included. */
  readonly functions: readonly FunctionLoadStats[];
  /** The tool's own report(s), for the memory; `format` names the layout, e.g. `vegeta-report-json/v12`. */
  readonly raw: { readonly format: string; readonly document: unknown };
}

/** What a generator has seen so far of one function in a running load window. */
export interface FunctionProgress {
  readonly functionName: string;
  /** The target rate, requests per second. */
  readonly targetRate: number;
  /** Requests answered so far: a response, a timeout or a transport error. */
  readonly answered: number;
  /** Of those, responses with status 200–399. */
  readonly successes: number;
}

/** A look at a running load window: what has come back so far, per target in the request's order. */
export interface LoadProgress {
  /** Seconds since the generator started sending. */
  readonly elapsedSeconds: number;
  readonly functions: readonly FunctionProgress[];
}

/** A running load window. */
export interface LoadRun {
  /**
   * Settles when every request has been answered or timed out. Resolves with the result, also after a stop;
   * rejects with `LoadgenFailedError` when the tool fails (its exit, stderr tail and log path in the message).
   */
  readonly done: Promise<LoadRunResult>;
  /** Stops sending now; requests in flight are still awaited and counted. Idempotent. */
  stop(): void;
  /**
   * What has come back so far, for a caller that follows the load while it runs (e.g. to stop a window whose
   * outcome is already certain). Counts never decrease between two calls and never exceed the final result's.
   * Optional: a generator that cannot read its results before it ends leaves it out.
   */
  progress?(): Promise<LoadProgress>;
}

/**
 * A load generator. {@link LoadgenPlugin.probe} finds the tool (and fails with `LoadgenUnavailableError` naming the
 * fix); {@link LoadgenPlugin.start} runs one load window. Settings come through the plugin's `configSchema`.
 */
export abstract class LoadgenPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "loadgen" as const;
  /**
   * Locates the tool on `path` (a list of directories) and reads its version. Resolves with the generator's
   * identity under the current settings; throws `LoadgenUnavailableError` when the tool is missing or unusable.
   */
  abstract probe(path: readonly string[]): Promise<GeneratorIdentity>;
  /** Starts one load window. Call {@link LoadgenPlugin.probe} first: it fixes which executable runs. */
  abstract start(request: LoadRequest): LoadRun;
}

/** The latency figures of an empty set of responses. */
export const NO_LATENCY: LatencyStats = Object.freeze({
  meanNs: Number.NaN,
  p50Ns: Number.NaN,
  p90Ns: Number.NaN,
  p95Ns: Number.NaN,
  p99Ns: Number.NaN,
  maxNs: Number.NaN,
});

const ZERO_LATENCY: LatencyStats = Object.freeze({ meanNs: 0, p50Ns: 0, p90Ns: 0, p95Ns: 0, p99Ns: 0, maxNs: 0 });

/** The stats of a function at rate 0: nothing sent, success 1, latency 0 (both upstreams' semantics). */
export function idleFunctionStats(functionName: string): FunctionLoadStats {
  return {
    functionName,
    targetRate: 0,
    requests: 0,
    statusCodes: {},
    successes: 0,
    failures: { http: 0, timeout: 0, connection: 0 },
    successRate: 1,
    achievedRate: 0,
    dropped: 0,
    latencyAll: ZERO_LATENCY,
    latencySuccess: ZERO_LATENCY,
    bytesIn: 0,
    bytesOut: 0,
  };
}

/**
 * A load window with no loaded function, for every generator alike: no tool runs; the window is the wait of
 * `durationSeconds` (or until `stop()`), and every function reports {@link idleFunctionStats}. `raw` builds the
 * generator's raw document for that window (epoch seconds).
 */
export function startIdleRun(
  request: LoadRequest,
  generator: GeneratorIdentity,
  raw: (window: { readonly start: number; readonly end: number }) => LoadRunResult["raw"],
): LoadRun {
  const start = Date.now() / 1000;
  let finish: ((outcome: LoadOutcome) => void) | undefined;
  const done = new Promise<LoadRunResult>((resolve) => {
    const timer = setTimeout(() => finish?.("completed"), request.durationSeconds * 1000);
    finish = (outcome) => {
      finish = undefined;
      clearTimeout(timer);
      const window = { start, end: Math.max(start, Date.now() / 1000) };
      resolve({ generator, outcome, window, functions: request.targets.map((t) => idleFunctionStats(t.functionName)), raw: raw(window) });
    };
  });
  return { done, stop: () => finish?.("stopped") };
}

/** Requests the schedule asked for and the generator did not send: `round(rate × seconds) − sent`, at least 0. */
export function droppedRequests(rate: number, loadSeconds: number, sent: number): number {
  return Math.max(0, Math.round(rate * loadSeconds) - sent);
}

/** True for a status the contract counts as a success (200–399). */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

/**
 * The nearest-rank percentile of an ascending array (`q` in 0..1): the smallest value with at least `q` of the
 * values at or below it. `NaN` for an empty array.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}

/**
 * {@link LatencyStats} of a list of latencies in nanoseconds (sorted in place). The mean is truncated to whole
 * nanoseconds, as vegeta's report computes it, so results.csv carries exactly the DFaaS sampler's number.
 */
export function latencyStatsOf(latenciesNs: Float64Array | number[]): LatencyStats {
  if (latenciesNs.length === 0) return NO_LATENCY;
  latenciesNs.sort((a, b) => a - b);
  let sum = 0;
  for (let i = 0; i < latenciesNs.length; i++) sum += latenciesNs[i]!;
  return {
    meanNs: Math.floor(sum / latenciesNs.length),
    p50Ns: percentileOfSorted(latenciesNs, 0.5),
    p90Ns: percentileOfSorted(latenciesNs, 0.9),
    p95Ns: percentileOfSorted(latenciesNs, 0.95),
    p99Ns: percentileOfSorted(latenciesNs, 0.99),
    maxNs: latenciesNs[latenciesNs.length - 1]!,
  };
}
