/**
 * Pure planning of the lab from a validated stack config: which hosts exist, what role each plays, how the
 * controller reaches them, where the runner keeps its work, which tools it needs. No Pulumi, no I/O: the
 * components in `components/` only wire what this returns.
 */
import { CONFIG_NAMESPACE, type StackConfig } from "../config/stack-config.ts";
import type { RequiredTool } from "./commands.ts";
import { OPENFAAS_SCRAPE_INTERVAL_S } from "./openfaas-cluster.ts";
import { LOCAL_SCRAPE_INTERVAL_S } from "./local-platform.ts";
import { catalogFunction } from "./function-catalog.ts";

/** How the controller reaches a host. */
export type Connection =
  | { readonly kind: "local" }
  | { readonly kind: "ssh"; readonly host: string; readonly user: string; readonly port: number };

/** One host of the lab. */
export interface HostPlan {
  /** Inventory name, also used in output paths (`<output>/<run>/<host>/…`). */
  readonly name: string;
  /** `runner` runs the load generator and the campaign; `platform` runs the platform under test. On the local stack one host plays both. */
  readonly roles: readonly ("runner" | "platform")[];
  /** How to reach it. For Multipass VMs the address is only known after creation. */
  readonly connection: Connection;
  /** Host keys pinned in the config; absent: recorded on first use. */
  readonly hostKeys?: readonly string[];
  /** Present when the lab creates this host as a Multipass VM. */
  readonly vm?: { readonly cpus: number; readonly memoryGb: number; readonly diskGb: number; readonly image: string };
}

/** A command-line tool the runner host must have. */
export interface ToolRequirement {
  /** Executable name looked up on PATH. */
  readonly name: string;
  /** Arguments that print the version. */
  readonly versionArgs: readonly string[];
  /** Why it is needed (shown when missing). */
  readonly neededBy: string;
}

/** The load generator a workload drives (a `loadgen` plugin) and how its tool reaches the runner host. */
export interface LoadgenPlan {
  /** The plugin name (`vegeta`, `k6`, …), as `settings.loadgen.type` names it. */
  readonly plugin: string;
  /** The tool on the runner's PATH, when the plan knows it. */
  readonly tool?: ToolRequirement;
  /**
   * Bundled generators only: the controller-side static binary (relative to the project) that runner setup copies
   * to remote runner hosts, and the version string it must report. Absent for a tool the user installs (k6).
   */
  readonly bundled?: { readonly controllerBinary: string; readonly version: string };
}

/** What host setup installs on one remote host: Node, the bundle with these plugins' workspaces, tools. */
export interface HostSetupPlan {
  readonly host: string;
  /** Plugins whose code (and npm extras) the host needs, sorted. */
  readonly plugins: readonly string[];
  /** Load generators to copy (bundled) or check (user-installed). */
  readonly loadgens: readonly LoadgenPlan[];
  readonly requiredTools: readonly RequiredTool[];
}

/** Where the platform under test runs. */
export type PlatformPlacement =
  | { readonly kind: "local"; readonly host: string; readonly remote: boolean }
  | { readonly kind: "openfaas"; readonly host: string };

/** Seconds between two scrapes of the Prometheus that measures a platform of `kind` (the lab deploys both). */
export function platformScrapeIntervalSeconds(kind: PlatformPlacement["kind"]): number {
  return kind === "local" ? LOCAL_SCRAPE_INTERVAL_S : OPENFAAS_SCRAPE_INTERVAL_S;
}

/**
 * What a workload's own settings check needs to know about the planned lab (`WorkloadPlugin.checkSettings`): where
 * relative paths resolve, the platform's kind and its Prometheus's scrape interval. Pure.
 */
export function workloadCheckContext(plan: Pick<LabPlan, "platform">, projectDir: string): { projectDir: string; platform: string; scrapeIntervalSeconds: number } {
  return { projectDir, platform: plan.platform.kind, scrapeIntervalSeconds: platformScrapeIntervalSeconds(plan.platform.kind) };
}

/** The whole lab, as decided from the config. */
export interface LabPlan {
  readonly stack: string;
  readonly kind: "local" | "multipass" | "ssh";
  readonly hosts: readonly HostPlan[];
  /** Name of the host that runs the campaign. */
  readonly runnerHost: string;
  /** Runner working directory: relative to the project on the local stack, to the user's home on remote hosts. */
  readonly runnerWorkdir: string;
  /** Controller-side output root for this stack: `<output.dir>/<stack>`. */
  readonly outputRoot: string;
  /** Tools the runner host must have. */
  readonly runnerTools: readonly ToolRequirement[];
  /** Names of enabled workloads, sorted. */
  readonly enabledWorkloads: readonly string[];
  /** The load generators the enabled workloads drive, sorted by plugin name. */
  readonly loadgens: readonly LoadgenPlan[];
  /** Plugins whose code the runner host needs: the enabled workloads and their load generators, sorted. */
  readonly runnerPlugins: readonly string[];
  /** The platform under test and its host. */
  readonly platform: PlatformPlacement;
  /**
   * Remote hosts to set up before anything runs on them (each independently; the platform and the run depend on
   * their host's setup). Empty on the local stack.
   */
  readonly hostSetups: readonly HostSetupPlan[];
  /** The campaign runs the lab declares: the `peva-faas` workload when enabled, on the runner host. */
  readonly runs: readonly { readonly workload: "peva-faas"; readonly host: string }[];
  /**
   * Functions the lab deploys through the gateway's API before the campaign starts: on OpenFaaS, the campaign's
   * functions with an image from the stack's `platform.functions` or the catalogue (`plan/function-catalog.ts`);
   * others must already be deployed. None on the embedded platform, which serves its functions from the start.
   */
  readonly functionDeployments: readonly FunctionDeploymentPlan[];
}

