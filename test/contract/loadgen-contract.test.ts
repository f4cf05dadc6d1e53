/**
 * The load-generator contract: the result rules every `loadgen` plugin must meet (pinned through
 * `loadResultViolations`, which the runner also applies to every real result), the shared definitions (idle stats,
 * dropped, percentiles), and that every in-tree generator the registry finds implements the contract's members.
 * The real generators' own output is checked against the same rules in their integration tests.
 */
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  droppedRequests,
  idleFunctionStats,
  isSuccessStatus,
  latencyStatsOf,
  loadResultViolations,
  missingContractMembers,
  percentileOfSorted,
  PluginRegistry,
  silentLogger,
  type FunctionLoadStats,
  type LoadRequest,
  type LoadRunResult,
} from "../../plugins/core/src/index.ts";
import { EchoLoadgen } from "../fixtures/plugins/contract/conforming.ts";

const request: LoadRequest = {
  targets: [
    { functionName: "figlet", url: "http://127.0.0.1:1/function/figlet", method: "POST", body: "x", headers: {}, rate: 10 },
    { functionName: "env", url: "http://127.0.0.1:1/function/env", method: "GET", body: "", headers: {}, rate: 0 },
  ],
  durationSeconds: 2,
  requestTimeoutSeconds: 1,
  workDir: "/nonexistent",
  env: {},
};

const loaded: FunctionLoadStats = {
  functionName: "figlet",
  targetRate: 10,
  requests: 19,
  statusCodes: { "200": 17, "429": 1, "0": 1 },
  successes: 17,
  failures: { http: 1, timeout: 1, connection: 0 },
  successRate: 17 / 20,
  achievedRate: 9.5,
  dropped: 1,
  latencyAll: { meanNs: 2_000_000, p50Ns: 1_000_000, p90Ns: 3_000_000, p95Ns: 4_000_000, p99Ns: 5_000_000, maxNs: 1_000_000_000 },
  latencySuccess: { meanNs: 1_500_000, p50Ns: 1_000_000, p90Ns: 2_000_000, p95Ns: 3_000_000, p99Ns: 4_000_000, maxNs: 4_000_000 },
  bytesIn: 1700,
  bytesOut: 19,
};

const good: LoadRunResult = {
  generator: { name: "test", version: "v1.0.0", settings: {} },
  outcome: "completed",
  window: { start: 1000, end: 1002.5 },
  functions: [loaded, idleFunctionStats("env")],
  raw: { format: "test/v1", document: {} },
};

const withFigletStats = (patch: Partial<FunctionLoadStats>): LoadRunResult => ({
  ...good,
  functions: [{ ...loaded, ...patch }, idleFunctionStats("env")],
});

describe("load-generator contract: result rules", () => {
  it("a conforming result has no violation", () => {
    expect(loadResultViolations(request, good)).toEqual([]);
  });

  it.each<[string, LoadRunResult, string]>([
    ["window ends before it starts", { ...good, window: { start: 10, end: 9 } }, "window: end 9 is before start 10"],
    ["window far longer than duration + timeout", { ...good, window: { start: 0, end: 100 } }, "window: 100.000 s is longer than the duration plus the request timeout"],
    ["a target is missing", { ...good, functions: [loaded] }, "functions: 1 entries for 2 targets"],
    ["results out of request order", { ...good, functions: [idleFunctionStats("env"), loaded] }, "functions[0].functionName: 'env', expected 'figlet' (request order)"],
    ["status counts do not add up to the requests", withFigletStats({ statusCodes: { "200": 17 } }), "functions[0].statusCodes: sum 17 != requests 19"],
    ["a status key that is no HTTP status", withFigletStats({ statusCodes: { "200": 17, "429": 1, timeout: 1 } }), "functions[0].statusCodes: key 'timeout' is not an HTTP status"],
    ["successes and failures do not add up", withFigletStats({ failures: { http: 1, timeout: 0, connection: 0 } }), "functions[0]: successes 17 + failures 1 != requests 19"],
    ["success rate ignores the dropped requests", withFigletStats({ successRate: 17 / 19 }), `functions[0].successRate: ${17 / 19}, expected ${17 / 20}`],
    ["fractional latency", withFigletStats({ latencyAll: { ...loaded.latencyAll, meanNs: 1.5 } }), "functions[0].latencyAll.meanNs: 1.5 is not whole nanoseconds"],
    ["unordered percentiles", withFigletStats({ latencyAll: { ...loaded.latencyAll, p99Ns: 1 } }), "functions[0].latencyAll: percentiles are not ordered p50 <= p90 <= p95 <= p99 <= max"],
    ["negative dropped", withFigletStats({ dropped: -1 }), "functions[0].dropped: -1 is not a whole number >= 0"],
    [
      "an idle function that sent requests",
      { ...good, functions: [loaded, { ...idleFunctionStats("env"), requests: 1, statusCodes: { "200": 1 }, successes: 1 }] },
      "functions[1]: an idle function (rate 0) sends nothing and has success 1",
    ],
  ])("refuses %s", (_label, result, violation) => {
    expect(loadResultViolations(request, result)).toContain(violation);
  });

  it("latency of an empty set is NaN, not 0", () => {
    const none = withFigletStats({ successes: 0, failures: { http: 18, timeout: 1, connection: 0 }, successRate: 0 });
    expect(loadResultViolations(request, none)).toContain("functions[0].latencySuccess.meanNs: 1500000 for no responses (expected NaN)");
  });
});

