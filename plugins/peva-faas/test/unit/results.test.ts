import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeConfiguration } from "../../src/model.ts";
import { idleFunctionStats, type FunctionLoadStats } from "@peva-lab/core";
import { nodeOverload, DEFAULT_OVERLOAD_THRESHOLDS } from "../../src/overload/rules.ts";
import type { NodeMetrics } from "../../src/prometheus/collect.ts";
import {
  CsvAppender,
  IndexCsvWriter,
  RESULTS_LONG_HEADER,
  buildIndexRow,
  buildLongRows,
  buildMetricsRow,
  buildResultRow,
  formatLatency,
  buildSkippedRow,
  csvLine,
  formatFloat3,
  metricsFileName,
  metricsHeader,
  openResultsCsv,
  outputLayout,
  parseArtifactName,
  parseCsvLine,
  pythonStrList,
  resultsHeader,
  runOutputDir,
  skippedHeader,
  summaryFileName,
  type IterationOutcome,
} from "../../src/results/index.ts";

// Verbatim from reference §10.2 (the DFaaS legacy sampler header).
const REFERENCE_FUNCTION_COLUMNS = `function_<n>, rate_function_<n>, success_rate_function_<n>, cpu_usage_function_<n>, ram_usage_function_<n>,
power_usage_function_<n>, replica_<n>, overloaded_function_<n>, medium_latency_function_<n>`;
const REFERENCE_NODE_COLUMNS = `cpu_usage_idle_node, cpu_usage_node, ram_usage_idle_node, ram_usage_node, ram_usage_idle_node_percentage,
ram_usage_node_percentage, power_usage_idle_node, power_usage_node, rest_seconds, overloaded_node`;
const split = (s: string): string[] => s.split(/,\s*/).map((x) => x.trim());
// Verbatim from reference §10.4, plus our `iteration` column.
const REFERENCE_LONG = "repetition, config_id, function, rate, metric, value, unit";

describe("results.csv header (reference §10.2)", () => {
  it("matches the reference text exactly, per function sorted by name, then node columns", () => {
    const expected = [
      ...split(REFERENCE_FUNCTION_COLUMNS).map((c) => c.replace("<n>", "env")),
      ...split(REFERENCE_FUNCTION_COLUMNS).map((c) => c.replace("<n>", "figlet")),
      ...split(REFERENCE_NODE_COLUMNS),
    ];
    expect(resultsHeader(["figlet", "env"])).toEqual(expected);
    expect(expected).toHaveLength(28);
  });
  it("results_long has the reference columns plus iteration (defect 20)", () => {
    expect([...RESULTS_LONG_HEADER].filter((c) => c !== "iteration")).toEqual(split(REFERENCE_LONG));
    expect(RESULTS_LONG_HEADER).toContain("iteration");
  });
  it("skipped.csv: function/rate per function, then reason", () => {
    expect(skippedHeader(["b", "a"])).toEqual(["function_a", "rate_function_a", "function_b", "rate_function_b", "reason"]);
  });
});

const load = (functionName: string, targetRate: number, extra: Partial<FunctionLoadStats> = {}): FunctionLoadStats => ({
  functionName,
  targetRate,
  requests: 298,
  statusCodes: { "200": 296, "429": 2 },
  successes: 296,
  failures: { http: 2, timeout: 0, connection: 0 },
  successRate: 296 / 300,
  achievedRate: 9.933,
  dropped: 2,
  // 12.3456789 ms mean: 12 ms truncated, 12345679 ns rounded.
  latencyAll: { meanNs: 12_345_679, p50Ns: 11_000_000, p90Ns: 25_000_000, p95Ns: 30_000_000, p99Ns: 45_500_000, maxNs: 60_000_000 },
  latencySuccess: { meanNs: 12_500_000, p50Ns: 11_100_000, p90Ns: 25_100_000, p95Ns: 30_100_000, p99Ns: 45_600_000, maxNs: 60_000_000 },
  bytesIn: 5960,
  bytesOut: 1490,
  ...extra,
});
const nodeM = (cpu: number, cpuPct: number): NodeMetrics => ({
  cpu_usage_node: cpu,
  cpu_usage_node_pct: cpuPct,
  ram_usage_node: 2_000_000_000,
  ram_usage_node_pct: 40.12345,
  power_usage_node: Number.NaN,
});

