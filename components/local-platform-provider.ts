/**
 * Implementation of the `LocalPlatform` dynamic provider (runs in the dynamic-provider process, cwd = project):
 * the orchestration only, against a {@link PlatformHost} — this machine, or a remote platform host over SSH. What
 * the processes are lives in `plan/local-platform.ts`; how a host starts, checks and stops them lives in
 * `platform-host/`.
 */
import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { localPrometheusConfig, localProcessSpecs, platformChanges, platformUrls, type LocalPorts, type NodeSettings } from "../plan/local-platform.ts";
import { NodeLargerThanHostError, PlatformNotReadyError, PlatformProcessExitedError } from "./platform-host/errors.ts";
import { LocalPlatformHost } from "./platform-host/local-platform-host.ts";
import type { PlatformHost, StartedProcess } from "./platform-host/platform-host.ts";
import { SshPlatformHost, type SshPlatformPlacement } from "./platform-host/ssh-platform-host.ts";
import { httpOk } from "./process-control.ts";

/** Provider inputs. */
export interface LocalPlatformInputs {
  /** State directory relative to the project, e.g. `output/local/platform` (this machine only; a remote platform keeps its state in `<root>/platform`). */
  readonly stateDir: string;
  readonly maxReplicas: number;
  readonly queueDepth: number;
  /** The node's declared size and how it is enforced. */
  readonly node: NodeSettings;
  /** Absent: the platform runs on this machine, on loopback. Present: on that host, listening on its address. */
  readonly remote?: SshPlatformPlacement;
  /** The SSH private key for `remote` (a secret in the state). */
  readonly privateKey?: string;
  /** Bumped when the provider's behaviour changes, so existing stacks pick it up. */
  readonly providerVersion: string;
}

/** The platform's processes by name. */
type Processes = Record<"gateway" | "node-exporter" | "prometheus", StartedProcess>;

/** Provider outputs. */
export interface LocalPlatformOutputs extends LocalPlatformInputs {
  readonly gatewayUrl: string;
  readonly prometheusUrl: string;
  readonly nodeExporterUrl: string;
  readonly ports: LocalPorts;
  readonly processes: Processes;
  readonly gatewayPassword: string;
  /** The node's declared CPUs: what the campaign normalises CPU figures by. */
  readonly nodeCores: number;
  /** How the gateway made the node: `cgroup-v1`, `cgroup-v2`, or `processes` (nothing enforces its size). */
  readonly nodeIsolation: string;
}

const START_TIMEOUT_MS = 60_000;
/** How much of a process log a start failure quotes. */
const LOG_TAIL_BYTES = 2_000;
/** Stop order: the scraper first, the gateway last. */
const STOP_ORDER = ["prometheus", "node-exporter", "gateway"] as const;

/** The host of a platform: SSH when the inputs carry `remote`, this machine otherwise. */
function platformHostFor(inputs: Pick<LocalPlatformInputs, "stateDir" | "remote" | "privateKey">): PlatformHost {
  if (!inputs.remote) return new LocalPlatformHost(inputs.stateDir);
  if (!inputs.privateKey) throw new Error(`internal: the platform host ${inputs.remote.connection.host} has a connection but no private key`);
  return new SshPlatformHost(inputs.remote, inputs.privateKey);
}

/** Runs `use` with the host of `inputs`, and always releases its connection. */
async function withHost<T>(inputs: Pick<LocalPlatformInputs, "stateDir" | "remote" | "privateKey">, use: (host: PlatformHost) => Promise<T>): Promise<T> {
  const host = platformHostFor(inputs);
  try {
    return await use(host);
  } finally {
    await host.close();
  }
}

