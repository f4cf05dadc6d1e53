/**
 * Real Prometheus + node-exporter on loopback, queried by our client and collectors.
 */
import { createServer, type Server } from "node:http";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PrometheusClient,
  collectIterationMetrics,
  loadQueriesFile,
  packagedQueriesPath,
} from "../../src/prometheus/index.ts";
import { freePort, startNodeExporter, startPrometheus, waitForTargetsUp, type ManagedProcess } from "./support/tools.ts";

let nodeExporter: ManagedProcess | undefined;
let prometheus: ManagedProcess | undefined;
let exporter: Server;
let client: PrometheusClient;
const t0 = Date.now() / 1000;
/** When the step gauge switches from 0 to 10 (epoch seconds); set in beforeAll. */
let stepAt = Number.POSITIVE_INFINITY;

/**
 * A fake platform-local /metrics: two replicas of f1, a CPU counter growing 0.5 s/s, a step gauge, and a node of
 * 2 CPUs / 1000 bytes whose CPU counter grows 0.25 s/s and whose working set is 300 bytes.
 */
function metricsText(): string {
  const now = Date.now() / 1000;
  return [
    "# TYPE peva_test_gauge gauge",
    'peva_test_gauge{series="a"} 1',
    'peva_test_gauge{series="b"} 2',
    "# TYPE peva_test_step gauge",
    `peva_test_step ${now >= stepAt ? 10 : 0}`,
    "# TYPE peva_function_cpu_seconds_total counter",
    `peva_function_cpu_seconds_total{function="f1"} ${(0.5 * (now - t0)).toFixed(3)}`,
    "# TYPE peva_function_resident_memory_bytes gauge",
    'peva_function_resident_memory_bytes{function="f1",replica="0"} 100',
    'peva_function_resident_memory_bytes{function="f1",replica="1"} 200',
    "# TYPE peva_function_invocations_total counter",
    'peva_function_invocations_total{function="f1",code="200"} 5',
    "# TYPE peva_node_cpu_seconds_total counter",
    `peva_node_cpu_seconds_total ${(0.25 * (now - t0)).toFixed(3)}`,
    "# TYPE peva_node_memory_working_set_bytes gauge",
    "peva_node_memory_working_set_bytes 300",
    "# TYPE peva_node_cpu_capacity_cores gauge",
    "peva_node_cpu_capacity_cores 2",
    "# TYPE peva_node_memory_capacity_bytes gauge",
    "peva_node_memory_capacity_bytes 1000",
    "",
  ].join("\n");
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  exporter = createServer((_req, res) => {
    res.setHeader("Content-Type", "text/plain; version=0.0.4");
    res.end(metricsText());
  });
  await new Promise<void>((r) => exporter.listen(0, "127.0.0.1", r));
  const addr = exporter.address();
  const exporterPort = typeof addr === "object" && addr ? addr.port : 0;
  nodeExporter = await startNodeExporter();
  prometheus = await startPrometheus([
    { job: "node", target: `127.0.0.1:${nodeExporter.port}` },
    { job: "local", target: `127.0.0.1:${exporterPort}` },
  ]);
  client = new PrometheusClient(prometheus.url, { emptyResultAttempts: 10, emptyResultIntervalMs: 500, timeoutMs: 5000 });
  await waitForTargetsUp(prometheus.url, 2);
  // Enough samples for rate() over a few seconds.
  await sleep(4000);
  stepAt = Date.now() / 1000;
});

afterAll(async () => {
  await prometheus?.stop();
  await nodeExporter?.stop();
  await new Promise<void>((r) => exporter.close(() => r()));
});

