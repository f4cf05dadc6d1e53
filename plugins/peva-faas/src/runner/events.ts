/**
 * The runner's JSON-lines event stream (`<run dir>/events.jsonl` and stdout): the contract between the campaign
 * runner and whoever follows it (the `BenchmarkRun` resource, a person with `tail -f`). One JSON object per line.
 */

import type { EarlyAbortEvidence } from "../overload/early-abort.ts";

/** Schema id written in `run_started`; bump on incompatible changes. */
export const EVENTS_SCHEMA = "peva-faas-events/v1";

/**
 * Seconds between two `heartbeat` events. The runner emits them from a timer, independent of what the campaign is
 * doing (loading, cooling down, writing the memory), so a follower tells a silent-but-busy runner from a hung one
 * without knowing how long an iteration takes.
 */
export const HEARTBEAT_INTERVAL_S = 15;

/**
 * How a run ended: `done` (every planned configuration has a verdict or was skipped), `incomplete` (the plan ran
 * to its end but some configurations failed and have no verdict; the next run retries them), `stopped` (on
 * request; the next run resumes), `failed` (the runner could not go on).
 */
export type RunStatus = "done" | "incomplete" | "stopped" | "failed";

/** A function set where every measured configuration overloaded, with its lowest overloaded rates (req/s). */
export interface AllOverloadedSet {
  /** Function names joined by `+`, as in the frontier. */
  readonly functions: string;
  /** The lowest overloaded configuration's rates: no other overloaded one of the set has a smaller total. */
  readonly lowest: Record<string, number>;
}

/** Counts of a run, as reported in `run_finished` and the resource outputs. */
export interface RunCounts {
  /** Configurations planned for this campaign. */
  planned: number;
  /** Configurations executed to completion in this run. */
  executed: number;
  /** Configurations skipped in this run, by reason (`already_in_memory`, `dominated_by_overload`, …). */
  skipped: Record<string, number>;
  /** Executed configurations judged overloaded. */
  overloaded: number;
  /** Configurations that failed (load-generator error, Prometheus down, cooldown timeout). */
  failed: number;
  /** Iterations executed in this run. */
  iterations: number;
  /**
   * Iterations judged contended in this run (other work on the node starved the platform of CPU; not used for a
   * verdict, re-run). Optional: streams written before noisy-neighbour detection have none (read as 0).
   */
  contended?: number;
  /** Iterations not run because their configuration's verdict was already decided (`decide_early`). */
  not_needed?: number;
  /** Iterations whose load stopped early because their overload was already certain (`early_abort`). */
  aborted_early?: number;
  /** Seconds of load actually run by the judged iterations of this run (aborted ones count what they ran). */
  load_seconds?: number;
  /** Seconds from the campaign's start to its end in this run. */
  wall_seconds?: number;
  /**
   * The nominal load time of the iterations of this run: the campaign's duration for every load window started
   * (judged, contended and aborted alike), seconds. `wall_seconds / nominal_load_seconds` is the campaign's cost
   * per second of load it was asked for.
   */
  nominal_load_seconds?: number;
}

/** Every event carries the run id and a wall-clock timestamp (epoch ms). */
interface Base {
  readonly run_id: string;
  readonly ts: number;
}

/** The event union. */
export type RunEvent =
  | (Base & { readonly type: "run_started"; readonly schema: string; readonly planned: number; readonly host: string; readonly estimated_s: number })
  | (Base & { readonly type: "config_started"; readonly config_id: string; readonly pairs: readonly { name: string; rate: number }[]; readonly index: number; readonly total: number })
  | (Base & { readonly type: "iteration_done"; readonly config_id: string; readonly iteration: number; readonly iterations: number; readonly overloaded: boolean; readonly rest_s: number; readonly load_s: number })
  | (Base & { readonly type: "config_skipped"; readonly config_id: string; readonly pairs: readonly { name: string; rate: number }[]; readonly reason: string })
  | (Base & { readonly type: "config_done"; readonly config_id: string; readonly overloaded: boolean })
  | (Base & { readonly type: "config_failed"; readonly config_id: string; readonly reason: string; readonly message: string })
  | (Base & {
      readonly type: "iteration_contended";
      readonly config_id: string;
      readonly iteration: number;
      /** 0 for the first run of the iteration, 1.. for re-runs. */
      readonly rerun: number;
      /** Share of the CPU the platform was entitled to that it waited for (0..1). */
      readonly starvation: number;
      readonly max_starvation: number;
      /** Whether the iteration runs again (false: the configuration fails with reason `contended`). */
      readonly will_rerun: boolean;
    })
  | (Base & { readonly type: "iterations_not_needed"; readonly config_id: string; readonly judged: number; readonly iterations: number; readonly reason: string })
  | (Base & { readonly type: "iteration_aborted_early"; readonly config_id: string; readonly iteration: number; readonly evidence: EarlyAbortEvidence })
  | (Base & { readonly type: "iteration_lost"; readonly config_id: string; readonly iteration: number; readonly message: string })
  | (Base & { readonly type: "progress"; readonly done: number; readonly total: number; readonly eta_s: number; readonly current?: string })
  | (Base & { readonly type: "log"; readonly level: "info" | "warn" | "error"; readonly message: string })
  | (Base & { readonly type: "heartbeat"; readonly interval_s: number; readonly pid: number })
  | (Base & {
      readonly type: "run_finished";
      readonly status: RunStatus;
      readonly success: boolean;
      readonly counts: RunCounts;
      readonly results_dir: string;
      readonly memory_db: string;
      readonly message?: string;
      /** Per function set, the highest non-overloaded rate vector seen so far. */
      readonly frontier: readonly { functions: string; rates: Record<string, number> }[];
      /** Function sets where every measured configuration overloaded, with the lowest overloaded rates. */
      readonly all_overloaded?: readonly AllOverloadedSet[];
    });

/** Parses one line of the stream; undefined for a blank or partial line. Throws on a malformed complete line. */
export function parseEventLine(line: string): RunEvent | undefined {
  const text = line.trim();
  if (!text) return undefined;
  const value = JSON.parse(text) as { type?: unknown; run_id?: unknown };
  if (typeof value.type !== "string" || typeof value.run_id !== "string") {
    throw new Error(`not a runner event (needs "type" and "run_id"): ${text.slice(0, 200)}`);
  }
  return value as RunEvent;
}

/**
 * Splits appended stream text into complete lines, keeping an incomplete trailing line for the next read (the
 * follower reads a file that is still being written).
 */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const text = pending + chunk;
  const parts = text.split("\n");
  const rest = parts.pop() ?? "";
  return { lines: parts, rest };
}

/** Formats a duration in seconds as `1h02m03s` / `2m03s` / `45s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m${String(r).padStart(2, "0")}s`;
  if (m > 0) return `${m}m${String(r).padStart(2, "0")}s`;
  return `${r}s`;
}

/** The one-line progress text shown while a campaign runs. */
export function progressLine(e: Extract<RunEvent, { type: "progress" }>): string {
  const pct = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 100;
  return `[${e.done}/${e.total} ${pct}%] ETA ${formatDuration(e.eta_s)}${e.current ? ` · ${e.current}` : ""}`;
}
