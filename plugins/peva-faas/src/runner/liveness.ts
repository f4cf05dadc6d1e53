/**
 * How long a follower may wait on a runner before calling it hung, from the campaign's own settings. Two bounds:
 * the heartbeat (a timer: it proves the runner's event loop turns) and progress (any other event: it proves the
 * campaign advances). A runner stuck on a promise that never settles still beats; only the progress bound ends it.
 * Pure.
 */
import { durationMilliseconds } from "../config/duration.ts";
import { parseWorkloadConfig } from "../config/parse.ts";
import { HEARTBEAT_INTERVAL_S } from "./events.ts";

/** Silence limits for following a run, in milliseconds. */
export interface FollowerLimits {
  /** No event at all (not even a heartbeat) for this long: hung. */
  readonly silenceMs: number;
  /** No event but heartbeats for this long: stuck. */
  readonly progressMs: number;
}

/** The floor of the progress bound: starting up, opening a large memory, writing a checkpoint. */
const MIN_PROGRESS_MS = 10 * 60_000;

/**
 * The limits for a campaign with these workload settings (already validated; defaults applied here as the runner
 * applies them). Silence: four missed heartbeats plus the time a stop of the load may block (the request timeout,
 * then the generator's kill margin). Progress: three times the longest one iteration may take (load, the longest
 * cooldown, the request timeout, a minute of Prometheus queries and memory writes), at least ten minutes.
 */
export function followerLimits(settings: Readonly<Record<string, unknown>>): FollowerLimits {
  const { config } = parseWorkloadConfig(settings);
  const requestTimeoutMs = durationMilliseconds(config.loadgen.request_timeout);
  const iterationMs = durationMilliseconds(config.duration) + config.cooldown.max_wait_seconds * 1000 + requestTimeoutMs + 60_000;
  return {
    silenceMs: 4 * HEARTBEAT_INTERVAL_S * 1000 + requestTimeoutMs + 5_000,
    progressMs: Math.max(MIN_PROGRESS_MS, 3 * iterationMs),
  };
}
