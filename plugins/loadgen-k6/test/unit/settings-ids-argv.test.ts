import { describe, expect, it } from "vitest";
import {
  acceptableExit,
  assignMetricIds,
  buildK6Argv,
  DEFAULT_K6_SETTINGS,
  describeExit,
  durationMilliseconds,
  identitySettings,
  k6Environment,
  k6Files,
  k6SettingsSchema,
  MAX_ID_LENGTH,
  sanitizeMetricId,
} from "../../src/index.ts";

describe("settings schema", () => {
  it("defaults as the workload's old k6 block (request_timeout gone), outputs and tags empty", () => {
    expect(k6SettingsSchema.parse({})).toEqual({
      expected_latency_ms: 250,
      vus_headroom: 2,
      max_preallocated_vus: 1000,
      max_vus: 4000,
      graceful_stop: "30s",
      stop_grace_seconds: 5,
      outputs: [],
      tags: {},
    });
    expect(DEFAULT_K6_SETTINGS).toEqual(k6SettingsSchema.parse({}));
  });

  it("accepts the discriminator and normalises outputs and tags", () => {
    expect(
      k6SettingsSchema.parse({ type: "k6", outputs: [" json=/tmp/x.json ", "", "  "], tags: { team: "a", n: 2, on: true }, graceful_stop: " 5s " }),
    ).toMatchObject({ type: "k6", outputs: ["json=/tmp/x.json"], tags: { team: "a", n: "2", on: "true" }, graceful_stop: "5s" });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["unknown keys (strict)", { request_timeout: "10s" }, /request_timeout/],
    ["another type", { type: "vegeta" }, /type/],
    ["latency 0", { expected_latency_ms: 0 }, /expected_latency_ms/],
    ["headroom < 1", { vus_headroom: 0.5 }, /vus_headroom/],
    ["fractional VUs", { max_vus: 1.5 }, /max_vus/],
    ["bad duration", { graceful_stop: "30" }, /graceful_stop/],
    ["zero duration", { graceful_stop: "0s" }, /graceful_stop/],
    ["stop grace too long", { stop_grace_seconds: 121 }, /stop_grace_seconds/],
    ["reserved tag scenario", { tags: { scenario: "x" } }, /tags/],
    ["reserved tag function", { tags: { function: "x" } }, /tags/],
    ["tag key with '='", { tags: { "a=b": "x" } }, /tags/],
  ])("rejects %s", (_label, value, path) => {
    const r = k6SettingsSchema.safeParse(value);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues.map((i) => i.path.join(".") || i.message))).toMatch(path);
  });

  it("durations and the identity settings", () => {
    expect(durationMilliseconds("500ms")).toBe(500);
    expect(durationMilliseconds("2m")).toBe(120_000);
    expect(() => durationMilliseconds("1.5s")).toThrow(RangeError);
    expect(identitySettings(DEFAULT_K6_SETTINGS)).toEqual({
      executor: "constant-arrival-rate",
      expected_latency_ms: 250,
      vus_headroom: 2,
      max_preallocated_vus: 1000,
      max_vus: 4000,
      graceful_stop_ms: 30_000,
      stop_grace_seconds: 5,
      discard_response_bodies: true,
    });
  });
});

describe("metric ids", () => {
  it.each([
    ["figlet", "figlet"],
    ["face-detect-pigo", "face_detect_pigo"],
    ["", "fn"],
    ["9lives", "fn_9lives"],
    ["a.b/c", "a_b_c"],
    ['a"); require("x', "a____require__x"],
  ])("sanitize(%j) = %s", (name, id) => expect(sanitizeMetricId(name)).toBe(id));

  it("uniqueness: suffixes are tried until free", () => {
    const ids = assignMetricIds(["a-b", "a_b", "a.b", "a_b_2"]);
    // sorted: a-b, a.b, a_b, a_b_2
    expect(ids.get("a-b")).toBe("a_b");
    expect(ids.get("a.b")).toBe("a_b_2");
    expect(ids.get("a_b")).toBe("a_b_3");
    expect(ids.get("a_b_2")).toBe("a_b_2_2");
    expect(new Set(ids.values()).size).toBe(4);
  });

  it("long names are cut so every k6 metric name stays within 128 characters, still unique", () => {
    const long = "x".repeat(300);
    const ids = assignMetricIds([long, `${long}y`]);
    expect(ids.get(long)).toHaveLength(MAX_ID_LENGTH);
    expect(ids.get(`${long}y`)).toBe(`${"x".repeat(MAX_ID_LENGTH)}_2`);
    for (const id of ids.values()) expect(`status_otherfail_${id}`.length).toBeLessThanOrEqual(128);
  });
});

describe("k6 command line and environment", () => {
  const files = k6Files("/w/run-1");
  it("fixed file names in the work directory", () => {
    expect(files).toEqual({ script: "/w/run-1/script.js", summary: "/w/run-1/summary.v2.json", log: "/w/run-1/k6.log" });
  });

  it("exact argv: never phones home, loopback REST API, pinned trend stats, summary path, outputs, tags, script last", () => {
    expect(buildK6Argv({ files, outputs: [" json=x.json", ""], tags: { team: "a", repetition: "2" } })).toEqual([
      "run",
      "--no-usage-report",
      "--quiet",
      "--no-color",
      "--address",
      "127.0.0.1:0",
      "--summary-trend-stats",
      "avg,med,p(90),p(95),p(99),max,count",
      "--env",
      "PEVA_SUMMARY_PATH=/w/run-1/summary.v2.json",
      "--out",
      "json=x.json",
      "--tag",
      "team=a",
      "--tag",
      "repetition=2",
      "/w/run-1/script.js",
    ]);
  });

  it("environment: the request's, with usage reports off and the summary layout pinned (caller cannot override)", () => {
    expect(k6Environment({ PATH: "/bin", K6_NO_USAGE_REPORT: "false", K6_NEW_MACHINE_READABLE_SUMMARY: "true" })).toEqual({
      PATH: "/bin",
      K6_NO_USAGE_REPORT: "true",
      K6_NEW_MACHINE_READABLE_SUMMARY: "false",
      K6_NO_THRESHOLDS: "false",
    });
  });

  it.each<[number | null, NodeJS.Signals | null, boolean, boolean, string]>([
    [0, null, false, true, "exit 0"],
    [105, null, false, false, "exit 105 (aborted by a signal)"],
    [105, null, true, true, "exit 105 (aborted by a signal)"],
    [99, null, false, false, "exit 99 (thresholds have failed)"],
    [107, null, false, false, "exit 107 (script exception)"],
    [107, null, true, true, "exit 107 (script exception)"],
    [1, null, false, false, "exit 1"],
    [null, "SIGKILL", true, true, "signal SIGKILL"],
    [null, "SIGKILL", false, false, "signal SIGKILL"],
    [null, "SIGINT", true, true, "signal SIGINT"],
  ])("exit %s / %s (stopped %s): usable %s, described as %s", (code, signal, stopped, usable, text) => {
    expect(acceptableExit(code, signal, stopped)).toBe(usable);
    expect(describeExit(code, signal)).toBe(text);
  });
});
