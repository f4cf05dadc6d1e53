/**
 * Pure rules of the `BenchmarkRun` resource: when a new run is needed, what counts as a change, how long a
 * runner may stay silent, how a run is named and where its files go. No Pulumi, no I/O.
 */
import { posix } from "node:path";
import type { RunCounts, RunStatus } from "@peva-lab/peva-faas/runner";

/**
 * Inputs that decide what a campaign measures; anything else (endpoints, opt-ins, keys) is refreshed without a run.
 * `platformIdentity` holds the platform's size, limits and versions (and the node's cores): a change there is
 * another campaign for the runner, so it is a new run here too.
 */
const CAMPAIGN_KEYS = ["settings", "workdir", "host", "platform", "platformIdentity", "providerVersion"] as const;

/** The previous outputs as the rules read them: the run's status (the inputs are compared by name). */
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

/** Before the first event the runner starts Node, checks its tools and opens its memory: allow this much. */
export const STARTUP_LIMIT_MS = 180_000;

/**
 * How long the runner host may stay unreachable while following a run. The run goes on there; once this passes
 * the resource reports a failure that says so, and the next `pulumi up` re-attaches to the live runner.
 */
export const UNREACHABLE_LIMIT_MS = 10 * 60_000;

/**
 * Whether a live runner's spec (its `spec.json` text) runs the campaign of these inputs: same workload settings,
 * same platform, same platform identity (a spec without one never matches inputs with one). Only then does a new
 * `up` follow it; otherwise the live runner is stopped and a new run starts. An unreadable spec is not something
 * to follow.
 */
export function specRunsCampaign(
  specText: string,
  inputs: { readonly settings: unknown; readonly platform: string; readonly platformIdentity?: Readonly<Record<string, unknown>> },
): boolean {
  try {
    const spec = JSON.parse(specText) as { settings?: unknown; platform?: unknown; platform_identity?: unknown };
    return (
      spec.platform === inputs.platform &&
      JSON.stringify(spec.settings) === JSON.stringify(inputs.settings) &&
      sortedJson(spec.platform_identity) === sortedJson(inputs.platformIdentity)
    );
  } catch {
    return false;
  }
}

/** A flat record as JSON with sorted keys (the spec and the inputs may list them in another order); as is otherwise. */
function sortedJson(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return JSON.stringify(value);
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
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
    pidFile: pidFilePath(workdir),
  };
}

/** The shape {@link newRunId} gives: a run id read back from a host never names another directory (`..`). */
const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]*-\d{8}-\d{6}-[0-9a-f]{4}$/;

/** The live runner's pid file of a workdir (see {@link RunPaths.pidFile}). */
export function pidFilePath(workdir: string): string {
  return posix.join(workdir, "runner.pid");
}

/**
 * Parses a pid file, `<pid> <spec path>` as the transports write it (`RunnerTransport.startRunner`); undefined when it is not one (empty, partial, garbage, a run id of another shape).
 */
export function parsePidFile(text: string): { pid: number; specPath: string; runId: string } | undefined {
  const m = /^(\d+) (\/.+\/runs\/([^/]+)\/spec\.json)\n?$/.exec(text);
  if (!m || !RUN_ID_PATTERN.test(m[3]!)) return undefined;
  const pid = Number(m[1]);
  return pid > 1 ? { pid, specPath: m[2]!, runId: m[3]! } : undefined;
}

/** Empty counts, before the runner reported any. */
export function noCounts(): RunCounts {
  return { planned: 0, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 };
}