/** One function the lab deploys. */
export interface FunctionDeploymentPlan {
  readonly name: string;
  readonly image: string;
  readonly envProcess?: string;
  readonly envVars: Readonly<Record<string, string>>;
}

/** The function a peva-faas campaign benchmarks when its settings name none (peva-faas's own default). */
export const PEVA_FAAS_DEFAULT_FUNCTIONS: readonly string[] = ["figlet"];

/** The names of the functions a peva-faas campaign's (schema-valid) settings load, in the campaign's order. */
function campaignFunctionNames(settings: Readonly<Record<string, unknown>> | undefined): readonly string[] {
  const listed = settings?.["functions"];
  return Array.isArray(listed)
    ? listed.flatMap((f) => (f !== null && typeof f === "object" && typeof (f as { name?: unknown }).name === "string" ? [(f as { name: string }).name] : []))
    : PEVA_FAAS_DEFAULT_FUNCTIONS;
}

/** How the stack deploys functions on OpenFaaS (`platform.functions`), by name. */
type FunctionOverrides = Extract<StackConfig["platform"], { type: "openfaas" }>["functions"];

/**
 * The campaign's functions the lab can deploy, in the campaign's order: the stack's `platform.functions` entry over
 * the catalogue's, field by field. A function with an image from neither is left to be deployed by hand.
 */
function functionDeploymentsOf(names: readonly string[], overrides: FunctionOverrides): FunctionDeploymentPlan[] {
  return names.flatMap((name) => {
    const entry = catalogFunction(name);
    const own = Object.hasOwn(overrides, name) ? overrides[name] : undefined;
    const image = own?.image ?? entry?.image;
    if (!image) return [];
    const envProcess = own?.envProcess ?? entry?.envProcess;
    return [{ name, image, ...(envProcess ? { envProcess } : {}), envVars: { ...entry?.envVars, ...own?.envVars } }];
  });
}

/**
 * Problems of the stack's `platform.functions` that only the campaign reveals, as `peva-lab:<path>: <message>`: an
 * entry for a function the campaign does not load is a typo that would deploy the catalogue's image instead.
 * Checked before any resource exists, when the campaign is enabled.
 */
export function platformFunctionProblems(config: StackConfig): string[] {
  const p = config.platform;
  const workload = config.workloads["peva-faas"];
  if (p.type !== "openfaas" || !workload?.enabled) return [];
  const names = campaignFunctionNames(workload.settings);
  return Object.keys(p.functions)
    .filter((name) => !names.includes(name))
    .map((name) => `${CONFIG_NAMESPACE}:platform.functions.${name}: not a function of the peva-faas campaign (it loads ${names.join(", ")})`);
}

/** The local stack's single host. */
export const LOCAL_HOST_NAME = "localhost";

/** Workdir of peva-lab on remote hosts, relative to the login user's home: `bin/`, `bundle/`, runs, memory. */
const REMOTE_WORKDIR = ".peva-lab";

/** The bundled load generator (MIT), built by the bootstrap; k6 (AGPL-3.0) is only ever the user's own install. */
const DEFAULT_LOADGEN = "vegeta";

/** What the plan knows of each in-tree load generator's tool. */
const LOADGEN_TOOLS: Readonly<Record<string, Omit<LoadgenPlan, "plugin">>> = {
  vegeta: {
    tool: { name: "vegeta", versionArgs: ["-version"], neededBy: "the load generator (plugin vegeta)" },
    bundled: { controllerBinary: ".tools/bin/vegeta", version: "v12.13.0" },
  },
  k6: { tool: { name: "k6", versionArgs: ["version"], neededBy: "the load generator (plugin k6; install k6 yourself)" } },
};

/** What the embedded platform needs on a remote platform host (Debian/Ubuntu package names). */
const EMBEDDED_PLATFORM_TOOLS: readonly RequiredTool[] = [
  { tool: "prometheus", aptPackage: "prometheus" },
  { tool: "prometheus-node-exporter", aptPackage: "prometheus-node-exporter" },
];

