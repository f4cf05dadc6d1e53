import { MemoryLogger, silentLogger } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import { DuckDbComputePlugin, validateDuckDbConnection } from "../../src/index.ts";

const plugin = new DuckDbComputePlugin({ logger: silentLogger });

describe("validateConnection, in memory (001-FR-018, 001-FR-019)", () => {
  it("opens an in-memory database with the native driver and reports healthy with latency", async () => {
    const result = await plugin.validateConnection({});
    expect(result).toMatchObject({ status: "healthy", message: "Connected to DuckDB successfully (path: :memory:)", warnings: [] });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("never throws: an invalid config is an unhealthy result naming the fields", async () => {
    for (const raw of [null, 42, { memoryLimit: "abcGB" }, { path: "../x.duckdb" }]) {
      const result = await plugin.validateConnection(raw as never);
      expect(result.status).toBe("unhealthy");
      expect(result.message).toMatch(/^Invalid DuckDB config: /);
    }
    expect((await plugin.validateConnection({ memoryLimit: "abcGB" })).message).toBe(
      "Invalid DuckDB config: memoryLimit: memory_limit must match ^\\d+(GB|MB)$, e.g. 4GB or 512MB",
    );
  });

  it("an extension that is not installed degrades the result with a warning", async () => {
    const result = await plugin.validateConnection({ extensions: ["json", "spatial"] });
    expect(result.status).toBe("degraded");
    expect(result.warnings).toEqual(["extension 'spatial' is not installed locally; dbt will run INSTALL spatial, which needs network access"]);
  });

  it("a probe slower than its bound is reported as timed out, not awaited", async () => {
    const result = await validateDuckDbConnection({}, { timeoutMs: 1 });
    expect(result).toMatchObject({ status: "unhealthy", message: "DuckDB validation timed out after 0.001s (path: :memory:)" });
  });

  it("logs one compute.validate_connection event per call", async () => {
    const logger = new MemoryLogger();
    await new DuckDbComputePlugin({ logger }).validateConnection({});
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]).toMatchObject({
      level: "info",
      event: "compute.validate_connection",
      fields: { plugin: "duckdb", path: ":memory:", status: "healthy" },
    });
  });

  it("healthCheck: healthy before configuration, the validation result after", async () => {
    const p = new DuckDbComputePlugin({ logger: silentLogger });
    expect(await p.healthCheck()).toEqual({ state: "healthy", message: "not configured", details: {} });
    p.configure(p.parseConfig({}));
    expect(await p.healthCheck()).toMatchObject({ state: "healthy", message: "Connected to DuckDB successfully (path: :memory:)" });
  });
});
