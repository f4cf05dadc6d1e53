/**
 * Row builders for the result files. Pure: values in, string fields out (in header order).
 */
import { configId, type Configuration, type FunctionRate } from "../model.ts";
import type { FunctionLoadResult } from "../k6/summary.ts";
import type { FunctionMetrics, NodeMetrics } from "../prometheus/collect.ts";
import type { NodeVerdict } from "../overload/rules.ts";
import { FUNCTION_COLUMN_PREFIXES, metricsHeader, resultsHeader, skippedHeader } from "./columns.ts";
import { formatFloat3, formatInt, formatRawFloat, formatSeconds, pythonIntList, pythonStrList } from "./csv.ts";

/** Everything one executed iteration contributes to `results.csv` / `results_long.csv`. */
export interface IterationOutcome {
  readonly config: Configuration;
  /** k6 results per configuration function. */
  readonly loads: readonly FunctionLoadResult[];
  /** Prometheus metrics per configuration function. */
  readonly functionMetrics: ReadonlyMap<string, FunctionMetrics>;
  /** Replicas per function (NaN unknown). */
  readonly replicas: ReadonlyMap<string, number>;
  readonly node: NodeMetrics;
  /** The cooldown snapshot before the run. */
  readonly idle: NodeMetrics;
  readonly restSeconds: number;
  readonly verdict: NodeVerdict;
}

const NAN_FUNCTION_METRICS: FunctionMetrics = { cpu: Number.NaN, ram: Number.NaN, power: Number.NaN, extra: {} };

/** A `results.csv` row in {@link resultsHeader} order; functions outside the configuration get empty strings. */
export function buildResultRow(allFunctions: readonly string[], o: IterationOutcome): string[] {
  const header = resultsHeader(allFunctions);
  const row = new Map<string, string>();
  const loads = new Map(o.loads.map((l) => [l.name, l]));
  const verdicts = new Map(o.verdict.functions.map((v) => [v.name, v]));
  for (const p of o.config.pairs) {
    const load = loads.get(p.name);
    if (!load) throw new Error(`no k6 result for function '${p.name}' of config ${o.config.id}`);
    const m = o.functionMetrics.get(p.name) ?? NAN_FUNCTION_METRICS;
    const values = [
      p.name,
      String(p.rate),
      formatFloat3(load.success_rate),
      formatFloat3(m.cpu),
      formatFloat3(m.ram),
      formatFloat3(m.power),
      formatInt(o.replicas.get(p.name) ?? Number.NaN),
      verdicts.get(p.name)?.overloaded ? "1" : "0",
      formatFloat3(load.avg_latency_ms),
    ];
    FUNCTION_COLUMN_PREFIXES.forEach((prefix, i) => row.set(`${prefix}${p.name}`, values[i]!));
  }
  row.set("cpu_usage_idle_node", formatFloat3(o.idle.cpu_usage_node));
  row.set("cpu_usage_node", formatFloat3(o.node.cpu_usage_node));
  row.set("ram_usage_idle_node", formatFloat3(o.idle.ram_usage_node));
  row.set("ram_usage_node", formatFloat3(o.node.ram_usage_node));
  row.set("ram_usage_idle_node_percentage", formatFloat3(o.idle.ram_usage_node_pct));
  row.set("ram_usage_node_percentage", formatFloat3(o.node.ram_usage_node_pct));
  row.set("power_usage_idle_node", formatFloat3(o.idle.power_usage_node));
  row.set("power_usage_node", formatFloat3(o.node.power_usage_node));
  row.set("rest_seconds", formatSeconds(o.restSeconds));
  row.set("overloaded_node", o.verdict.overloaded ? "1" : "0");
  return header.map((c) => row.get(c) ?? "");
}

/** Skip reasons we record. */
export type SkipReason = "dominated_by_overload" | "already_done" | "failed" | "stopped" | (string & {});

/** A `skipped.csv` row: `function_<n>, rate_function_<n>` per function (empty when not in the config), `reason`. */
export function buildSkippedRow(allFunctions: readonly string[], pairs: readonly FunctionRate[], reason: SkipReason): string[] {
  const header = skippedHeader(allFunctions);
  const row = new Map<string, string>();
  for (const p of pairs) {
    row.set(`function_${p.name}`, p.name);
    row.set(`rate_function_${p.name}`, String(p.rate));
  }
  row.set("reason", reason);
  return header.map((c) => row.get(c) ?? "");
}

/** An `index.csv` row: Python list reprs of names and rates, and the results file. */
export function buildIndexRow(pairs: readonly FunctionRate[], resultsFile = "results.csv"): string[] {
  return [pythonStrList(pairs.map((p) => p.name)), pythonIntList(pairs.map((p) => p.rate)), resultsFile];
}

