/**
 * `Lab`: the whole lab for one stack, wired from a {@link LabPlan}: the plan decides which hosts, setups, platform
 * and runs exist; this file only declares them. The `local` stack runs everything on this machine; `multipass`
 * and `ssh` stacks pin each host's SSH keys, set hosts up, install the platform (k3s + OpenFaaS, or the embedded
 * one on the platform host) and run the campaign on the runner host over SSH.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/stack-config.ts";
import type { HostPlan, LabPlan } from "../plan/lab-plan.ts";
import type { NodeSettings } from "../plan/local-platform.ts";
import { platformIdentity, type MeasuredNode } from "../plan/platform-identity.ts";
import { K3sCluster, type SshConnection } from "./k3s-cluster.ts";
import { LocalRunnerHost } from "./local-runner-host.ts";
import { MultipassVm } from "./multipass-vm.ts";
import { OpenFaasPlatform } from "./openfaas-platform.ts";
import { RunnerSetup } from "./runner-setup.ts";
import { ToolchainProbe } from "./toolchain-probe.ts";
import { LocalPlatform } from "./local-platform.ts";
import { BenchmarkRun, type BenchmarkRunArgs } from "./benchmark-run.ts";
import { OpenFaasFunction } from "./openfaas-function.ts";
import { HostKeyPin } from "./host-key.ts";
import type { RunCounts, RunStatus } from "@peva-lab/peva-faas/runner";


/** Inputs of {@link Lab}. */
export interface LabArgs {
  readonly plan: LabPlan;
  readonly config: StackConfig;
  /** Secret values from the stack config, already wrapped as Pulumi secrets. */
  readonly secrets: { readonly gatewayPassword?: pulumi.Output<string>; readonly sshPrivateKey?: pulumi.Output<string> };
  /** Per remote host of the plan's host setups: the npm workspaces to install there (extras of its plugins). */
  readonly hostWorkspaces: Readonly<Record<string, readonly string[]>>;
  /** Compute per analysis transform, as compute governance resolved it for this stack. */
  readonly analysisCompute: Readonly<Record<string, string>>;
}

/** What the lab reports about its runner host. */
export interface RunnerOutputs {
  readonly host: string;
  readonly workdir: string;
  readonly cores?: number;
  readonly tools?: Record<string, { path: string; version: string }>;
}

/** What the lab reports about the platform under test. */
export interface PlatformOutputs {
  readonly kind: "local" | "openfaas";
  readonly gatewayUrl?: string;
  readonly prometheusUrl?: string;
}

/** What the lab reports about a campaign run. */
export interface RunOutputs {
  readonly runId: string;
  readonly status: RunStatus;
  readonly success: boolean;
  readonly counts: RunCounts;
  readonly message: string;
  readonly resultsCsv: string;
  readonly memoryDb: string;
  readonly eventsFile: string;
  readonly stopFile: string;
  readonly summary: string;
  readonly frontier: readonly { functions: string; rates: Record<string, number> }[];
  /** The campaign's offline HTML report on the controller ("" when it could not be written). */
  readonly report: string;
}

/** The lab. */
export class Lab extends pulumi.ComponentResource {
  /** The runner host: name, workdir, and on the local stack its cores and tool versions. */
  public readonly runner: pulumi.Output<RunnerOutputs>;
  /** The platform: kind, and the gateway / Prometheus URLs once they exist. */
  public readonly platform: pulumi.Output<PlatformOutputs>;
  /** The peva-faas campaign run, when the workload is enabled. */
  public readonly run: pulumi.Output<RunOutputs> | undefined;
  /** On OpenFaaS platforms, the k3s cluster's admin kubeconfig, pointed at its host: a secret. */
  public readonly kubeconfig: pulumi.Output<string> | undefined;

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("peva-lab:lab:Lab", name, {}, opts);
    const { plan, config } = args;

