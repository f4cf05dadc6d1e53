/**
 * `Lab`: the whole lab for one stack, wired from a {@link LabPlan}. The `local` stack runs everything on this
 * machine; `multipass` and `ssh` stacks build VMs / use hosts, k3s, OpenFaaS + Prometheus and a runner.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/stack-config.ts";
import type { HostPlan, LabPlan } from "../plan/lab-plan.ts";
import { K3sCluster, type SshConnection } from "./k3s-cluster.ts";
import { LocalRunnerHost } from "./local-runner-host.ts";
import { MultipassVm } from "./multipass-vm.ts";
import { OpenFaasPlatform } from "./openfaas-platform.ts";
import { RunnerSetup } from "./runner-setup.ts";
import { ToolchainProbe } from "./toolchain-probe.ts";
import { LocalPlatform } from "./local-platform.ts";
import { BenchmarkRun } from "./benchmark-run.ts";
import type { RunCounts, RunStatus } from "@peva-lab/peva-faas/runner";


/** Inputs of {@link Lab}. */
export interface LabArgs {
  readonly plan: LabPlan;
  readonly config: StackConfig;
  /** Secret values from the stack config, already wrapped as Pulumi secrets. */
  readonly secrets: { readonly gatewayPassword?: pulumi.Output<string>; readonly sshPrivateKey?: pulumi.Output<string> };
  /** npm workspaces the runner must install (extras of the enabled plugins). */
  readonly runnerWorkspaces: readonly string[];
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
}

/** The lab. */
export class Lab extends pulumi.ComponentResource {
  /** The runner host: name, workdir, and on the local stack its cores and tool versions. */
  public readonly runner: pulumi.Output<RunnerOutputs>;
  /** The platform: kind, and the gateway / Prometheus URLs once they exist. */
  public readonly platform: pulumi.Output<PlatformOutputs>;
  /** The peva-faas campaign run, when the workload is enabled (local stack). */
  public readonly run: pulumi.Output<RunOutputs> | undefined;

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
        { stateDir: `${plan.outputRoot}/platform`, maxReplicas: config.platform.maxReplicas, queueDepth: config.platform.queueDepth },
        { parent: this, dependsOn: [probe] },
      );
      this.platform = pulumi
        .all([platform.gatewayUrl, platform.prometheusUrl])
        .apply(([gatewayUrl, prometheusUrl]) => ({ kind: "local" as const, gatewayUrl, prometheusUrl }));
      const workload = config.workloads["peva-faas"];
      if (workload?.enabled) {
        const run = new BenchmarkRun(
          "peva-faas",
          {
            stack: plan.stack,
            host: plan.runnerHost,
            workdir: plan.runnerWorkdir,
            outputRoot: plan.outputRoot,
            platform: "local",
            gatewayUrl: platform.gatewayUrl,
            gatewayPassword: platform.gatewayPassword,
            prometheusUrl: platform.prometheusUrl,
            nodeCores: host.facts.apply((f) => f.cores),
            settings: workload.settings,
            cleanup: config.cleanup,
          },
          { parent: this, dependsOn: [platform, host] },
        );
        this.run = pulumi.output({
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
        });
      }
    } else {
      const key = args.secrets.sshPrivateKey;
      if (!key) throw new Error("internal: validated config has no sshPrivateKey");
      const addresses = new Map<string, pulumi.Input<string>>();
      for (const host of plan.hosts) addresses.set(host.name, this.hostAddress(host, key));
      const conn = (h: HostPlan): SshConnection => ({
        host: addresses.get(h.name)!,
        user: h.connection.kind === "ssh" ? h.connection.user : "ubuntu",
        port: h.connection.kind === "ssh" ? h.connection.port : 22,
        privateKey: key,
      });
      const k3sHost = plan.hosts.find((h) => h.roles.includes("k3s"))!;
      const runner = plan.hosts.find((h) => h.name === plan.runnerHost)!;
      if (config.platform.type !== "openfaas") throw new Error("internal: remote stacks use the openfaas platform");
      const password = args.secrets.gatewayPassword;
      if (!password) throw new Error("internal: validated config has no gatewayPassword");
      const k3s = new K3sCluster("k3s", { connection: conn(k3sHost), version: config.platform.k3sVersion }, { parent: this });
      const platform = new OpenFaasPlatform(
        "openfaas",
        {
          connection: conn(k3sHost),
          chartVersion: config.platform.openfaasChartVersion,
          gatewayPort: config.platform.gatewayPort,
          prometheusPort: config.platform.prometheusPort,
          prometheusImage: config.platform.prometheusImage,
          nodeExporterImage: config.platform.nodeExporterImage,
          gatewayPassword: password,
        },
        { parent: this, dependsOn: [k3s.ready] },
      );
      const r = conn(runner);
      new RunnerSetup(
        "runner",
        {
          host: r.host,
          user: r.user,
          port: r.port,
          privateKey: key,
          workdir: plan.runnerWorkdir,
          workspaces: args.runnerWorkspaces,
          loadgens: plan.loadgens.flatMap((l) =>
            l.tool ? [{ tool: l.tool.name, versionArgs: l.tool.versionArgs, ...(l.bundled ? { bundled: l.bundled } : {}) }] : [],
          ),
        },
        { parent: this },
      );
      this.runner = pulumi.output({ host: plan.runnerHost, workdir: plan.runnerWorkdir });
      this.platform = pulumi
        .all([platform.gatewayUrl, platform.prometheusUrl])
        .apply(([gatewayUrl, prometheusUrl]) => ({ kind: "openfaas" as const, gatewayUrl, prometheusUrl }));
    }
    this.registerOutputs({ runner: this.runner, platform: this.platform, run: this.run });
  }

  private hostAddress(host: HostPlan, key: pulumi.Output<string>): pulumi.Input<string> {
    if (host.vm) {
      return new MultipassVm(host.name, { vm: host.vm, sshPrivateKey: key }, { parent: this }).address;
    }
    if (host.connection.kind !== "ssh") throw new Error(`internal: host ${host.name} has no SSH connection`);
    return host.connection.host;
  }
}
