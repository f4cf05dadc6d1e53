import { describe, expect, it } from "vitest";
import {
  classify,
  FunctionAccumulator,
  functionStats,
  loadWindow,
  parseEncodedLine,
  parseTimestamp,
  type AttackRecord,
} from "../../src/records.ts";

const MS = 1_000_000;
const T0 = 1_800_000_000;

// Error texts as vegeta v12.13.0 wrote them with -timeout=1s against a server slow to send headers, one slow to
// finish the body, a closed port and a server that drops the connection; the last one is from vegeta's README.
const TIMEOUT = 'Get "http://127.0.0.1:18555/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
const BODY_TIMEOUT = "context deadline exceeded (Client.Timeout or context cancellation while reading body)";
const REFUSED = 'Get "http://127.0.0.1:18556/x": dial tcp 0.0.0.0:0->127.0.0.1:18556: connect: connection refused';
const DROPPED = 'Get "http://127.0.0.1:18557/reset": EOF';
const RESET = 'Get "http://localhost:6060": read tcp 127.0.0.1:6060: connection reset by peer';

function rec(over: Partial<AttackRecord> = {}): AttackRecord {
  return { code: 200, sentAt: T0, latencyNs: 10 * MS, bytesIn: 3, bytesOut: 5, error: "", ...over };
}

describe("classify", () => {
  it("counts 200–399 as success and any other status as http", () => {
    expect(classify(200, "")).toBe("success");
    expect(classify(204, "")).toBe("success");
    expect(classify(399, "")).toBe("success");
    expect(classify(199, "")).toBe("http");
    expect(classify(400, "400 Bad Request")).toBe("http");
    expect(classify(429, "429 Too Many Requests")).toBe("http");
    expect(classify(503, "")).toBe("http");
  });

  it("splits code 0 into timeout (Go's client timeout) and connection (anything else)", () => {
    expect(classify(0, TIMEOUT)).toBe("timeout");
    expect(classify(0, BODY_TIMEOUT)).toBe("timeout");
    expect(classify(0, REFUSED)).toBe("connection");
    expect(classify(0, RESET)).toBe("connection");
    expect(classify(0, DROPPED)).toBe("connection");
    expect(classify(0, "")).toBe("connection");
  });
});

describe("parseTimestamp", () => {
  it("keeps nanosecond digits and honours the zone", () => {
    const base = Date.UTC(2026, 11, 2, 5, 53, 41) / 1000;
    expect(parseTimestamp("2026-12-02T05:53:41.32015707Z")).toBeCloseTo(base + 0.32015707, 6);
    expect(parseTimestamp("2026-12-02T05:53:41Z")).toBe(base);
    expect(parseTimestamp("2026-12-02T07:53:41.5+02:00")).toBeCloseTo(base + 0.5, 6);
  });

  it("rejects anything else", () => {
    for (const bad of ["", "yesterday", "2026-12-02 05:53:41Z", "2026-12-02T05:53:41.1234567890Z", "2026-13-40T05:53:41Z"]) {
      expect(() => parseTimestamp(bad)).toThrow(/RFC 3339/);
    }
  });
});

describe("parseEncodedLine", () => {
  it("reads a line of vegeta encode --to=json", () => {
    const line =
      '{"attack":"","seq":0,"code":0,"timestamp":"2026-12-02T05:53:41.32015707Z","latency":1003228396,"bytes_out":0,' +
      `"bytes_in":0,"error":${JSON.stringify(TIMEOUT)},"body":null,"method":"GET","url":"http://127.0.0.1:18555/slow","headers":null}`;
    const r = parseEncodedLine(line);
    expect(r).toMatchObject({ code: 0, latencyNs: 1003228396, bytesIn: 0, bytesOut: 0, error: TIMEOUT });
    expect(r.sentAt).toBeCloseTo(Date.UTC(2026, 11, 2, 5, 53, 41) / 1000 + 0.32015707, 6);
  });

  it("rejects malformed lines", () => {
    expect(() => parseEncodedLine("not json")).toThrow();
    expect(() => parseEncodedLine("[1]")).toThrow(/object/);
    expect(() => parseEncodedLine('{"code":200,"latency":1,"bytes_in":0,"bytes_out":0}')).toThrow(/timestamp/);
    expect(() => parseEncodedLine('{"code":200,"timestamp":"2026-12-02T05:53:41Z","latency":-1,"bytes_in":0,"bytes_out":0}')).toThrow(/latency/);
    expect(() => parseEncodedLine('{"code":2000,"timestamp":"2026-12-02T05:53:41Z","latency":1,"bytes_in":0,"bytes_out":0}')).toThrow(/code/);
  });
});