    if (plan.kind === "local") {
      const host = new LocalRunnerHost(plan.runnerHost, { workdir: plan.runnerWorkdir }, { parent: this });
      const probe = new ToolchainProbe(`${plan.runnerHost}-toolchain`, { tools: plan.runnerTools }, { parent: this });
      this.runner = pulumi
        .all([host.facts, probe.found])
        .apply(([facts, tools]) => ({ host: plan.runnerHost, workdir: plan.runnerWorkdir, cores: facts.cores, tools }));
      if (config.platform.type !== "local") throw new Error("internal: the local stack uses the local platform");
      const platform = new LocalPlatform(
        "platform",
        { stateDir: `${plan.outputRoot}/platform`, maxReplicas: config.platform.maxReplicas, queueDepth: config.platform.queueDepth, node: nodeSettings(config.platform) },
        { parent: this, dependsOn: [probe] },
      );
      this.platform = pulumi
        .all([platform.gatewayUrl, platform.prometheusUrl])
        .apply(([gatewayUrl, prometheusUrl]) => ({ kind: "local" as const, gatewayUrl, prometheusUrl }));
      this.run = this.campaignRun(
        args,
        {
          gatewayUrl: platform.gatewayUrl,
          gatewayPassword: platform.gatewayPassword,
          prometheusUrl: platform.prometheusUrl,
          node: embeddedNode(platform),
        },
        {},
        [platform, host],
      );
    } else {
      const key = args.secrets.sshPrivateKey;
      if (!key) throw new Error("internal: validated config has no sshPrivateKey");
      const hosts = new Map<string, RemoteHost>();
      for (const host of plan.hosts) hosts.set(host.name, this.remoteHost(host, key));
      const at = (name: string): RemoteHost => {
        const h = hosts.get(name);
        if (!h) throw new Error(`internal: the plan names an unknown host ${name}`);
        return h;
      };

      // Host setup: each host independently; the platform and the run wait for their own host's setup.
      const setups = new Map<string, RunnerSetup>();
      for (const setup of plan.hostSetups) {
        const h = at(setup.host);
        setups.set(
          setup.host,
          new RunnerSetup(
            setup.host === plan.runnerHost ? "runner" : setup.host,
            {
              host: h.address,
              user: h.user,
              port: h.port,
              privateKey: key,
              knownHosts: h.pin.knownHosts,
              workdir: plan.runnerWorkdir,
              workspaces: args.hostWorkspaces[setup.host] ?? [],
              loadgens: setup.loadgens.flatMap((l) =>
                l.tool ? [{ tool: l.tool.name, versionArgs: l.tool.versionArgs, ...(l.bundled ? { bundled: l.bundled } : {}) }] : [],
              ),
              requiredTools: setup.requiredTools,
            },
            { parent: this, dependsOn: [h.pin] },
          ),
        );
      }

      const target = at(plan.platform.host);
      let gatewayUrl: pulumi.Output<string>;
      let prometheusUrl: pulumi.Output<string>;
      let gatewayPassword: pulumi.Input<string>;
      let node: pulumi.Output<MeasuredNode>;
      let platformResources: pulumi.Resource[];
      if (plan.platform.kind === "local") {
        if (config.platform.type !== "local") throw new Error("internal: plan and config disagree on the platform");
        const platform = new LocalPlatform(
          "platform",
          {
            stateDir: "platform",
            maxReplicas: config.platform.maxReplicas,
            queueDepth: config.platform.queueDepth,
            node: nodeSettings(config.platform),
            remote: {
              connection: { host: target.address, port: target.port, user: target.user, knownHosts: target.pin.knownHosts },
              privateKey: key,
              workdir: plan.runnerWorkdir,
            },
          },
          { parent: this, dependsOn: [setups.get(plan.platform.host)!] },
        );
        ({ gatewayUrl, prometheusUrl, gatewayPassword } = platform);
        node = embeddedNode(platform);
        platformResources = [platform];
      } else {
        if (config.platform.type !== "openfaas") throw new Error("internal: plan and config disagree on the platform");
        const password = args.secrets.gatewayPassword;
        if (!password) throw new Error("internal: validated config has no gatewayPassword");
        const connection: SshConnection = { host: target.address, user: target.user, port: target.port, privateKey: key, hostKey: target.pin.keys.apply(firstKey) };
        const k3s = new K3sCluster(
          "k3s",
          { connection, version: config.platform.k3sVersion, ...(target.vm ? { deletedWith: target.vm.instance } : {}) },
          { parent: this, dependsOn: [target.pin] },
        );
        const platform = new OpenFaasPlatform(
          "openfaas",
          {
            cluster: k3s,
            address: target.address,
            chartVersion: config.platform.openfaasChartVersion,
            gatewayPort: config.platform.gatewayPort,
            prometheusPort: config.platform.prometheusPort,
            prometheusImage: config.platform.prometheusImage,
            nodeExporterImage: config.platform.nodeExporterImage,
            gatewayPassword: password,
          },
          { parent: this, dependsOn: [k3s] },
        );
        ({ gatewayUrl, prometheusUrl } = platform);
        this.kubeconfig = k3s.kubeconfig;
        gatewayPassword = password;
        node = pulumi.output(k3s.cores).apply((cores) => ({ cores }));
        // The campaign's functions, deployed and ready before the run; destroyed after it, before the platform.
        const functions = plan.functionDeployments.map(
          (f) =>
            new OpenFaasFunction(
              `fn-${f.name}`,
              { gatewayUrl, password, name: f.name, image: f.image, ...(f.envProcess ? { envProcess: f.envProcess } : {}), envVars: { ...f.envVars } },
              // Functions go before OpenFaaS when removed on their own; with the cluster, its uninstall removes them.
              { parent: this, dependsOn: [platform], deletedWith: k3s.ready },
            ),
        );
        platformResources = [platform, ...functions];
      }
      this.platform = pulumi
        .all([gatewayUrl, prometheusUrl])
        .apply(([g, p]) => ({ kind: plan.platform.kind, gatewayUrl: g, prometheusUrl: p }));
      this.runner = pulumi.output({ host: plan.runnerHost, workdir: plan.runnerWorkdir });

      const runner = at(plan.runnerHost);
      this.run = this.campaignRun(
        args,
        { gatewayUrl, gatewayPassword, prometheusUrl, node },
        {
          connection: pulumi
            .all([runner.address, runner.pin.knownHosts])
            .apply(([host, knownHosts]) => ({ host, port: runner.port, user: runner.user, knownHosts })),
          privateKey: key,
        },
        // Destroy runs in reverse: the run (memory retrieval) goes before the runner setup and the platform.
        [...platformResources, setups.get(plan.runnerHost)!],
      );
    }
    this.registerOutputs({ runner: this.runner, platform: this.platform, run: this.run, kubeconfig: this.kubeconfig });
  }

  /**
   * The `peva-faas` campaign run on the plan's runner host, when the plan has one: the same resource on every stack,
   * differing only in the platform's endpoints and, remotely, how the runner host is reached.
   */
  private campaignRun(
    { plan, config, analysisCompute }: LabArgs,
    platform: Pick<BenchmarkRunArgs, "gatewayUrl" | "gatewayPassword" | "prometheusUrl"> & { readonly node: pulumi.Output<MeasuredNode> },
    remote: Pick<BenchmarkRunArgs, "connection" | "privateKey">,
    dependsOn: pulumi.Resource[],
  ): pulumi.Output<RunOutputs> | undefined {
    const workload = config.workloads["peva-faas"];
    if (plan.runs.length === 0 || !workload) return undefined;
    const { node, ...endpoints } = platform;
    const identity = node.apply((n) => platformIdentity(config, plan, n));
    const run = new BenchmarkRun(
      "peva-faas",
      {
        stack: plan.stack,
        host: plan.runnerHost,
        workdir: plan.runnerWorkdir,
        outputRoot: plan.outputRoot,
        platform: plan.platform.kind,
        ...endpoints,
        nodeCores: node.apply((n) => n.cores),
        platformIdentity: identity,
        settings: workload.settings,
        cleanup: config.cleanup,
        analysis: { transforms: analysisCompute, threads: config.compute.threads, memoryLimit: config.compute.memoryLimit },
        ...remote,
      },
      { parent: this, dependsOn },
    );
    return runOutputs(run);
  }

  /** A remote host: a Multipass VM or a configured address, and its pinned host keys. */
  private remoteHost(host: HostPlan, key: pulumi.Output<string>): RemoteHost {
    if (host.connection.kind !== "ssh") throw new Error(`internal: host ${host.name} has no SSH connection`);
    const { user, port } = host.connection;
    const vm = host.vm ? new MultipassVm(host.name, { vm: host.vm, sshPrivateKey: key }, { parent: this }) : undefined;
    const address = vm ? vm.address : pulumi.output(host.connection.host);
    const pin = new HostKeyPin(
      `${host.name}-host-key`,
      { address, port, pinned: host.hostKeys ?? [], identity: vm ? vm.identity : address },
      { parent: this, ...(vm ? { dependsOn: [vm] } : {}) },
    );
    return { address, user, port, pin, ...(vm ? { vm } : {}) };
  }
}

