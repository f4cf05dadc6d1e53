/**
 * Our k6 summary (schema `peva-faas-k6-summary/v2`, written by the generated `handleSummary`) → the load-generator
 * contract's `FunctionLoadStats` and `LoadRunResult`. Pure.
 *
 * - Latencies: k6 reports milliseconds (floats); they become integer nanoseconds (`Math.round(ms × 1e6)`).
 *   k6's percentiles interpolate between samples, the contract's reference (`percentileOfSorted`) is nearest-rank:
 *   the two can differ by a fraction of the gap between neighbouring samples.
 * - Statuses: the codes of `COUNTED_STATUS_CODES` as they are, no response as `"0"`, all other codes folded into
 *   {@link OTHER_STATUS_KEY} (k6's summary cannot enumerate arbitrary codes).
 * - Dropped: the contract's rule, `round(rate × load seconds) − sent` (never negative), where load seconds are the
 *   configured duration, or the time from the start of the load to the stop. k6's own `dropped_iterations` (VU
 *   starvation) stays in the raw document; the two agree on a completed run, but on a stop the contract's rule also
 *   counts the requests k6 aborted in flight.
 * - Rate-0 targets are never looked up: they report `idleFunctionStats`.
 */
import {
  droppedRequests,
  idleFunctionStats,
  NO_LATENCY,
  type FunctionLoadStats,
  type GeneratorIdentity,
  type LatencyStats,
  type LoadOutcome,
  type LoadRequest,
  type LoadRunResult,
  type LoadTarget,
} from "@peva-lab/core";
import { z } from "zod";
import { PEVA_SUMMARY_SCHEMA, RAW_FORMAT, SUMMARY_OTHER_KEY } from "./summary-builder.ts";

/**
 * The `statusCodes` key of responses whose code k6 could not report one by one. `"999"` is no HTTP status, so it
 * cannot be mistaken for a real one, and it still has the 1–3 digits the contract checks.
 */
export const OTHER_STATUS_KEY = "999";

/** Thrown on a summary that cannot be used. */
export class K6SummaryError extends Error {
  override name = "K6SummaryError";
}

const count = z.number().int().min(0);
const ms = z.number().min(0).nullable();
const TrendSchema = z
  .object({ count: ms, avg: ms, p50: ms, p90: ms, p95: ms, p99: ms, max: ms })
  .nullable();

const FunctionSummarySchema = z.object({
  name: z.string(),
  metric_id: z.string(),
  rate: z.number().min(0),
  requests: count,
  successes: count,
  failures: z.object({ http: count, timeout: count, connection: count }),
  status_codes: z.record(z.string(), count),
  latency_all_ms: TrendSchema,
  latency_success_ms: TrendSchema,
  dropped_iterations: count,
  bytes_in: count,
  bytes_out: count,
});

/** Our summary, schema v2 (see `summary-builder.ts`). */
export const PevaSummaryV2Schema = z.object({
  schema: z.literal(PEVA_SUMMARY_SCHEMA),
  duration_s: z.number().positive(),
  request_timeout_s: z.number().positive(),
  window: z.object({ start_ms: z.number().nullable(), end_ms: z.number() }),
  test_run_duration_ms: z.number().min(0).nullable(),
  metrics_found: z.boolean(),
  counted_status_codes: z.array(z.number().int()),
  functions: z.array(FunctionSummarySchema),
});

/** A parsed v2 summary. */
export type PevaSummaryV2 = z.output<typeof PevaSummaryV2Schema>;
/** One function of a v2 summary. */
export type FunctionSummaryV2 = z.output<typeof FunctionSummarySchema>;
type TrendV2 = z.output<typeof TrendSchema>;

