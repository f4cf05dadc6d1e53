/**
 * The gateway's `/metrics`: Prometheus text exposition format 0.0.4. Counters and histograms are small mutable
 * holders; rendering is a pure function of a snapshot, so the text format is tested without a server.
 */

import type { NodeUsage } from "./node/cgroup-node.ts";
import type { NodeInfo } from "./node/platform-node.ts";

/** `Content-Type` of the exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Upper bounds of the duration histogram, seconds (the Prometheus client defaults, which OpenFaaS also uses). */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A cumulative-on-render histogram: per-bucket counts, sum and count. */
export class Histogram {
  /** Upper bounds, ascending; `+Inf` is implicit. */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is the `+Inf` overflow. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = DURATION_BUCKETS) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Records one value. */
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** Everything `/metrics` reports about one function. */
export interface FunctionMetricsSnapshot {
  readonly name: string;
  /** Requests per HTTP status code (200, 429, 500, 502, 504, …). */
  readonly invocations: ReadonlyMap<number, number>;
  /** Gateway-side duration of admitted requests: queue wait + execution + IPC. */
  readonly duration: Histogram;
  /** Replicas the pool wants (starting and ready). */
  readonly replicas: number;
  /** Ready replicas. */
  readonly availableReplicas: number;
  /** Replicas running a request right now. */
  readonly busyReplicas: number;
  /** Requests waiting in the queue. */
  readonly queued: number;
  /** CPU seconds (user + system) of every worker this function ever had, exited ones included. */
  readonly cpuSeconds: number;
  /**
   * Seconds the function's workers (main threads) spent runnable but waiting for a CPU (`/proc/<pid>/schedstat`
   * run delay), exited ones included.
   */
  readonly cpuWaitSeconds: number;
  /** Resident memory of the live workers, bytes. */
  readonly residentBytes: number;
}

/** Everything `/metrics` reports. */
export interface GatewayMetricsSnapshot {
  /** The platform's node: its declared size, how it is enforced, and its own usage. */
  readonly node: { readonly info: NodeInfo; readonly usage: NodeUsage };
  readonly functions: readonly FunctionMetricsSnapshot[];
  /** CPU seconds of the gateway process itself (its overhead is not charged to any function). */
  readonly gatewayCpuSeconds: number;
  /** Seconds the gateway's main thread spent runnable but waiting for a CPU. */
  readonly gatewayCpuWaitSeconds: number;
  /** Resident memory of the gateway process, bytes. */
  readonly gatewayResidentBytes: number;
}

