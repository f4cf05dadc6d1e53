/** Health of a plugin as reported by `healthCheck()`. */

/** The three health states, worst last. */
export const HEALTH_STATES = ["healthy", "degraded", "unhealthy"] as const;

/** One of {@link HEALTH_STATES}. */
export type HealthState = (typeof HEALTH_STATES)[number];

/** What `healthCheck()` returns. */
export interface HealthStatus {
  readonly state: HealthState;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Builds a {@link HealthStatus}; `message` defaults to `""` and `details` to `{}`. */
export function healthStatus(
  state: HealthState,
  message = "",
  details: Readonly<Record<string, unknown>> = {},
): HealthStatus {
  return { state, message, details };
}

/** True when `value` has the shape of a {@link HealthStatus} (plugins may be plain JavaScript). */
export function isHealthStatus(value: unknown): value is HealthStatus {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (HEALTH_STATES as readonly unknown[]).includes(v["state"]) &&
    typeof v["message"] === "string" &&
    typeof v["details"] === "object" &&
    v["details"] !== null
  );
}
