/**
 * The `memory` section of the workload configuration (reference §2, §11) and how its paths resolve on the runner.
 * Exported for the config module to embed; keys and defaults match upstream, but unknown keys are rejected.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

/** Default DuckDB file, relative to the runner's working directory. */
export const DEFAULT_MEMORY_DB_PATH = "benchmark_results/peva_faas/memory/peva_faas.duckdb";

/**
 * The only schema version this code reads and writes. A file of the previous version (`peva_faas_mem_v1`) is
 * refused until `peva-faas memory migrate --db <file>` upgrades it (see `migrate.ts`); nothing is migrated silently.
 */
export const MEMORY_SCHEMA_VERSION = "peva_faas_mem_v2";

/** True when a path has a `..` segment (reference §14: the collect step refuses those; so do we, earlier). */
export function hasParentSegment(path: string): boolean {
  return /(^|[/\\])\.\.([/\\]|$)/.test(path);
}

const dirPath = (): z.ZodString => z.string().trim().min(1);

/** zod schema of the `memory` object. */
export const memoryConfigSchema = z
  .object({
    backend: z.literal("duckdb").default("duckdb"),
    db_path: z
      .string()
      .trim()
      .min(1)
      .default(DEFAULT_MEMORY_DB_PATH)
      .refine((p) => !hasParentSegment(p), { error: "PEVA-FAAS memory DB path cannot contain '..' segments." }),
    /** Directory of a Parquet checkpoint to merge in at startup (core tables; debug too with preload_raw_debug). */
    preload_core_parquet_dir: dirPath().optional(),
    /** Core tables are exported here at the end of the run when set (independently of the debug dir, defect 9). */
    export_core_parquet_dir: dirPath().optional(),
    /** The debug table `loadgen_raw_reports` (raw load-generator reports) is exported here when set. */
    export_raw_debug_parquet_dir: dirPath().optional(),
    /** Also preload `loadgen_raw_reports.parquet` from the preload directory. */
    preload_raw_debug: z.boolean().default(false),
    /** Kept for upstream compatibility; only the current version is accepted (older files are migrated explicitly). */
    schema_version: z
      .string()
      .trim()
      .default(MEMORY_SCHEMA_VERSION)
      .refine((v) => v === MEMORY_SCHEMA_VERSION, {
        error: `this release reads and writes only ${MEMORY_SCHEMA_VERSION}; upgrade an older memory file with: peva-faas memory migrate --db <file>`,
      }),
  })
  .strict();

/** The `memory` section with every default applied (an absent section parses to all defaults). */
export const memorySectionSchema = memoryConfigSchema.prefault({});

/** Validated `memory` settings. */
export type MemoryConfig = z.output<typeof memoryConfigSchema>;

/** Absolute paths of the memory assets on the runner host. */
export interface ResolvedMemoryPaths {
  readonly dbPath: string;
  readonly preloadCoreDir: string | undefined;
  readonly exportCoreDir: string | undefined;
  readonly exportRawDebugDir: string | undefined;
}

/**
 * Resolves the configured paths against the runner's working directory (absolute paths stay as they are).
 * Throws on `..` segments so nothing can escape the workdir through the config.
 */
export function resolveMemoryPaths(config: MemoryConfig, workdir: string): ResolvedMemoryPaths {
  const at = (p: string | undefined, field: string): string | undefined => {
    if (p === undefined) return undefined;
    if (hasParentSegment(p)) throw new Error(`memory.${field} cannot contain '..' segments: ${p}`);
    return isAbsolute(p) ? p : resolve(workdir, p);
  };
  return {
    dbPath: at(config.db_path, "db_path")!,
    preloadCoreDir: at(config.preload_core_parquet_dir, "preload_core_parquet_dir"),
    exportCoreDir: at(config.export_core_parquet_dir, "export_core_parquet_dir"),
    exportRawDebugDir: at(config.export_raw_debug_parquet_dir, "export_raw_debug_parquet_dir"),
  };
}