/** Escapes a label value per the exposition format (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Formats a sample value (`+Inf`, `-Inf`, `NaN` spelled as Prometheus expects). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function labels(pairs: Readonly<Record<string, string>>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

class Family {
  readonly lines: string[];
  constructor(name: string, type: "counter" | "gauge" | "histogram", help: string) {
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  }
  sample(name: string, pairs: Readonly<Record<string, string>>, value: number): void {
    this.lines.push(`${name}${labels(pairs)} ${formatValue(value)}`);
  }
}

function sortedCodes(m: ReadonlyMap<number, number>): [number, number][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** Renders the whole exposition, families in a fixed order, functions in snapshot order. */
export function renderMetrics(snapshot: GatewayMetricsSnapshot): string {
  const fns = snapshot.functions;
  const families: Family[] = [];
  const family = (name: string, type: "counter" | "gauge" | "histogram", help: string) => {
    const f = new Family(name, type, help);
    families.push(f);
    return f;
  };

  const inv = family("peva_function_invocations_total", "counter", "Requests to a function by HTTP status code.");
  for (const fn of fns) for (const [code, n] of sortedCodes(fn.invocations)) inv.sample("peva_function_invocations_total", { function: fn.name, code: String(code) }, n);

  const dur = family("peva_function_duration_seconds", "histogram", "Gateway-side duration of admitted requests (queue wait + execution), seconds.");
  for (const fn of fns) {
    let cumulative = 0;
    fn.duration.bounds.forEach((bound, i) => {
      cumulative += fn.duration.counts[i] ?? 0;
      dur.sample("peva_function_duration_seconds_bucket", { function: fn.name, le: formatValue(bound) }, cumulative);
    });
    dur.sample("peva_function_duration_seconds_bucket", { function: fn.name, le: "+Inf" }, fn.duration.count);
    dur.sample("peva_function_duration_seconds_sum", { function: fn.name }, fn.duration.sum);
    dur.sample("peva_function_duration_seconds_count", { function: fn.name }, fn.duration.count);
  }

  const gauge = (name: string, help: string, value: (fn: FunctionMetricsSnapshot) => number) => {
    const f = family(name, "gauge", help);
    for (const fn of fns) f.sample(name, { function: fn.name }, value(fn));
  };
  gauge("peva_function_replicas", "Replicas the function has (starting or ready).", (fn) => fn.replicas);
  gauge("peva_function_available_replicas", "Replicas ready to take requests.", (fn) => fn.availableReplicas);
  gauge("peva_function_busy_replicas", "Replicas running a request right now.", (fn) => fn.busyReplicas);
  gauge("peva_function_queue_depth", "Requests waiting in the function's queue.", (fn) => fn.queued);

  const cpu = family("peva_function_cpu_seconds_total", "counter", "CPU time (user + system) of the function's worker processes, exited ones included, seconds.");
  for (const fn of fns) cpu.sample("peva_function_cpu_seconds_total", { function: fn.name }, fn.cpuSeconds);
  // Run delay: how long the platform's processes were ready to run but another process had the CPU (noisy
  // neighbours, or more runnable workers than cores).
  const wait = family("peva_function_cpu_wait_seconds_total", "counter", "Time the function's worker processes (main threads) were runnable but waiting for a CPU, exited ones included, seconds.");
  for (const fn of fns) wait.sample("peva_function_cpu_wait_seconds_total", { function: fn.name }, fn.cpuWaitSeconds);
  gauge("peva_function_resident_memory_bytes", "Resident memory (RSS) of the function's live worker processes, bytes.", (fn) => fn.residentBytes);

  const gwCpu = family("peva_gateway_cpu_seconds_total", "counter", "CPU time (user + system) of the gateway process, seconds.");
  gwCpu.sample("peva_gateway_cpu_seconds_total", {}, snapshot.gatewayCpuSeconds);
  const gwWait = family("peva_gateway_cpu_wait_seconds_total", "counter", "Time the gateway process (main thread) was runnable but waiting for a CPU, seconds.");
  gwWait.sample("peva_gateway_cpu_wait_seconds_total", {}, snapshot.gatewayCpuWaitSeconds);
  const gwRss = family("peva_gateway_resident_memory_bytes", "gauge", "Resident memory of the gateway process, bytes.");
  gwRss.sample("peva_gateway_resident_memory_bytes", {}, snapshot.gatewayResidentBytes);

  // The node: what its overload rules and idle criteria judge (its own usage against its declared size, whatever
  // else runs on the machine).
  const node = snapshot.node;
  family("peva_node_cpu_seconds_total", "counter", "CPU time used by the platform's node (its cgroup, or its processes summed), seconds.").sample(
    "peva_node_cpu_seconds_total", {}, node.usage.cpuSeconds);
  family("peva_node_memory_working_set_bytes", "gauge", "Working-set memory of the platform's node (usage minus inactive file cache, or its processes' RSS summed), bytes.").sample(
    "peva_node_memory_working_set_bytes", {}, node.usage.memoryBytes);
  family("peva_node_cpu_throttled_seconds_total", "counter", "Time the node was held back by its CPU quota, seconds.").sample(
    "peva_node_cpu_throttled_seconds_total", {}, node.usage.throttledSeconds);
  family("peva_node_cpu_capacity_cores", "gauge", "Declared CPUs of the platform's node.").sample("peva_node_cpu_capacity_cores", {}, node.info.cpus);
  family("peva_node_memory_capacity_bytes", "gauge", "Declared memory of the platform's node, bytes.").sample("peva_node_memory_capacity_bytes", {}, node.info.memoryBytes);
  family("peva_node_info", "gauge", "How the node is made: isolation cgroup-v1, cgroup-v2 or processes (nothing enforced), and its pinned cores.").sample(
    "peva_node_info", { isolation: node.info.isolation, cpuset: node.info.cpuset ?? "" }, 1);

  // OpenFaaS-compatible aliases, so queries written for the OpenFaaS gateway work unchanged.
  const ofInv = family("gateway_function_invocation_total", "counter", "OpenFaaS alias of peva_function_invocations_total.");
  for (const fn of fns) for (const [code, n] of sortedCodes(fn.invocations)) ofInv.sample("gateway_function_invocation_total", { function_name: fn.name, code: String(code) }, n);
  const ofCount = family("gateway_service_count", "gauge", "OpenFaaS alias of peva_function_replicas.");
  for (const fn of fns) ofCount.sample("gateway_service_count", { function_name: fn.name }, fn.replicas);

  return `${families.map((f) => f.lines.join("\n")).join("\n")}\n`;
}
