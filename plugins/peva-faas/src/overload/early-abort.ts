/**
 * When an iteration still under load is already certain to be overloaded, so its load can stop early. Pure.
 *
 * The bound. A function's success rate at the end of the window is `successes / (requests + dropped)`, and the
 * denominator is at least its schedule `S = ⌈rate × duration⌉` (the load-generator contract: a generator never
 * sends more than its schedule, and what it does not send counts as dropped). Requests that have already failed
 * (an HTTP status outside 200–399, a timeout, a transport error) stay failed, so whatever the rest of the window
 * brings, even every remaining request succeeding,
 *
 *     final success rate ≤ 1 − failed / S        (the function's best case)
 *
 * The overload rules on success are "a function's success < success_rate_function_min" and "the mean success over
 * the functions (an idle one counting 1) < success_rate_node_min", and both only get truer as success falls. So
 * when a best case already breaks one of them, the iteration's verdict is "overloaded" whatever happens next: that
 * is what "settled" means here. Nothing is estimated; a saturated queue (429s) settles it through the same count.
 *
 * Before judging, a minimum share of the window must have run and a minimum number of responses must have come
 * back, so that an aborted iteration still carries a measurement worth keeping.
 */
import type { OverloadThresholds } from "./rules.ts";

/** The `early_abort` settings the bound uses. */
export interface EarlyAbortLimits {
  /** Share of the load duration (0..1] that must have run before an iteration may be aborted. */
  readonly min_share: number;
  /** Responses (all functions together) that must have come back before an iteration may be aborted. */
  readonly min_requests: number;
}

/** What the load generator has seen so far of one function. */
export interface FunctionSoFar {
  readonly name: string;
  /** Target rate, requests per second (0: idle). */
  readonly rate: number;
  /** Requests answered so far: a response, a timeout or an error. */
  readonly answered: number;
  /** Of which succeeded (status 200–399). */
  readonly successes: number;
}

/** One function's best case, as the evidence records it. */
export interface FunctionBound {
  readonly name: string;
  /** Requests the schedule asks for over the whole window, `⌈rate × duration⌉`. */
  readonly scheduled: number;
  readonly answered: number;
  readonly failed: number;
  /** The highest success rate the function can still end with, `1 − failed / scheduled` (1 when idle). */
  readonly best_success_rate: number;
}

/** Why an iteration was stopped early: what had been seen, and the rule its best case already broke. */
export interface EarlyAbortEvidence {
  /** Seconds of load run when the verdict was settled. */
  readonly elapsed_seconds: number;
  /** `elapsed_seconds / duration`. */
  readonly share: number;
  /** Responses answered so far, all functions. */
  readonly answered: number;
  readonly functions: readonly FunctionBound[];
  /** The mean best case over the functions (an idle one counting 1). */
  readonly best_avg_success_rate: number;
  /** The rules already broken by the best case, e.g. `figlet: best success 0.62 < 0.9`. */
  readonly reasons: readonly string[];
}

/**
 * The evidence that the iteration is certainly overloaded, or `undefined` while it is not (or not yet allowed to
 * be judged). `elapsedSeconds` is the load run so far, `durationSeconds` the configured window.
 */
export function settledOverload(
  soFar: { readonly elapsedSeconds: number; readonly functions: readonly FunctionSoFar[] },
  durationSeconds: number,
  thresholds: Pick<OverloadThresholds, "success_rate_function_min" | "success_rate_node_min">,
  limits: EarlyAbortLimits,
): EarlyAbortEvidence | undefined {
  if (!(durationSeconds > 0) || soFar.functions.length === 0) return undefined;
  const share = soFar.elapsedSeconds / durationSeconds;
  const answered = soFar.functions.reduce((a, f) => a + f.answered, 0);
  if (share < limits.min_share || answered < limits.min_requests) return undefined;

  const functions: FunctionBound[] = soFar.functions.map((f) => {
    const failed = Math.max(0, f.answered - f.successes);
    if (f.rate <= 0) return { name: f.name, scheduled: 0, answered: f.answered, failed, best_success_rate: 1 };
    const scheduled = Math.ceil(f.rate * durationSeconds);
    return { name: f.name, scheduled, answered: f.answered, failed, best_success_rate: Math.max(0, 1 - failed / Math.max(scheduled, f.answered)) };
  });
  const bestAvg = functions.reduce((a, f) => a + f.best_success_rate, 0) / functions.length;
  const reasons: string[] = [];
  for (const f of functions) {
    if (f.best_success_rate < thresholds.success_rate_function_min) {
      reasons.push(`${f.name}: best success ${f.best_success_rate.toFixed(3)} < ${thresholds.success_rate_function_min} (${f.failed} of ${f.scheduled} failed)`);
    }
  }
  if (bestAvg < thresholds.success_rate_node_min) reasons.push(`node: best avg success ${bestAvg.toFixed(3)} < ${thresholds.success_rate_node_min}`);
  if (reasons.length === 0) return undefined;
  return {
    elapsed_seconds: Math.round(soFar.elapsedSeconds * 1000) / 1000,
    share: Math.round(share * 1000) / 1000,
    answered,
    functions,
    best_avg_success_rate: bestAvg,
    reasons,
  };
}
