/**
 * Wiring from validated configuration to a ready-to-start engine: the one place that knows DuckDB is the
 * backend (`memory.backend` has a single allowed value today).
 */
import type { MemoryEngine, PolicyUpdater, RunSession } from "./contracts.ts";
import { resolveMemoryPaths, type MemoryConfig } from "./config.ts";
import { DuckDbMemoryStore } from "./duckdb-store.ts";
import { createMemoryEngine, type Clock } from "./engine.ts";

/** Options of {@link createConfiguredMemoryEngine}. */
export interface ConfiguredMemoryOptions {
  /** The runner's working directory: relative memory paths resolve against it. */
  readonly workdir: string;
  readonly session: RunSession;
  readonly policy?: PolicyUpdater;
  readonly clock?: Clock;
  readonly writeBatchSize?: number;
}

/** Builds the DuckDB-backed engine described by the `memory` section; call `startup()` on the result. */
export function createConfiguredMemoryEngine(config: MemoryConfig, options: ConfiguredMemoryOptions): MemoryEngine {
  const paths = resolveMemoryPaths(config, options.workdir);
  const clock = options.clock;
  const store = new DuckDbMemoryStore({
    dbPath: paths.dbPath,
    schemaVersion: config.schema_version,
    preloadCoreDir: paths.preloadCoreDir,
    preloadRawDebug: config.preload_raw_debug,
    exportCoreDir: paths.exportCoreDir,
    exportRawDebugDir: paths.exportRawDebugDir,
    ...(clock ? { now: clock } : {}),
  });
  return createMemoryEngine({
    store,
    session: options.session,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(clock ? { clock } : {}),
    ...(options.writeBatchSize ? { writeBatchSize: options.writeBatchSize } : {}),
  });
}
