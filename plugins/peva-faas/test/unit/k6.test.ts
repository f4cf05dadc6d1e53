import { describe, expect, it } from "vitest";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import {
  DEFAULT_LOAD_SETTINGS,
  K6SummaryError,
  PEVA_SUMMARY_SCHEMA,
  SUMMARY_BUILDER_SOURCE,
  assignMetricIds,
  buildK6Argv,
  generateK6Script,
  k6Outcome,
  k6Workspace,
  parseK6Summary,
  sanitizeMetricId,
  sizeVus,
  type ScriptFunction,
} from "../../src/k6/index.ts";

const cfg = (pairs: Record<string, number>): Configuration =>
  makeConfiguration(Object.entries(pairs).map(([name, rate]) => ({ name, rate })));
const fn = (name: string): ScriptFunction => ({ name, method: "POST", body: 'he said "hi"\n', headers: { "Content-Type": "text/plain" } });

/** Pulls `export const options = {...};` out of a script and parses it. */
function scriptOptions(script: string): { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> } {
  const m = /export const options = (\{[\s\S]*?\n\});/.exec(script);
  if (!m) throw new Error("no options");
  return JSON.parse(m[1]!) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> };
}

describe("metric ids", () => {
  it.each([
    ["figlet", "figlet"],
    ["face-detect-pigo", "face_detect_pigo"],
    ["", "fn"],
    ["9lives", "fn_9lives"],
    ["a.b/c", "a_b_c"],
  ])("sanitize(%j) = %s", (name, id) => expect(sanitizeMetricId(name)).toBe(id));

  it("uniqueness: suffixes are tried until free (upstream checked once)", () => {
    const ids = assignMetricIds(["a-b", "a_b", "a.b", "a_b_2"]);
    // sorted: a-b, a.b, a_b, a_b_2
    expect(ids.get("a-b")).toBe("a_b");
    expect(ids.get("a.b")).toBe("a_b_2");
    expect(ids.get("a_b")).toBe("a_b_3");
    expect(ids.get("a_b_2")).toBe("a_b_2_2");
    expect(new Set(ids.values()).size).toBe(4);
  });
});

describe("k6 script generation (reference §6, fixed)", () => {
  const config = cfg({ "fig-let": 100, env: 0, shasum: 5 });
  const script = generateK6Script({
    config,
    functions: [fn("fig-let"), fn("env"), fn("shasum")],
    gatewayUrl: "http://127.0.0.1:31112/",
    duration: "30s",
  });
  const options = scriptOptions(script);

  it("imports and declares per-function metrics and exec functions, rate 0 included", () => {
    expect(script).toContain('import http from "k6/http";');
    expect(script).toContain('import { check, sleep } from "k6";');
    expect(script).toContain('import { Rate, Trend, Counter } from "k6/metrics";');
    for (const id of ["fig_let", "env", "shasum"]) {
      expect(script).toContain(`const success_rate_${id} = new Rate("success_rate_${id}");`);
      expect(script).toContain(`const latency_${id} = new Trend("latency_${id}", true);`);
      expect(script).toContain(`const request_count_${id} = new Counter("request_count_${id}");`);
      expect(script).toContain(`export function exec_${id}() {`);
    }
    expect(script).toContain('url: "http://127.0.0.1:31112/function/fig-let"');
    expect(script).toContain('body: "he said \\"hi\\"\\n"');
    expect(script).toContain('check(res, { "status is 2xx": () => ok });');
  });
  it("one constant-arrival-rate scenario per function with rate > 0", () => {
    expect(Object.keys(options.scenarios).sort()).toEqual(["fig_let", "shasum"]);
    expect(options.scenarios["fig_let"]).toMatchObject({
      executor: "constant-arrival-rate",
      rate: 100,
      timeUnit: "1s",
      duration: "30s",
      exec: "exec_fig_let",
      tags: { function: "fig-let" },
    });
  });
  it("VUs sized from rate × expected latency, maxVUs bigger, both capped (defect 19)", () => {
    const s = options.scenarios["fig_let"]!;
    expect(s["preAllocatedVUs"]).toBe(50); // 100 req/s × 0.25 s × 2
    expect(s["maxVUs"]).toBe(3000); // max(200, 100 × 30 s)
    expect(sizeVus(1, DEFAULT_LOAD_SETTINGS)).toEqual({ preAllocatedVUs: 1, maxVUs: 30 });
    expect(sizeVus(100_000, DEFAULT_LOAD_SETTINGS)).toEqual({ preAllocatedVUs: 1000, maxVUs: 4000 });
    expect(sizeVus(10, { ...DEFAULT_LOAD_SETTINGS, max_vus: 1 })).toEqual({ preAllocatedVUs: 5, maxVUs: 5 });
  });
  it("surfaces dropped iterations and http_req_failed per scenario with always-passing thresholds", () => {
    expect(options.thresholds).toEqual({
      "dropped_iterations{scenario:fig_let}": ["count>=0"],
      "http_req_failed{scenario:fig_let}": ["rate>=0"],
      "dropped_iterations{scenario:shasum}": ["count>=0"],
      "http_req_failed{scenario:shasum}": ["rate>=0"],
    });
  });
  it("idle scenario when every rate is 0", () => {
    const idle = scriptOptions(generateK6Script({ config: cfg({ env: 0 }), functions: [fn("env")], gatewayUrl: "http://g", duration: "5s" }));
    expect(idle.scenarios).toEqual({ idle: { executor: "constant-vus", vus: 1, duration: "5s", exec: "idle_exec" } });
  });
  it("handleSummary writes our summary to the path from PEVA_SUMMARY_PATH", () => {
    expect(script).toContain("export function handleSummary(data) {");
    expect(script).toContain("__ENV.PEVA_SUMMARY_PATH");
    expect(script).toContain(SUMMARY_BUILDER_SOURCE);
  });
  it("fails on a function without a spec", () => {
    expect(() => generateK6Script({ config, functions: [fn("env")], gatewayUrl: "http://g", duration: "1s" })).toThrow(
      /no function spec for 'fig-let'/,
    );
  });
});

