import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PrometheusClient,
  PrometheusQueryError,
  QueryFileError,
  activeQueries,
  collectIterationMetrics,
  collectNodeSnapshot,
  escapePromqlString,
  instantSum,
  isFunctionQuery,
  loadQueriesFile,
  meanOfFinite,
  packagedQueriesPath,
  parseQueriesDocument,
  planWindow,
  promDuration,
  rangeSumsPerTimestamp,
  renderQuery,
  type PrometheusQuerier,
  type QuerySet,
} from "../../src/prometheus/index.ts";

describe("query files", () => {
  it.each(["openfaas", "local"] as const)("packaged %s.yml loads with and without Scaphandre", (preset) => {
    const set = loadQueriesFile(packagedQueriesPath(preset), { scaphandre: true });
    // Only the local gateway exports a run delay (noisy-neighbour detection); cAdvisor has none.
    const contention = preset === "local" ? ["platform_cpu_run", "platform_cpu_wait"] : [];
    // The embedded platform's node is its own cgroup; the whole machine is kept as context.
    const machine = preset === "local" ? ["cpu_usage_machine", "cpu_usage_machine_pct", "ram_usage_machine"] : [];
    expect([...set.keys()].sort()).toEqual(
      [
        "cpu_usage_function",
        ...machine.slice(0, 2),
        "cpu_usage_node",
        "cpu_usage_node_pct",
        ...contention,
        "power_usage_function",
        "power_usage_node",
        "ram_usage_function",
        ...machine.slice(2),
        "ram_usage_node",
        "ram_usage_node_pct",
      ],
    );
    expect(activeQueries(set, false).map((q) => q.name)).not.toContain("power_usage_node");
    expect(set.get("cpu_usage_node_pct")!.query).toContain(
      preset === "local" ? "rate(peva_node_cpu_seconds_total[{time_span}])) / sum(peva_node_cpu_capacity_cores)" : "avg(rate(node_cpu_seconds_total",
    );
  });
  it("local.yml uses the local platform's per-function metrics", () => {
    const text = readFileSync(packagedQueriesPath("local"), "utf8");
    expect(text).toContain('peva_function_cpu_seconds_total{function="{function_name}"}');
    expect(text).toContain('peva_function_resident_memory_bytes{function="{function_name}"}');
  });
  it("openfaas.yml reads per-function series from the kubelet cAdvisor labels (defect 3)", () => {
    const set = loadQueriesFile(packagedQueriesPath("openfaas"));
    expect(set.get("cpu_usage_function")!.query).toContain('namespace="openfaas-fn", container="{function_name}"');
    expect(set.get("ram_usage_function")!.query).toMatch(/^sum\(/);
  });
  it("reports missing required queries with the reference message", () => {
    const doc = "queries:\n  - name: cpu_usage_node\n    query: up\n";
    expect(() => parseQueriesDocument(doc, "q.yml")).toThrow(
      "Missing required Prometheus queries in q.yml: cpu_usage_node_pct, ram_usage_node, ram_usage_node_pct, cpu_usage_function, ram_usage_function",
    );
    const full = readFileSync(packagedQueriesPath("local"), "utf8").replace(/ {2}- name: power_usage_function[\s\S]*$/, "");
    expect(() => parseQueriesDocument(full, "x.yml", { scaphandre: true })).toThrow(
      "Missing required Prometheus queries in x.yml: power_usage_function",
    );
  });
  it("rejects unknown keys, duplicates and bad YAML", () => {
    expect(() => parseQueriesDocument("queries:\n  - {name: a, query: up, rnage: true}\n", "f")).toThrow(/queries\.0\.rnage: unknown key/);
    expect(() => parseQueriesDocument("queries:\n  - {name: a, query: up}\n  - {name: a, query: up}\n", "f")).toThrow(/duplicate query 'a'/);
    expect(() => parseQueriesDocument("queries: [", "f")).toThrow(QueryFileError);
  });
  it("renders placeholders, escaping function names; unfilled placeholders fail", () => {
    expect(renderQuery('x{f="{function_name}"}[{time_span}]', { time_span: "30s", function_name: 'a"b' })).toBe('x{f="a\\"b"}[30s]');
    expect(renderQuery('p{pid=~"{pid_regex}"}', { time_span: "1s", pid_regex: "12|34" })).toBe('p{pid=~"12|34"}');
    expect(() => renderQuery('x{f="{function_name}"}', { time_span: "1s" })).toThrow(/unfilled placeholder\(s\) \{function_name\}/);
    expect(escapePromqlString("a\\b")).toBe("a\\\\b");
    expect(isFunctionQuery({ name: "x", query: "{pid_regex}", range: true, step: "10s" })).toBe(true);
  });
});

describe("value extraction: multi-series summed per timestamp (defect 10)", () => {
  it("instant: sums series, ignores NaN, NaN when nothing finite", () => {
    expect(instantSum({ data: { resultType: "vector", result: [{ value: [1, "1.5"] }, { value: [1, "2"] }, { value: [1, "NaN"] }] } })).toBe(3.5);
    expect(instantSum({ data: { resultType: "vector", result: [{ value: [1, "NaN"] }] } })).toBeNaN();
    expect(instantSum({ data: { resultType: "scalar", result: [5, "42"] as never } })).toBe(42);
  });
  it("range: per-timestamp sums then the mean", () => {
    const payload = {
      data: {
        resultType: "matrix",
        result: [
          { values: [[10, "1"], [20, "2"], [30, "3"]] as Array<[number, string]> },
          { values: [[20, "10"], [30, "NaN"]] as Array<[number, string]> },
        ],
      },
    };
    const sums = rangeSumsPerTimestamp(payload);
    expect(sums).toEqual([[10, 1], [20, 12], [30, 3]]);
    expect(meanOfFinite(sums)).toBeCloseTo(16 / 3);
    expect(meanOfFinite([[1, Number.NaN]])).toBeNaN();
  });
});

describe("run window (defect 14: no pre-run data)", () => {
  it("at_end: one instant query at end over exactly end - start", () => {
    expect(planWindow(100, 145.5, "at_end", 10)).toEqual({ kind: "instant", time: 145.5, timeSpan: "45500ms" });
    expect(promDuration(0.0001)).toBe("1ms");
  });
  it("range: points end at `end`, each looks back one step", () => {
    expect(planWindow(100, 135, "range", 10)).toEqual({ kind: "range", start: 115, end: 135, stepSeconds: 10, timeSpan: "10s" });
    expect(planWindow(100, 105, "range", 10).kind).toBe("instant");
    expect(() => planWindow(5, 5, "at_end", 10)).toThrow(/invalid window/);
  });
  it("property: every evaluated look-back lies inside (start, end]", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e9, max: 2e9, noNaN: true }),
        fc.double({ min: 0.01, max: 600, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom("at_end" as const, "range" as const),
        (start, len, step, mode) => {
          const end = start + len;
          const plan = planWindow(start, end, mode, step);
          if (plan.kind === "instant") {
            const lookback = Number(plan.timeSpan.replace("ms", "")) / 1000;
            expect(plan.time).toBe(end);
            expect(plan.time - lookback).toBeGreaterThanOrEqual(start - 1e-6);
          } else {
            expect(plan.end).toBe(end);
            expect(plan.start - plan.stepSeconds).toBeGreaterThanOrEqual(start - 1e-6);
          }
        },
      ),
    );
  });
});

