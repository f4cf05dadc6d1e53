/**
 * The autoscaling rule, modelled on the OpenFaaS CE alert `APIHighInvocationRate`
 * (`rate(gateway_function_invocation_total{code="200"}[10s]) / replicas > 5` for 5 s, then +20 % of max replicas).
 * Pure: the pool feeds it observations on every tick and applies the replica count it returns.
 */

/** Knobs of the rule; see README "Knobs" for the defaults and what OpenFaaS uses. */
export interface ScalingPolicy {
  /** Floor of replicas (≥ 1: the local platform never scales to zero). */
  readonly minReplicas: number;
  /** Ceiling of replicas. */
  readonly maxReplicas: number;
  /** Successful requests per second per replica above which the function is "hot" (OpenFaaS CE: 5). */
  readonly targetRatePerReplica: number;
  /** Step size as a percentage of `maxReplicas`, rounded up, at least 1 (OpenFaaS CE `scale_factor`: 20). */
  readonly scaleFactorPercent: number;
  /** How long the function must stay hot before each step up (the alert's `for:`, OpenFaaS CE: 5 s). */
  readonly scaleUpAfterMs: number;
  /** How long the function must stay cool before each step down. */
  readonly scaleDownAfterMs: number;
}

/** What the pool observed at one tick. */
export interface ScalingObservation {
  /** Monotonic clock, milliseconds. */
  readonly nowMs: number;
  /** Replicas the pool currently wants (starting and ready ones, not those draining). */
  readonly replicas: number;
  /** Successful invocations per second over the rate window. */
  readonly ratePerSecond: number;
  /** Requests waiting in the queue right now. */
  readonly queued: number;
}

/** Timers carried from one tick to the next. */
export interface ScalingState {
  /** Since when the function has been continuously hot, `null` when it is not. */
  readonly hotSinceMs: number | null;
  /** Since when the function has been continuously cool, `null` when it is not. */
  readonly coolSinceMs: number | null;
}

/** The state before the first tick. */
export const INITIAL_SCALING_STATE: ScalingState = { hotSinceMs: null, coolSinceMs: null };

/** Outcome of one tick. */
export interface ScalingDecision {
  readonly replicas: number;
  readonly state: ScalingState;
  readonly action: "scale-up" | "scale-down" | "hold";
}

/** Replicas added or removed per step: `ceil(max × factor / 100)`, at least 1 (as OpenFaaS CE computes it). */
export function scalingStep(policy: ScalingPolicy): number {
  return Math.max(1, Math.ceil((policy.maxReplicas * policy.scaleFactorPercent) / 100));
}

/**
 * Decides the replica count for one tick.
 *
 * - hot: requests are queued, or the rate per replica exceeds the target. Hot for `scaleUpAfterMs` → one step up
 *   (capped at max), and the timer re-arms so the next step needs another full period (as the alert re-fires).
 * - cool: nothing is queued and the rate would stay within the target with one step fewer replicas. Cool for
 *   `scaleDownAfterMs` → one step down (floored at min), timer re-armed. OpenFaaS CE instead drops straight to the
 *   minimum when the alert resolves, which makes replicas flap at moderate load; stepping down with this
 *   hysteresis keeps a campaign's rate steps comparable.
 * - otherwise hold, and both timers reset.
 *
 * A count outside [min, max] (e.g. after the policy changed) is clamped first.
 */
export function decideScale(policy: ScalingPolicy, state: ScalingState, obs: ScalingObservation): ScalingDecision {
  const step = scalingStep(policy);
  const replicas = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, obs.replicas));
  const clamped = replicas !== obs.replicas;
  const perReplica = obs.ratePerSecond / Math.max(1, replicas);
  const hot = obs.queued > 0 || perReplica > policy.targetRatePerReplica;
  const fewer = Math.max(policy.minReplicas, replicas - step);
  const cool = !hot && obs.queued === 0 && obs.ratePerSecond / Math.max(1, fewer) <= policy.targetRatePerReplica;

  if (hot) {
    const hotSinceMs = state.hotSinceMs ?? obs.nowMs;
    if (replicas < policy.maxReplicas && obs.nowMs - hotSinceMs >= policy.scaleUpAfterMs) {
      return { replicas: Math.min(policy.maxReplicas, replicas + step), state: { hotSinceMs: obs.nowMs, coolSinceMs: null }, action: "scale-up" };
    }
    return { replicas, state: { hotSinceMs, coolSinceMs: null }, action: clamped ? actionOf(obs.replicas, replicas) : "hold" };
  }
  if (cool) {
    const coolSinceMs = state.coolSinceMs ?? obs.nowMs;
    if (replicas > policy.minReplicas && obs.nowMs - coolSinceMs >= policy.scaleDownAfterMs) {
      return { replicas: fewer, state: { hotSinceMs: null, coolSinceMs: obs.nowMs }, action: "scale-down" };
    }
    return { replicas, state: { hotSinceMs: null, coolSinceMs }, action: clamped ? actionOf(obs.replicas, replicas) : "hold" };
  }
  return { replicas, state: INITIAL_SCALING_STATE, action: clamped ? actionOf(obs.replicas, replicas) : "hold" };
}

function actionOf(before: number, after: number): ScalingDecision["action"] {
  return after > before ? "scale-up" : after < before ? "scale-down" : "hold";
}

/** One tick's count of successful invocations, for {@link windowRate}. */
export interface RateSample {
  readonly atMs: number;
  readonly count: number;
}

/**
 * Successes per second over the last `windowMs`: the samples taken within the window divided by the window length
 * (like PromQL `rate()` over a fully covered range; a fresh function reads low until one window has passed).
 */
export function windowRate(samples: readonly RateSample[], nowMs: number, windowMs: number): number {
  let total = 0;
  for (const s of samples) if (s.atMs > nowMs - windowMs && s.atMs <= nowMs) total += s.count;
  return total / (windowMs / 1000);
}
