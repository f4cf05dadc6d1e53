import { describe, expect, it } from "vitest";
import {
  DURATION_BUCKETS,
  escapeLabelValue,
  formatValue,
  Histogram,
  METRICS_CONTENT_TYPE,
  renderMetrics,
  type FunctionMetricsSnapshot,
  type GatewayMetricsSnapshot,
} from "../../src/metrics.ts";

function fn(name: string, over: Partial<FunctionMetricsSnapshot> = {}): FunctionMetricsSnapshot {
  return {
    name,
    invocations: new Map(),
    duration: new Histogram(),
    replicas: 1,
    availableReplicas: 1,
    busyReplicas: 0,
    queued: 0,
    cpuSeconds: 0,
    cpuWaitSeconds: 0,
    residentBytes: 0,
    ...over,
  };
}

function snapshot(functions: FunctionMetricsSnapshot[]): GatewayMetricsSnapshot {
  return {
    functions,
    gatewayCpuSeconds: 1.5,
    gatewayCpuWaitSeconds: 0.25,
    gatewayResidentBytes: 1000,
    node: {
      info: { isolation: "cgroup-v1", cpus: 2, memoryBytes: 2 * 1024 ** 3, cpuset: "1-2", cgroup: "/peva-lab-node-7" },
      usage: { cpuSeconds: 42.5, memoryBytes: 300_000_000, throttledSeconds: 0.75 },
    },
  };
}