function outcome(): IterationOutcome {
  const config = makeConfiguration([{ name: "figlet", rate: 10 }, { name: "env", rate: 0 }]);
  const loads = [idleFunctionStats("env"), load("figlet", 10)];
  const replicas = new Map([["env", 1], ["figlet", 3]]);
  return {
    config,
    loads,
    functionMetrics: new Map([["figlet", { cpu: 12.5, ram: 1024, power: Number.NaN, extra: {} }]]),
    replicas,
    node: nodeM(150, 75),
    idle: nodeM(2, 1),
    restSeconds: 5,
    verdict: nodeOverload(
      {
        cpu_usage_node_pct: 75,
        ram_usage_node_pct: 40,
        functions: loads.map((l) => ({ name: l.functionName, rate: l.targetRate, success_rate: l.successRate, replicas: replicas.get(l.functionName)! })),
      },
      DEFAULT_OVERLOAD_THRESHOLDS,
    ),
  };
}

describe("row builders", () => {
  it("results row: %.3f floats, nan, int replicas, 0/1 flags, latency in integer ns (DFaaS), empty for absent functions", () => {
    const all = ["env", "figlet", "shasum"];
    const row = buildResultRow(all, outcome(), "ns");
    const byCol = Object.fromEntries(resultsHeader(all).map((c, i) => [c, row[i]]));
    expect(byCol).toMatchObject({
      function_env: "env",
      rate_function_env: "0",
      success_rate_function_env: "1.000",
      cpu_usage_function_env: "nan",
      medium_latency_function_env: "0",
      function_figlet: "figlet",
      rate_function_figlet: "10",
      success_rate_function_figlet: "0.987",
      cpu_usage_function_figlet: "12.500",
      ram_usage_function_figlet: "1024.000",
      power_usage_function_figlet: "nan",
      replica_figlet: "3",
      overloaded_function_figlet: "0",
      medium_latency_function_figlet: "12345679",
      function_shasum: "",
      rate_function_shasum: "",
      medium_latency_function_shasum: "",
      cpu_usage_idle_node: "2.000",
      cpu_usage_node: "150.000",
      ram_usage_node_percentage: "40.123",
      power_usage_node: "nan",
      rest_seconds: "5",
      overloaded_node: "0",
    });
  });
  it("results row with latency_unit ms: integer milliseconds, truncated as linux-benchmark-lib writes them", () => {
    const all = ["env", "figlet"];
    const byCol = Object.fromEntries(resultsHeader(all).map((c, i) => [c, buildResultRow(all, outcome(), "ms")[i]]));
    expect(byCol["medium_latency_function_figlet"]).toBe("12");
    expect(byCol["medium_latency_function_env"]).toBe("0");
    expect(formatLatency(Number.NaN, "ns")).toBe("nan");
    expect(formatLatency(1_999_999, "ms")).toBe("1");
  });
  it("skipped and index rows", () => {
    const pairs = makeConfiguration([{ name: "figlet", rate: 10 }, { name: "env", rate: 20 }]).pairs;
    expect(buildSkippedRow(["env", "figlet", "x"], pairs, "dominated_by_overload")).toEqual(["env", "20", "figlet", "10", "", "", "dominated_by_overload"]);
    expect(buildIndexRow(pairs)).toEqual(["['env', 'figlet']", "[20, 10]", "results.csv"]);
    expect(csvLine(buildIndexRow(pairs), ";")).toBe("['env', 'figlet'];[20, 10];results.csv");
    expect(pythonStrList(["it's"])).toBe(`["it's"]`);
  });
  it("long rows: per active function the metrics, then node rows; iteration column; config_id recomputed", () => {
    const o = outcome();
    const rows = buildLongRows(o, 2, 3);
    const fnRows = rows.filter((r) => r[3] !== "");
    const nodeRows = rows.filter((r) => r[3] === "");
    // 28 metrics per function, plus one row per status seen (figlet: 200 and 429; env: none).
    expect(fnRows).toHaveLength(2 * 28 + 2);
    expect(nodeRows).toHaveLength(17);
    expect(rows.every((r) => r.length === RESULTS_LONG_HEADER.length && r[0] === "2" && r[1] === "3" && r[2] === o.config.id)).toBe(true);
    const figlet = Object.fromEntries(fnRows.filter((r) => r[3] === "figlet").map((r) => [r[5], [r[6], r[7]]]));
    expect(figlet).toMatchObject({
      success_rate: ["0.987", "ratio"],
      cpu_usage: ["12.500", "%"],
      ram_usage: ["1024.000", "B"],
      power_usage: ["nan", "uW"],
      replicas: ["3", "count"],
      overloaded: ["0", "flag"],
      medium_latency: ["12345679", "ns"],
      latency_p95: ["30000000", "ns"],
      latency_p99: ["45500000", "ns"],
      success_latency_mean: ["12500000", "ns"],
      requests: ["298", "count"],
      failures_http: ["2", "count"],
      dropped: ["2", "count"],
      achieved_rate: ["9.933", "req/s"],
      bytes_in: ["5960", "B"],
      responses_status_200: ["296", "count"],
      responses_status_429: ["2", "count"],
    });
    // Every row names its unit.
    expect(rows.every((r) => r[7] !== "")).toBe(true);
    const node = Object.fromEntries(nodeRows.map((r) => [r[5], [r[6], r[7]]]));
    expect(node["cpu_usage_node"]).toEqual(["150.000", "%"]);
    expect(node["cpu_usage_node_pct_of_capacity"]).toEqual(["75.000", "%cap"]);
    expect(node["rest_seconds"]).toEqual(["5", "s"]);
    expect(node["overloaded_node"]).toEqual(["0", "flag"]);
    // Contention figures unknown (no run delay on this platform): nan, with their units.
    expect(node["platform_cpu_wait"]).toEqual(["nan", "cores"]);
    expect(node["cpu_starvation"]).toEqual(["nan", "ratio"]);
    // How much of the window ran: unknown here; an outcome without an early abort is not aborted.
    expect(node["load_seconds"]).toEqual(["nan", "s"]);
    expect(node["aborted_early"]).toEqual(["0", "flag"]);
  });
  it("long rows say how long an aborted iteration's load ran", () => {
    const rows = buildLongRows({ ...outcome(), loadSeconds: 2.5, abortedEarly: true }, 1, 1);
    const node = Object.fromEntries(rows.filter((r) => r[3] === "").map((r) => [r[5], [r[6], r[7]]]));
    expect(node["load_seconds"]).toEqual(["2.500", "s"]);
    expect(node["aborted_early"]).toEqual(["1", "flag"]);
  });
  it("long rows carry the CPU contention figures of the iteration", () => {
    const rows = buildLongRows({ ...outcome(), contention: { waitCores: 0.25, runCores: 1.5, starvation: 0.142857 } }, 1, 1);
    const node = Object.fromEntries(rows.filter((r) => r[3] === "").map((r) => [r[5], [r[6], r[7]]]));
    expect(node["platform_cpu_wait"]).toEqual(["0.250", "cores"]);
    expect(node["platform_cpu_run"]).toEqual(["1.500", "cores"]);
    expect(node["cpu_starvation"]).toEqual(["0.143", "ratio"]);
  });
  it("metrics rows: raw floats, upstream column order, normalised CPU last", () => {
    expect(metricsHeader(["figlet"])).toEqual([
      "cpu_usage_node",
      "ram_usage_node",
      "ram_usage_node_pct",
      "power_usage_node",
      "cpu_usage_function_figlet",
      "ram_usage_function_figlet",
      "power_usage_function_figlet",
      "cpu_usage_node_pct",
    ]);
    const o = outcome();
    expect(buildMetricsRow(o.node, o.functionMetrics, ["figlet"])).toEqual(["150.0", "2000000000.0", "40.12345", "nan", "12.5", "1024.0", "nan", "75.0"]);
  });
  it("formats like Python %.3f", () => {
    expect([formatFloat3(Number.NaN), formatFloat3(Infinity), formatFloat3(1.0005), formatFloat3(2)]).toEqual(["nan", "inf", "1.000", "2.000"]);
  });
});

