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

/** The failure reason recorded for an error thrown while a configuration ran. */
export function failureReason(e: unknown): string {
  if (e instanceof ConfigFailure) return e.reason;
  if (e instanceof CooldownTimeoutError) return "cooldown_timeout";
  if (e instanceof LoadgenFailedError || e instanceof LoadgenUnavailableError || e instanceof LoadResultInvalidError) return "loadgen_error";
  if (e instanceof PrometheusQueryError) return "prometheus_error";
  return "error";
}
