/**
 * Contract of `compute` plugins (floe's ComputePlugin, adapted): where the analysis transforms run (DuckDB by
 * default). A compute plugin never executes campaign SQL itself (floe FR-004a): it produces dbt profiles and
 * attach statements, and validates a connection with a native `SELECT 1`.
 */
import { z } from "zod";
import type { HealthState } from "../health.ts";
import { resourcePreset, type ResourceSpec, type WorkloadSize } from "../resources.ts";
import { Plugin } from "./plugin.ts";

/** Schema of the config common to compute plugins; plugin-specific keys are allowed (loose object). */
export const computeConfigSchema = z.looseObject({
  plugin: z.string().min(1),
  timeoutSeconds: z.int().min(1).max(86_400).default(3600),
  threads: z.int().min(1).max(64).default(4),
  connection: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), z.string()).default({}),
});

/** Validated compute config (defaults applied). */
export type ComputeConfig = z.output<typeof computeConfigSchema>;

/** Result of `validateConnection`; never thrown, always returned. */
export interface ConnectionResult {
  readonly status: HealthState;
  readonly latencyMs: number;
  readonly message: string;
  readonly warnings: readonly string[];
}

/** An Iceberg REST catalog to attach to the compute engine. */
export interface IcebergCatalogConfig {
  readonly catalogUri: string;
  readonly catalogName: string;
  readonly warehouse?: string;
  readonly credentials: Readonly<Record<string, string>>;
}

/** A compute target for dbt transforms. */
export abstract class ComputePlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "compute" as const;
  /** True when it runs inside the lab (DuckDB); false for a hosted service. */
  abstract readonly isSelfHosted: boolean;
  /** A dbt `profiles.yml` target for this config. */
  abstract generateDbtProfile(config: ComputeConfig): Record<string, unknown>;
  /** npm/pip requirement strings dbt needs for this target (e.g. `dbt-duckdb>=1.7.0`). */
  abstract getRequiredDbtPackages(): readonly string[];
  /** Opens a connection with the native driver and runs `SELECT 1`; never throws. */
  abstract validateConnection(config: ComputeConfig): Promise<ConnectionResult>;

  /** Resources for a workload size, from the shared preset table; unknown sizes throw a `RangeError`. */
  getResourceRequirements(size: WorkloadSize): ResourceSpec {
    return resourcePreset(size);
  }

  /** SQL that attaches an Iceberg catalog, or `undefined` when the engine cannot. */
  getCatalogAttachmentSql(_catalog: IcebergCatalogConfig): readonly string[] | undefined {
    return undefined;
  }
}
