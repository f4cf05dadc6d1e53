/**
 * The `dev` stack's component tree, with Pulumi mocks (a mock: Multipass VMs, k3s and OpenFaaS cannot run here).
 * Reads the real Pulumi.dev.yaml, so the committed stack config is validated too.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { LabArgs, PlatformOutputs } from "../../components/lab.ts";
import { REPO } from "../support/toolchain.ts";
import { collectResources, stubDynamicProviderSerialization, isSecretValue, revealSecrets, secretFree, type RecordedResource } from "../support/pulumi-mocks.ts";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const PASSWORD = "mock-gateway-password";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyMockHostKeyMockHostKeyMock";

describe("dev stack component tree (Pulumi mocks)", () => {
  let resources: RecordedResource[];
  let platform: PlatformOutputs;

  beforeAll(async () => {
    stubDynamicProviderSerialization();
    const recorder = collectResources({
      // Multipass prints `multipass info --format json`; each VM gets a distinct address.
      "command:local:Command": (args) =>
        args.name.endsWith("-launch")
          ? { stdout: JSON.stringify({ info: { [args.name.replace(/-launch$/, "")]: { ipv4: [`10.0.0.${args.name.includes("k3s") ? 2 : 1}`] } } }) }
          : { stdout: "" },
      // The k3s install prints the node's CPU count on stdout.
      "command:remote:Command": (args) => ({ stdout: args.name === "k3s-install" ? "4" : "" }),
      // Host keys as a first-use scan would record them (a stand-in: no sshd to scan under mocks).
      "pulumi-nodejs:dynamic/peva-lab:HostKeyPin": (args) => ({
        keys: [HOST_KEY],
        knownHosts: `${String(args.inputs["address"])} ${HOST_KEY}\n`,
        source: "first-use",
      }),
    });
    pulumi.runtime.setMocks(recorder.mocks, "peva-lab", "dev", false);
    // Components are imported after the mocks are in place.
    const { validateStackConfig } = await import("../../config/validate.ts");
    const { planLab } = await import("../../plan/lab-plan.ts");
    const { Lab } = await import("../../components/lab.ts");

    const stackFile = parse(readFileSync(join(REPO, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(stackFile.config)) raw[k] = JSON.stringify(v);
    raw["peva-lab:sshPrivateKey"] = KEY;
    raw["peva-lab:gatewayPassword"] = PASSWORD;
    const result = validateStackConfig(raw, ["peva-lab:sshPrivateKey", "peva-lab:gatewayPassword"], [{ name: "peva-faas" }]);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const args: LabArgs = {
      plan: planLab("dev", result.config),
      config: result.config,
      secrets: { sshPrivateKey: pulumi.secret(KEY), gatewayPassword: pulumi.secret(PASSWORD) },
      hostWorkspaces: { "peva-runner": ["@peva-lab/peva-faas"] },
      analysisCompute: { aggregates: "duckdb", frontier: "duckdb", long: "duckdb" },
    };
    const lab = new Lab("lab", args);
    platform = await recorder.settle(lab.platform);
    resources = recorder.resources;
  });

  it("declares two VMs, k3s, OpenFaaS + Prometheus and the runner setup", () => {
    const count = (type: string) => resources.filter((r) => r.type === type).length;
    expect(count("peva-lab:lab:Lab")).toBe(1);
    expect(count("peva-lab:hosts:MultipassVm")).toBe(2);
    expect(count("peva-lab:platform:K3sCluster")).toBe(1);
    expect(count("peva-lab:platform:OpenFaasPlatform")).toBe(1);
    expect(count("peva-lab:hosts:RunnerSetup")).toBe(1);
    expect(count("command:local:Command")).toBe(3);
    expect(count("command:remote:Command")).toBe(3);
    expect(count("pulumi-nodejs:dynamic/peva-lab:HostKeyPin")).toBe(2);
    expect(count("pulumi-nodejs:dynamic/peva-lab:BenchmarkRun")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/peva-lab:OpenFaasFunction")).toBe(1);
    expect(resources.filter((r) => r.type === "peva-lab:hosts:MultipassVm").map((r) => r.name).sort()).toEqual(["peva-k3s", "peva-runner"]);
  });

  it("deploys the campaign's function from the catalogue through the gateway's API, its password a secret", () => {
    // Pulumi.dev.yaml's campaign names no function: peva-faas's default, figlet.
    const fn = resources.find((r) => r.type === "pulumi-nodejs:dynamic/peva-lab:OpenFaasFunction")!;
    expect(fn.name).toBe("fn-figlet");
    expect(revealSecrets(fn.inputs["gatewayUrl"])).toBe("http://10.0.0.2:31112");
    expect(fn.inputs).toMatchObject({ name: "figlet", image: "ghcr.io/openfaas/figlet:latest", envProcess: "figlet", readyTimeoutSeconds: 120 });
    expect(isSecretValue(fn.inputs["password"])).toBe(true);
    expect(revealSecrets(fn.inputs["password"])).toBe(PASSWORD);
  });

  it("sizes the VMs from the stack config", () => {
    const launch = resources.find((r) => r.name === "peva-k3s-launch");
    expect(String(launch?.inputs["create"])).toContain("--cpus 4 --memory 8G --disk 20G");
  });

  it("pins every version it installs", () => {
    const byName = (n: string) => resources.find((r) => r.name === n)?.inputs ?? {};
    expect(String(byName("k3s-install")["create"])).toContain("INSTALL_K3S_VERSION=v1.33.4+k3s1");
    expect(String(byName("openfaas-openfaas")["create"])).toContain("--version 14.2.103");
    const manifest = String(byName("openfaas-prometheus")["stdin"]);
    expect(manifest).toContain("image: prom/prometheus:v2.52.0");
    expect(manifest).toContain("image: prom/node-exporter:v1.8.1");
    expect(manifest).toContain("metrics_path: /metrics/cadvisor");
  });

  it("targets the k3s VM's address and reports the platform URLs", () => {
    const install = resources.find((r) => r.name === "k3s-install");
    // The connection carries the private key, so the whole object is a secret.
    expect(isSecretValue(install?.inputs["connection"])).toBe(true);
    const connection = revealSecrets(install?.inputs["connection"]) as { host: string; user: string };
    expect(connection.host).toBe("10.0.0.2");
    expect(connection.user).toBe("ubuntu");
    expect(platform).toEqual({ kind: "openfaas", gatewayUrl: "http://10.0.0.2:31112", prometheusUrl: "http://10.0.0.2:30411" });
  });

  it("pins host keys on every connection and runs the campaign on the runner VM over SSH", () => {
    const install = revealSecrets(resources.find((r) => r.name === "k3s-install")?.inputs["connection"]) as { hostKey?: string };
    expect(install.hostKey).toBe(HOST_KEY);
    const run = resources.find((r) => r.type === "pulumi-nodejs:dynamic/peva-lab:BenchmarkRun")!;
    const connection = revealSecrets(run.inputs["connection"]) as { host: string; user: string; knownHosts: string };
    expect(connection).toMatchObject({ host: "10.0.0.1", user: "ubuntu", port: 22 });
    expect(connection.knownHosts).toBe(`10.0.0.1 ${HOST_KEY}\n`);
    expect(isSecretValue(run.inputs["privateKey"])).toBe(true);
    expect(revealSecrets(run.inputs["gatewayUrl"])).toBe("http://10.0.0.2:31112");
    expect(revealSecrets(run.inputs["nodeCores"])).toBe(4); // the k3s node's nproc
    const setup = resources.find((r) => r.name === "runner-ansible");
    expect(JSON.stringify(secretFree(setup?.inputs))).not.toContain("HOST_KEY_CHECKING=False");
    // Destroy uninstalls what setup installed, over the same pinned-key connection.
    expect(String(setup?.inputs["delete"])).toContain("playbooks/teardown-host.yml");
    expect(String(setup?.inputs["delete"])).toContain("StrictHostKeyChecking=yes");
  });

  it("keeps the SSH key and gateway password secret and out of command text", () => {
    for (const r of resources) {
      const visible = JSON.stringify(secretFree(r.inputs));
      expect(visible, `${r.type} ${r.name}`).not.toContain("MOCK-KEY-MATERIAL");
      expect(visible, `${r.type} ${r.name}`).not.toContain(PASSWORD);
    }
    const openfaas = resources.find((r) => r.name === "openfaas-openfaas");
    expect(JSON.stringify(openfaas?.inputs["environment"])).toContain(PASSWORD); // present, but only inside a secret
  });
});