/** A fake fetch that replays responses and records URLs. */
function fakeFetch(responses: Array<{ status?: number; body: unknown } | Error>): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  let i = 0;
  const f = (async (url: string | URL | Request) => {
    urls.push(String(url));
    const r = responses[Math.min(i++, responses.length - 1)]!;
    if (r instanceof Error) throw r;
    return new Response(typeof r.body === "string" ? r.body : JSON.stringify(r.body), { status: r.status ?? 200 });
  }) as typeof fetch;
  return { fetch: f, urls };
}
const empty = { body: { status: "success", data: { resultType: "vector", result: [] } } };
const one = (v: string) => ({ body: { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, v] }] } } });

describe("PrometheusClient (fake transport)", () => {
  it("http/https only, with the reference message", () => {
    expect(() => new PrometheusClient("ftp://x")).toThrow("Unsupported URL scheme for Prometheus: ftp");
  });
  it("retries an empty result a bounded number of times, then names query and URL", async () => {
    const sleeps: number[] = [];
    const { fetch, urls } = fakeFetch([empty]);
    const c = new PrometheusClient("http://prom:9090/", { fetch, emptyResultAttempts: 3, emptyResultIntervalMs: 250, sleep: async (ms) => void sleeps.push(ms) });
    await expect(c.instant("nothing_here")).rejects.toThrow(
      "Prometheus query returned no data after 3 attempt(s) (query: nothing_here; url: http://prom:9090/api/v1/query)",
    );
    expect(urls).toHaveLength(3);
    expect(sleeps).toEqual([250, 250]);
  });
  it("returns as soon as data arrives", async () => {
    const { fetch, urls } = fakeFetch([empty, one("7")]);
    const c = new PrometheusClient("http://prom:9090", { fetch, sleep: async () => {} });
    expect(await c.instant("up", 1234.5)).toEqual({ value: 7, series: 1 });
    expect(urls[1]).toBe("http://prom:9090/api/v1/query?query=up&time=1234.5");
  });
  it("does not retry transport or HTTP errors, and names them", async () => {
    const down = fakeFetch([Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } })]);
    const c1 = new PrometheusClient("http://127.0.0.1:1", { fetch: down.fetch, sleep: async () => {} });
    await expect(c1.instant("up")).rejects.toThrow("Prometheus request failed: ECONNREFUSED (query: up; url: http://127.0.0.1:1/api/v1/query)");
    expect(down.urls).toHaveLength(1);
    const bad = fakeFetch([{ status: 400, body: { status: "error", errorType: "bad_data", error: "parse error" } }]);
    const c2 = new PrometheusClient("http://p", { fetch: bad.fetch });
    const err = await c2.range("rate(", 1, 2, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusQueryError);
    expect((err as PrometheusQueryError).message).toBe("Prometheus returned HTTP 400: bad_data: parse error (query: rate(; url: http://p/api/v1/query_range)");
    const html = fakeFetch([{ status: 502, body: "<html>" }]);
    await expect(new PrometheusClient("http://p", { fetch: html.fetch }).instant("up")).rejects.toThrow(/HTTP 502 with a non-JSON body/);
  });
  it("range: sums per timestamp and averages", async () => {
    const { fetch, urls } = fakeFetch([
      { body: { status: "success", data: { resultType: "matrix", result: [{ values: [[1, "1"], [2, "3"]] }, { values: [[1, "1"], [2, "1"]] }] } } },
    ]);
    const r = await new PrometheusClient("http://p", { fetch }).range("x", 1, 2, 1);
    expect(r).toEqual({ points: [[1, 2], [2, 4]], mean: 3, series: 2 });
    expect(urls[0]).toBe("http://p/api/v1/query_range?query=x&start=1&end=2&step=1");
  });
});