/** A metrics file row (raw floats) in {@link metricsHeader} order. */
export function buildMetricsRow(node: NodeMetrics, functions: ReadonlyMap<string, FunctionMetrics>, names: readonly string[]): string[] {
  const header = metricsHeader(names);
  const values = new Map<string, number>([
    ["cpu_usage_node", node.cpu_usage_node],
    ["ram_usage_node", node.ram_usage_node],
    ["ram_usage_node_pct", node.ram_usage_node_pct],
    ["power_usage_node", node.power_usage_node],
    ["cpu_usage_node_pct", node.cpu_usage_node_pct],
  ]);
  for (const name of names) {
    const m = functions.get(name) ?? NAN_FUNCTION_METRICS;
    values.set(`cpu_usage_function_${name}`, m.cpu);
    values.set(`ram_usage_function_${name}`, m.ram);
    values.set(`power_usage_function_${name}`, m.power);
  }
  return header.map((c) => formatRawFloat(values.get(c) ?? Number.NaN));
}

/** Function metrics of `results_long.csv`: name, unit, value getter. The first 7 are the reference's. */
const LONG_FUNCTION_METRICS: ReadonlyArray<
  readonly [string, string, (l: FunctionLoadResult, m: FunctionMetrics, replicas: number, overloaded: boolean) => string]
> = [
  ["success_rate", "ratio", (l) => formatFloat3(l.success_rate)],
  ["cpu_usage", "%", (_l, m) => formatFloat3(m.cpu)],
  ["ram_usage", "B", (_l, m) => formatFloat3(m.ram)],
  ["power_usage", "uW", (_l, m) => formatFloat3(m.power)],
  ["replicas", "count", (_l, _m, r) => formatInt(r)],
  ["overloaded", "flag", (_l, _m, _r, o) => (o ? "1" : "0")],
  ["medium_latency", "ms", (l) => formatFloat3(l.avg_latency_ms)],
  ["latency_p95", "ms", (l) => formatFloat3(l.p95_latency_ms)],
  ["latency_p99", "ms", (l) => formatFloat3(l.p99_latency_ms)],
  ["request_count", "count", (l) => formatInt(l.request_count)],
  ["achieved_rate", "req/s", (l) => formatFloat3(l.achieved_rate)],
  ["dropped_iterations", "count", (l) => formatInt(l.dropped_iterations)],
  ["http_req_failed", "ratio", (l) => formatFloat3(l.http_req_failed)],
  ["success_rate_completed", "ratio", (l) => formatFloat3(l.success_rate_completed)],
];

/** Node metrics of `results_long.csv` (the reference's 10, then the normalised CPU). */
const LONG_NODE_METRICS: ReadonlyArray<readonly [string, string, (o: IterationOutcome) => string]> = [
  ["cpu_usage_idle_node", "%", (o) => formatFloat3(o.idle.cpu_usage_node)],
  ["cpu_usage_node", "%", (o) => formatFloat3(o.node.cpu_usage_node)],
  ["ram_usage_idle_node", "B", (o) => formatFloat3(o.idle.ram_usage_node)],
  ["ram_usage_node", "B", (o) => formatFloat3(o.node.ram_usage_node)],
  ["ram_usage_idle_node_percentage", "%", (o) => formatFloat3(o.idle.ram_usage_node_pct)],
  ["ram_usage_node_percentage", "%", (o) => formatFloat3(o.node.ram_usage_node_pct)],
  ["power_usage_idle_node", "uW", (o) => formatFloat3(o.idle.power_usage_node)],
  ["power_usage_node", "uW", (o) => formatFloat3(o.node.power_usage_node)],
  ["rest_seconds", "s", (o) => formatSeconds(o.restSeconds)],
  ["overloaded_node", "flag", (o) => (o.verdict.overloaded ? "1" : "0")],
  ["cpu_usage_idle_node_pct_of_capacity", "%cap", (o) => formatFloat3(o.idle.cpu_usage_node_pct)],
  ["cpu_usage_node_pct_of_capacity", "%cap", (o) => formatFloat3(o.node.cpu_usage_node_pct)],
];

/**
 * `results_long.csv` rows of one iteration: per active function the function metrics, then the node rows
 * (empty `function` and `rate`). `config_id` is recomputed from the pairs.
 */
export function buildLongRows(o: IterationOutcome, repetition: number, iteration: number): string[][] {
  const id = configId(o.config.pairs);
  const rows: string[][] = [];
  const loads = new Map(o.loads.map((l) => [l.name, l]));
  const verdicts = new Map(o.verdict.functions.map((v) => [v.name, v]));
  for (const p of o.config.pairs) {
    const l = loads.get(p.name);
    if (!l) throw new Error(`no k6 result for function '${p.name}' of config ${o.config.id}`);
    const m = o.functionMetrics.get(p.name) ?? NAN_FUNCTION_METRICS;
    const r = o.replicas.get(p.name) ?? Number.NaN;
    const ov = verdicts.get(p.name)?.overloaded ?? false;
    for (const [metric, unit, get] of LONG_FUNCTION_METRICS) {
      rows.push([String(repetition), String(iteration), id, p.name, String(p.rate), metric, get(l, m, r, ov), unit]);
    }
  }
  for (const [metric, unit, get] of LONG_NODE_METRICS) {
    rows.push([String(repetition), String(iteration), id, "", "", metric, get(o), unit]);
  }
  return rows;
}
