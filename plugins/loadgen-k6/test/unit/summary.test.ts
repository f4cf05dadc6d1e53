import { idleFunctionStats, loadResultViolations, type GeneratorIdentity, type LoadRequest, type LoadTarget } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_K6_SETTINGS,
  functionStatsFromSummary,
  generateK6Script,
  idleSummaryDocument,
  identitySettings,
  K6SummaryError,
  loadResultFromSummary,
  msToNs,
  OTHER_STATUS_KEY,
  parseSummaryV2,
  PEVA_SUMMARY_SCHEMA,
  summaryWindow,
  type FunctionSummaryV2,
  type PevaSummaryV2,
} from "../../src/index.ts";
import { evaluateK6Script, k6DataOf, type FakeResponse } from "../support/eval-k6-script.ts";

const target = (functionName: string, rate: number): LoadTarget => ({
  functionName,
  url: `http://127.0.0.1:1/function/${functionName}`,
  method: "GET",
  body: "",
  headers: {},
  rate,
});
const request = (targets: LoadTarget[], durationSeconds = 10, requestTimeoutSeconds = 2): LoadRequest => ({
  targets,
  durationSeconds,
  requestTimeoutSeconds,
  workDir: "/nonexistent",
  env: {},
});
const generator: GeneratorIdentity = { name: "k6", version: "v1.3.0", settings: identitySettings(DEFAULT_K6_SETTINGS) };

const entry = (over: Partial<FunctionSummaryV2> = {}): FunctionSummaryV2 => ({
  name: "figlet",
  metric_id: "figlet",
  rate: 10,
  requests: 95,
  successes: 90,
  failures: { http: 3, timeout: 1, connection: 1 },
  status_codes: { "200": 88, "302": 1, other: 2, "503": 2, "0": 2 },
  latency_all_ms: { count: 95, avg: 12.3456789, p50: 10.0000004, p90: 20.5, p95: 30.25, p99: 40.125, max: 1999.9999996 },
  latency_success_ms: { count: 90, avg: 11, p50: 9, p90: 18, p95: 25, p99: 35, max: 50 },
  dropped_iterations: 5,
  bytes_in: 1234,
  bytes_out: 567,
  ...over,
});
const summary = (functions: FunctionSummaryV2[], over: Partial<PevaSummaryV2> = {}): PevaSummaryV2 => ({
  schema: PEVA_SUMMARY_SCHEMA,
  duration_s: 10,
  request_timeout_s: 2,
  window: { start_ms: 1_700_000_000_000, end_ms: 1_700_000_010_500 },
  test_run_duration_ms: 10_600,
  metrics_found: true,
  counted_status_codes: [200, 302, 503],
  functions,
  ...over,
});