describe("metric collection", () => {
  const set: QuerySet = loadQueriesFile(packagedQueriesPath("local"));
  function fake(values: (q: string) => number | Error): PrometheusQuerier & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      instant: async (q) => {
        calls.push(q);
        const v = values(q);
        if (v instanceof Error) throw v;
        return { value: v, series: 1 };
      },
      range: async (q) => {
        calls.push(`range:${q}`);
        const v = values(q);
        if (v instanceof Error) throw v;
        return { points: [], mean: v, series: 1 };
      },
    };
  }
  it("raw and normalised node CPU; function failures give NaN and an error entry", async () => {
    const client = fake((q) => {
      if (q.includes('function="bad"')) return new Error("no data");
      if (q.includes("/ sum(peva_node_cpu_capacity_cores)")) return 75;
      if (q.startsWith("100 * sum(rate(peva_node_cpu")) return 150;
      return 1;
    });
    const m = await collectIterationMetrics(client, set, { start: 100, end: 130 }, ["good", "bad"], { mode: "at_end", stepSeconds: 10 }, { scaphandre: false });
    expect(m.node).toEqual({ cpu_usage_node: 150, cpu_usage_node_pct: 75, ram_usage_node: 1, ram_usage_node_pct: 1, power_usage_node: Number.NaN });
    expect(m.functions.get("good")).toEqual({ cpu: 1, ram: 1, power: Number.NaN, extra: {} });
    expect(m.functions.get("bad")!.cpu).toBeNaN();
    expect(m.errors).toHaveLength(2);
    expect(client.calls.every((c) => c.includes("[30000ms]"))).toBe(true);
    expect(client.calls.some((c) => c.includes("scaph"))).toBe(false);
  });
  it("range mode issues range queries with a one-step look-back", async () => {
    const client = fake(() => 1);
    await collectIterationMetrics(client, set, { start: 100, end: 130 }, ["f"], { mode: "range", stepSeconds: 10 }, { scaphandre: false });
    expect(client.calls.every((c) => c.startsWith("range:") && c.includes("[10s]"))).toBe(true);
  });
  it("per-function power needs Scaphandre and a PID regex", async () => {
    const client = fake(() => 2);
    const m = await collectIterationMetrics(client, set, { start: 0, end: 10 }, ["f", "g"], { mode: "at_end", stepSeconds: 10 }, { scaphandre: true, pidRegexes: { f: "1|2" } });
    expect(m.functions.get("f")!.power).toBe(2);
    expect(m.functions.get("g")!.power).toBeNaN();
    expect(m.node.power_usage_node).toBe(2);
  });
  it("a failed node query fails the collection", async () => {
    const client = fake((q) => (q.includes("peva_node_memory_working_set_bytes") ? new Error("down") : 1));
    await expect(collectNodeSnapshot(client, set, "30s", { scaphandre: false })).rejects.toThrow("down");
  });
});
