/**
 * Row builders for the result files. Pure: values in, string fields out (in header order).
 */
import type { FunctionLoadStats, LatencyStats } from "@peva-lab/core";
import { configId, type Configuration, type FunctionRate } from "../model.ts";
import type { FunctionMetrics, NodeMetrics } from "../prometheus/collect.ts";
import type { ContentionVerdict, CpuContentionFigures } from "../overload/contention.ts";
import type { NodeVerdict } from "../overload/rules.ts";
import { FUNCTION_COLUMN_PREFIXES, metricsHeader, resultsHeader, skippedHeader } from "./columns.ts";
import { formatFloat3, formatInt, formatRawFloat, formatSeconds, pythonIntList, pythonStrList } from "./csv.ts";

/**
 * Unit of `medium_latency_function_<f>` in results.csv: `ns` integer nanoseconds (the DFaaS sampler's), or `ms`
 * integer milliseconds truncated (linux-benchmark-lib's).
 */
export type LatencyUnit = "ns" | "ms";

/** A latency in nanoseconds as written in results.csv for `unit`: an integer, or `nan` when unknown. */
export function formatLatency(ns: number, unit: LatencyUnit): string {
  if (!Number.isFinite(ns)) return "nan";
  return String(unit === "ns" ? Math.round(ns) : Math.trunc(ns / 1e6));
}

/** Everything one executed iteration contributes to `results.csv` / `results_long.csv`. */
export interface IterationOutcome {
  readonly config: Configuration;
  /** The load generator's results per configuration function. */
  readonly loads: readonly FunctionLoadStats[];
  /** Prometheus metrics per configuration function. */
  readonly functionMetrics: ReadonlyMap<string, FunctionMetrics>;
  /** Replicas per function (NaN unknown). */
  readonly replicas: ReadonlyMap<string, number>;
  readonly node: NodeMetrics;
  /** The cooldown snapshot before the run. */
  readonly idle: NodeMetrics;
  readonly restSeconds: number;
  readonly verdict: NodeVerdict;
  /** CPU contention figures of the load window (noisy-neighbour detection); absent or NaN = unknown. */
  readonly contention?: ContentionFigures;
  /**
   * Further node figures of the load window, as context (e.g. the whole machine's CPU and memory beside the node's
   * own): each with its unit; written to `results_long.csv`, never judged.
   */
  readonly nodeContext?: readonly NodeContextFigure[];
  /** Seconds of load the window actually ran (shorter than the duration when aborted early); absent = unknown. */
  readonly loadSeconds?: number;
  /** True when the load stopped early because the iteration's overload was already certain (`early_abort`). */
  readonly abortedEarly?: boolean;
}

/** A node figure recorded as context: the query's name, its unit and its value over the load window. */
export interface NodeContextFigure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
}

/**
 * What `results_long.csv` records about CPU contention in one iteration: the cores the platform waited for and ran,
 * and the share of the CPU it was entitled to that it waited for, 0..1 (`overload/contention.ts`).
 */
export type ContentionFigures = Pick<CpuContentionFigures, "waitCores" | "runCores"> & Pick<ContentionVerdict, "starvation">;

const NAN_FUNCTION_METRICS: FunctionMetrics = { cpu: Number.NaN, ram: Number.NaN, power: Number.NaN, extra: {} };

/**
 * A `results.csv` row in {@link resultsHeader} order; functions outside the configuration get empty strings.
 * `medium_latency_function_<f>` is the mean latency of all responses (the DFaaS sampler's `latencies.mean`) in
 * `latencyUnit`.
 */
