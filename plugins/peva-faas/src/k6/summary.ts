/**
 * Parsing k6 summaries into per-function results (reference §7, with fixes). Pure.
 *
 * Accepted layouts: our `peva-faas-k6-summary/v1` (written by the generated `handleSummary`), the legacy
 * `--summary-export` layout (flat metric values) and k6's nested `handleSummary` data layout (`values.*`).
 * Rate-0 functions are never looked up: they get success 1, latency 0, count 0 (defect 2); only functions with
 * rate > 0 can be missing, and the error names every missing metric.
 */
import { z } from "zod";
import type { Configuration } from "../model.ts";
import { assignMetricIds } from "./ids.ts";
import { PEVA_SUMMARY_SCHEMA } from "./summary-builder.ts";

/** Per-function k6 results. Latencies in ms; NaN where the layout does not carry the value. */
export interface FunctionLoadResult {
  readonly name: string;
  readonly rate: number;
  /** Successful (2xx) requests / (completed requests + dropped iterations). */
  readonly success_rate: number;
  /** Successful / completed requests (drops ignored; upstream's definition). */
  readonly success_rate_completed: number;
  readonly avg_latency_ms: number;
  readonly p95_latency_ms: number;
  readonly p99_latency_ms: number;
  readonly request_count: number;
  /** `request_count / duration_s` (requests per second). */
  readonly achieved_rate: number;
  readonly dropped_iterations: number;
  /** k6 `http_req_failed` rate of the function's scenario (NaN when not reported). */
  readonly http_req_failed: number;
}

/** Thrown on a summary that cannot be used; `missing` lists `fn:metric` entries when metrics are absent. */
export class K6SummaryError extends Error {
  readonly missing: readonly string[];
  constructor(message: string, missing: readonly string[] = []) {
    super(message);
    this.name = "K6SummaryError";
    this.missing = missing;
  }
}

/** The result of an unloaded (rate 0) function: legacy semantics, no k6 needed. */
export function idleFunctionResult(name: string): FunctionLoadResult {
  return {
    name,
    rate: 0,
    success_rate: 1,
    success_rate_completed: 1,
    avg_latency_ms: 0,
    p95_latency_ms: 0,
    p99_latency_ms: 0,
    request_count: 0,
    achieved_rate: 0,
    dropped_iterations: 0,
    http_req_failed: 0,
  };
}

const num = z.number().nullable();
const V1FunctionSchema = z.object({
  name: z.string(),
  metric_id: z.string(),
  rate: z.number(),
  request_count: num,
  passes: num,
  fails: num,
  dropped_iterations: num,
  success_rate: num,
  success_rate_completed: num,
  avg_latency_ms: num,
  p95_latency_ms: num,
  p99_latency_ms: num,
  achieved_rate: num,
  http_req_failed: num,
});

/** Our summary schema v1 (see `summary-builder.ts`). */
export const PevaSummaryV1Schema = z.object({
  schema: z.literal(PEVA_SUMMARY_SCHEMA),
  config_id: z.string(),
  duration_s: z.number(),
  test_run_duration_ms: num,
  functions: z.array(V1FunctionSchema),
});

/** A parsed v1 summary document. */
export type PevaSummaryV1 = z.output<typeof PevaSummaryV1Schema>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses a k6 summary document for a configuration.
 * @param durationSeconds the configured load duration (for the achieved rate of legacy layouts).
 * @returns one result per configuration pair, in pair order.
 */
export function parseK6Summary(doc: unknown, config: Configuration, durationSeconds: number): FunctionLoadResult[] {
  if (isRecord(doc) && doc["schema"] !== undefined) return parseV1(doc, config);
  if (!isRecord(doc) || !isRecord(doc["metrics"])) throw new K6SummaryError("Missing 'metrics' in k6 summary.");
  return parseLegacy(doc["metrics"], config, durationSeconds);
}

function missingError(missing: string[]): K6SummaryError {
  return new K6SummaryError(`Missing k6 summary metrics: ${missing.join(", ")}`, missing);
}

