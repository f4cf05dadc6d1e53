/**
 * OpenTelemetry metrics of compute plugins (floe §11, renamed to this project): how long a connection validation
 * took and why one failed. Through `@opentelemetry/api` only: with no SDK registered the calls are no-ops, and an
 * application (or a test) that registers a MeterProvider receives them.
 */
import { metrics, type Counter, type Histogram, type Meter } from "@opentelemetry/api";
import type { HealthState } from "../health.ts";

/** The meter's name and version. */
export const COMPUTE_METER = { name: "peva-lab", version: "0.1.0" } as const;
/** Histogram of validation durations, milliseconds; attributes `compute.plugin`, `validation.status`. */
export const VALIDATION_DURATION_METRIC = "peva_lab.compute.validation_duration";
/** Counter of failed validations; attributes `compute.plugin`, `error.type`. */
export const VALIDATION_ERRORS_METRIC = "peva_lab.compute.validation_errors";

/** Why a validation failed: its config, its time bound, or the engine itself. */
export type ComputeValidationErrorType = "config" | "timeout" | "connection";

interface Instruments {
  readonly duration: Histogram;
  readonly errors: Counter;
}

// One set of instruments per meter: a MeterProvider registered later (a test, an application) gets its own.
const instruments = new WeakMap<Meter, Instruments>();

function instrumentsOf(meter: Meter): Instruments {
  let found = instruments.get(meter);
  if (!found) {
    found = {
      duration: meter.createHistogram(VALIDATION_DURATION_METRIC, { unit: "ms", description: "Duration of compute connection validation in milliseconds" }),
      errors: meter.createCounter(VALIDATION_ERRORS_METRIC, { unit: "{errors}", description: "Count of compute connection validation errors" }),
    };
    instruments.set(meter, found);
  }
  return found;
}

/** Records one connection validation of compute plugin `plugin`; `errorType` for an unhealthy one. */
export function recordComputeValidation(plugin: string, status: HealthState, durationMs: number, errorType?: ComputeValidationErrorType): void {
  const { duration, errors } = instrumentsOf(metrics.getMeter(COMPUTE_METER.name, COMPUTE_METER.version));
  duration.record(durationMs, { "compute.plugin": plugin, "validation.status": status });
  if (status === "unhealthy") errors.add(1, { "compute.plugin": plugin, "error.type": errorType ?? "connection" });
}