type Builder = (data: unknown, meta: unknown) => Record<string, unknown> & { functions: Array<Record<string, unknown>> };
// The same source runs in k6; evaluating it here tests the summary arithmetic without k6.
const buildPevaSummary = new Function(`${SUMMARY_BUILDER_SOURCE}\nreturn buildPevaSummary;`)() as Builder;

describe("handleSummary builder (schema v1)", () => {
  const meta = { config_id: "abc", duration_s: 10, functions: [{ name: "a-b", id: "a_b", rate: 10 }, { name: "z", id: "z", rate: 0 }] };
  const data = {
    state: { testRunDurationMs: 10_050 },
    metrics: {
      success_rate_a_b: { type: "rate", values: { rate: 0.9, passes: 90, fails: 10 } },
      latency_a_b: { type: "trend", values: { avg: 12.5, "p(95)": 30, "p(99)": 40 } },
      request_count_a_b: { type: "counter", values: { count: 100, rate: 9.95 } },
      "dropped_iterations{scenario:a_b}": { type: "counter", values: { count: 20, rate: 2 } },
      "http_req_failed{scenario:a_b}": { type: "rate", values: { rate: 0.1 } },
    },
  };
  it("counts dropped iterations against success and computes the achieved rate", () => {
    const s = buildPevaSummary(data, meta);
    expect(s["schema"]).toBe(PEVA_SUMMARY_SCHEMA);
    expect(s["test_run_duration_ms"]).toBe(10_050);
    expect(s.functions[0]).toEqual({
      name: "a-b",
      metric_id: "a_b",
      rate: 10,
      request_count: 100,
      passes: 90,
      fails: 10,
      dropped_iterations: 20,
      success_rate: 90 / 120,
      success_rate_completed: 0.9,
      avg_latency_ms: 12.5,
      p95_latency_ms: 30,
      p99_latency_ms: 40,
      achieved_rate: 10,
      http_req_failed: 0.1,
    });
    expect(s.functions[1]).toMatchObject({ name: "z", request_count: null, success_rate: null, dropped_iterations: 0 });
  });
  it("round-trips through the parser", () => {
    const config = cfg({ "a-b": 10, z: 0 });
    const s = buildPevaSummary(data, { ...meta, config_id: config.id });
    const [a, z] = parseK6Summary(JSON.parse(JSON.stringify(s)), config, 10);
    expect(a).toMatchObject({ name: "a-b", success_rate: 0.75, dropped_iterations: 20, p99_latency_ms: 40 });
    expect(z).toMatchObject({ name: "z", success_rate: 1, avg_latency_ms: 0, request_count: 0 });
  });
});

