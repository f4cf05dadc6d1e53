/**
 * Errors of the campaign runner, one class per failure. The executor turns each into the `reason` it records for a
 * failed configuration through {@link failureReason}, by class, never by searching messages.
 */
import { LoadgenFailedError, LoadgenUnavailableError } from "@peva-lab/core";
import { CooldownTimeoutError } from "../cooldown/manager.ts";
import { PrometheusQueryError } from "../prometheus/client.ts";

/** `<reason>: <message>` — abandons one configuration; the campaign goes on with the next. */
export class ConfigFailure extends Error {
  override name = "ConfigFailure";
  /** The short reason recorded in the memory and `skipped.csv`, e.g. `loadgen_error`. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * `load generator '<name>' broke its contract: <violations>` — a result failed the contract checks, so no verdict
 * is drawn from it.
 */
export class LoadResultInvalidError extends Error {
  override name = "LoadResultInvalidError";
  readonly generator: string;
  readonly violations: readonly string[];
  constructor(generator: string, violations: readonly string[]) {
    super(`load generator '${generator}' broke its contract: ${violations.join("; ")}`);
    this.generator = generator;
    this.violations = violations;
  }
}

/**
 * `the idle node is already overloaded before any load (<figures>): <what to do>` — every configuration would be
 * judged overloaded whatever the platform does, so the run stops before sending anything.
 */
export class BaselineOverloadedError extends Error {
  override name = "BaselineOverloadedError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `the idle node is already overloaded before any load (${problems.join("; ")}): other work on the machine would ` +
        "make every configuration overloaded; stop it, or run the platform on a host of its own, then run again (no load was sent)",
    );
    this.problems = problems;
  }
}

/**
 * `iteration <n> stayed contended after <k> re-run(s): starvation <s> > <max>` — other work on the node kept taking
 * the platform's CPU, so the configuration has no verdict (reason `contended`; the next run retries it).
 */
export class ContendedError extends ConfigFailure {
  override name = "ContendedError";
  readonly iteration: number;
  readonly starvation: number;
  constructor(iteration: number, reruns: number, starvation: number, maxStarvation: number) {
    super(
      "contended",
      `iteration ${iteration} stayed contended after ${reruns} re-run(s): CPU starvation ${starvation.toFixed(3)} > ${maxStarvation} ` +
        "(other work on the node took the platform's CPU; stop it or raise contention.max_starvation)",
    );
    this.iteration = iteration;
    this.starvation = starvation;
  }
}

/** The failure reason recorded for an error thrown while a configuration ran. */
export function failureReason(e: unknown): string {
  if (e instanceof ConfigFailure) return e.reason;
  if (e instanceof CooldownTimeoutError) return "cooldown_timeout";
  if (e instanceof LoadgenFailedError || e instanceof LoadgenUnavailableError || e instanceof LoadResultInvalidError) return "loadgen_error";
  if (e instanceof PrometheusQueryError) return "prometheus_error";
  return "error";
}