describe("writers (append + fsync per row)", () => {
  const dir = mkdtempSync(join(tmpdir(), "peva-results-"));
  it("writes the header once and appends rows across re-opens", () => {
    const path = join(dir, "r", "results.csv");
    const w = openResultsCsv(path, ["figlet", "env"]);
    w.append(buildResultRow(["figlet", "env"], outcome(), "ns"));
    w.close();
    const w2 = openResultsCsv(path, ["env", "figlet"]);
    w2.append(buildResultRow(["env", "figlet"], outcome(), "ns"));
    w2.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(resultsHeader(["env", "figlet"]).join(","));
  });
  it("refuses an existing file with another header and rows of the wrong width", () => {
    const path = join(dir, "x.csv");
    writeFileSync(path, "a,b\n1,2\n");
    expect(() => new CsvAppender(path, ["a", "c"])).toThrow(/existing header does not match/);
    const w = new CsvAppender(path, ["a", "b"]);
    expect(() => w.append(["1"])).toThrow(/row has 1 fields, header has 2/);
    w.appendAll([["3", "4"], ['5,"x"', "6"]]);
    w.close();
    expect(readFileSync(path, "utf8")).toBe('a,b\n1,2\n3,4\n"5,""x""",6\n');
    expect(parseCsvLine('"5,""x""",6')).toEqual(['5,"x"', "6"]);
  });
  it("index.csv is ;-delimited and deduplicated, also across re-opens", () => {
    const path = join(dir, "index.csv");
    const pairs = makeConfiguration([{ name: "figlet", rate: 10 }]).pairs;
    const w = new IndexCsvWriter(path);
    expect(w.append(buildIndexRow(pairs))).toBe(true);
    expect(w.append(buildIndexRow(pairs))).toBe(false);
    w.close();
    const w2 = new IndexCsvWriter(path);
    expect(w2.has(buildIndexRow(pairs))).toBe(true);
    expect(w2.append(buildIndexRow(pairs))).toBe(false);
    w2.close();
    expect(readFileSync(path, "utf8")).toBe("functions;rates;results_file\n['figlet'];[10];results.csv\n");
  });
});

describe("file naming (reference §10.3)", () => {
  it("names and parses artifacts", () => {
    expect(summaryFileName("63a789418109", 1, 2)).toBe("summary-63a789418109-iter1-rep2.json");
    expect(metricsFileName("63a789418109", 3, 1)).toBe("metrics-63a789418109-iter3-rep1.csv");
    expect(parseArtifactName("metrics-63a789418109-iter3-rep1.csv")).toEqual({ kind: "metrics", configId: "63a789418109", iteration: 3, repetition: 1 });
    expect(parseArtifactName("metrics-63a789418109-iter3-rep1.json")).toBeUndefined();
    expect(runOutputDir("/o", "run1", "host")).toBe("/o/run1/host/peva_faas");
    expect(outputLayout("/d")).toMatchObject({ results: "/d/results.csv", index: "/d/index.csv", resultsLong: "/d/results_long.csv", runMetadata: "/d/run.json" });
  });
});