describe("summary parsing (reference §7)", () => {
  const config = cfg({ figlet: 10, env: 0 });
  it("legacy --summary-export layout: flat values; drops from the scenario submetric", () => {
    const doc = {
      metrics: {
        success_rate_figlet: { value: 0.5, passes: 5, fails: 5 },
        latency_figlet: { avg: 20, "p(95)": 50 },
        request_count_figlet: { count: 10, rate: 1 },
        "dropped_iterations{scenario:figlet}": { count: 10, rate: 1 },
      },
    };
    const [env, figlet] = parseK6Summary(doc, config, 2);
    expect(env).toMatchObject({ name: "env", rate: 0, success_rate: 1, avg_latency_ms: 0, request_count: 0 });
    expect(figlet).toMatchObject({
      success_rate: 0.25,
      success_rate_completed: 0.5,
      avg_latency_ms: 20,
      p95_latency_ms: 50,
      request_count: 10,
      achieved_rate: 5,
      dropped_iterations: 10,
    });
    expect(Number.isNaN(figlet!.p99_latency_ms)).toBe(true);
  });
  it("nested handleSummary layout: values.rate / values.avg / values.count", () => {
    const doc = {
      metrics: {
        success_rate_figlet: { values: { rate: 1 } },
        latency_figlet: { values: { avg: 3 } },
        request_count_figlet: { values: { count: 20 } },
      },
    };
    expect(parseK6Summary(doc, config, 2)[1]).toMatchObject({ success_rate: 1, avg_latency_ms: 3, request_count: 20, dropped_iterations: 0 });
  });
  it("count falls back to rate", () => {
    const doc = { metrics: { success_rate_figlet: { value: 1 }, latency_figlet: { avg: 1 }, request_count_figlet: { rate: 7 } } };
    expect(parseK6Summary(doc, config, 1)[1]!.request_count).toBe(7);
  });
  it("rate-0 functions need no k6 metrics at all (defect 2)", () => {
    const allZero = cfg({ env: 0, figlet: 0 });
    expect(parseK6Summary({ metrics: {} }, allZero, 30).map((r) => r.success_rate)).toEqual([1, 1]);
  });
  it("errors: missing metrics object, missing metrics listed by function", () => {
    expect(() => parseK6Summary({}, config, 1)).toThrow("Missing 'metrics' in k6 summary.");
    let err: unknown;
    try {
      parseK6Summary({ metrics: { latency_figlet: { avg: 1 } } }, config, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(K6SummaryError);
    expect((err as K6SummaryError).message).toBe("Missing k6 summary metrics: figlet:success_rate, figlet:request_count");
    expect((err as K6SummaryError).missing).toEqual(["figlet:success_rate", "figlet:request_count"]);
  });
  it("v1: rejects another config's summary and unknown schema versions", () => {
    const doc = { schema: PEVA_SUMMARY_SCHEMA, config_id: "other", duration_s: 1, test_run_duration_ms: null, functions: [] };
    expect(() => parseK6Summary(doc, config, 1)).toThrow(/is for config other/);
    expect(() => parseK6Summary({ ...doc, schema: "peva-faas-k6-summary/v9" }, config, 1)).toThrow(/Unsupported k6 summary schema/);
    expect(() => parseK6Summary({ ...doc, config_id: config.id }, config, 1)).toThrow(
      "Missing k6 summary metrics: figlet:success_rate, figlet:latency, figlet:request_count",
    );
  });
});

describe("k6 command line", () => {
  const ws = k6Workspace("/out", "host1", "run-1", "abcdef123456");
  it("workspace layout <output>/k6/<host>/<run_id>/<config_id>/", () => {
    expect(ws).toEqual({
      dir: "/out/k6/host1/run-1/abcdef123456",
      script: "/out/k6/host1/run-1/abcdef123456/script.js",
      summaryExport: "/out/k6/host1/run-1/abcdef123456/summary.json",
      summary: "/out/k6/host1/run-1/abcdef123456/summary.v1.json",
      log: "/out/k6/host1/run-1/abcdef123456/k6.log",
    });
  });
  it("exact argv order; reserved tags forced", () => {
    expect(
      buildK6Argv({ workspace: ws, outputs: [" json=x.json", ""], tags: { team: "a", run_id: "spoof" }, runId: "run-1", repetition: 2 }),
    ).toEqual([
      "run",
      "--summary-export",
      ws.summaryExport,
      "--env",
      `PEVA_SUMMARY_PATH=${ws.summary}`,
      "--address",
      "127.0.0.1:0",
      "--no-usage-report",
      "--out",
      "json=x.json",
      "--tag",
      "team=a",
      "--tag",
      "run_id=run-1",
      "--tag",
      "component=k6",
      "--tag",
      "workload=peva_faas",
      "--tag",
      "repetition=2",
      ws.script,
    ]);
  });
  it.each<[number | null, NodeJS.Signals | null, string]>([
    [0, null, "ok"],
    [99, null, "thresholds_failed"],
    [105, null, "interrupted"],
    [107, null, "script_error"],
    [108, null, "aborted"],
    [1, null, "failed"],
    [null, "SIGKILL", "killed"],
    [null, "SIGINT", "interrupted"],
  ])("exit %s / %s → %s", (code, signal, outcome) => expect(k6Outcome(code, signal)).toBe(outcome));
});