/** Create: start the three processes, wait until all are healthy and Prometheus holds samples of both targets. */
export async function create(inputs: LocalPlatformInputs): Promise<{ id: string; outs: LocalPlatformOutputs }> {
  return withHost(inputs, async (host) => {
    const layout = await host.layout();
    const { stateDir, address } = layout;
    await host.removePath(stateDir); // a previous platform that died leaves stale data behind
    await host.makeDirectory(posix.join(stateDir, "logs"));
    const gatewayPassword = randomBytes(18).toString("base64url");
    await host.writeFile(posix.join(stateDir, "gateway-password"), gatewayPassword, { private: true });

    const hostCores = await host.cores();
    if (inputs.node.cpus > hostCores) throw new NodeLargerThanHostError(inputs.node.cpus, hostCores, host.name);
    const started: StartedProcess[] = [];
    try {
      const [gateway, nodeExporter, prometheus] = await host.freePorts(3);
      const ports: LocalPorts = { gateway: gateway!, nodeExporter: nodeExporter!, prometheus: prometheus! };
      const specs = localProcessSpecs({ ...layout, ports, maxReplicas: inputs.maxReplicas, queueDepth: inputs.queueDepth, node: inputs.node });
      await host.writeFile(posix.join(stateDir, "prometheus.yml"), localPrometheusConfig(ports, address));

      const processes = {} as Processes;
      const logs = {} as Record<keyof Processes, string>;
      for (const spec of specs) {
        logs[spec.name] = posix.join(stateDir, "logs", `${spec.name}.log`);
        const proc = await host.startDetached({
          command: spec.command,
          args: spec.args,
          logFile: logs[spec.name],
          pidFile: posix.join(stateDir, `${spec.name}.pid`),
          marker: spec.marker,
        });
        started.push(proc);
        processes[spec.name] = proc;
      }
      const urls = platformUrls(address, ports);
      const ready = (name: keyof Processes, what: string, check: () => Promise<unknown>, intervalMs?: number) =>
        waitReady(host, { name, what, proc: processes[name], logFile: logs[name] }, check, intervalMs);
      await ready("gateway", "the gateway (/healthz)", () => httpOk(`${urls.gatewayUrl}/healthz`));
      await ready("node-exporter", "node-exporter (/metrics)", () => httpOk(`${urls.nodeExporterUrl}/metrics`));
      await ready("prometheus", "Prometheus (/-/ready)", () => httpOk(`${urls.prometheusUrl}/-/ready`));
      for (const job of ["gateway", "node"]) {
        await ready("prometheus", `Prometheus samples of job '${job}'`, () => hasUpSample(urls.prometheusUrl, job), 500);
      }
      const node = await nodeInfo(urls.gatewayUrl, gatewayPassword);
      return {
        id: inputs.remote ? `local-platform:ssh://${host.name}${stateDir}` : `local-platform:${stateDir}`,
        outs: { ...inputs, ...urls, ports, processes, gatewayPassword, nodeCores: node.cpus, nodeIsolation: node.isolation },
      };
    } catch (e) {
      // Nothing half-created: stop whatever did start, and report the failure that stopped the start.
      for (const proc of started.reverse()) await host.stop(proc, 5_000).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * Polls `check` every `intervalMs` until it gives a value, for at most {@link START_TIMEOUT_MS}. Fails at once when
 * the process is gone (no point waiting a minute for a crashed process), quoting the end of its log either way.
 */
async function waitReady(
  host: PlatformHost,
  target: { name: string; what: string; proc: StartedProcess; logFile: string },
  check: () => Promise<unknown>,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      if ((await check()) !== undefined) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (!(await host.isOurs(target.proc))) {
      throw new PlatformProcessExitedError(target.name, host.name, target.logFile, await host.tail(target.logFile, LOG_TAIL_BYTES));
    }
    await sleep(intervalMs);
  }
  throw new PlatformNotReadyError(target.what, host.name, START_TIMEOUT_MS, lastError, target.logFile, await host.tail(target.logFile, LOG_TAIL_BYTES));
}

/** The node as the gateway made it (`/system/info`, behind basic auth). */
async function nodeInfo(gatewayUrl: string, password: string): Promise<{ cpus: number; isolation: string }> {
  const res = await fetch(`${gatewayUrl}/system/info`, {
    headers: { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the gateway's /system/info answered ${res.status}`);
  const body = (await res.json()) as { node?: { cpus?: unknown; isolation?: unknown } };
  const n = body.node;
  if (typeof n?.cpus !== "number" || typeof n.isolation !== "string") throw new Error("the gateway's /system/info names no node (cpus, isolation)");
  return { cpus: n.cpus, isolation: n.isolation };
}

async function hasUpSample(prometheusUrl: string, job: string): Promise<true | undefined> {
  const body = await httpOk(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"} == 1`)}`);
  if (!body) return undefined;
  const parsed = JSON.parse(body) as { data?: { result?: unknown[] } };
  return (parsed.data?.result?.length ?? 0) > 0 ? true : undefined;
}

/** True when every process is alive and still ours. */
async function alive(host: PlatformHost, processes: Processes): Promise<boolean> {
  for (const proc of Object.values(processes)) if (!(await host.isOurs(proc))) return false;
  return true;
}

/**
 * Diff: changed settings or another host replace the platform, and so do processes that are gone (e.g. after a
 * reboot). New credentials (pinned host keys, private key) are an in-place update; the liveness check already
 * logs in with them.
 */
export async function diff(olds: LocalPlatformOutputs, news: LocalPlatformInputs) {
  const { replaces, credentials } = platformChanges(olds, news);
  if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: true };
  const login = { stateDir: olds.stateDir, remote: news.remote, privateKey: news.privateKey };
  if (!(await withHost(login, (host) => alive(host, olds.processes)))) return { changes: true, replaces: ["processes"], deleteBeforeReplace: true };
  return { changes: credentials.length > 0, replaces: [], deleteBeforeReplace: true };
}

/** Update: only new credentials reach here (see {@link diff}); the processes stay as they are. */
export async function update(olds: LocalPlatformOutputs, news: LocalPlatformInputs): Promise<{ outs: LocalPlatformOutputs }> {
  return { outs: { ...olds, remote: news.remote, privateKey: news.privateKey } };
}

/** Read (refresh): a platform whose processes are gone no longer exists. */
export async function read(id: string, props: LocalPlatformOutputs) {
  return (await withHost(props, (host) => alive(host, props.processes))) ? { id, props } : { id: undefined, props: undefined };
}

/** Delete: stop exactly our processes (by pid, checked against the command line), remove their data. */
export async function remove(outs: LocalPlatformOutputs): Promise<void> {
  await withHost(outs, async (host) => {
    for (const name of STOP_ORDER) {
      const proc = outs.processes[name];
      if (proc) await host.stop(proc, 10_000);
    }
    const { stateDir } = await host.layout();
    await host.removePath(posix.join(stateDir, "prometheus-data"));
    await host.removePath(posix.join(stateDir, "gateway-password"));
    for (const name of STOP_ORDER) await host.removePath(posix.join(stateDir, `${name}.pid`));
  });
}
