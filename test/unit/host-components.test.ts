/**
 * The host components' resources and their lifecycle options, with Pulumi mocks (a mock: Multipass VMs, k3s and
 * OpenFaaS cannot run here; what their commands do is tested in commands.test.ts). Checks what decides a change:
 * a VM size change replaces the VM, deleting first (same name); k3s and OpenFaaS versions upgrade in place; the host
 * setup re-runs when the bundle's content changes and pins the host key. The Kubernetes graph itself is checked in
 * openfaas-platform.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { runnerBundleHash } from "../../components/runner-bundle.ts";
import { ansibleRunnerSetup, k3sInstall, multipassDelete, multipassUpdate, unameArch } from "../../plan/commands.ts";
import { collectResources, revealSecrets, type RecordedResource } from "../support/pulumi-mocks.ts";
import { REPO } from "../support/toolchain.ts";
import { K3S_KUBECONFIG } from "../support/k3s-kubeconfig.ts";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const KNOWN_HOSTS = "10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMock";

describe("host components (Pulumi mocks)", () => {
  let resources: RecordedResource[];
  /** Resource options as each resource was declared, by name (recorded by a transformation on every component). */
  const options = new Map<string, pulumi.CustomResourceOptions>();
  let cores: number;
  let urls6: string[];

  beforeAll(async () => {
    const recorder = collectResources({
      "command:local:Command": (args) =>
        args.name === "vm-launch" ? { stdout: JSON.stringify({ info: { vm: { ipv4: ["10.0.0.9"] } } }) } : { stdout: "" },
      // The k3s install prints the node's CPU count last.
      "command:remote:Command": (args) => ({ stdout: args.name === "k3s-install" ? "8" : args.name === "k3s-kubeconfig" ? K3S_KUBECONFIG : "" }),
    });
    pulumi.runtime.setMocks(recorder.mocks, "peva-lab", "unit", false);
    const { MultipassVm } = await import("../../components/multipass-vm.ts");
    const { K3sCluster } = await import("../../components/k3s-cluster.ts");
    const { OpenFaasPlatform } = await import("../../components/openfaas-platform.ts");
    const { RunnerSetup } = await import("../../components/runner-setup.ts");

    const record: pulumi.ResourceTransformation = ({ name, opts }) => {
      options.set(name, opts);
      return undefined;
    };
    const key = pulumi.secret(KEY);
    const vm = new MultipassVm("vm", { vm: { cpus: 4, memoryGb: 8, diskGb: 20, image: "24.04" }, sshPrivateKey: key }, { transformations: [record] });
    const connection = { host: vm.address, user: "ubuntu", port: 22, privateKey: key };
    const k3s = new K3sCluster("k3s", { connection, version: "v1.33.4+k3s1" }, { transformations: [record] });
    const openfaas = new OpenFaasPlatform(
      "openfaas",
      {
        cluster: k3s,
        address: vm.address,
        chartVersion: "14.2.103",
        gatewayPort: 31112,
        prometheusPort: 30411,
        prometheusImage: "prom/prometheus:v2.52.0",
        nodeExporterImage: "prom/node-exporter:v1.8.1",
        gatewayPassword: pulumi.secret("pw"),
      },
      { transformations: [record] },
    );
    new RunnerSetup(
      "runner",
      {
        host: "10.0.0.1",
        user: "ubuntu",
        port: 22,
        privateKey: key,
        knownHosts: KNOWN_HOSTS,
        workdir: ".peva-lab",
        workspaces: ["@peva-lab/peva-faas"],
        loadgens: [],
        requiredTools: [{ tool: "prometheus", aptPackage: "prometheus" }],
      },
      { transformations: [record] },
    );
    // The same platform on a host known by its IPv6 address.
    const openfaas6 = new OpenFaasPlatform(
      "openfaas6",
      { cluster: k3s, address: "fd00::2", chartVersion: "14.2.103", gatewayPort: 31112, prometheusPort: 30411, prometheusImage: "prom/prometheus:v2.52.0", nodeExporterImage: "prom/node-exporter:v1.8.1", gatewayPassword: pulumi.secret("pw") },
    );
    urls6 = [await recorder.settle(openfaas6.gatewayUrl), await recorder.settle(openfaas6.prometheusUrl)];
    await recorder.settle(openfaas.gatewayUrl);
    cores = await recorder.settle(k3s.cores);
    resources = recorder.resources;
  });

  const inputs = (name: string) => {
    const r = resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}`);
    return revealSecrets(r.inputs) as Record<string, unknown>;
  };

  it("replaces a VM whose size or image changes, deleting the old one first (the new one takes its name)", () => {
    const launch = inputs("vm-launch");
    expect(launch["triggers"]).toEqual([4, 8, 20, "24.04"]);
    expect(options.get("vm-launch")?.deleteBeforeReplace).toBe(true);
    expect(launch["delete"]).toBe(multipassDelete("vm"));
    // Any other change is an update that never launches.
    expect(launch["update"]).toBe(multipassUpdate("vm"));
    expect(String(launch["update"])).not.toContain("multipass launch");
  });

  it("upgrades k3s and OpenFaaS in place: the version is not a replacing input, the install is the update", () => {
    const k3s = inputs("k3s-install");
    expect(k3s["update"]).toBe(k3sInstall("v1.33.4+k3s1", "10.0.0.9"));
    expect(k3s["create"]).toBe(k3s["update"]);
    expect(k3s["triggers"] ?? []).toEqual([]);
    expect(options.get("k3s-install")?.deleteBeforeReplace).toBeFalsy();
    // The chart version is a Helm release's version: the provider upgrades the release in place.
    const release = revealSecrets(resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs) as Record<string, unknown>;
    expect(release["version"]).toBe("14.2.103");
    expect(options.get("openfaas")?.replaceOnChanges ?? []).toEqual([]);
    expect(options.get("openfaas")?.deleteBeforeReplace).toBeFalsy();
  });

  it("brackets an IPv6 host in the gateway and Prometheus URLs", () => {
    expect(urls6).toEqual(["http://[fd00::2]:31112", "http://[fd00::2]:30411"]);
  });

  it("reports the k3s node's CPU count from the install", () => {
    expect(cores).toBe(8);
  });

  it("sets a host up with a pinned host key and the controller's Node; a bundle change is an update, never a replace", () => {
    const setup = inputs("runner-ansible");
    expect(setup["create"]).toBe(
      `${ansibleRunnerSetup({
        playbook: "playbooks/setup-runner.yml",
        host: "10.0.0.1",
        user: "ubuntu",
        port: 22,
        workdir: ".peva-lab",
        workspaces: ["@peva-lab/peva-faas"],
        loadgens: [],
        requiredTools: [{ tool: "prometheus", aptPackage: "prometheus" }],
        controllerNode: { binary: process.execPath, arch: unameArch(process.arch) },
      })}\n# runner bundle ${runnerBundleHash(REPO, ["@peva-lab/peva-faas"])}`,
    );
    expect(setup["environment"]).toEqual({ PEVA_SSH_PRIVATE_KEY: KEY, PEVA_KNOWN_HOSTS: KNOWN_HOSTS });
    // A trigger would replace: the new setup first, then the old one's teardown removing what was just installed.
    expect(setup["triggers"] ?? []).toEqual([]);
    expect(String(setup["delete"])).toContain("playbooks/teardown-host.yml");
  });
});
