/**
 * Campaign runtime estimate. Upstream counted only `duration × iterations × configs` (defect 16); we add the
 * per-iteration overheads: cooldown, the load generator's start-up and report reading, and Prometheus queries. Pure.
 */

/** Per-iteration overheads in seconds (defaults are conservative measurements on the local stack). */
export interface RuntimeAllowances {
  /** Load-generator start-up plus reading its report after the load. */
  readonly generatorOverheadSeconds: number;
  /** Prometheus queries and result writing after each run. */
  readonly querySeconds: number;
  /** Expected cooldown per iteration (the typical case). */
  readonly expectedCooldownSeconds: number;
  /** Worst-case cooldown per iteration (`cooldown.max_wait_seconds`). */
  readonly maxCooldownSeconds: number;
  /** Tail after the load phase while requests in flight are awaited (worst case: the request timeout). */
  readonly inFlightTailSeconds: number;
}

/** Default allowances; `expectedCooldownSeconds` defaults to one sleep step. */
export function defaultAllowances(cooldown: { max_wait_seconds: number; sleep_step_seconds: number }): RuntimeAllowances {
  return {
    generatorOverheadSeconds: 1,
    querySeconds: 2,
    expectedCooldownSeconds: Math.min(cooldown.sleep_step_seconds, cooldown.max_wait_seconds),
    maxCooldownSeconds: cooldown.max_wait_seconds,
    inFlightTailSeconds: 0,
  };
}

/** Result of {@link estimateRuntime}, all in seconds. */
export interface RuntimeEstimate {
  readonly configurations: number;
  readonly iterations: number;
  /** Load time only (what upstream reported). */
  readonly loadSeconds: number;
  /** Expected wall time including overheads. */
  readonly expectedSeconds: number;
  /** Upper bound (every cooldown runs to its cap, every load waits its in-flight tail). */
  readonly worstCaseSeconds: number;
}

/** Estimates campaign wall time for `configurations` configurations run `iterations` times each. */
export function estimateRuntime(
  configurations: number,
  iterations: number,
  durationSeconds: number,
  allowances: RuntimeAllowances,
): RuntimeEstimate {
  const runs = Math.max(0, configurations) * Math.max(1, iterations);
  const fixed = allowances.generatorOverheadSeconds + allowances.querySeconds;
  return {
    configurations,
    iterations,
    loadSeconds: runs * durationSeconds,
    expectedSeconds: runs * (durationSeconds + fixed + allowances.expectedCooldownSeconds),
    worstCaseSeconds:
      runs * (durationSeconds + fixed + allowances.maxCooldownSeconds + allowances.inFlightTailSeconds),
  };
}
