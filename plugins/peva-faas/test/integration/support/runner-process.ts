/**
 * Test support: driving the campaign runner CLI (`node plugins/peva-faas/bin/peva-faas.ts run --spec <file>`) as a
 * child process, reading its event stream, and checking what it leaves behind. Every wait is bounded in count and
 * time; every started runner is killed by `kill()` and, as a safety net, when the test process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RUN_SPEC_SCHEMA } from "../../../src/runner/spec.ts";
import { parseEventLine, type RunEvent } from "../../../src/runner/events.ts";
import { parseCsvLine } from "../../../src/results/csv.ts";
import { REPO_ROOT, startNodeExporter, startPrometheus, vegetaPath } from "./tools.ts";

/** The runner CLI entry point. */
export const RUNNER_BIN = join(REPO_ROOT, "plugins/peva-faas/bin/peva-faas.ts");

/** Inputs of {@link writeRunSpec}. */
export interface RunSpecInput {
  readonly runId: string;
  /** Root under which the workdir, results and run directories are laid out. */
  readonly root: string;
  readonly gatewayUrl: string;
  readonly prometheusUrl: string;
  readonly password: string;
  readonly nodeCores: number;
  readonly settings: Record<string, unknown>;
  readonly host?: string;
  /** The spec's `prometheus.series_wait_seconds` (absent: the runner's default). */
  readonly seriesWaitSeconds?: number;
  /** The spec's `platform_identity` (absent: none). */
  readonly platformIdentity?: Record<string, string | number | boolean>;
}

/** Paths of one run. */
export interface RunPaths {
  readonly spec: string;
  readonly workdir: string;
  readonly resultsDir: string;
  readonly runDir: string;
  readonly events: string;
  readonly status: string;
  readonly log: string;
  readonly stopFile: string;
  /** The gateway password file (0600) the runner reads, then deletes. */
  readonly passwordFile: string;
  readonly memoryDb: string;
}

/**
 * Writes a `peva-faas-run-spec/v1` file. Layout under `root`: `work/` (shared by every run of the root: memory,
 * STOP), `output/<run_id>/<host>/peva_faas/` (results), `runs/<run_id>/` (events, status, spec, runner log).
 */
export function writeRunSpec(input: RunSpecInput): RunPaths {
  const host = input.host ?? "local";
  const workdir = join(input.root, "work");
  const resultsDir = join(input.root, "output", input.runId, host, "peva_faas");
  const runDir = join(input.root, "runs", input.runId);
  mkdirSync(workdir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  // In the run directory, where the controller puts it: the runner deletes it once read.
  const passwordFile = join(runDir, "gateway-password");
  writeFileSync(passwordFile, `${input.password}\n`, { mode: 0o600 });
  const spec = {
    schema: RUN_SPEC_SCHEMA,
    run_id: input.runId,
    host,
    workdir,
    results_dir: resultsDir,
    run_dir: runDir,
    platform: "local",
    gateway: { url: input.gatewayUrl, user: "admin", password_file: passwordFile },
    prometheus: { url: input.prometheusUrl, ...(input.seriesWaitSeconds !== undefined ? { series_wait_seconds: input.seriesWaitSeconds } : {}) },
    node_cores: input.nodeCores,
    ...(input.platformIdentity ? { platform_identity: input.platformIdentity } : {}),
    settings: input.settings,
  };
  const specPath = join(runDir, "spec.json");
  writeFileSync(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  return {
    spec: specPath,
    workdir,
    resultsDir,
    runDir,
    events: join(runDir, "events.jsonl"),
    status: join(runDir, "status.json"),
    log: join(runDir, "runner.log"),
    stopFile: join(workdir, "STOP"),
    passwordFile,
    memoryDb: join(workdir, "benchmark_results/peva_faas/memory/peva_faas.duckdb"),
  };
}

/** How a runner process ended. */
export interface RunnerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started runner. */
export interface RunnerProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<RunnerExit>;
  /** SIGKILLs the runner if it is still running, then waits for its exit. */
  kill(): Promise<RunnerExit>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Kills every runner started by this module that is still alive (afterAll safety net). */
export async function killAllRunners(): Promise<void> {
  await Promise.all(
    [...live].map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      c.kill("SIGKILL");
      await exited;
    }),
  );
}

