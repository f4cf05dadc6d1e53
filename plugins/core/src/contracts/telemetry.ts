/** Contract of `telemetry` plugins: reading metrics (Prometheus) for a time window. */
import { Plugin } from "./plugin.ts";

/** A range query. */
export interface MetricQuery {
  readonly query: string;
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
}

/** One series: its labels and `[unixSeconds, value]` points. */
export interface MetricSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly (readonly [number, number])[];
}

/** A metrics source. */
export abstract class TelemetryPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "telemetry" as const;
  /** Runs a range query; `signal` cancels it. */
  abstract query(request: MetricQuery, signal?: AbortSignal): Promise<readonly MetricSeries[]>;
}
