/**
 * The `BenchmarkRun` resource's pure rules: when a new run starts, what a diff reports, run ids, run paths and the
 * runner pid file.
 */
import { describe, expect, it } from "vitest";
import { diffRun, needsRun, newRunId, parsePidFile, runPaths, specRunsCampaign } from "../../components/benchmark-run/run-rules.ts";

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

describe("specRunsCampaign (re-attach to a live runner only when it runs this campaign)", () => {
  const spec = (settings: object, platform = "local") => JSON.stringify({ schema: "x", platform, settings, run_id: "r" });
  it("follows a runner of the same settings and platform", () => {
    expect(specRunsCampaign(spec({ functions: ["figlet"], duration: "10s" }), { settings: { functions: ["figlet"], duration: "10s" }, platform: "local" })).toBe(true);
  });
  it("does not follow another campaign, another platform, or an unreadable spec", () => {
    const settings = { functions: ["figlet"], duration: "10s" };
    expect(specRunsCampaign(spec({ ...settings, duration: "20s" }), { settings, platform: "local" })).toBe(false);
    expect(specRunsCampaign(spec(settings, "openfaas"), { settings, platform: "local" })).toBe(false);
    expect(specRunsCampaign("", { settings, platform: "local" })).toBe(false);
    expect(specRunsCampaign('{"settings":', { settings, platform: "local" })).toBe(false);
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

  it("reads the pid file the transports write, and refuses anything else, run ids that name other directories included", () => {
    const spec = "/w/runs/lab-x-20261202-080910-beef/spec.json";
    expect(parsePidFile(`4242 ${spec}\n`)).toEqual({ pid: 4242, specPath: spec, runId: "lab-x-20261202-080910-beef" });
    for (const bad of ["", "4242", "4242 ", `1 ${spec}`, `abc ${spec}`, "42 relative/runs/lab-x-20261202-080910-beef/spec.json", "42 /w/runs/x/other.json", "42 /w/runs/../spec.json", "42 /w/runs/x/spec.json"]) {
      expect(parsePidFile(bad), bad).toBeUndefined();
    }
  });
});