function parseV1(doc: Record<string, unknown>, config: Configuration): FunctionLoadResult[] {
  if (doc["schema"] !== PEVA_SUMMARY_SCHEMA) {
    throw new K6SummaryError(`Unsupported k6 summary schema: ${String(doc["schema"])} (expected ${PEVA_SUMMARY_SCHEMA})`);
  }
  const parsed = PevaSummaryV1Schema.safeParse(doc);
  if (!parsed.success) {
    throw new K6SummaryError(
      `Invalid ${PEVA_SUMMARY_SCHEMA} summary: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const s = parsed.data;
  if (s.config_id !== config.id) {
    throw new K6SummaryError(`k6 summary is for config ${s.config_id}, expected ${config.id}`);
  }
  const byName = new Map(s.functions.map((f) => [f.name, f]));
  const missing: string[] = [];
  const results: FunctionLoadResult[] = [];
  for (const p of config.pairs) {
    if (p.rate <= 0) {
      results.push(idleFunctionResult(p.name));
      continue;
    }
    const f = byName.get(p.name);
    const need = {
      success_rate: f?.success_rate,
      latency: f?.avg_latency_ms,
      request_count: f?.request_count,
    };
    const gaps = Object.entries(need).filter(([, v]) => v === null || v === undefined);
    if (gaps.length > 0 || !f) {
      for (const [k] of gaps) missing.push(`${p.name}:${k}`);
      continue;
    }
    results.push({
      name: p.name,
      rate: p.rate,
      success_rate: f.success_rate!,
      success_rate_completed: f.success_rate_completed ?? f.success_rate!,
      avg_latency_ms: f.avg_latency_ms!,
      p95_latency_ms: f.p95_latency_ms ?? Number.NaN,
      p99_latency_ms: f.p99_latency_ms ?? Number.NaN,
      request_count: f.request_count!,
      achieved_rate: f.achieved_rate ?? Number.NaN,
      dropped_iterations: f.dropped_iterations ?? 0,
      http_req_failed: f.http_req_failed ?? Number.NaN,
    });
  }
  if (missing.length > 0) throw missingError(missing);
  return results;
}

/** Looks up a metric value: the flat key first, then `values.<key>`; for `rate`, a Rate's flat `value` wins. */
export function metricValue(metrics: Record<string, unknown>, metric: string, key: string): number | undefined {
  const m = metrics[metric];
  if (!isRecord(m)) return undefined;
  const pick = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  if (key === "rate") {
    const v = pick(m["value"]);
    if (v !== undefined) return v;
  }
  const flat = pick(m[key]);
  if (flat !== undefined) return flat;
  return isRecord(m["values"]) ? pick(m["values"][key]) : undefined;
}

function parseLegacy(metrics: Record<string, unknown>, config: Configuration, durationSeconds: number): FunctionLoadResult[] {
  const ids = assignMetricIds(config.pairs.map((p) => p.name));
  const missing: string[] = [];
  const results: FunctionLoadResult[] = [];
  for (const p of config.pairs) {
    if (p.rate <= 0) {
      results.push(idleFunctionResult(p.name));
      continue;
    }
    const id = ids.get(p.name)!;
    const success = metricValue(metrics, `success_rate_${id}`, "rate");
    const latency = metricValue(metrics, `latency_${id}`, "avg");
    const count =
      metricValue(metrics, `request_count_${id}`, "count") ?? metricValue(metrics, `request_count_${id}`, "rate");
    if (success === undefined) missing.push(`${p.name}:success_rate`);
    if (latency === undefined) missing.push(`${p.name}:latency`);
    if (count === undefined) missing.push(`${p.name}:request_count`);
    if (success === undefined || latency === undefined || count === undefined) continue;
    const dropped = metricValue(metrics, `dropped_iterations{scenario:${id}}`, "count") ?? 0;
    const passes = metricValue(metrics, `success_rate_${id}`, "passes");
    const fails = metricValue(metrics, `success_rate_${id}`, "fails");
    const completed = passes !== undefined && fails !== undefined ? passes + fails : count;
    const successWithDrops = completed + dropped > 0 ? (success * completed) / (completed + dropped) : success;
    results.push({
      name: p.name,
      rate: p.rate,
      success_rate: successWithDrops,
      success_rate_completed: success,
      avg_latency_ms: latency,
      p95_latency_ms: metricValue(metrics, `latency_${id}`, "p(95)") ?? Number.NaN,
      p99_latency_ms: metricValue(metrics, `latency_${id}`, "p(99)") ?? Number.NaN,
      request_count: count,
      achieved_rate: durationSeconds > 0 ? count / durationSeconds : Number.NaN,
      dropped_iterations: dropped,
      http_req_failed: metricValue(metrics, `http_req_failed{scenario:${id}}`, "rate") ?? Number.NaN,
    });
  }
  if (missing.length > 0) throw missingError(missing);
  return results;
}
