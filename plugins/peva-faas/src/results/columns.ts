/**
 * Column layouts of the result files (reference §10). Pure.
 */

/** Per-function column prefixes of `results.csv`, in order (`<prefix><function name>`). */
export const FUNCTION_COLUMN_PREFIXES = [
  "function_",
  "rate_function_",
  "success_rate_function_",
  "cpu_usage_function_",
  "ram_usage_function_",
  "power_usage_function_",
  "replica_",
  "overloaded_function_",
  "medium_latency_function_",
] as const;

/** Node columns of `results.csv`, in order. */
export const NODE_COLUMNS = [
  "cpu_usage_idle_node",
  "cpu_usage_node",
  "ram_usage_idle_node",
  "ram_usage_node",
  "ram_usage_idle_node_percentage",
  "ram_usage_node_percentage",
  "power_usage_idle_node",
  "power_usage_node",
  "rest_seconds",
  "overloaded_node",
] as const;

const sortNames = (names: readonly string[]): string[] => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `results.csv` header (DFaaS layout): the 9 function columns per function (sorted by name), then the node columns. */
export function resultsHeader(allFunctions: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of sortNames(allFunctions)) for (const p of FUNCTION_COLUMN_PREFIXES) out.push(`${p}${name}`);
  out.push(...NODE_COLUMNS);
  return out;
}

/** `skipped.csv` header: `function_<n>, rate_function_<n>` per function, then `reason`. */
export function skippedHeader(allFunctions: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of sortNames(allFunctions)) out.push(`function_${name}`, `rate_function_${name}`);
  out.push("reason");
  return out;
}

/** `index.csv` header (`;`-delimited). */
export const INDEX_HEADER = ["functions", "rates", "results_file"] as const;

/** `results_long.csv` header: the reference columns plus `iteration` (defect 20). */
export const RESULTS_LONG_HEADER = ["repetition", "iteration", "config_id", "function", "rate", "metric", "value", "unit"] as const;

/** Node columns of a metrics file (upstream order), plus the normalised CPU at the end. */
export const METRICS_NODE_COLUMNS = ["cpu_usage_node", "ram_usage_node", "ram_usage_node_pct", "power_usage_node"] as const;

/** `metrics/metrics-*.csv` header for the configuration's functions (sorted). */
export function metricsHeader(functions: readonly string[]): string[] {
  const out: string[] = [...METRICS_NODE_COLUMNS];
  for (const name of sortNames(functions)) {
    out.push(`cpu_usage_function_${name}`, `ram_usage_function_${name}`, `power_usage_function_${name}`);
  }
  out.push("cpu_usage_node_pct");
  return out;
}

/** Unit of each results.csv column family (`<prefix><function>` or a node column), for `run.json` and the DFaaS export. */
export function resultsColumnUnits(latencyUnit: "ns" | "ms"): Record<string, string> {
  return {
    function_: "function name",
    rate_function_: "requests per second (target)",
    success_rate_function_: "ratio 0..1: responses 200-399 / (requests sent + requests not sent on schedule)",
    cpu_usage_function_: "% of one core",
    ram_usage_function_: "bytes",
    power_usage_function_: "microwatts",
    replica_: "count",
    overloaded_function_: "flag 0/1",
    medium_latency_function_:
      latencyUnit === "ns" ? "nanoseconds, integer: mean over all responses" : "milliseconds, integer (truncated): mean over all responses",
    cpu_usage_idle_node: "% of one core (100 = one busy core)",
    cpu_usage_node: "% of one core (100 = one busy core)",
    ram_usage_idle_node: "bytes",
    ram_usage_node: "bytes",
    ram_usage_idle_node_percentage: "% of node memory",
    ram_usage_node_percentage: "% of node memory",
    power_usage_idle_node: "microwatts",
    power_usage_node: "microwatts",
    rest_seconds: "seconds",
    overloaded_node: "flag 0/1",
  };
}