const TOOLS: Readonly<Record<string, ToolRequirement>> = {
  node: { name: "node", versionArgs: ["--version"], neededBy: "the campaign runner" },
  prometheus: { name: "prometheus", versionArgs: ["--version"], neededBy: "the local platform (metrics)" },
  "prometheus-node-exporter": {
    name: "prometheus-node-exporter",
    versionArgs: ["--version"],
    neededBy: "the local platform (node metrics)",
  },
};

/** Plans the lab for `stack` from its validated config. */
export function planLab(stack: string, config: StackConfig): LabPlan {
  const enabledWorkloads = Object.entries(config.workloads)
    .filter(([, w]) => w.enabled)
    .map(([name]) => name)
    .sort();
  const loadgens = loadgensOf(config, enabledWorkloads);
  const runnerTools: ToolRequirement[] = [TOOLS.node!];
  for (const l of loadgens) if (l.tool) runnerTools.push(l.tool);
  if (config.platform.type === "local" && config.provisioner.type === "local") runnerTools.push(TOOLS.prometheus!, TOOLS["prometheus-node-exporter"]!);
  const outputRoot = `${trimSlash(config.output.dir)}/${stack}`;
  const runnerPlugins = [...enabledWorkloads, ...loadgens.map((l) => l.plugin)].sort();
  const runs = enabledWorkloads.includes("peva-faas") ? (["peva-faas"] as const) : [];

  const p = config.provisioner;
  if (p.type === "local") {
    return {
      stack,
      kind: "local",
      hosts: [{ name: LOCAL_HOST_NAME, roles: ["runner", "platform"], connection: { kind: "local" } }],
      runnerHost: LOCAL_HOST_NAME,
      runnerWorkdir: `${outputRoot}/workdir`,
      outputRoot,
      runnerTools,
      enabledWorkloads,
      loadgens,
      runnerPlugins,
      platform: { kind: "local", host: LOCAL_HOST_NAME, remote: false },
      hostSetups: [],
      runs: runs.map((workload) => ({ workload, host: LOCAL_HOST_NAME })),
      functionDeployments: [],
    };
  }
  const hosts: HostPlan[] =
    p.type === "multipass"
      ? p.vms.map((vm) => ({
          name: vm.name,
          roles: [vm.role],
          // Multipass images log in as `ubuntu`; the address is filled in once the VM exists.
          connection: { kind: "ssh", host: "", user: "ubuntu", port: 22 },
          vm: { cpus: vm.cpus, memoryGb: vm.memoryGb, diskGb: vm.diskGb, image: vm.image },
        }))
      : p.hosts.map((h) => ({
          name: h.name,
          roles: [h.role],
          connection: { kind: "ssh", host: h.address, user: h.user, port: h.port },
          ...(h.hostKeys ? { hostKeys: h.hostKeys } : {}),
        }));
  const runner = hosts.find((h) => h.roles.includes("runner"));
  const platformHost = hosts.find((h) => h.roles.includes("platform"));
  if (!runner || !platformHost) throw new Error("internal: validated config lacks a runner or a platform host");
  const embedded = config.platform.type === "local";
  const hostSetups: HostSetupPlan[] = [];
  if (embedded) {
    hostSetups.push({ host: platformHost.name, plugins: ["platform-local"], loadgens: [], requiredTools: EMBEDDED_PLATFORM_TOOLS });
  }
  hostSetups.push({ host: runner.name, plugins: runnerPlugins, loadgens, requiredTools: [] });
  return {
    stack,
    kind: p.type,
    hosts,
    runnerHost: runner.name,
    runnerWorkdir: REMOTE_WORKDIR,
    outputRoot,
    runnerTools,
    enabledWorkloads,
    loadgens,
    runnerPlugins,
    platform: embedded ? { kind: "local", host: platformHost.name, remote: true } : { kind: "openfaas", host: platformHost.name },
    hostSetups,
    runs: runs.map((workload) => ({ workload, host: runner.name })),
    functionDeployments:
      config.platform.type === "openfaas" && runs.length > 0
        ? functionDeploymentsOf(campaignFunctionNames(config.workloads["peva-faas"]?.settings), config.platform.functions)
        : [],
  };
}

/**
 * The generators of the enabled workloads: `settings.loadgen.type` of each (the workload validated it), the
 * bundled generator when a workload that drives load (peva-faas) leaves it unset.
 */
function loadgensOf(config: StackConfig, enabledWorkloads: readonly string[]): LoadgenPlan[] {
  const names = new Set<string>();
  for (const name of enabledWorkloads) {
    const loadgen = config.workloads[name]?.settings["loadgen"];
    const type = loadgen !== null && typeof loadgen === "object" ? (loadgen as Record<string, unknown>)["type"] : undefined;
    if (typeof type === "string") names.add(type);
    else if (name === "peva-faas") names.add(DEFAULT_LOADGEN);
  }
  return [...names].sort().map((plugin) => ({ plugin, ...LOADGEN_TOOLS[plugin] }));
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}
