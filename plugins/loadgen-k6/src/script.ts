/**
 * Generating the k6 script of one load window. Pure: returns the script text.
 *
 * Layout of the script: the k6 imports; ONE data literal `const PEVA_DATA = {…};` holding every function name,
 * URL, method, body, header and tag as JSON (user text enters the script nowhere else, so a hostile name stays a
 * string); the fixed recorder and summary builder (`summary-builder.ts`); one exec function per loaded function,
 * named after its sanitised id and reading its request from `PEVA_DATA` by index; `setup()` returning the wall clock
 * at the start of the load; the `options` (one constant-arrival-rate scenario per loaded function, as JSON); and a
 * `handleSummary` writing our summary to `__ENV.PEVA_SUMMARY_PATH`.
 */
import type { LoadTarget } from "@peva-lab/core";
import { assignMetricIds } from "./ids.ts";
import { durationMilliseconds, type K6Settings } from "./settings.ts";
import {
  COUNTED_STATUS_CODES,
  k6MetricNames,
  PEVA_SUMMARY_SCHEMA,
  RECORDER_SOURCE,
  STATUS_BUCKETS,
  SUMMARY_BUILDER_SOURCE,
  SUMMARY_PATH_ENV,
  TIMEOUT_ERROR_CODES,
} from "./summary-builder.ts";

/** The trend statistics k6 computes for the summary (also forced with `--summary-trend-stats`). */
export const SUMMARY_TREND_STATS: readonly string[] = Object.freeze(["avg", "med", "p(90)", "p(95)", "p(99)", "max", "count"]);

/** VU sizing and graceful stop: the part of the settings the script uses. */
export type ScriptLoadSettings = Pick<
  K6Settings,
  "expected_latency_ms" | "vus_headroom" | "max_preallocated_vus" | "max_vus" | "graceful_stop"
>;

/** Inputs of {@link generateK6Script}. */
export interface ScriptInput {
  readonly targets: readonly LoadTarget[];
  /** Length of the load window, seconds (> 0). */
  readonly durationSeconds: number;
  /** Per-request timeout, seconds (> 0). */
  readonly requestTimeoutSeconds: number;
  readonly settings: ScriptLoadSettings;
}

/** VU sizing of one scenario. */
export interface VuSizing {
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
}

/** One loaded function as the script's data carries it. */
export interface ScriptTarget {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly params: {
    readonly headers: Readonly<Record<string, string>>;
    readonly timeout: string;
    readonly tags: { readonly function: string };
  };
}

/** The `PEVA_DATA` literal of a script (also the `meta` argument of the summary builder). */
export interface ScriptData {
  readonly schema: string;
  readonly duration_s: number;
  readonly request_timeout_s: number;
  /** Every target in request order, rate 0 included. */
  readonly functions: readonly { readonly name: string; readonly id: string; readonly rate: number }[];
  /** The loaded targets (rate > 0), in request order; exec functions index this array. */
  readonly targets: readonly ScriptTarget[];
  readonly buckets: readonly string[];
  readonly counted_status_codes: readonly number[];
  readonly timeout_error_codes: readonly number[];
}

/** A generated script. */
export interface GeneratedScript {
  readonly text: string;
  readonly data: ScriptData;
  /** function name → id. */
  readonly ids: ReadonlyMap<string, string>;
}

/**
 * `preAllocatedVUs` = ceil(rate × expected latency × headroom), within [1, max_preallocated_vus];
 * `maxVUs` = max(4 × preAllocated, ceil(rate × request timeout)), within [preAllocated, max_vus].
 */
