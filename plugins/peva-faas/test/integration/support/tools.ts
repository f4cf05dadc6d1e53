/**
 * Test support: locating real tools and starting/stopping Prometheus and node-exporter on free loopback ports
 * with temporary config/data directories. Every wait is bounded; every started process is killed in `stop()` and,
 * as a safety net, when the test process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file is plugins/peva-faas/test/integration/support/tools.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

/** Returns `path` if it is an existing file, else throws with the install command. */
export function requireTool(path: string, name: string): string {
  if (!existsSync(path)) throw new Error(`${name} not found at ${path}: run \`make bootstrap\``);
  return path;
}

/** vegeta built by the bootstrap (`VEGETA_BIN` overrides). */
export function vegetaPath(): string {
  return requireTool(process.env["VEGETA_BIN"] ?? join(REPO_ROOT, ".tools/bin/vegeta"), "vegeta");
}

/** Debian's Prometheus (`PROMETHEUS_BIN` overrides). */
export function prometheusPath(): string {
  return requireTool(process.env["PROMETHEUS_BIN"] ?? "/usr/bin/prometheus", "prometheus");
}

/** Debian's node-exporter (`NODE_EXPORTER_BIN` overrides). */
export function nodeExporterPath(): string {
  return requireTool(process.env["NODE_EXPORTER_BIN"] ?? "/usr/bin/prometheus-node-exporter", "prometheus-node-exporter");
}

import { freePort } from "../../../../../components/process-control.ts";
import { PrometheusClient } from "../../../src/prometheus/client.ts";

export { freePort };

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** A started background tool. */
export interface ManagedProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Directory with the log (and config/data for Prometheus); removed by `stop()`. */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Polls `url` until it answers 2xx; bounded by `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${url} was ready`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

function launch(bin: string, args: string[], dir: string): ChildProcess {
  const log = createWriteStream(join(dir, "process.log"));
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function managed(child: ChildProcess, port: number, dir: string): ManagedProcess {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    dir,
    stop: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts node-exporter on a free loopback port with the cpu and meminfo collectors. */
export async function startNodeExporter(): Promise<ManagedProcess> {
  const bin = nodeExporterPath();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "peva-node-exporter-"));
  const child = launch(bin, [`--web.listen-address=127.0.0.1:${port}`, "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo"], dir);
  const proc = managed(child, port, dir);
  try {
    await waitForHttp(`${proc.url}/metrics`, 20_000, child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/** A scrape target for {@link startPrometheus}. */
export interface ScrapeTarget {
  readonly job: string;
  /** `host:port` */
  readonly target: string;
}

/** Starts Prometheus on a free loopback port, scraping `targets` every `scrapeInterval` (default 1s). */
export function startPrometheus(targets: readonly ScrapeTarget[], scrapeInterval = "1s"): Promise<ManagedProcess> {
  return startPrometheusWithJobs(
    targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.target] }] })),
    scrapeInterval,
  );
}

/** Starts Prometheus on a free loopback port with these `scrape_configs` entries, every `scrapeInterval`. */
export async function startPrometheusWithJobs(jobs: readonly object[], scrapeInterval = "1s"): Promise<ManagedProcess> {
  const bin = prometheusPath();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "peva-prometheus-"));
  // JSON is YAML: the config is written as JSON, so no job's text can break the file's structure.
  const config = { global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval }, scrape_configs: jobs };
  writeFileSync(join(dir, "prometheus.yml"), `${JSON.stringify(config, null, 2)}\n`);
  const child = launch(
    bin,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
    ],
    dir,
  );
  const proc = managed(child, port, dir);
  try {
    await waitForHttp(`${proc.url}/-/ready`, 60_000, child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/** Polls until Prometheus at `url` reports `n` targets up (`sum(up)`), bounded: 120 polls, 30 s. */
export async function waitForTargetsUp(url: string, n: number): Promise<void> {
  const probe = new PrometheusClient(url, { emptyResultAttempts: 1 });
  for (let i = 0; i < 120; i++) {
    const r = await probe.instant("sum(up)").catch(() => ({ value: 0 }));
    if (r.value >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Prometheus did not see ${n} targets up in 30 s`);
}