/** The node settings of the embedded platform's stack config. */
function nodeSettings(p: Extract<StackConfig["platform"], { type: "local" }>): NodeSettings {
  return { cpus: p.cpus, memoryMb: p.memoryMb, isolation: p.isolation };
}

/** The embedded platform's node as its gateway made it (declared CPUs, and how its size is enforced). */
function embeddedNode(platform: LocalPlatform): pulumi.Output<MeasuredNode> {
  return pulumi.all([platform.nodeCores, platform.nodeIsolation]).apply(([cores, isolation]) => ({ cores, isolation }));
}

/** The key `command:remote` connections pin (they take one); an empty pin is a provider bug, never "no check". */
function firstKey(keys: readonly string[]): string {
  const key = keys[0];
  if (!key) throw new Error("internal: a host key pin holds no key");
  return key;
}

/** A remote host as the components use it. */
interface RemoteHost {
  readonly address: pulumi.Output<string>;
  readonly user: string;
  readonly port: number;
  /** Its pinned keys: what must exist before anything connects to it. */
  readonly pin: HostKeyPin;
  /** The Multipass VM it is, when the lab creates it. */
  readonly vm?: MultipassVm;
}

function runOutputs(run: BenchmarkRun): pulumi.Output<RunOutputs> {
  return pulumi.output({
    runId: run.runId,
    status: run.status,
    success: run.success,
    counts: run.counts,
    message: run.message,
    resultsCsv: run.resultsCsv,
    memoryDb: run.memoryDb,
    eventsFile: run.eventsFile,
    stopFile: run.stopFile,
    summary: run.summary,
    frontier: run.frontier,
    report: run.report,
  });
}
