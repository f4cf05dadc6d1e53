import { describe, expect, it } from "vitest";
import { addressFromMultipassInfo, ansibleRunnerSetup, k3sInstall, multipassDelete, shellQuote } from "../../plan/commands.ts";
import { planLab, platformFunctionProblems } from "../../plan/lab-plan.ts";
import { validateStackConfig } from "../../config/validate.ts";
import { execFileSync } from "node:child_process";

function config(raw: Record<string, unknown>, secrets: string[] = []) {
  const r = validateStackConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [`peva-lab:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
    secrets.map((s) => `peva-lab:${s}`),
    [{ name: "peva-faas" }],
  );
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

describe("planLab", () => {
  it("local: one host playing both roles, workdir under the stack's output root, tools per enabled plugin", () => {
    const plan = planLab("local", config({ workloads: { "peva-faas": {} }, output: { dir: "out/" } }));
    expect(plan.kind).toBe("local");
    expect(plan.hosts).toEqual([{ name: "localhost", roles: ["runner", "platform"], connection: { kind: "local" } }]);
    expect(plan.platform).toEqual({ kind: "local", host: "localhost", remote: false });
    expect(plan.hostSetups).toEqual([]);
    expect(plan.runs).toEqual([{ workload: "peva-faas", host: "localhost" }]);
    expect(plan.outputRoot).toBe("out/local");
    expect(plan.runnerWorkdir).toBe("out/local/workdir");
    expect(plan.runnerTools.map((t) => t.name)).toEqual(["node", "vegeta", "prometheus", "prometheus-node-exporter"]);
    expect(plan.enabledWorkloads).toEqual(["peva-faas"]);
    // The bundled generator by default: its plugin ships to the runner, its binary comes from the bootstrap.
    expect(plan.runnerPlugins).toEqual(["peva-faas", "vegeta"]);
    expect(plan.loadgens).toEqual([
      {
        plugin: "vegeta",
        tool: { name: "vegeta", versionArgs: ["-version"], neededBy: "the load generator (plugin vegeta)" },
        bundled: { controllerBinary: ".tools/bin/vegeta", version: "v12.13.0" },
      },
    ]);
  });

  it("k6 only when the workload selects it, and never as a bundled binary", () => {
    const plan = planLab("local", config({ workloads: { "peva-faas": { settings: { loadgen: { type: "k6" } } } } }));
    expect(plan.runnerTools.map((t) => t.name)).toEqual(["node", "k6", "prometheus", "prometheus-node-exporter"]);
    expect(plan.loadgens).toHaveLength(1);
    expect(plan.loadgens[0]).toMatchObject({ plugin: "k6" });
    expect(plan.loadgens[0]?.bundled).toBeUndefined();
  });

  it("a disabled workload needs no load generator", () => {
    const plan = planLab("local", config({ workloads: { "peva-faas": { enabled: false } } }));
    expect(plan.enabledWorkloads).toEqual([]);
    expect(plan.loadgens).toEqual([]);
    expect(plan.runnerTools.map((t) => t.name)).toEqual(["node", "prometheus", "prometheus-node-exporter"]);
  });

  it("ssh: hosts keep their addresses, the runner role decides the runner", () => {
    const plan = planLab(
      "lab-a",
      config(
        {
          provisioner: {
            type: "ssh",
            hosts: [
              { name: "k3s-a", role: "platform", address: "10.1.0.2" },
              { name: "run-a", role: "runner", address: "10.1.0.1", user: "bench", port: 2222 },
            ],
          },
          platform: { type: "openfaas" },
          sshPrivateKey: "k",
          gatewayPassword: "p",
        },
        ["sshPrivateKey", "gatewayPassword"],
      ),
    );
    expect(plan.runnerHost).toBe("run-a");
    expect(plan.hosts[1]?.connection).toEqual({ kind: "ssh", host: "10.1.0.1", user: "bench", port: 2222 });
    expect(plan.runnerTools.map((t) => t.name)).toEqual(["node"]);
    expect(plan.platform).toEqual({ kind: "openfaas", host: "k3s-a" });
    // Only the runner is set up (k3s installs itself); no workload enabled here, so no run.
    expect(plan.hostSetups.map((h) => h.host)).toEqual(["run-a"]);
    expect(plan.runs).toEqual([]);
  });

  it("ssh + embedded platform: the platform host is set up first with the platform's plugin and tools, pinned keys carried", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1eh1nBKVaa3N+Sn0jFtiG3OXmXsUe3Wl1ZSKnAJuR";
    const plan = planLab(
      "lab-b",
      config(
        {
          provisioner: {
            type: "ssh",
            hosts: [
              { name: "run-b", role: "runner", address: "10.2.0.1", hostKeys: [key] },
              { name: "tgt-b", role: "platform", address: "10.2.0.2" },
            ],
          },
          platform: { type: "local" },
          workloads: { "peva-faas": {} },
          sshPrivateKey: "k",
        },
        ["sshPrivateKey"],
      ),
    );
    expect(plan.platform).toEqual({ kind: "local", host: "tgt-b", remote: true });
    expect(plan.hostSetups).toEqual([
      {
        host: "tgt-b",
        plugins: ["platform-local"],
        loadgens: [],
        requiredTools: [
          { tool: "prometheus", aptPackage: "prometheus" },
          { tool: "prometheus-node-exporter", aptPackage: "prometheus-node-exporter" },
        ],
      },
      { host: "run-b", plugins: ["peva-faas", "vegeta"], loadgens: plan.loadgens, requiredTools: [] },
    ]);
    expect(plan.hosts.find((h) => h.name === "run-b")?.hostKeys).toEqual([key]);
    expect(plan.hosts.find((h) => h.name === "tgt-b")?.hostKeys).toBeUndefined();
    // Prometheus and node-exporter are the platform host's business, not the controller's.
    expect(plan.runnerTools.map((t) => t.name)).toEqual(["node", "vegeta"]);
    expect(plan.runs).toEqual([{ workload: "peva-faas", host: "run-b" }]);
  });

  describe("OpenFaaS function deployments", () => {
    const openfaas = (functions: object, settings: object = {}, enabled = true) =>
      config(
        {
          provisioner: { type: "ssh", hosts: [{ name: "run-a", role: "runner", address: "10.0.0.1" }, { name: "tgt-a", role: "platform", address: "10.0.0.2" }] },
          platform: { type: "openfaas", functions },
          workloads: { "peva-faas": { enabled, settings } },
          sshPrivateKey: "k",
          gatewayPassword: "p",
        },
        ["sshPrivateKey", "gatewayPassword"],
      );
    const names = (...n: string[]) => ({ functions: n.map((name) => ({ name })) });
    const digest = `ghcr.io/openfaas/figlet@sha256:${"b".repeat(64)}`;

    it("deploys catalogue functions; the stack's entry wins field by field; a function with no image is left to the user", () => {
      const plan = planLab(
        "lab-a",
        openfaas({ figlet: { image: digest }, "eat-memory": { image: "ghcr.io/me/eat-memory:1.0" }, nmap: { image: "functions/nmap:0.13.0", envVars: { write_timeout: "10s", EXTRA: "1" } } }, names("figlet", "eat-memory", "nmap", "my-own")),
      );
      expect(plan.functionDeployments).toEqual([
        { name: "figlet", image: digest, envProcess: "figlet", envVars: {} },
        { name: "eat-memory", image: "ghcr.io/me/eat-memory:1.0", envVars: {} },
        { name: "nmap", image: "functions/nmap:0.13.0", envVars: { read_timeout: "300s", write_timeout: "10s", EXTRA: "1" } },
      ]);
      // Without the stack's entry eat-memory has no image: the catalogue knows none.
      expect(planLab("lab-a", openfaas({}, names("eat-memory", "shasum"))).functionDeployments.map((f) => f.name)).toEqual(["shasum"]);
    });

    it("an entry for a function the campaign does not load is refused, naming it and what the campaign loads", () => {
      expect(platformFunctionProblems(openfaas({ figlett: { image: digest }, figlet: { image: digest } }))).toEqual([
        "peva-lab:platform.functions.figlett: not a function of the peva-faas campaign (it loads figlet)",
      ]);
      expect(platformFunctionProblems(openfaas({ shasum: { image: digest } }, names("figlet", "shasum")))).toEqual([]);
      // A disabled campaign deploys nothing, so there is nothing to compare with.
      expect(platformFunctionProblems(openfaas({ figlett: { image: digest } }, {}, false))).toEqual([]);
      expect(planLab("lab-a", openfaas({ figlet: { image: digest } }, {}, false)).functionDeployments).toEqual([]);
    });
  });

  it("no campaign run without the workload", () => {
    const plan = planLab("local", config({ workloads: { "peva-faas": { enabled: false } } }));
    expect(plan.runs).toEqual([]);
  });
});

describe("commands", () => {
  it("shellQuote survives a round trip through sh", () => {
    for (const s of ["plain", "with space", "it's", "$(rm -rf /)", "a\"b", ""]) {
      expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(s) || "''"}`]).toString()).toBe(s);
    }
  });

  it("reads the VM address from multipass info", () => {
    expect(addressFromMultipassInfo("vm", JSON.stringify({ info: { vm: { ipv4: ["10.2.3.4", "10.9.9.9"] } } }))).toBe("10.2.3.4");
    expect(() => addressFromMultipassInfo("vm", "{}")).toThrow("multipass info for 'vm' has no IPv4 address");
  });

  it("pins k3s and quotes user input", () => {
    expect(k3sInstall("v1.33.4+k3s1", "10.0.0.2")).toContain("INSTALL_K3S_VERSION=v1.33.4+k3s1");
    expect(multipassDelete("x y")).toContain("'x y'");
  });

  it("hands the runner the sorted extras as an Ansible extra-var, never the key", () => {
    const cmd = ansibleRunnerSetup({
      playbook: "playbooks/setup-runner.yml",
      host: "10.0.0.1",
      user: "ubuntu",
      port: 22,
      workdir: ".peva-lab",
      workspaces: ["@peva-lab/peva-faas"],
      loadgens: [{ tool: "vegeta", versionArgs: ["-version"], bundled: { controllerBinary: ".tools/bin/vegeta", version: "v12.13.0" } }],
    });
    expect(cmd).toContain('"peva_workspaces":["@peva-lab/peva-faas"]');
    expect(cmd).toContain('"peva_loadgens":[{"tool":"vegeta","version_args":["-version"],"binary":".tools/bin/vegeta","version":"v12.13.0"}]');
    expect(cmd).toContain('--private-key "$tmp/key"');
    expect(cmd).toContain('"$PEVA_SSH_PRIVATE_KEY"');
  });
});