describe("load-generator contract: shared definitions", () => {
  it("success is a status 200-399", () => {
    expect([199, 200, 302, 399, 400, 429, 0].map(isSuccessStatus)).toEqual([false, true, true, true, false, false, false]);
  });
  it("dropped = round(rate × seconds) − sent, never negative", () => {
    expect(droppedRequests(50, 10, 480)).toBe(20);
    expect(droppedRequests(50, 10, 501)).toBe(0);
    expect(droppedRequests(3, 0.5, 1)).toBe(1);
  });
  it("nearest-rank percentiles and the truncated mean (vegeta's), hand-computed", () => {
    const stats = latencyStatsOf([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(stats).toEqual({ meanNs: 5, p50Ns: 5, p90Ns: 9, p95Ns: 10, p99Ns: 10, maxNs: 10 });
    expect(percentileOfSorted([], 0.5)).toBeNaN();
    expect(latencyStatsOf([]).meanNs).toBeNaN();
  });
  it("percentiles are ordered and bounded by min and max for any sample (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 500 }), (xs) => {
        const s = latencyStatsOf(xs.slice());
        const min = Math.min(...xs);
        expect(min <= s.p50Ns && s.p50Ns <= s.p90Ns && s.p90Ns <= s.p95Ns && s.p95Ns <= s.p99Ns && s.p99Ns <= s.maxNs).toBe(true);
        expect(s.maxNs).toBe(Math.max(...xs));
        expect(s.meanNs >= min && s.meanNs <= s.maxNs).toBe(true);
      }),
      { seed: 11, numRuns: 200 },
    );
  });
  it("an idle function: nothing sent, success 1, latency 0", () => {
    expect(idleFunctionStats("env")).toMatchObject({ functionName: "env", targetRate: 0, requests: 0, successRate: 1, dropped: 0 });
    expect(idleFunctionStats("env").latencyAll.meanNs).toBe(0);
  });
});

describe("load-generator contract: implementations", () => {
  it("the conforming fixture's result meets every rule", async () => {
    const echo = new EchoLoadgen();
    await echo.probe([]);
    expect(loadResultViolations(request, await echo.start(request).done)).toEqual([]);
  });

  it("every in-tree load generator is discovered, loads, and has the contract's members", async () => {
    const registry = new PluginRegistry({ logger: silentLogger });
    registry.discover({ root: resolve(import.meta.dirname, "../..") });
    const names = registry.list("loadgen").map((i) => i.name);
    expect(names).toEqual(["k6", "vegeta"]);
    for (const name of names) {
      const plugin = await registry.get("loadgen", name);
      expect(missingContractMembers("loadgen", plugin)).toEqual([]);
      expect(plugin.type).toBe("loadgen");
    }
  });
});