export function sizeVus(rate: number, settings: ScriptLoadSettings, requestTimeoutSeconds: number): VuSizing {
  const pre = clamp(Math.ceil((rate * settings.expected_latency_ms * settings.vus_headroom) / 1000), 1, settings.max_preallocated_vus);
  const wanted = Math.max(pre * 4, Math.ceil(rate * requestTimeoutSeconds));
  return { preAllocatedVUs: pre, maxVUs: Math.max(pre, Math.min(settings.max_vus, wanted)) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** A k6 duration string for a number of seconds: whole seconds as `30s`, anything else in milliseconds. */
export function k6Duration(seconds: number): string {
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`duration ${seconds} s must be > 0`);
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.max(1, Math.round(seconds * 1000))}ms`;
}

/**
 * JSON as a JavaScript literal: JSON.stringify, plus escapes for U+2028/U+2029 (valid in JSON strings, line
 * terminators in pre-ES2019 JavaScript parsers).
 */
export function jsLiteral(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Checks the parts of a request the script relies on; throws `RangeError` naming the problem. */
export function checkScriptInput(input: ScriptInput): void {
  if (input.targets.length === 0) throw new RangeError("a load request needs at least one target");
  const seen = new Set<string>();
  for (const t of input.targets) {
    if (seen.has(t.functionName)) throw new RangeError(`function '${t.functionName}' appears twice in the load request`);
    seen.add(t.functionName);
    if (!Number.isInteger(t.rate) || t.rate < 0) throw new RangeError(`rate of '${t.functionName}' must be a whole number >= 0, got ${t.rate}`);
  }
  k6Duration(input.durationSeconds);
  k6Duration(input.requestTimeoutSeconds);
  durationMilliseconds(input.settings.graceful_stop);
}

/** Generates the k6 script of one load window. Throws `RangeError` on an invalid input (see {@link checkScriptInput}). */
export function generateK6Script(input: ScriptInput): GeneratedScript {
  checkScriptInput(input);
  const ids = assignMetricIds(input.targets.map((t) => t.functionName));
  const duration = k6Duration(input.durationSeconds);
  const timeout = k6Duration(input.requestTimeoutSeconds);
  const loaded = input.targets.filter((t) => t.rate > 0);
  const data: ScriptData = {
    schema: PEVA_SUMMARY_SCHEMA,
    duration_s: input.durationSeconds,
    request_timeout_s: input.requestTimeoutSeconds,
    functions: input.targets.map((t) => ({ name: t.functionName, id: ids.get(t.functionName)!, rate: t.rate })),
    targets: loaded.map((t) => ({
      id: ids.get(t.functionName)!,
      method: t.method,
      url: t.url,
      body: t.body,
      params: { headers: { ...t.headers }, timeout, tags: { function: t.functionName } },
    })),
    buckets: STATUS_BUCKETS,
    counted_status_codes: COUNTED_STATUS_CODES,
    timeout_error_codes: TIMEOUT_ERROR_CODES,
  };

  const scenarios: Record<string, unknown> = {};
  const thresholds: Record<string, string[]> = {};
  const execs: string[] = [];
  loaded.forEach((t, i) => {
    const id = ids.get(t.functionName)!;
    const vus = sizeVus(t.rate, input.settings, input.requestTimeoutSeconds);
    scenarios[id] = {
      executor: "constant-arrival-rate",
      rate: t.rate,
      timeUnit: "1s",
      duration,
      preAllocatedVUs: vus.preAllocatedVUs,
      maxVUs: vus.maxVUs,
      gracefulStop: input.settings.graceful_stop,
      exec: `exec_${id}`,
      tags: { function: t.functionName },
    };
    // Always-passing thresholds make k6 report these per-scenario submetrics in the summary.
    const names = k6MetricNames(id);
    for (const m of [names.dropped, names.bytesIn, names.bytesOut]) thresholds[m] = ["count>=0"];
    execs.push(`export function exec_${id}() {`, `  pevaHit(PEVA_DATA.targets[${i}]);`, `}`, ``);
  });
  if (loaded.length === 0) {
    // Not run by the plugin (an all-idle window needs no k6), but a valid script all the same.
    scenarios["idle"] = { executor: "constant-vus", vus: 1, duration, exec: "idle_exec" };
  }

  const options = {
    discardResponseBodies: true,
    summaryTrendStats: SUMMARY_TREND_STATS,
    scenarios,
    thresholds,
  };
  const lines = [
    `// Generated by peva-lab (loadgen-k6). All user-supplied text is JSON data inside PEVA_DATA.`,
    `import http from "k6/http";`,
    `import { sleep } from "k6";`,
    `import { Counter, Trend } from "k6/metrics";`,
    ``,
    `const PEVA_DATA = ${jsLiteral(data)};`,
    ``,
    RECORDER_SOURCE,
    ``,
    `function pevaHit(target) {`,
    `  const started = Date.now();`,
    `  const res = http.request(target.method, target.url, target.body, target.params);`,
    `  pevaRecord(target, res, started, Date.now());`,
    `}`,
    ``,
    ...execs,
    `export function idle_exec() {`,
    `  sleep(1);`,
    `}`,
    ``,
    `// The wall clock when the load starts: k6 runs setup() right before the scenarios.`,
    `export function setup() {`,
    `  return { start_ms: Date.now() };`,
    `}`,
    ``,
    `export const options = ${jsLiteral(options, 2)};`,
    ``,
    SUMMARY_BUILDER_SOURCE,
    ``,
    `export function handleSummary(data) {`,
    `  const path = __ENV.${SUMMARY_PATH_ENV} || "peva-summary.json";`,
    `  const out = {};`,
    `  out[path] = JSON.stringify(buildPevaSummary(data, PEVA_DATA, Date.now()), null, 2);`,
    `  out.stdout = "peva-lab k6 summary written to " + path + "\\n";`,
    `  return out;`,
    `}`,
    ``,
  ];
  return { text: lines.join("\n"), data, ids };
}
