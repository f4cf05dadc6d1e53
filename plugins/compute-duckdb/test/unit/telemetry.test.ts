/**
 * The compute plugin's OpenTelemetry metrics (issue 16, item 4): a real DuckDB validation recorded through
 * `@opentelemetry/api` and read back with the SDK's in-memory exporter.
 */
import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type HistogramMetricData, type SumMetricData } from "@opentelemetry/sdk-metrics";
import { COMPUTE_METER, VALIDATION_DURATION_METRIC, VALIDATION_ERRORS_METRIC } from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateDuckDbConnection } from "../../src/index.ts";

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
beforeAll(() => metrics.setGlobalMeterProvider(provider));
afterAll(async () => {
  await provider.shutdown();
  metrics.disable();
});

/** The exported metrics of the compute meter, by name, after a flush. */
async function exported() {
  await reader.forceFlush();
  const scopes = exporter.getMetrics().at(-1)?.scopeMetrics ?? [];
  const scope = scopes.find((s) => s.scope.name === COMPUTE_METER.name);
  expect(scope?.scope.version).toBe(COMPUTE_METER.version);
  return new Map((scope?.metrics ?? []).map((m) => [m.descriptor.name, m]));
}

describe("compute validation metrics", () => {
  it("records each validation's duration by status, and each failure by its type", async () => {
    expect((await validateDuckDbConnection({})).status).toBe("healthy");
    expect((await validateDuckDbConnection({ memoryLimit: "lots" })).status).toBe("unhealthy");
    expect((await validateDuckDbConnection({}, { timeoutMs: 1 })).status).toBe("unhealthy");

    const m = await exported();
    const duration = m.get(VALIDATION_DURATION_METRIC) as HistogramMetricData;
    expect(duration.descriptor).toMatchObject({ unit: "ms", description: "Duration of compute connection validation in milliseconds" });
    const byStatus = Object.fromEntries(duration.dataPoints.map((p) => [String(p.attributes["validation.status"]), p.value.count]));
    expect(byStatus).toEqual({ healthy: 1, unhealthy: 2 });
    for (const p of duration.dataPoints) {
      expect(p.attributes["compute.plugin"]).toBe("duckdb");
      expect(p.value.min).toBeGreaterThanOrEqual(0);
    }

    const errors = m.get(VALIDATION_ERRORS_METRIC) as SumMetricData;
    expect(errors.descriptor).toMatchObject({ unit: "{errors}", description: "Count of compute connection validation errors" });
    expect(Object.fromEntries(errors.dataPoints.map((p) => [String(p.attributes["error.type"]), p.value]))).toEqual({ config: 1, timeout: 1 });
  });
});