describe("Prometheus client against a real server", () => {
  it("instant query", async () => {
    const r = await client.instant("sum(up)");
    expect(r.value).toBe(2);
    expect(r.series).toBe(1);
  });

  it("multi-series results are summed (instant and per timestamp in range)", async () => {
    const instant = await client.instant("peva_test_gauge");
    expect(instant).toEqual({ value: 3, series: 2 });
    const end = Date.now() / 1000;
    const range = await client.range("peva_test_gauge", end - 3, end, 1);
    expect(range.series).toBe(2);
    expect(range.points.length).toBeGreaterThanOrEqual(3);
    expect(range.points.every(([, v]) => v === 3)).toBe(true);
    expect(range.mean).toBe(3);
  });

  it("node metrics are the node's own against its declared size; the machine's (node-exporter) are context", async () => {
    const set = loadQueriesFile(packagedQueriesPath("local"));
    const end = Date.now() / 1000;
    const m = await collectIterationMetrics(client, set, { start: end - 4, end }, [], { mode: "at_end", stepSeconds: 2 }, { scaphandre: false });
    // 0.25 CPU-seconds per second of a 2-CPU node: 25 (100 × cores) and 12.5 % of its capacity.
    expect(m.node.cpu_usage_node).toBeCloseTo(25, 0);
    expect(m.node.cpu_usage_node_pct).toBeCloseTo(12.5, 0);
    expect(m.node.ram_usage_node).toBe(300);
    expect(m.node.ram_usage_node_pct).toBe(30);
    expect(m.node.power_usage_node).toBeNaN();
    // The machine: raw CPU up to 100 × its cores, normalised by the CPUs node-exporter reports.
    const cores = availableParallelism();
    expect(m.nodeExtra["cpu_usage_machine"]).toBeLessThanOrEqual(100 * cores + 1);
    const cpus = (await client.instant('count(node_cpu_seconds_total{mode="idle"})')).value;
    expect((m.nodeExtra["cpu_usage_machine"] ?? Number.NaN) / cpus).toBeCloseTo(m.nodeExtra["cpu_usage_machine_pct"] ?? Number.NaN, 0);
    expect(m.nodeExtra["ram_usage_machine"]).toBeGreaterThan(1000);
  });

  it("iteration metrics with local.yml: function CPU from the counter rate, RAM summed over replicas", async () => {
    const set = loadQueriesFile(packagedQueriesPath("local"));
    const end = Date.now() / 1000;
    const m = await collectIterationMetrics(client, set, { start: end - 4, end }, ["f1"], { mode: "at_end", stepSeconds: 2 }, { scaphandre: false });
    expect(m.errors).toEqual([]);
    const f1 = m.functions.get("f1")!;
    expect(f1.ram).toBe(300);
    expect(f1.cpu).toBeGreaterThan(40);
    expect(f1.cpu).toBeLessThan(60);
    const r = await collectIterationMetrics(client, set, { start: end - 4, end }, ["f1"], { mode: "range", stepSeconds: 2 }, { scaphandre: false });
    expect(r.functions.get("f1")!.ram).toBe(300);
  });

  it("the run window does not leak pre-run data (defect 14)", async () => {
    // The step gauge was 0 before `stepAt` and 10 after; evaluate a window that starts after the switch.
    await sleep(5000);
    const start = stepAt + 1.5;
    const end = Date.now() / 1000;
    const query = "avg_over_time(peva_test_step[{time_span}])";
    const set = new Map([["step", { name: "step", query, range: true, step: "1s" }]]);
    for (const mode of ["at_end", "range"] as const) {
      const m = await collectIterationMetrics(client, set, { start, end }, [], { mode, stepSeconds: 1 }, { scaphandre: false });
      expect(m.nodeExtra["step"], mode).toBe(10);
    }
    // Upstream's look-back of a whole duration from each point mixes in the zeros from before the window.
    const leaky = await client.range(`avg_over_time(peva_test_step[${Math.ceil(end - start)}s])`, start, end, 1);
    expect(leaky.mean).toBeLessThan(10);
  });

  it("an empty result is retried a bounded number of times, then fails naming query and URL", async () => {
    const c = new PrometheusClient(prometheus!.url, { emptyResultAttempts: 3, emptyResultIntervalMs: 200 });
    const started = Date.now();
    await expect(c.instant("peva_metric_that_does_not_exist")).rejects.toThrow(
      `Prometheus query returned no data after 3 attempt(s) (query: peva_metric_that_does_not_exist; url: ${prometheus!.url}/api/v1/query)`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a bad query is reported with Prometheus' error", async () => {
    await expect(client.instant("rate(")).rejects.toThrow(/Prometheus returned HTTP 400: bad_data/);
  });

  it("server down: fails at once, naming query and URL", async () => {
    const port = await freePort();
    const down = new PrometheusClient(`http://127.0.0.1:${port}`, { emptyResultAttempts: 5, timeoutMs: 2000 });
    await expect(down.instant("up")).rejects.toThrow(
      `Prometheus request failed: ECONNREFUSED (query: up; url: http://127.0.0.1:${port}/api/v1/query)`,
    );
  });
});