/**
 * Starts the runner CLI on `paths.spec` with vegeta on PATH; stdout (events) and stderr (log) go to `paths.log`.
 * The runner is SIGKILLed after `timeoutMs` (the exit then reports the signal).
 */
export function startRunner(paths: RunPaths, timeoutMs: number): RunnerProcess {
  const log = createWriteStream(paths.log, { flags: "a" });
  const env = { ...process.env, PATH: `${dirname(vegetaPath())}:${process.env["PATH"] ?? ""}` };
  const child = spawn(process.execPath, [RUNNER_BIN, "run", "--spec", paths.spec], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  live.add(child);
  const exited = new Promise<RunnerExit>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  timer.unref();
  return {
    pid: child.pid,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    },
  };
}

/** The complete events of a JSON-lines file (a trailing partial line is ignored); [] when absent. */
export function readEvents(path: string): RunEvent[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  lines.pop(); // incomplete (or empty) last line
  const out: RunEvent[] = [];
  for (const line of lines) {
    const e = parseEventLine(line);
    if (e) out.push(e);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `path` every `intervalMs` until an event satisfies `predicate` (which also sees every event read so far)
 * or the runner exits; bounded by `timeoutMs`. Returns the matching event, or undefined when the runner exited or
 * the time ran out first.
 */
export async function waitForEvent(
  path: string,
  predicate: (e: RunEvent, all: readonly RunEvent[]) => boolean,
  opts: { timeoutMs: number; intervalMs?: number; exited?: () => boolean },
): Promise<RunEvent | undefined> {
  const interval = opts.intervalMs ?? 50;
  const deadline = Date.now() + opts.timeoutMs;
  const maxPolls = Math.ceil(opts.timeoutMs / interval) + 1;
  const find = (): RunEvent | undefined => {
    const all = readEvents(path);
    return all.find((e) => predicate(e, all));
  };
  for (let i = 0; i < maxPolls && Date.now() <= deadline; i++) {
    const hit = find();
    if (hit) return hit;
    if (opts.exited?.()) return find();
    await sleep(interval);
  }
  return undefined;
}

/** The event of type `T` narrowed. */
export type EventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

/** Events of one type, in order. */
export function eventsOfType<T extends RunEvent["type"]>(events: readonly RunEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

/** Processes whose executable is named `name` and whose command line mentions `pathFragment` (Linux /proc). */
export function processesNamedMentioning(name: string, pathFragment: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter((s) => s.length > 0);
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    let exe = "";
    try {
      exe = readlinkSync(`/proc/${entry}/exe`);
    } catch {
      // unreadable: judge by argv[0]
    }
    const named = basename(argv[0] ?? "") === name || basename(exe) === name;
    const cmdline = argv.join(" ");
    if (named && cmdline.includes(pathFragment)) out.push({ pid: Number(entry), cmdline });
  }
  return out;
}

/**
 * Waits until Prometheus holds at least `minSamples` scrapes of every job in `jobs` within the last 30 s (so
 * `rate()` over short windows has data); bounded by `timeoutMs`.
 */
export async function waitForScrapes(prometheusUrl: string, jobs: readonly string[], minSamples: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    try {
      const q = encodeURIComponent("count_over_time(up[30s])");
      const r = await fetch(`${prometheusUrl}/api/v1/query?query=${q}`, { signal: AbortSignal.timeout(2000) });
      const body = (await r.json()) as { data?: { result?: { metric: { job?: string }; value: [number, string] }[] } };
      const counts = new Map((body.data?.result ?? []).map((s) => [s.metric.job ?? "", Number(s.value[1])]));
      if (jobs.every((j) => (counts.get(j) ?? 0) >= minSamples)) return;
      last = JSON.stringify(Object.fromEntries(counts));
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`Prometheus at ${prometheusUrl} did not get ${minSamples} scrapes of ${jobs.join(", ")} in ${timeoutMs} ms (${last})`);
}

/** Parses a CSV file written by the runner: header and rows as records keyed by column name. */
export function readCsv(path: string, delimiter = ","): { header: string[]; rows: Record<string, string>[] } {
  const lines = readFileSync(path, "utf8").split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.length > 0);
  const header = parseCsvLine(lines[0] ?? "", delimiter);
  const rows = lines.slice(1).map((l) => {
    const fields = parseCsvLine(l, delimiter);
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
  });
  return { header, rows };
}

/** Inputs of {@link fastCampaignSettings}. */
export interface FastCampaignInput {
  readonly functions: readonly string[];
  readonly rates: readonly number[];
  readonly duration: string;
  readonly iterations: number;
  /** Exclusive upper bound of functions per configuration (default 2: single functions only). */
  readonly maxFunctions?: number;
  /** Node RAM in bytes at or below which the node counts as idle (use the machine's total: never blocks). */
  readonly ramIdleFloorBytes: number;
}

/**
 * Workload settings for a short campaign on a shared, possibly busy machine: only the functions' success rates can
 * mark an overload (node CPU/RAM thresholds at 100 %, replicas fixed at 1), the cooldown never waits on node CPU or
 * RAM (floors at 100 % / total RAM), and the load generator and Prometheus give up quickly.
 */
export function fastCampaignSettings(input: FastCampaignInput): Record<string, unknown> {
  return {
    functions: input.functions.map((name) => ({ name, method: "POST", body: `Hello ${name}!`, headers: { "Content-Type": "text/plain" } })),
    rate_strategy: { type: "custom", rates: [...input.rates] },
    combinations: { min_functions: 1, max_functions: input.maxFunctions ?? 2 },
    duration: input.duration,
    iterations: input.iterations,
    cooldown: {
      max_wait_seconds: 30,
      sleep_step_seconds: 1,
      idle_threshold_pct: 100,
      cpu_idle_floor_pct: 100,
      ram_idle_floor_bytes: input.ramIdleFloorBytes,
    },
    overload: { cpu_overload_pct_of_capacity: 100, ram_overload_pct: 100 },
    loadgen: { type: "vegeta", request_timeout: "5s" },
    prometheus: { request_timeout_seconds: 5, empty_result_attempts: 4, empty_result_interval_seconds: 0.5 },
  };
}

/** A Prometheus (and the node-exporter it scrapes) watching a gateway, as a campaign runner needs them. */
export interface ScrapedGateway {
  readonly prometheusUrl: string;
  /** Stops Prometheus, then node-exporter. */
  stop(): Promise<void>;
}

/**
 * Starts node-exporter and a Prometheus scraping it (job `node`) and the gateway at `gatewayTarget` (`host:port`,
 * job `gateway`), and waits for the few scrapes of both that the runner's first baseline needs.
 */
export async function startScrapedGateway(gatewayTarget: string): Promise<ScrapedGateway> {
  const nodeExporter = await startNodeExporter();
  const prometheus = await startPrometheus([
    { job: "gateway", target: gatewayTarget },
    { job: "node", target: `127.0.0.1:${nodeExporter.port}` },
  ]);
  await waitForScrapes(prometheus.url, ["gateway", "node"], 4, 60_000);
  return {
    prometheusUrl: prometheus.url,
    stop: async () => {
      await prometheus.stop();
      await nodeExporter.stop();
    },
  };
}

/** The last lines of a runner's log (its events left out), for failure messages. */
export function runnerLogTail(paths: RunPaths): string {
  return existsSync(paths.log) ? readFileSync(paths.log, "utf8").split("\n").filter((l) => !l.startsWith("{")).slice(-30).join("\n") : "(no log)";
}
