/**
 * The cooldown loop, with injectable clock, sleep, observation and stop check (no I/O of its own).
 */
import type { NodeMetrics } from "../prometheus/collect.ts";
import { decideIdle, nextCooldownStep, type CooldownObservation, type CooldownSettings, type IdleDecision } from "./decide.ts";

/** Raised when the node does not become idle within `max_wait_seconds`. */
export class CooldownTimeoutError extends Error {
  readonly waitedSeconds: number;
  readonly blockers: readonly string[];
  constructor(waited: number, max: number, blockers: readonly string[]) {
    super(`Cooldown timeout after ${formatSeconds(waited)}s (max: ${max}s): ${blockers.join("; ")}`);
    this.name = "CooldownTimeoutError";
    this.waitedSeconds = waited;
    this.blockers = blockers;
  }
}

function formatSeconds(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/** Dependencies of {@link runCooldown}. */
export interface CooldownDeps {
  /** Takes a node snapshot and the replicas. */
  readonly observe: () => Promise<CooldownObservation>;
  /** Sleeps `seconds`. */
  readonly sleep: (seconds: number) => Promise<void>;
  /** Current time in seconds (default: wall clock). */
  readonly now?: () => number;
  /** Polled before each observation and sleep (stop token). */
  readonly shouldStop?: () => boolean;
  /** Called after each observation. */
  readonly onObservation?: (decision: IdleDecision, waitedSeconds: number) => void;
}

/** Outcome of {@link runCooldown}. */
export interface CooldownResult {
  readonly status: "idle" | "stopped";
  /** The last snapshot (fills the `*_idle_node` columns); undefined when stopped before any observation. */
  readonly snapshot: NodeMetrics | undefined;
  /** Seconds waited (0 when already idle): the `rest_seconds` column. */
  readonly restSeconds: number;
}

/**
 * Waits until the node is idle. Bounded: at most `ceil(max_wait / step) + 1` observations, and the elapsed time
 * (by `now`) never exceeds `max_wait_seconds` before the final observation.
 * @throws CooldownTimeoutError when still busy at the cap.
 */
export async function runCooldown(
  baseline: NodeMetrics,
  settings: CooldownSettings,
  opts: { scaphandre: boolean },
  deps: CooldownDeps,
): Promise<CooldownResult> {
  const now = deps.now ?? ((): number => Date.now() / 1000);
  const start = now();
  let snapshot: NodeMetrics | undefined;
  const maxObservations = Math.ceil(settings.max_wait_seconds / settings.sleep_step_seconds) + 2;
  for (let i = 0; i < maxObservations; i++) {
    const waited = Math.max(0, now() - start);
    if (deps.shouldStop?.()) return { status: "stopped", snapshot, restSeconds: round3(waited) };
    const obs = await deps.observe();
    snapshot = obs.node;
    const decision = decideIdle(obs, baseline, settings, opts);
    const waitedAfter = Math.max(0, now() - start);
    deps.onObservation?.(decision, waitedAfter);
    const step = nextCooldownStep(decision.idle, waitedAfter, settings);
    if (step.action === "done") return { status: "idle", snapshot, restSeconds: round3(waitedAfter) };
    if (step.action === "timeout") throw new CooldownTimeoutError(round3(waitedAfter), settings.max_wait_seconds, decision.blockers);
    if (deps.shouldStop?.()) return { status: "stopped", snapshot, restSeconds: round3(waitedAfter) };
    await deps.sleep(step.seconds);
  }
  const waited = round3(Math.max(0, now() - start));
  throw new CooldownTimeoutError(waited, settings.max_wait_seconds, ["observation limit reached"]);
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