/** Validates a summary document; throws {@link K6SummaryError} naming every problem. */
export function parseSummaryV2(doc: unknown): PevaSummaryV2 {
  if (typeof doc === "object" && doc !== null && "schema" in doc && doc.schema !== PEVA_SUMMARY_SCHEMA) {
    throw new K6SummaryError(`unsupported k6 summary schema '${String(doc.schema)}' (expected ${PEVA_SUMMARY_SCHEMA})`);
  }
  const parsed = PevaSummaryV2Schema.safeParse(doc);
  if (!parsed.success) {
    throw new K6SummaryError(
      `invalid ${PEVA_SUMMARY_SCHEMA} summary: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  if (!parsed.data.metrics_found) {
    throw new K6SummaryError(
      "k6 passed handleSummary() no `metrics` object: this k6 uses a summary layout the plugin does not read " +
        "(is K6_NEW_MACHINE_READABLE_SUMMARY forced on?)",
    );
  }
  return parsed.data;
}

/** k6 milliseconds → integer nanoseconds. */
export function msToNs(valueMs: number): number {
  return Math.round(valueMs * 1e6);
}

function latencyOf(trend: TrendV2, responses: number, what: string): LatencyStats {
  if (responses === 0) return NO_LATENCY;
  const v = trend;
  if (v === null || v.avg === null || v.p50 === null || v.p90 === null || v.p95 === null || v.p99 === null || v.max === null) {
    throw new K6SummaryError(`${what}: ${responses} responses but k6 reported no complete latency trend`);
  }
  return {
    meanNs: msToNs(v.avg),
    p50Ns: msToNs(v.p50),
    p90Ns: msToNs(v.p90),
    p95Ns: msToNs(v.p95),
    p99Ns: msToNs(v.p99),
    maxNs: msToNs(v.max),
  };
}

/** Summary status keys → contract keys (`other` → {@link OTHER_STATUS_KEY}). */
function statusCodesOf(entry: FunctionSummaryV2): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(entry.status_codes)) {
    const k = key === SUMMARY_OTHER_KEY ? OTHER_STATUS_KEY : key;
    if (!/^\d{1,3}$/.test(k)) throw new K6SummaryError(`${entry.name}: status key '${key}' is not an HTTP status`);
    if (n > 0) out[k] = (out[k] ?? 0) + n;
  }
  return out;
}

/**
 * One function's stats from its summary entry.
 * @param loadSeconds the configured duration, or the time until a stop (for `dropped` and `achievedRate`).
 */
export function functionStatsFromSummary(target: LoadTarget, entry: FunctionSummaryV2, loadSeconds: number): FunctionLoadStats {
  if (target.rate === 0) return idleFunctionStats(target.functionName);
  const what = `k6 summary of '${target.functionName}'`;
  if (entry.rate !== target.rate) throw new K6SummaryError(`${what}: rate ${entry.rate}, expected ${target.rate}`);
  const { requests, successes, failures } = entry;
  if (successes + failures.http + failures.timeout + failures.connection !== requests) {
    throw new K6SummaryError(`${what}: successes and failures do not add up to ${requests} requests`);
  }
  const statusCodes = statusCodesOf(entry);
  const counted = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  if (counted !== requests) throw new K6SummaryError(`${what}: status counts add up to ${counted}, not ${requests} requests`);
  const dropped = droppedRequests(target.rate, loadSeconds, requests);
  return {
    functionName: target.functionName,
    targetRate: target.rate,
    requests,
    statusCodes,
    successes,
    failures: { ...failures },
    successRate: requests + dropped === 0 ? 0 : successes / (requests + dropped),
    achievedRate: loadSeconds > 0 ? requests / loadSeconds : 0,
    dropped,
    latencyAll: latencyOf(entry.latency_all_ms, requests, `${what}, all requests`),
    latencySuccess: latencyOf(entry.latency_success_ms, successes, `${what}, successful requests`),
    bytesIn: Math.round(entry.bytes_in),
    bytesOut: Math.round(entry.bytes_out),
  };
}

/**
 * The load window of a summary, epoch seconds: from `setup()`'s wall clock (the scenarios start right after it) to
 * the wall clock when k6 called `handleSummary` (after the last iteration ended or was cut by the graceful stop).
 * Without `setup_data` (k6 builds that do not pass it to `handleSummary`) the start is `end − testRunDurationMs`.
 */
export function summaryWindow(summary: PevaSummaryV2): { start: number; end: number } {
  const endMs = summary.window.end_ms;
  let startMs = summary.window.start_ms;
  if (startMs === null) {
    if (summary.test_run_duration_ms === null) throw new K6SummaryError("the summary has neither setup_data.start_ms nor testRunDurationMs");
    startMs = endMs - summary.test_run_duration_ms;
  }
  return { start: startMs / 1000, end: Math.max(startMs, endMs) / 1000 };
}

/** Inputs of {@link loadResultFromSummary}. */
export interface SummaryResultInput {
  readonly request: LoadRequest;
  /** The summary document as read from disk (validated here). */
  readonly document: unknown;
  readonly generator: GeneratorIdentity;
  readonly outcome: LoadOutcome;
  /** Wall clock (epoch ms) when `stop()` was called; required for outcome `stopped`. */
  readonly stoppedAtMs?: number;
}

/** The contract result of one k6 run from its summary document. Throws {@link K6SummaryError}. */
export function loadResultFromSummary(input: SummaryResultInput): LoadRunResult {
  const summary = parseSummaryV2(input.document);
  const window = summaryWindow(summary);
  const duration = input.request.durationSeconds;
  let loadSeconds = duration;
  if (input.outcome === "stopped" && input.stoppedAtMs !== undefined) {
    loadSeconds = Math.min(duration, Math.max(0, input.stoppedAtMs / 1000 - window.start));
  }
  const byName = new Map(summary.functions.map((f) => [f.name, f]));
  const functions = input.request.targets.map((t) => {
    if (t.rate === 0) return idleFunctionStats(t.functionName);
    const entry = byName.get(t.functionName);
    if (!entry) throw new K6SummaryError(`the k6 summary has no entry for '${t.functionName}'`);
    return functionStatsFromSummary(t, entry, loadSeconds);
  });
  return {
    generator: input.generator,
    outcome: input.outcome,
    window,
    functions,
    raw: { format: RAW_FORMAT, document: summary },
  };
}

/**
 * The raw document of a window with no loaded function (k6 is not started): the v2 layout with every function
 * idle and the idle wait as the window.
 */
export function idleSummaryDocument(request: LoadRequest, startMs: number, endMs: number): PevaSummaryV2 {
  return {
    schema: PEVA_SUMMARY_SCHEMA,
    duration_s: request.durationSeconds,
    request_timeout_s: request.requestTimeoutSeconds,
    window: { start_ms: startMs, end_ms: endMs },
    test_run_duration_ms: null,
    metrics_found: true,
    counted_status_codes: [],
    functions: request.targets.map((t) => ({
      name: t.functionName,
      metric_id: "",
      rate: t.rate,
      requests: 0,
      successes: 0,
      failures: { http: 0, timeout: 0, connection: 0 },
      status_codes: {},
      latency_all_ms: null,
      latency_success_ms: null,
      dropped_iterations: 0,
      bytes_in: 0,
      bytes_out: 0,
    })),
  };
}