describe("summary → FunctionLoadStats", () => {
  it("milliseconds become integer nanoseconds", () => {
    expect(msToNs(1)).toBe(1_000_000);
    expect(msToNs(12.3456789)).toBe(12_345_679);
    expect(msToNs(0.0000004)).toBe(0);
    expect(msToNs(1999.9999996)).toBe(2_000_000_000);
  });

  it("maps counts, statuses (other → 999), latencies, dropped by the contract's rule, bytes", () => {
    const f = functionStatsFromSummary(target("figlet", 10), entry(), 10);
    expect(f).toEqual({
      functionName: "figlet",
      targetRate: 10,
      requests: 95,
      statusCodes: { "200": 88, "302": 1, [OTHER_STATUS_KEY]: 2, "503": 2, "0": 2 },
      successes: 90,
      failures: { http: 3, timeout: 1, connection: 1 },
      successRate: 90 / 100,
      achievedRate: 9.5,
      dropped: 5, // round(10 × 10) − 95
      latencyAll: { meanNs: 12_345_679, p50Ns: 10_000_000, p90Ns: 20_500_000, p95Ns: 30_250_000, p99Ns: 40_125_000, maxNs: 2_000_000_000 },
      latencySuccess: { meanNs: 11_000_000, p50Ns: 9_000_000, p90Ns: 18_000_000, p95Ns: 25_000_000, p99Ns: 35_000_000, maxNs: 50_000_000 },
      bytesIn: 1234,
      bytesOut: 567,
    });
    expect(OTHER_STATUS_KEY).toBe("999");
  });

  it("dropped and achieved rate follow the load seconds (a stop), never negative", () => {
    expect(functionStatsFromSummary(target("figlet", 10), entry(), 5)).toMatchObject({ dropped: 0, achievedRate: 19 });
    expect(functionStatsFromSummary(target("figlet", 10), entry(), 0)).toMatchObject({ dropped: 0, achievedRate: 0 });
  });

  it("no successes: success latency NaN (even if k6 kept a stray sample), success rate 0", () => {
    const f = functionStatsFromSummary(
      target("figlet", 10),
      entry({ requests: 4, successes: 0, failures: { http: 0, timeout: 4, connection: 0 }, status_codes: { "0": 4 } }),
      10,
    );
    expect(Number.isNaN(f.latencySuccess.meanNs)).toBe(true);
    expect(Number.isNaN(f.latencySuccess.maxNs)).toBe(true);
    expect(f.successRate).toBe(0);
    expect(f.dropped).toBe(96);
  });

  it("nothing sent at all: both latencies NaN, success rate 0, everything dropped", () => {
    const f = functionStatsFromSummary(
      target("figlet", 10),
      entry({ requests: 0, successes: 0, failures: { http: 0, timeout: 0, connection: 0 }, status_codes: {}, latency_all_ms: null, latency_success_ms: null }),
      10,
    );
    expect(f).toMatchObject({ requests: 0, successRate: 0, dropped: 100, achievedRate: 0 });
    expect(Number.isNaN(f.latencyAll.p99Ns)).toBe(true);
  });

  it("rate-0 targets are never looked up: idleFunctionStats", () => {
    expect(functionStatsFromSummary(target("env", 0), entry({ requests: -1 as number }), 10)).toEqual(idleFunctionStats("env"));
  });

  it("inconsistent entries are errors, not numbers", () => {
    const t = target("figlet", 10);
    expect(() => functionStatsFromSummary(t, entry({ successes: 91 }), 10)).toThrow(/do not add up/);
    expect(() => functionStatsFromSummary(t, entry({ status_codes: { "200": 1 } }), 10)).toThrow(/status counts add up to 1/);
    expect(() => functionStatsFromSummary(t, entry({ latency_all_ms: null }), 10)).toThrow(K6SummaryError);
    expect(() => functionStatsFromSummary(t, entry({ rate: 11 }), 10)).toThrow(/rate 11, expected 10/);
    expect(() => functionStatsFromSummary(t, entry({ status_codes: { "200": 93, abc: 2 } }), 10)).toThrow(/'abc' is not an HTTP status/);
  });
});

describe("summary documents", () => {
  it("validation names unknown schemas and broken fields", () => {
    expect(() => parseSummaryV2({ ...summary([]), schema: "peva-faas-k6-summary/v1" })).toThrow(/unsupported k6 summary schema 'peva-faas-k6-summary\/v1'/);
    expect(() => parseSummaryV2({ ...summary([]), functions: [{ ...entry(), requests: 1.5 }] })).toThrow(/functions\.0\.requests/);
    expect(() => parseSummaryV2(null)).toThrow(K6SummaryError);
  });

  it("window: setup's clock to handleSummary's clock, epoch seconds; fallback end − testRunDurationMs", () => {
    expect(summaryWindow(summary([]))).toEqual({ start: 1_700_000_000, end: 1_700_000_010.5 });
    expect(summaryWindow(summary([], { window: { start_ms: null, end_ms: 1_700_000_010_500 } }))).toEqual({
      start: 1_699_999_999.9,
      end: 1_700_000_010.5,
    });
    expect(() => summaryWindow(summary([], { window: { start_ms: null, end_ms: 1 }, test_run_duration_ms: null }))).toThrow(K6SummaryError);
  });
});