describe("functionStats", () => {
  it("counts requests, status codes, successes and failure causes", () => {
    const records = [
      rec(),
      rec({ code: 302 }),
      rec({ code: 429, error: "429 Too Many Requests" }),
      rec({ code: 500 }),
      rec({ code: 0, error: TIMEOUT, bytesIn: 0, bytesOut: 0 }),
      rec({ code: 0, error: TIMEOUT, bytesIn: 0, bytesOut: 0 }),
      rec({ code: 0, error: REFUSED, bytesIn: 0, bytesOut: 0 }),
    ];
    const s = functionStats("fn", 7, records, 1);
    expect(s.functionName).toBe("fn");
    expect(s.targetRate).toBe(7);
    expect(s.requests).toBe(7);
    expect(s.statusCodes).toEqual({ "0": 3, "200": 1, "302": 1, "429": 1, "500": 1 });
    expect(s.successes).toBe(2);
    expect(s.failures).toEqual({ http: 2, timeout: 2, connection: 1 });
    expect(s.dropped).toBe(0);
    expect(s.successRate).toBeCloseTo(2 / 7, 12);
    expect(s.achievedRate).toBe(7);
    expect(s.bytesIn).toBe(12);
    expect(s.bytesOut).toBe(20);
  });

  it("computes nearest-rank percentiles by hand", () => {
    // 10 latencies 10..100 ms, given out of order.
    const lat = [70, 10, 100, 40, 20, 90, 30, 60, 50, 80];
    const s = functionStats("fn", 10, lat.map((ms) => rec({ latencyNs: ms * MS })), 1);
    expect(s.latencyAll).toEqual({ meanNs: 55 * MS, p50Ns: 50 * MS, p90Ns: 90 * MS, p95Ns: 100 * MS, p99Ns: 100 * MS, maxNs: 100 * MS });
    // 3 values: p50 = ceil(1.5) = 2nd, p90 = 3rd; mean 2/3 ns truncates to 0, as vegeta reports it.
    const small = functionStats("fn", 3, [0, 2, 0].map((latencyNs) => rec({ latencyNs })), 1);
    expect(small.latencyAll).toEqual({ meanNs: 0, p50Ns: 0, p90Ns: 2, p95Ns: 2, p99Ns: 2, maxNs: 2 });
  });

  it("keeps fast 429s out of the success latency", () => {
    const records = [
      ...[100, 110, 120, 130, 140].map((ms) => rec({ latencyNs: ms * MS })),
      ...[1, 1, 2, 2, 3].map((ms) => rec({ code: 429, latencyNs: ms * MS })),
    ];
    const s = functionStats("fn", 10, records, 1);
    expect(s.latencySuccess).toEqual({ meanNs: 120 * MS, p50Ns: 120 * MS, p90Ns: 140 * MS, p95Ns: 140 * MS, p99Ns: 140 * MS, maxNs: 140 * MS });
    expect(s.latencyAll.p50Ns).toBe(3 * MS);
    expect(s.latencyAll.meanNs).toBe(Math.round(((100 + 110 + 120 + 130 + 140 + 1 + 1 + 2 + 2 + 3) * MS) / 10));
  });

  it("reports what the schedule asked for and was not sent as dropped, against success", () => {
    const records = Array.from({ length: 15 }, () => rec());
    const s = functionStats("fn", 10, records, 2);
    expect(s.dropped).toBe(5);
    expect(s.successRate).toBe(15 / 20);
    expect(s.achievedRate).toBe(7.5);
    // More sent than asked is never negative dropped.
    expect(functionStats("fn", 10, records, 1).dropped).toBe(0);
    // A stop after 0.83 s at 10 req/s asks round(8.3) = 8.
    expect(functionStats("fn", 10, records.slice(0, 6), 0.83).dropped).toBe(2);
  });

  it("has NaN latencies and success 0 when nothing was sent", () => {
    const s = functionStats("fn", 10, [], 0);
    expect(s.requests).toBe(0);
    expect(s.successRate).toBe(0);
    expect(s.achievedRate).toBe(0);
    expect(Number.isNaN(s.latencyAll.p50Ns)).toBe(true);
    expect(Number.isNaN(s.latencySuccess.meanNs)).toBe(true);
  });

  it("handles more records than the initial buffer", () => {
    const n = 5000;
    const s = functionStats("fn", 1000, Array.from({ length: n }, (_, i) => rec({ latencyNs: i + 1 })), 5);
    expect(s.requests).toBe(n);
    expect(s.latencyAll.maxNs).toBe(n);
    expect(s.latencyAll.p50Ns).toBe(2500);
    expect(s.latencyAll.p99Ns).toBe(4950);
  });
});

describe("loadWindow", () => {
  it("runs from the first request sent to the last response over all functions", () => {
    const a = new FunctionAccumulator("a", 1);
    const b = new FunctionAccumulator("b", 1);
    a.add(rec({ sentAt: T0 + 1, latencyNs: 5000 * MS }));
    a.add(rec({ sentAt: T0 + 2, latencyNs: 1 * MS }));
    b.add(rec({ sentAt: T0 + 0.5, latencyNs: 100 * MS }));
    b.add(rec({ sentAt: T0 + 3, latencyNs: 2000 * MS }));
    const w = loadWindow([a, b], { start: 0, end: 0 });
    expect(w.start).toBe(T0 + 0.5);
    expect(w.end).toBeCloseTo(T0 + 6, 6);
  });

  it("falls back when nothing was recorded", () => {
    expect(loadWindow([new FunctionAccumulator("a", 1)], { start: 10, end: 12 })).toEqual({ start: 10, end: 12 });
    expect(loadWindow([], { start: 10, end: 12 })).toEqual({ start: 10, end: 12 });
  });
});