export function buildResultRow(allFunctions: readonly string[], o: IterationOutcome, latencyUnit: LatencyUnit): string[] {
  const header = resultsHeader(allFunctions);
  const row = new Map<string, string>();
  const loads = new Map(o.loads.map((l) => [l.functionName, l]));
  const verdicts = new Map(o.verdict.functions.map((v) => [v.name, v]));
  for (const p of o.config.pairs) {
    const load = loads.get(p.name);
    if (!load) throw new Error(`no load result for function '${p.name}' of config ${o.config.id}`);
    const m = o.functionMetrics.get(p.name) ?? NAN_FUNCTION_METRICS;
    const values = [
      p.name,
      String(p.rate),
      formatFloat3(load.successRate),
      formatFloat3(m.cpu),
      formatFloat3(m.ram),
      formatFloat3(m.power),
      formatInt(o.replicas.get(p.name) ?? Number.NaN),
      verdicts.get(p.name)?.overloaded ? "1" : "0",
      formatLatency(load.latencyAll.meanNs, latencyUnit),
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

type LongGetter = (l: FunctionLoadStats, m: FunctionMetrics, replicas: number, overloaded: boolean) => string;

const latencyRows = (prefix: string, pick: (l: FunctionLoadStats) => LatencyStats): [string, string, LongGetter][] => [
  [`${prefix}_mean`, "ns", (l) => formatLatency(pick(l).meanNs, "ns")],
  [`${prefix}_p50`, "ns", (l) => formatLatency(pick(l).p50Ns, "ns")],
  [`${prefix}_p90`, "ns", (l) => formatLatency(pick(l).p90Ns, "ns")],
  [`${prefix}_p95`, "ns", (l) => formatLatency(pick(l).p95Ns, "ns")],
  [`${prefix}_p99`, "ns", (l) => formatLatency(pick(l).p99Ns, "ns")],
  [`${prefix}_max`, "ns", (l) => formatLatency(pick(l).maxNs, "ns")],
];

/**
 * Function metrics of `results_long.csv`: name, unit, value getter. The first 7 are the reference's; latencies are
 * integer nanoseconds whatever `results.latency_unit` says, and every row names its unit.
 */
const LONG_FUNCTION_METRICS: ReadonlyArray<readonly [string, string, LongGetter]> = [
  ["success_rate", "ratio", (l) => formatFloat3(l.successRate)],
  ["cpu_usage", "%", (_l, m) => formatFloat3(m.cpu)],
  ["ram_usage", "B", (_l, m) => formatFloat3(m.ram)],
  ["power_usage", "uW", (_l, m) => formatFloat3(m.power)],
  ["replicas", "count", (_l, _m, r) => formatInt(r)],
  ["overloaded", "flag", (_l, _m, _r, o) => (o ? "1" : "0")],
  ["medium_latency", "ns", (l) => formatLatency(l.latencyAll.meanNs, "ns")],
  ...latencyRows("latency", (l) => l.latencyAll),
  ...latencyRows("success_latency", (l) => l.latencySuccess),
  ["requests", "count", (l) => formatInt(l.requests)],
  ["successes", "count", (l) => formatInt(l.successes)],
  ["failures_http", "count", (l) => formatInt(l.failures.http)],
  ["failures_timeout", "count", (l) => formatInt(l.failures.timeout)],
  ["failures_connection", "count", (l) => formatInt(l.failures.connection)],
  ["dropped", "count", (l) => formatInt(l.dropped)],
  ["achieved_rate", "req/s", (l) => formatFloat3(l.achievedRate)],
  ["bytes_in", "B", (l) => formatInt(l.bytesIn)],
  ["bytes_out", "B", (l) => formatInt(l.bytesOut)],
];

/**
 * Node metrics of `results_long.csv`: the reference's 10, then the normalised CPU, CPU contention, and how much of
 * the window the load ran (an iteration aborted early ran less than the duration).
 */
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
  ["platform_cpu_wait", "cores", (o) => formatFloat3(o.contention?.waitCores ?? Number.NaN)],
  ["platform_cpu_run", "cores", (o) => formatFloat3(o.contention?.runCores ?? Number.NaN)],
  ["cpu_starvation", "ratio", (o) => formatFloat3(o.contention?.starvation ?? Number.NaN)],
  ["load_seconds", "s", (o) => formatFloat3(o.loadSeconds ?? Number.NaN)],
  ["aborted_early", "flag", (o) => (o.abortedEarly ? "1" : "0")],
];

/**
 * `results_long.csv` rows of one iteration: per function of the configuration the function metrics and one
 * `responses_status_<code>` row per status seen, then the node rows (empty `function` and `rate`). `config_id` is
 * recomputed from the pairs.
 */
export function buildLongRows(o: IterationOutcome, repetition: number, iteration: number): string[][] {
  const id = configId(o.config.pairs);
  const rows: string[][] = [];
  const loads = new Map(o.loads.map((l) => [l.functionName, l]));
  const verdicts = new Map(o.verdict.functions.map((v) => [v.name, v]));
  for (const p of o.config.pairs) {
    const l = loads.get(p.name);
    if (!l) throw new Error(`no load result for function '${p.name}' of config ${o.config.id}`);
    const m = o.functionMetrics.get(p.name) ?? NAN_FUNCTION_METRICS;
    const r = o.replicas.get(p.name) ?? Number.NaN;
    const ov = verdicts.get(p.name)?.overloaded ?? false;
    for (const [metric, unit, get] of LONG_FUNCTION_METRICS) {
      rows.push([String(repetition), String(iteration), id, p.name, String(p.rate), metric, get(l, m, r, ov), unit]);
    }
    // One row per HTTP status seen (`0`: no response), so overload's 429s and 5xx are visible per iteration.
    for (const [code, n] of Object.entries(l.statusCodes).sort(([a], [b]) => Number(a) - Number(b))) {
      rows.push([String(repetition), String(iteration), id, p.name, String(p.rate), `responses_status_${code}`, formatInt(n), "count"]);
    }
  }
  for (const [metric, unit, get] of LONG_NODE_METRICS) {
    rows.push([String(repetition), String(iteration), id, "", "", metric, get(o), unit]);
  }
  for (const c of o.nodeContext ?? []) rows.push([String(repetition), String(iteration), id, "", "", c.name, formatFloat3(c.value), c.unit]);
  return rows;
}
