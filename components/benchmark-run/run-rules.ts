/**
 * Pure rules of the `BenchmarkRun` resource: when a new run is needed, what counts as a change, how long a
 * runner may stay silent, how a run is named and where its files go. No Pulumi, no I/O.
 */
import { posix } from "node:path";
import { HEARTBEAT_INTERVAL_S, type RunCounts, type RunStatus } from "@peva-lab/peva-faas/runner";

/** Inputs that decide what a campaign measures; anything else (endpoints, opt-ins, keys) is refreshed without a run. */
export const CAMPAIGN_KEYS = ["settings", "workdir", "host", "platform", "providerVersion"] as const;

/** The previous outputs as the rules read them: the run's status and any input by name. */
export interface RunState {
  readonly status: RunStatus;
}

/** True when the last run must be followed by another: the campaign changed, or the run did not finish. */
export function needsRun(olds: RunState, news: object): boolean {
  const [o, n] = [olds as unknown as Record<string, unknown>, news as Record<string, unknown>];
  return olds.status !== "done" || CAMPAIGN_KEYS.some((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
}

/**
 * Diff: any input change is an update, never a replace (the memory carries over between runs); an unfinished
 * run is a change too, so the next `pulumi up` resumes it.
 */
export function diffRun(olds: RunState, news: object): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const [o, n] = [olds as unknown as Record<string, unknown>, news as Record<string, unknown>];
  const changed = Object.keys(n).filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
  return { changes: changed.length > 0 || olds.status !== "done", replaces: [], deleteBeforeReplace: false };
}

/** How long the runner may take to honour a STOP before its process group is killed. */
export const STOP_GRACE_MS = 25_000;

/**
 * How long the event stream may stay silent before the runner counts as hung. The runner emits a heartbeat
 * every {@link HEARTBEAT_INTERVAL_S} seconds whatever it is doing, so the limit follows the heartbeat, not the
 * length of an iteration: four missed heartbeats, plus the time a stop of the load may legitimately block
 * (the generator's request timeout, then its kill margin).
 */
export function silenceLimitMs(requestTimeoutS: number): number {
  return (4 * HEARTBEAT_INTERVAL_S + requestTimeoutS + 5) * 1000;
}

/** Before the first event the runner starts Node, checks its tools and opens its memory: allow this much. */
export const STARTUP_LIMIT_MS = 180_000;

/**
 * How long the runner host may stay unreachable while following a run. The run goes on there; once this passes
 * the resource reports a failure that says so, and the next `pulumi up` re-attaches to the live runner.
 */
export const UNREACHABLE_LIMIT_MS = 10 * 60_000;

/** `loadgen.request_timeout` of the workload settings in seconds (`"30s"`, `"2m"`, a number of seconds), default 30. */
export function requestTimeoutS(settings: Readonly<Record<string, unknown>>): number {
  const loadgen = settings["loadgen"];
  const raw = loadgen !== null && typeof loadgen === "object" ? (loadgen as Record<string, unknown>)["request_timeout"] : undefined;
  if (typeof raw === "number" && Number.isFinite(raw) && raw > 0) return raw;
  if (typeof raw === "string") {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
    if (m) return Number(m[1]) * (m[2] === "m" ? 60 : m[2] === "ms" ? 0.001 : 1);
  }
  return 30;
}

/** A new run id: `<stack>-<UTC yyyymmdd-hhmmss>-<4 hex>`. */
export function newRunId(stack: string, now: Date, random4hex: string): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `${stack}-${t}-${random4hex}`;
}

/** Where one run keeps its files on the runner host, given the absolute workdir there. */
export interface RunPaths {
  readonly runDir: string;
  readonly specPath: string;
  readonly eventsFile: string;
  readonly logPath: string;
  readonly passwordFile: string;
  /** The runner's STOP file. */
  readonly runnerStop: string;
  /**
   * The live runner's pid file, one per workdir: whoever finds a live pid here (a later `up`, a `destroy`) attaches
   * to or stops that runner, even when the state never recorded it (the provider was killed mid-create).
   */
  readonly pidFile: string;
}

/** The paths of run `runId` under the runner workdir `workdir` (absolute, POSIX). */
export function runPaths(workdir: string, runId: string): RunPaths {
  const runDir = posix.join(workdir, "runs", runId);
  return {
    runDir,
    specPath: posix.join(runDir, "spec.json"),
    eventsFile: posix.join(runDir, "events.jsonl"),
    logPath: posix.join(runDir, "runner.log"),
    passwordFile: posix.join(runDir, "gateway-password"),
    runnerStop: posix.join(workdir, "STOP"),
    pidFile: posix.join(workdir, "runner.pid"),
  };
}

/** The content of the pid file: `<pid> <spec path>`. */
export function pidFileContent(pid: number, specPath: string): string {
  return `${pid} ${specPath}\n`;
}

/** Parses a pid file; undefined when it is not one (empty, partial, garbage). */
export function parsePidFile(text: string): { pid: number; specPath: string; runId: string } | undefined {
  const m = /^(\d+) (\/.+\/runs\/([^/]+)\/spec\.json)\n?$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return pid > 1 ? { pid, specPath: m[2]!, runId: m[3]! } : undefined;
}

/** Empty counts, before the runner reported any. */
export function noCounts(): RunCounts {
  return { planned: 0, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 };
}
