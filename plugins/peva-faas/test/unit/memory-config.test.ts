import { describe, expect, it } from "vitest";
import {
  DEFAULT_MEMORY_DB_PATH,
  MEMORY_SCHEMA_VERSION,
  memoryConfigSchema,
  memorySectionSchema,
  resolveMemoryPaths,
} from "../../src/memory/index.ts";

describe("memory config", () => {
  it("an absent section parses to the upstream defaults", () => {
    expect(memorySectionSchema.parse(undefined)).toEqual({
      backend: "duckdb",
      db_path: DEFAULT_MEMORY_DB_PATH,
      preload_raw_debug: false,
      schema_version: MEMORY_SCHEMA_VERSION,
    });
    expect(DEFAULT_MEMORY_DB_PATH).toBe("benchmark_results/peva_faas/memory/peva_faas.duckdb");
    expect(MEMORY_SCHEMA_VERSION).toBe("peva_faas_mem_v2");
  });

  it("accepts only the current schema version, pointing at the migration for older files", () => {
    expect(memoryConfigSchema.parse({ schema_version: "peva_faas_mem_v2" }).schema_version).toBe("peva_faas_mem_v2");
    const r = memoryConfigSchema.safeParse({ schema_version: "peva_faas_mem_v1" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(
      "this release reads and writes only peva_faas_mem_v2; upgrade an older memory file with: peva-faas memory migrate --db <file>",
    );
  });

  it("rejects unknown keys, other backends and '..' in db_path", () => {
    expect(memoryConfigSchema.safeParse({ db_pth: "x" }).success).toBe(false);
    expect(memoryConfigSchema.safeParse({ backend: "sqlite" }).success).toBe(false);
    const r = memoryConfigSchema.safeParse({ db_path: "a/../b.duckdb" });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("cannot contain '..' segments");
  });

  it("resolves relative paths against the runner workdir and keeps absolute ones", () => {
    const cfg = memoryConfigSchema.parse({ export_core_parquet_dir: "/abs/core", preload_core_parquet_dir: "ckpt" });
    const p = resolveMemoryPaths(cfg, "/home/u/.lb");
    expect(p.dbPath).toBe("/home/u/.lb/benchmark_results/peva_faas/memory/peva_faas.duckdb");
    expect(p.exportCoreDir).toBe("/abs/core");
    expect(p.preloadCoreDir).toBe("/home/u/.lb/ckpt");
    expect(p.exportRawDebugDir).toBeUndefined();
    expect(() => resolveMemoryPaths({ ...cfg, export_raw_debug_parquet_dir: "../x" }, "/w")).toThrow(/'\.\.' segments/);
  });
});
