/**
 * A change of the platform identity (size, limits, versions) is another campaign for the runner, so `BenchmarkRun`
 * must run again, and must not follow a live runner started for the old identity.
 */
import { describe, expect, it } from "vitest";
import { needsRun, specRunsCampaign } from "../../components/benchmark-run/run-rules.ts";

const identity = { kind: "local", max_replicas: 4, node_cores: 2, node_memory_gib: 8, queue_depth: 32, runner_on_platform_host: true };
const base = { settings: { functions: ["figlet"] }, workdir: ".peva-lab", host: "runner", platform: "local", platformIdentity: identity, providerVersion: "1" };

describe("needsRun and the platform identity", () => {
  it.each([
    ["maxReplicas", { max_replicas: 8 }],
    ["queueDepth", { queue_depth: 64 }],
    ["node cores", { node_cores: 4 }],
    ["node memory", { node_memory_gib: 16 }],
    ["a new entry", { k3s_version: "v1.34.1+k3s1" }],
  ])("runs again after a finished run when %s changed", (_label, change) => {
    expect(needsRun({ ...base, status: "done" }, { ...base, platformIdentity: { ...identity, ...change } })).toBe(true);
  });

  it("runs again when the state predates the platform identity", () => {
    const { platformIdentity: _, ...before } = base;
    expect(needsRun({ ...before, status: "done" }, base)).toBe(true);
  });

  it("does not run again for the same identity", () => {
    expect(needsRun({ ...base, status: "done" }, { ...base, platformIdentity: { ...identity } })).toBe(false);
  });
});

describe("specRunsCampaign and the platform identity", () => {
  const spec = (platformIdentity: object | undefined) =>
    JSON.stringify({ schema: "x", platform: "local", settings: base.settings, run_id: "r", ...(platformIdentity ? { platform_identity: platformIdentity } : {}) });

  it("follows a live runner of the same identity, whatever the order of its keys", () => {
    const reversed = Object.fromEntries(Object.entries(identity).reverse());
    expect(specRunsCampaign(spec(reversed), base)).toBe(true);
  });

  it("does not follow a runner started for another identity, or for none", () => {
    expect(specRunsCampaign(spec({ ...identity, max_replicas: 8 }), base)).toBe(false);
    expect(specRunsCampaign(spec(undefined), base)).toBe(false);
  });
});
