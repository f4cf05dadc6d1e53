/**
 * Implementation of the `LocalPlatform` dynamic provider (runs in the dynamic-provider process, cwd = project).
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { localPrometheusConfig, localProcessSpecs, type LocalPorts } from "../plan/local-platform.ts";
import { freePort, httpOk, isOurs, removePath, startDetached, stopProcess, waitFor, type StartedProcess } from "./process-control.ts";

/** Provider inputs. */
export interface LocalPlatformInputs {
  /** State directory relative to the project, e.g. `output/local/platform`. */
  readonly stateDir: string;
  readonly maxReplicas: number;
  readonly queueDepth: number;
  /** Bumped when the provider's behaviour changes, so existing stacks pick it up. */
  readonly providerVersion: string;
}

/** Provider outputs. */
export interface LocalPlatformOutputs extends LocalPlatformInputs {
  readonly gatewayUrl: string;
  readonly prometheusUrl: string;
  readonly nodeExporterUrl: string;
  readonly ports: LocalPorts;
  readonly processes: Record<"gateway" | "node-exporter" | "prometheus", StartedProcess>;
  readonly gatewayPassword: string;
}

const START_TIMEOUT_MS = 60_000;

/** Create: start the three processes, wait until all are healthy and Prometheus holds samples of both targets. */
export async function create(inputs: LocalPlatformInputs): Promise<{ id: string; outs: LocalPlatformOutputs }> {
  const stateDir = resolve(inputs.stateDir);
  await removePath(stateDir); // a previous platform that died leaves stale data behind
  await mkdir(join(stateDir, "logs"), { recursive: true });
  const gatewayPassword = randomBytes(18).toString("base64url");
  await writeFile(join(stateDir, "gateway-password"), gatewayPassword, { mode: 0o600 });

  const started: StartedProcess[] = [];
  try {
    const ports: LocalPorts = { gateway: await freePort(), nodeExporter: await freePort(), prometheus: await freePort() };
    const specs = localProcessSpecs({
      nodePath: process.execPath,
      gatewayMain: resolve("plugins/platform-local/src/gateway-main.ts"),
      stateDir,
      ports,
      maxReplicas: inputs.maxReplicas,
      queueDepth: inputs.queueDepth,
    });
    const tmp = join(stateDir, "prometheus.yml.tmp");
    await writeFile(tmp, localPrometheusConfig(ports));
    await rename(tmp, join(stateDir, "prometheus.yml"));

    const processes = {} as Record<"gateway" | "node-exporter" | "prometheus", StartedProcess>;
    for (const spec of specs) {
      // The marker makes stop-by-pid safe: our state dir (or our private port) is on the command line.
      const marker = spec.name === "node-exporter" ? `127.0.0.1:${ports.nodeExporter}` : stateDir;
      const proc = await startDetached({
        command: spec.command,
        args: spec.args,
        logFile: join(stateDir, "logs", `${spec.name}.log`),
        pidFile: join(stateDir, `${spec.name}.pid`),
        marker,
      });
      started.push(proc);
      processes[spec.name] = proc;
    }
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;
    const nodeExporterUrl = `http://127.0.0.1:${ports.nodeExporter}`;
    await waitFor("the local gateway (/healthz)", () => httpOk(`${gatewayUrl}/healthz`), START_TIMEOUT_MS);
    await waitFor("node-exporter (/metrics)", () => httpOk(`${nodeExporterUrl}/metrics`), START_TIMEOUT_MS);
    await waitFor("Prometheus (/-/ready)", () => httpOk(`${prometheusUrl}/-/ready`), START_TIMEOUT_MS);
    for (const job of ["gateway", "node"]) {
      await waitFor(`Prometheus samples of job '${job}'`, () => hasUpSample(prometheusUrl, job), START_TIMEOUT_MS, 500);
    }
    return {
      id: `local-platform:${stateDir}`,
      outs: { ...inputs, gatewayUrl, prometheusUrl, nodeExporterUrl, ports, processes, gatewayPassword },
    };
  } catch (e) {
    // Nothing half-created: stop whatever did start.
    for (const proc of started.reverse()) await stopProcess(proc, 5_000);
    throw e;
  }
}

async function hasUpSample(prometheusUrl: string, job: string): Promise<true | undefined> {
  const body = await httpOk(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"} == 1`)}`);
  if (!body) return undefined;
  const parsed = JSON.parse(body) as { data?: { result?: unknown[] } };
  return (parsed.data?.result?.length ?? 0) > 0 ? true : undefined;
}

/** True when every process is alive and still ours. */
export async function alive(outs: LocalPlatformOutputs): Promise<boolean> {
  for (const proc of Object.values(outs.processes)) if (!(await isOurs(proc.pid, proc.marker))) return false;
  return true;
}

/** Diff: changed settings, or processes that are gone (e.g. after a reboot), replace the platform. */
export async function diff(olds: LocalPlatformOutputs, news: LocalPlatformInputs) {
  const changed = (["stateDir", "maxReplicas", "queueDepth", "providerVersion"] as const).filter((k) => olds[k] !== news[k]);
  const dead = !(await alive(olds));
  const replaces = dead && changed.length === 0 ? ["processes"] : changed;
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
}

/** Read (refresh): a platform whose processes are gone no longer exists. */
export async function read(id: string, props: LocalPlatformOutputs) {
  return (await alive(props)) ? { id, props } : { id: undefined, props: undefined };
}

/** Delete: stop exactly our processes (by pid, checked against the command line), remove their data. */
export async function remove(outs: LocalPlatformOutputs): Promise<void> {
  const order = ["prometheus", "node-exporter", "gateway"] as const;
  for (const name of order) {
    const proc = outs.processes[name];
    if (proc) await stopProcess(proc);
  }
  const stateDir = resolve(outs.stateDir);
  await removePath(join(stateDir, "prometheus-data"));
  await removePath(join(stateDir, "gateway-password"));
  for (const name of order) await removePath(join(stateDir, `${name}.pid`));
}