/** Value of the sample whose name-and-labels part equals `series`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).replace("+Inf", "Infinity"));
}

describe("Histogram", () => {
  it("puts a value equal to a bound into that bucket and overflow into +Inf", () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 1, 3]) h.observe(v);
    expect(h.counts).toEqual([2, 2, 1]);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(4.65);
  });
  it("uses the Prometheus client default buckets", () => {
    expect(DURATION_BUCKETS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });
});

describe("renderMetrics", () => {
  const h = new Histogram();
  for (const v of [0.003, 0.02, 0.02, 0.7, 30]) h.observe(v);
  const text = renderMetrics(
    snapshot([
      fn("figlet", {
        invocations: new Map([
          [429, 3],
          [200, 10],
        ]),
        duration: h,
        replicas: 3,
        availableReplicas: 2,
        busyReplicas: 2,
        queued: 7,
        cpuSeconds: 12.34,
        cpuWaitSeconds: 2.5,
        residentBytes: 123_456_789,
      }),
      fn("shasum"),
    ]),
  );

  it("is valid exposition text: HELP and TYPE before each family, one sample per line, trailing newline", () => {
    expect(text.endsWith("\n")).toBe(true);
    const seenTypes = new Set<string>();
    for (const line of text.trimEnd().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        const [, , name, type] = line.split(" ");
        expect(["counter", "gauge", "histogram"]).toContain(type);
        expect(seenTypes.has(name ?? "")).toBe(false);
        seenTypes.add(name ?? "");
        continue;
      }
      if (line.startsWith("# HELP ")) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/);
      const family = [...seenTypes].at(-1) ?? "";
      expect(line.startsWith(family)).toBe(true);
    }
  });

  it("counts invocations per function and code, codes ascending", () => {
    expect(sample(text, 'peva_function_invocations_total{function="figlet",code="200"}')).toBe(10);
    expect(sample(text, 'peva_function_invocations_total{function="figlet",code="429"}')).toBe(3);
    expect(text.indexOf('code="200"')).toBeLessThan(text.indexOf('code="429"'));
    expect(text).not.toContain('peva_function_invocations_total{function="shasum"');
  });

  it("renders the histogram cumulatively with +Inf equal to the count", () => {
    const b = (le: string) => sample(text, `peva_function_duration_seconds_bucket{function="figlet",le="${le}"}`);
    expect(b("0.005")).toBe(1);
    expect(b("0.01")).toBe(1);
    expect(b("0.025")).toBe(3);
    expect(b("0.5")).toBe(3);
    expect(b("1")).toBe(4);
    expect(b("10")).toBe(4);
    expect(b("+Inf")).toBe(5);
    expect(sample(text, 'peva_function_duration_seconds_count{function="figlet"}')).toBe(5);
    expect(sample(text, 'peva_function_duration_seconds_sum{function="figlet"}')).toBeCloseTo(30.743);
    expect(sample(text, 'peva_function_duration_seconds_bucket{function="shasum",le="+Inf"}')).toBe(0);
  });

  it("reports replicas, queue, CPU and memory per function", () => {
    expect(sample(text, 'peva_function_replicas{function="figlet"}')).toBe(3);
    expect(sample(text, 'peva_function_available_replicas{function="figlet"}')).toBe(2);
    expect(sample(text, 'peva_function_busy_replicas{function="figlet"}')).toBe(2);
    expect(sample(text, 'peva_function_queue_depth{function="figlet"}')).toBe(7);
    expect(sample(text, 'peva_function_cpu_seconds_total{function="figlet"}')).toBe(12.34);
    expect(sample(text, 'peva_function_resident_memory_bytes{function="figlet"}')).toBe(123_456_789);
    expect(sample(text, "peva_gateway_cpu_seconds_total")).toBe(1.5);
    expect(sample(text, "peva_gateway_resident_memory_bytes")).toBe(1000);
  });

  it("reports the CPU wait (run delay) per function and of the gateway as counters", () => {
    expect(sample(text, 'peva_function_cpu_wait_seconds_total{function="figlet"}')).toBe(2.5);
    expect(sample(text, 'peva_function_cpu_wait_seconds_total{function="shasum"}')).toBe(0);
    expect(sample(text, "peva_gateway_cpu_wait_seconds_total")).toBe(0.25);
    expect(text).toContain("# TYPE peva_function_cpu_wait_seconds_total counter");
    expect(text).toContain("# TYPE peva_gateway_cpu_wait_seconds_total counter");
  });

  it("declares the types Prometheus needs for rate() and histogram_quantile()", () => {
    expect(text).toContain("# TYPE peva_function_invocations_total counter");
    expect(text).toContain("# TYPE peva_function_duration_seconds histogram");
    expect(text).toContain("# TYPE peva_function_cpu_seconds_total counter");
    expect(text).toContain("# TYPE peva_function_replicas gauge");
    expect(text).toContain("# TYPE peva_function_queue_depth gauge");
    expect(text).toContain("# TYPE peva_function_resident_memory_bytes gauge");
  });

  it("reports the node's own usage against its declared size, and how it is made", () => {
    expect(sample(text, "peva_node_cpu_seconds_total")).toBe(42.5);
    expect(sample(text, "peva_node_memory_working_set_bytes")).toBe(300_000_000);
    expect(sample(text, "peva_node_cpu_throttled_seconds_total")).toBe(0.75);
    expect(sample(text, "peva_node_cpu_capacity_cores")).toBe(2);
    expect(sample(text, "peva_node_memory_capacity_bytes")).toBe(2 * 1024 ** 3);
    expect(sample(text, 'peva_node_info{isolation="cgroup-v1",cpuset="1-2"}')).toBe(1);
    expect(text).toContain("# TYPE peva_node_cpu_seconds_total counter");
    expect(text).toContain("# TYPE peva_node_memory_working_set_bytes gauge");
  });

  it("exposes the OpenFaaS gateway aliases with function_name labels", () => {
    expect(sample(text, 'gateway_function_invocation_total{function_name="figlet",code="200"}')).toBe(10);
    expect(sample(text, 'gateway_service_count{function_name="figlet"}')).toBe(3);
    expect(sample(text, 'gateway_service_count{function_name="shasum"}')).toBe(1);
  });

  it("renders an empty gateway", () => {
    const empty = renderMetrics(snapshot([]));
    expect(empty).toContain("# TYPE peva_function_invocations_total counter");
    expect(empty).toContain("peva_gateway_cpu_seconds_total 1.5");
  });

  it("uses the 0.0.4 content type", () => {
    expect(METRICS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

describe("escaping and values", () => {
  it.each([
    ["plain", "plain"],
    ['a"b', 'a\\"b'],
    ["a\\b", "a\\\\b"],
    ["a\nb", "a\\nb"],
  ])("%j → %j", (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });
  it.each([
    [1, "1"],
    [0.25, "0.25"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ])("%d → %s", (v, s) => {
    expect(formatValue(v)).toBe(s);
  });
});
