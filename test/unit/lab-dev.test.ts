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
import { K3S_KUBECONFIG } from "../support/k3s-kubeconfig.ts";
import { collectResources, stubDynamicProviderSerialization, isSecretValue, revealSecrets, secretFree, type RecordedResource } from "../support/pulumi-mocks.ts";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCK-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const PASSWORD = "mock-gateway-password";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyMockHostKeyMockHostKeyMock";

describe("dev stack component tree (Pulumi mocks)", () => {
  let resources: RecordedResource[];
  let platform: PlatformOutputs;
  let kubeconfig: { secret: boolean; value: string };
  /** Options each resource was declared with, by `<type> <name>` (recorded by a transformation on the lab). */
  const options = new Map<string, pulumi.CustomResourceOptions>();
  /** The `<type> <name>` of what each resource explicitly depends on; and the provider each one names. */
  const dependsOn = new Map<string, string[]>();
  const providerOf = new Map<string, string>();
  /** The `<type> <name>` whose delete makes a resource's own delete unnecessary (`deletedWith`). */
  const deletedWith = new Map<string, string>();
  const nameOfUrn = (urn: string) => urn.split("::").slice(-2).join(" ").replace(/^.*\$/, "");

  beforeAll(async () => {
    stubDynamicProviderSerialization();
    const recorder = collectResources({
      // Multipass prints `multipass info --format json`; each VM gets a distinct address.
      "command:local:Command": (args) =>
        args.name.endsWith("-launch")
          ? { stdout: JSON.stringify({ info: { [args.name.replace(/-launch$/, "")]: { ipv4: [`10.0.0.${args.name.includes("k3s") ? 2 : 1}`] } } }) }
          : { stdout: "" },
      // The k3s install prints the node's CPU count on stdout.
      "command:remote:Command": (args) => ({ stdout: args.name === "k3s-install" ? "4" : args.name === "k3s-kubeconfig" ? K3S_KUBECONFIG : "" }),
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
    const record: pulumi.ResourceTransformation = ({ type, name, opts }) => {
      options.set(`${type} ${name}`, opts);
      return undefined;
    };
    const lab = new Lab("lab", args, { transformations: [record] });
    platform = await recorder.settle(lab.platform);
    kubeconfig = { secret: await pulumi.isSecret(lab.kubeconfig!), value: await recorder.settle(lab.kubeconfig!) };
    resources = recorder.resources;
    for (const [key, o] of options) {
      const deps = (Array.isArray(o.dependsOn) ? o.dependsOn : o.dependsOn ? [o.dependsOn] : []) as pulumi.Resource[];
      dependsOn.set(key, (await Promise.all(deps.map((d) => recorder.settle(d.urn)))).map(nameOfUrn));
      if (o.provider) providerOf.set(key, nameOfUrn(await recorder.settle(o.provider.urn)));
      if (o.deletedWith) deletedWith.set(key, nameOfUrn(await recorder.settle(o.deletedWith.urn)));
    }
  });

  it("declares two VMs, k3s, OpenFaaS + Prometheus and the runner setup", () => {
    const count = (type: string) => resources.filter((r) => r.type === type).length;
    expect(count("peva-lab:lab:Lab")).toBe(1);
    expect(count("peva-lab:hosts:MultipassVm")).toBe(2);
    expect(count("peva-lab:platform:K3sCluster")).toBe(1);
    expect(count("peva-lab:platform:OpenFaasPlatform")).toBe(1);
    expect(count("peva-lab:hosts:RunnerSetup")).toBe(1);
    expect(count("command:local:Command")).toBe(3);
    expect(count("command:remote:Command")).toBe(2); // the k3s install, and the read of its kubeconfig
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

  /** The inputs of the one resource of `type` named `name`, secrets revealed. */
  const k8s = (type: string, name: string) => {
    const r = resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`no ${type} ${name}`);
    return revealSecrets(r.inputs) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading Kubernetes objects in assertions
  };

  it("pins every version it installs", () => {
    const byName = (n: string) => resources.find((r) => r.name === n)?.inputs ?? {};
    expect(String(byName("k3s-install")["create"])).toContain("INSTALL_K3S_VERSION=v1.33.4+k3s1");
    const release = k8s("kubernetes:helm.sh/v3:Release", "openfaas");
    expect(release).toMatchObject({ chart: "openfaas", version: "14.2.103", repositoryOpts: { repo: "https://openfaas.github.io/faas-netes/" } });
    expect(k8s("kubernetes:apps/v1:Deployment", "openfaas-prometheus")["spec"].template.spec.containers[0].image).toBe("prom/prometheus:v2.52.0");
    expect(k8s("kubernetes:apps/v1:DaemonSet", "openfaas-node-exporter")["spec"].template.spec.containers[0].image).toBe("prom/node-exporter:v1.8.1");
  });

  it("declares OpenFaaS on k3s with @pulumi/kubernetes: namespaces, basic auth from the Secret, the gateway on its NodePort", () => {
    const names = (type: string) => resources.filter((r) => r.type === type).map((r) => (revealSecrets(r.inputs) as { metadata: { name: string } }).metadata.name).sort();
    expect(names("kubernetes:core/v1:Namespace")).toEqual(["openfaas", "openfaas-fn"]);
    const release = k8s("kubernetes:helm.sh/v3:Release", "openfaas");
    expect(release).toMatchObject({ name: "openfaas", namespace: "openfaas", timeout: 300 });
    expect(release["values"]).toMatchObject({ functionNamespace: "openfaas-fn", generateBasicAuth: false, basic_auth: true, serviceType: "NodePort", gateway: { nodePort: 31112 } });
    const secret = k8s("kubernetes:core/v1:Secret", "openfaas-basic-auth");
    expect(secret["metadata"]).toEqual({ name: "basic-auth", namespace: "openfaas" });
    expect(secret["stringData"]).toEqual({ "basic-auth-user": "admin", "basic-auth-password": PASSWORD });
    expect(k8s("kubernetes:core/v1:Service", "openfaas-prometheus")["spec"]).toMatchObject({ type: "NodePort", ports: [{ port: 9090, nodePort: 30411 }] });
  });

  it("keeps the gateway password and the kubeconfig secret in every input and output that holds them", () => {
    const raw = resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    expect(isSecretValue((raw.inputs["stringData"] as Record<string, unknown>)["basic-auth-password"]) || isSecretValue(raw.inputs["stringData"])).toBe(true);
    // Its outputs too: the SDK declares a Secret's data and stringData secret outputs.
    expect(options.get("kubernetes:core/v1:Secret openfaas-basic-auth")?.additionalSecretOutputs).toEqual(expect.arrayContaining(["data", "stringData"]));
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(isSecretValue(provider.inputs["kubeconfig"])).toBe(true);
    expect(provider.inputs["deleteUnreachable"]).toBe("true"); // provider inputs travel as strings
    // The server is the k3s VM's address; k3s's own 127.0.0.1 only works on the node.
    expect(String(revealSecrets(provider.inputs["kubeconfig"]))).toContain("server: https://10.0.0.2:6443");
    // The stack's `kubeconfig` output: the same, still a secret.
    expect(kubeconfig.secret).toBe(true);
    expect(kubeconfig.value).toContain("server: https://10.0.0.2:6443");
    const read = resources.find((r) => r.name === "k3s-kubeconfig")!;
    expect(read.inputs["logging"]).toBe("none");
    expect(options.get("command:remote:Command k3s-kubeconfig")?.additionalSecretOutputs).toContain("stdout");
    for (const r of resources) {
      expect(JSON.stringify(secretFree(r.inputs)), `${r.type} ${r.name}`).not.toContain("MOCK-KUBE-CLIENT-KEY");
    }
  });

  it("scrapes node-exporter, the kubelet's cAdvisor and the gateway from the ConfigMap Prometheus mounts", () => {
    const config = parse(k8s("kubernetes:core/v1:ConfigMap", "openfaas-prometheus-config")["data"]["prometheus.yml"]) as { scrape_configs: { job_name: string }[] };
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(["node", "kubelet-cadvisor", "openfaas-gateway"]);
    const deployment = k8s("kubernetes:apps/v1:Deployment", "openfaas-prometheus")["spec"].template.spec;
    expect(deployment.volumes).toEqual([{ name: "config", configMap: { name: "prometheus-config" } }]);
    expect(deployment.serviceAccountName).toBe("prometheus");
  });

  it("orders the graph: k3s, its kubeconfig, the provider; namespaces and Secret before the release; functions after OpenFaaS; what goes with what", () => {
    const k8sResources = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8sResources.length).toBe(12);
    for (const r of k8sResources) expect(providerOf.get(`${r.type} ${r.name}`), `${r.type} ${r.name}`).toBe("pulumi:providers:kubernetes k3s");
    expect(dependsOn.get("command:remote:Command k3s-kubeconfig")).toEqual(["command:remote:Command k3s-install"]);
    expect(dependsOn.get("kubernetes:helm.sh/v3:Release openfaas")).toEqual([
      "kubernetes:core/v1:Namespace openfaas-ns",
      "kubernetes:core/v1:Namespace openfaas-fn-ns",
      "kubernetes:core/v1:Secret openfaas-basic-auth",
    ]);
    expect(dependsOn.get("kubernetes:apps/v1:Deployment openfaas-prometheus")).toEqual([
      "kubernetes:core/v1:ConfigMap openfaas-prometheus-config",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding openfaas-prometheus",
      "kubernetes:helm.sh/v3:Release openfaas",
    ]);
    expect(dependsOn.get("peva-lab:platform:OpenFaasPlatform openfaas")).toEqual(["peva-lab:platform:K3sCluster k3s"]);
    // Destroy runs this in reverse: the run (memory retrieval) first, then the functions, then OpenFaaS, then k3s.
    expect(dependsOn.get("pulumi-nodejs:dynamic/peva-lab:OpenFaasFunction fn-figlet")).toEqual(["peva-lab:platform:OpenFaasPlatform openfaas"]);
    // What only lives on the cluster goes with k3s's uninstall, and k3s with its VM, so a destroy passes when the
    // cluster or the VM is already gone; the memory retrieval is never skipped.
    for (const r of k8sResources) expect(deletedWith.get(`${r.type} ${r.name}`), `${r.type} ${r.name}`).toBe("command:remote:Command k3s-install");
    expect(deletedWith.get("pulumi-nodejs:dynamic/peva-lab:OpenFaasFunction fn-figlet")).toBe("command:remote:Command k3s-install");
    expect(deletedWith.get("command:remote:Command k3s-install")).toBe("command:local:Command peva-k3s-launch");
    expect(deletedWith.get("pulumi-nodejs:dynamic/peva-lab:BenchmarkRun peva-faas")).toBeUndefined();
    expect(dependsOn.get("pulumi-nodejs:dynamic/peva-lab:BenchmarkRun peva-faas")).toEqual([
      "peva-lab:platform:OpenFaasPlatform openfaas",
      "pulumi-nodejs:dynamic/peva-lab:OpenFaasFunction fn-figlet",
      "peva-lab:hosts:RunnerSetup runner",
    ]);
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
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret");
    expect(JSON.stringify(secret?.inputs["stringData"])).toContain(PASSWORD); // present, but only inside a secret
  });
});
