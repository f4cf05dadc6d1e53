import { describe, expect, it } from "vitest";
import {
  COUNTED_STATUS_CODES,
  PEVA_SUMMARY_SCHEMA,
  SUMMARY_BUILDER_SOURCE,
  k6MetricNames,
  parseSummaryV2,
} from "../../src/index.ts";
import { k6DataOf, type RecordedMetric } from "../support/eval-k6-script.ts";

type Summary = Record<string, unknown> & { window: Record<string, unknown>; functions: Array<Record<string, unknown>> };
type Builder = (data: unknown, meta: unknown, endMs: number) => Summary;
// The same source runs inside k6; evaluating it here tests the summary arithmetic without k6.
const buildPevaSummary = new Function(`${SUMMARY_BUILDER_SOURCE}\nreturn buildPevaSummary;`)() as Builder;

const meta = {
  duration_s: 10,
  request_timeout_s: 2,
  counted_status_codes: COUNTED_STATUS_CODES,
  functions: [
    { name: "a-b", id: "a_b", rate: 10 },
    { name: "z", id: "z", rate: 0 },
  ],
};
const n = k6MetricNames("a_b");
const counter = (count: number): Record<string, unknown> => ({ type: "counter", contains: "default", values: { count, rate: count / 10 } });
const trend = (v: Record<string, number>): Record<string, unknown> => ({ type: "trend", contains: "time", values: v });
/** What k6 hands to handleSummary (legacy layout), synthetic. */
const data = {
  setup_data: { start_ms: 1_700_000_000_000 },
  state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 10_050 },
  metrics: {
    [n.status("200")]: counter(80),
    [n.status("302")]: counter(5),
    [n.status("otherok")]: counter(1),
    [n.status("429")]: counter(6),
    [n.status("otherfail")]: counter(2),
    [n.status("0timeout")]: counter(3),
    [n.status("0conn")]: counter(1),
    [n.latencyAll]: trend({ avg: 12.5, med: 10, "p(90)": 20, "p(95)": 30, "p(99)": 40, max: 2000.000001, count: 98 }),
    [n.latencyOk]: trend({ avg: 11, med: 9, "p(90)": 18, "p(95)": 25, "p(99)": 35, max: 50, count: 86 }),
    [n.dropped]: counter(2),
    [n.bytesIn]: counter(12_345),
    [n.bytesOut]: counter(6_789),
    http_reqs: counter(98),
  },
};

describe("handleSummary builder (schema v2), run in Node", () => {
  const s = buildPevaSummary(data, meta, 1_700_000_010_100);

  it("records the schema, the window and k6's run duration", () => {
    expect(s["schema"]).toBe(PEVA_SUMMARY_SCHEMA);
    expect(s.window).toEqual({ start_ms: 1_700_000_000_000, end_ms: 1_700_000_010_100 });
    expect(s["test_run_duration_ms"]).toBe(10_050);
    expect(s["metrics_found"]).toBe(true);
    expect(s["duration_s"]).toBe(10);
    expect(s["request_timeout_s"]).toBe(2);
  });

  it("sums the status buckets into requests, successes and failure causes; folds unlisted codes into 'other'", () => {
    expect(s.functions[0]).toEqual({
      name: "a-b",
      metric_id: "a_b",
      rate: 10,
      requests: 98,
      successes: 86,
      failures: { http: 8, timeout: 3, connection: 1 },
      status_codes: { "200": 80, "302": 5, "429": 6, other: 3, "0": 4 },
      latency_all_ms: { count: 98, avg: 12.5, p50: 10, p90: 20, p95: 30, p99: 40, max: 2000.000001 },
      latency_success_ms: { count: 86, avg: 11, p50: 9, p90: 18, p95: 25, p99: 35, max: 50 },
      dropped_iterations: 2,
      bytes_in: 12_345,
      bytes_out: 6_789,
    });
  });

  it("idle functions are listed with zeros and no latency", () => {
    expect(s.functions[1]).toMatchObject({ name: "z", rate: 0, requests: 0, status_codes: {}, latency_all_ms: null, dropped_iterations: 0 });
  });

  it("the output validates against the TypeScript schema", () => {
    expect(() => parseSummaryV2(JSON.parse(JSON.stringify(s)))).not.toThrow();
  });

  it("metrics k6 did not report: counters count 0, trends are null, bytes 0", () => {
    const empty = buildPevaSummary({ metrics: {} }, meta, 5);
    expect(empty.functions[0]).toMatchObject({
      requests: 0,
      successes: 0,
      status_codes: {},
      latency_all_ms: null,
      latency_success_ms: null,
      dropped_iterations: 0,
      bytes_in: 0,
      bytes_out: 0,
    });
    expect(empty.window).toEqual({ start_ms: null, end_ms: 5 });
    expect(empty["test_run_duration_ms"]).toBeNull();
  });

  it("a data object without `metrics` (another summary layout) is flagged, not read as zeros", () => {
    const other = buildPevaSummary({ version: "2", results: {} }, meta, 5);
    expect(other["metrics_found"]).toBe(false);
    expect(() => parseSummaryV2(JSON.parse(JSON.stringify(other)))).toThrow(/no `metrics` object/);
  });

  it("agrees with the support aggregator on recorded samples (k6-style interpolated percentiles)", () => {
    const recorded = new Map<string, RecordedMetric>([
      [n.latencyAll, { type: "trend", isTime: true, samples: [1, 2, 3, 4, 100] }],
      [n.latencyOk, { type: "trend", isTime: true, samples: [1, 2, 3, 4] }],
      [n.status("200"), { type: "counter", isTime: false, samples: [1, 1, 1, 1] }],
      [n.status("503"), { type: "counter", isTime: false, samples: [1] }],
    ]);
    const built = buildPevaSummary(k6DataOf(recorded, {}, { start_ms: 1 }), meta, 2);
    expect(built.functions[0]).toMatchObject({
      requests: 5,
      successes: 4,
      failures: { http: 1, timeout: 0, connection: 0 },
      status_codes: { "200": 4, "503": 1 },
      latency_all_ms: { count: 5, avg: 22, p50: 3, max: 100 },
    });
  });
});
