/**
 * The `BenchmarkRun` resource's pure rules: when a new run starts, what a diff reports, the watchdog limit derived
 * from the heartbeat, run ids, run paths and the runner pid file.
 */
import { describe, expect, it } from "vitest";
import { HEARTBEAT_INTERVAL_S } from "@peva-lab/peva-faas/runner";
import {
  diffRun,
  needsRun,
  newRunId,
  parsePidFile,
  pidFileContent,
  requestTimeoutS,
  runPaths,
  silenceLimitMs,
} from "../../components/benchmark-run/run-rules.ts";

const base = { settings: { functions: ["figlet"] }, workdir: ".peva-lab", host: "runner", platform: "local", providerVersion: "1", gatewayUrl: "http://a:1", logUrn: "u1" };

describe("needsRun", () => {
  it("runs again when the last run did not finish, whatever changed", () => {
    for (const status of ["stopped", "failed"] as const) expect(needsRun({ ...base, status }, base)).toBe(true);
  });

  it("runs again when an input that decides the measurement changed", () => {
    for (const [key, value] of [
      ["settings", { functions: ["shasum"] }],
      ["workdir", "elsewhere"],
      ["host", "other"],
      ["platform", "openfaas"],
      ["providerVersion", "2"],
    ] as const) {
      expect(needsRun({ ...base, status: "done" }, { ...base, [key]: value })).toBe(true);
    }
  });

  it("does not run again for endpoints, log URNs or connection changes after a finished run", () => {
    expect(needsRun({ ...base, status: "done" }, { ...base, gatewayUrl: "http://b:2", logUrn: "u2", connection: { host: "10.0.0.9" } })).toBe(false);
  });
});

describe("diffRun", () => {
  it("never replaces (the memory carries over); an unfinished run is a change even with equal inputs", () => {
    expect(diffRun({ ...base, status: "done" }, base)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(diffRun({ ...base, status: "stopped" }, base)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diffRun({ ...base, status: "done" }, { ...base, gatewayUrl: "http://b:2" })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});

describe("watchdog", () => {
  it("follows the heartbeat and the request timeout, not the length of an iteration", () => {
    expect(silenceLimitMs(30)).toBe((4 * HEARTBEAT_INTERVAL_S + 30 + 5) * 1000);
    expect(silenceLimitMs(120) - silenceLimitMs(30)).toBe(90_000);
    // A heartbeat at least every 30 s (the bound) leaves the watchdog several beats of slack.
    expect(HEARTBEAT_INTERVAL_S).toBeLessThanOrEqual(30);
    expect(silenceLimitMs(0)).toBeGreaterThanOrEqual(3 * HEARTBEAT_INTERVAL_S * 1000);
  });

  it("reads loadgen.request_timeout in any accepted form, 30 s by default", () => {
    expect(requestTimeoutS({})).toBe(30);
    expect(requestTimeoutS({ loadgen: { request_timeout: "45s" } })).toBe(45);
    expect(requestTimeoutS({ loadgen: { request_timeout: "2m" } })).toBe(120);
    expect(requestTimeoutS({ loadgen: { request_timeout: "1500ms" } })).toBe(1.5);
    expect(requestTimeoutS({ loadgen: { request_timeout: 12 } })).toBe(12);
    expect(requestTimeoutS({ loadgen: { request_timeout: "soon" } })).toBe(30);
  });
});

describe("run ids, paths and the pid file", () => {
  it("names a run by stack, UTC time and a random suffix", () => {
    expect(newRunId("lab-a", new Date("2026-12-02T08:09:10.123Z"), "beef")).toBe("lab-a-20261202-080910-beef");
  });

  it("keeps one pid file per workdir and a run's files under runs/<id>", () => {
    const p = runPaths("/home/u/.peva-lab", "r1");
    expect(p).toEqual({
      runDir: "/home/u/.peva-lab/runs/r1",
      specPath: "/home/u/.peva-lab/runs/r1/spec.json",
      eventsFile: "/home/u/.peva-lab/runs/r1/events.jsonl",
      logPath: "/home/u/.peva-lab/runs/r1/runner.log",
      passwordFile: "/home/u/.peva-lab/runs/r1/gateway-password",
      runnerStop: "/home/u/.peva-lab/STOP",
      pidFile: "/home/u/.peva-lab/runner.pid",
    });
  });

  it("round-trips the pid file and refuses anything else", () => {
    const text = pidFileContent(4242, "/w/runs/lab-x/spec.json");
    expect(parsePidFile(text)).toEqual({ pid: 4242, specPath: "/w/runs/lab-x/spec.json", runId: "lab-x" });
    for (const bad of ["", "4242", "4242 ", "1 /w/runs/x/spec.json", "abc /w/runs/x/spec.json", "42 relative/runs/x/spec.json", "42 /w/runs/x/other.json"]) {
      expect(parsePidFile(bad)).toBeUndefined();
    }
  });
});