describe("summary → LoadRunResult passes the contract checks", () => {
  it("completed run: request order, idle targets, raw document", () => {
    const req = request([target("env", 0), target("figlet", 10)]);
    const result = loadResultFromSummary({ request: req, document: summary([entry()]), generator, outcome: "completed" });
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.functions.map((f) => f.functionName)).toEqual(["env", "figlet"]);
    expect(result.functions[0]).toEqual(idleFunctionStats("env"));
    expect(result.raw.format).toBe("k6-summary/v2");
    expect(result.raw.document).toMatchObject({ schema: PEVA_SUMMARY_SCHEMA });
    expect(result.window).toEqual({ start: 1_700_000_000, end: 1_700_000_010.5 });
  });

  it("stopped run: load seconds run to the stop", () => {
    const req = request([target("figlet", 10)]);
    const result = loadResultFromSummary({
      request: req,
      document: summary([entry({ requests: 40, successes: 40, failures: { http: 0, timeout: 0, connection: 0 }, status_codes: { "200": 40 } })], {
        window: { start_ms: 1_700_000_000_000, end_ms: 1_700_000_004_200 },
      }),
      generator,
      outcome: "stopped",
      stoppedAtMs: 1_700_000_004_000,
    });
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.outcome).toBe("stopped");
    expect(result.functions[0]).toMatchObject({ dropped: 0, achievedRate: 10, successRate: 1 });
  });

  it("a summary missing a loaded function is an error", () => {
    expect(() => loadResultFromSummary({ request: request([target("other", 1)]), document: summary([entry()]), generator, outcome: "completed" })).toThrow(
      /no entry for 'other'/,
    );
  });

  it("end to end in Node: generated script → stand-in responses → handleSummary → result", () => {
    const req = request([target("ok-fn", 5), target("idle", 0), target("mixed/fn", 3)], 2, 1);
    const gen = generateK6Script({ ...req, settings: DEFAULT_K6_SETTINGS });
    const codes = [200, 200, 429, 0, 500, 201, 404, 302, 0, 299];
    let i = 0;
    const ev = evaluateK6Script(gen.text, {
      env: { PEVA_SUMMARY_PATH: "s.json" },
      respond: (): FakeResponse => {
        const status = codes[i++ % codes.length]!;
        return { status, error_code: status === 0 ? (i % 2 ? 1050 : 1212) : undefined, timings: { duration: 0.5 + i, connecting: 0, tls_handshaking: 0 } } as FakeResponse;
      },
    });
    const setup = (ev.exports["setup"] as () => { start_ms: number })();
    for (let n = 0; n < 10; n++) (ev.exports["exec_ok_fn"] as () => void)();
    for (let n = 0; n < 6; n++) (ev.exports["exec_mixed_fn"] as () => void)();
    const data = k6DataOf(ev.metrics, { "dropped_iterations{scenario:mixed_fn}": 0, "data_received{scenario:ok_fn}": 900 }, setup, 2000);
    const files = (ev.exports["handleSummary"] as (d: unknown) => Record<string, string>)(data);
    const result = loadResultFromSummary({ request: req, document: JSON.parse(files["s.json"]!), generator, outcome: "completed" });
    expect(loadResultViolations(req, result)).toEqual([]);
    const [okFn, idle, mixed] = result.functions;
    expect(okFn).toMatchObject({ requests: 10, successes: 5, failures: { http: 3, timeout: 1, connection: 1 }, dropped: 0, bytesIn: 900, bytesOut: 0 });
    expect(okFn!.statusCodes).toEqual({ "200": 2, "201": 1, "302": 1, "404": 1, "429": 1, "500": 1, "0": 2, [OTHER_STATUS_KEY]: 1 });
    expect(idle).toEqual(idleFunctionStats("idle"));
    expect(mixed).toMatchObject({ requests: 6, dropped: 0 });
  });
});

describe("the raw document of an all-idle window", () => {
  it("validates as v2 and lists every target", () => {
    const req = request([target("a", 0), target("b", 0)]);
    const doc = idleSummaryDocument(req, 1000, 3000);
    expect(parseSummaryV2(JSON.parse(JSON.stringify(doc))).functions.map((f) => f.name)).toEqual(["a", "b"]);
  });
});
