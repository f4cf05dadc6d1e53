/**
 * `platformIdentity`: the platform part of the campaign identity, from the stack config, the plan and the measured
 * node. Each input that changes what a measurement means must show up in it; ports and addresses must not.
 */
import { describe, expect, it } from "vitest";
import { validateStackConfig } from "../../config/validate.ts";
import { planLab } from "../../plan/lab-plan.ts";
import { PlatformIdentityError, platformIdentity } from "../../plan/platform-identity.ts";
import { identityFunctionImages } from "../../plugins/peva-faas/src/runner/spec.ts";

function config(raw: Record<string, unknown>, secrets: string[] = []) {
  const r = validateStackConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [`peva-lab:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
    secrets.map((s) => `peva-lab:${s}`),
    [{ name: "peva-faas" }],
  );
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

const workloads = { "peva-faas": {} };

/** The identity of the local stack with this `platform` section, its node made with `isolation`. */
function localIdentity(platform: Record<string, unknown>, isolation = "cgroup-v1") {
  const c = config({ platform: { type: "local", ...platform }, workloads });
  const cpus = c.platform.type === "local" ? c.platform.cpus : 0;
  return platformIdentity(c, planLab("local", c), { cores: cpus, isolation });
}

const sshHosts = (platformRole = "platform") => ({
  type: "ssh",
  hosts: [
    { name: "run-a", role: "runner", address: "10.1.0.1" },
    { name: "tgt-a", role: platformRole, address: "10.1.0.2" },
  ],
});

function openfaasIdentity(platform: Record<string, unknown>) {
  const c = config({ provisioner: sshHosts(), platform: { type: "openfaas", ...platform }, workloads, sshPrivateKey: "k", gatewayPassword: "p" }, ["sshPrivateKey", "gatewayPassword"]);
  return platformIdentity(c, planLab("lab-a", c), { cores: 8 });
}

describe("platformIdentity", () => {
  it("local stack: the embedded platform's limits and its node's declared size and isolation, keys sorted", () => {
    const identity = localIdentity({ maxReplicas: 4, queueDepth: 32 });
    expect(identity).toEqual({
      kind: "local",
      max_replicas: 4,
      node_cores: 1,
      node_isolation: "cgroup-v1",
      node_memory_mb: 2048,
      queue_depth: 32,
      runner_on_platform_host: true,
    });
    expect(Object.keys(identity)).toEqual([...Object.keys(identity)].sort());
  });

  it.each([
    ["maxReplicas", { maxReplicas: 8, queueDepth: 32 }, "max_replicas", 8],
    ["queueDepth", { maxReplicas: 4, queueDepth: 64 }, "queue_depth", 64],
    ["cpus", { cpus: 2 }, "node_cores", 2],
    ["memoryMb", { memoryMb: 1536 }, "node_memory_mb", 1536],
  ] as const)("local stack: another %s is another identity", (_label, platform, key, value) => {
    const identity = localIdentity(platform);
    expect(identity[key]).toBe(value);
    expect(identity).not.toEqual(localIdentity({ maxReplicas: 4, queueDepth: 32 }));
  });

  it("a node held to its size by a cgroup and one whose size nothing enforces are different identities", () => {
    expect(localIdentity({}, "processes")["node_isolation"]).toBe("processes");
    expect(localIdentity({}, "processes")).not.toEqual(localIdentity({}, "cgroup-v1"));
  });

  it("ssh + embedded platform: the runner is another host; the node is the declared one", () => {
    const c = config({ provisioner: sshHosts(), platform: { type: "local", maxReplicas: 6, queueDepth: 10, cpus: 2, memoryMb: 1024 }, workloads, sshPrivateKey: "k" }, ["sshPrivateKey"]);
    expect(platformIdentity(c, planLab("lab-b", c), { cores: 2, isolation: "cgroup-v2" })).toEqual({
      kind: "local",
      max_replicas: 6,
      node_cores: 2,
      node_isolation: "cgroup-v2",
      node_memory_mb: 1024,
      queue_depth: 10,
      runner_on_platform_host: false,
    });
  });

  it("multipass + OpenFaaS: the pinned versions and the platform VM's configured memory, not the runner's", () => {
    const c = config(
      {
        provisioner: {
          type: "multipass",
          vms: [
            { name: "peva-runner", role: "runner", cpus: 2, memoryGb: 4 },
            { name: "peva-k3s", role: "platform", cpus: 4, memoryGb: 8 },
          ],
        },
        platform: { type: "openfaas" },
        workloads,
        sshPrivateKey: "k",
        gatewayPassword: "p",
      },
      ["sshPrivateKey", "gatewayPassword"],
    );
    expect(platformIdentity(c, planLab("dev", c), { cores: 4 })).toEqual({
      function_image_figlet: "ghcr.io/openfaas/figlet:latest",
      k3s_version: "v1.33.4+k3s1",
      kind: "openfaas",
      node_cores: 4,
      node_exporter_image: "prom/node-exporter:v1.8.1",
      node_memory_gib: 8,
      openfaas_chart_version: "14.2.103",
      prometheus_image: "prom/prometheus:v2.52.0",
      runner_on_platform_host: false,
    });
  });

  it.each([
    ["k3sVersion", "v1.34.1+k3s1", "k3s_version"],
    ["openfaasChartVersion", "14.2.104", "openfaas_chart_version"],
    ["prometheusImage", "prom/prometheus:v2.53.0", "prometheus_image"],
    ["nodeExporterImage", "prom/node-exporter:v1.9.0", "node_exporter_image"],
  ])("OpenFaaS: %s reaches the identity", (setting, value, key) => {
    const identity = openfaasIdentity({ [setting]: value });
    expect(identity[key]).toBe(value);
    expect(identity).not.toEqual(openfaasIdentity({}));
  });

  it("OpenFaaS: the image of each function the lab deploys reaches the identity (a pinned digest is another identity)", () => {
    const digest = `ghcr.io/openfaas/figlet@sha256:${"c".repeat(64)}`;
    expect(openfaasIdentity({})["function_image_figlet"]).toBe("ghcr.io/openfaas/figlet:latest");
    const pinned = openfaasIdentity({ functions: { figlet: { image: digest } } });
    expect(pinned["function_image_figlet"]).toBe(digest);
    expect(pinned).not.toEqual(openfaasIdentity({}));
    // The environment and process are deployment details of the same code: they do not split campaigns.
    expect(openfaasIdentity({ functions: { figlet: { image: "ghcr.io/openfaas/figlet:latest", envVars: { write_timeout: "5s" } } } })).toEqual(openfaasIdentity({}));
    // The runner reads these keys to check, before any load, that the gateway runs the recorded images.
    expect(identityFunctionImages(pinned)).toEqual({ figlet: digest });
    expect(identityFunctionImages(localIdentity({}))).toEqual({});
  });

  it("leaves ports out: they move the platform, not its measurements", () => {
    expect(openfaasIdentity({ gatewayPort: 31113, prometheusPort: 30412 })).toEqual(openfaasIdentity({}));
  });

  it("refuses a node that is not one, and a plan that disagrees with the config", () => {
    const c = config({ workloads });
    const plan = planLab("local", c);
    expect(() => platformIdentity(c, plan, { cores: 0 })).toThrow(new PlatformIdentityError("the platform node's cores must be a positive integer, got 0"));
    expect(() => platformIdentity(c, plan, { cores: 2, isolation: "cgroup-v1" })).toThrow(
      new PlatformIdentityError("the embedded platform's node has 2 CPU(s) but platform.cpus is 1"),
    );
    expect(() => platformIdentity(c, plan, { cores: 1 })).toThrow(new PlatformIdentityError("the embedded platform's node reports no isolation"));
    expect(() => platformIdentity(c, { ...plan, platform: { kind: "openfaas", host: "localhost" } }, { cores: 2 })).toThrow(
      new PlatformIdentityError("the plan places platform 'openfaas' but the config says 'local'"),
    );
  });
});
