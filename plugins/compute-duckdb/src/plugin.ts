/**
 * The `duckdb` compute plugin: where the lab's analysis transforms (dbt models over a campaign's DuckDB memory)
 * run. Following 001-FR-004a it never executes campaign SQL: it produces dbt-duckdb profiles and Iceberg attach
 * statements, reports resource presets, and validates a connection with the native driver (`SELECT 1`).
 */
import {
  ComputePlugin,
  healthStatus,
  resourcePreset,
  stderrLogger,
  validatePluginConfig,
  type ComputeConfig,
  type ConnectionResult,
  type HealthStatus,
  type IcebergCatalogConfig,
  type Logger,
  type ResourceSpec,
  type WorkloadSize,
} from "@peva-lab/core";
import { icebergAttachmentScript, icebergAttachmentSql, icebergSecretSql, type SecretSql } from "./catalog.ts";
import { duckDbConfigSchema, type DuckDbConfig, type DuckDbConfigInput } from "./config.ts";
import { validateDuckDbConnection, type ValidateConnectionOptions } from "./connection.ts";
import { buildDbtProfile, type DbtDuckDbTarget } from "./profile.ts";

/** The dbt-core version scripts/bootstrap installs into `.tools/dbt` (the newest line installable from PyPI alone). */
export const DBT_CORE_VERSION = "1.10.15";
/** The dbt-duckdb version scripts/bootstrap installs into `.tools/dbt`. */
export const DBT_DUCKDB_VERSION = "1.10.1";

/**
 * What the config-taking methods accept: a `DuckDBConfig` input, the framework's generic `ComputeConfig` (DuckDB
 * keys top-level), or a stack config's `compute` section. Every form is validated at run time, so the last
 * member is deliberately open.
 */
export type DuckDbConfigSource = DuckDbConfigInput | ComputeConfig | DuckDbConfig | { readonly plugin?: string; readonly [key: string]: unknown };

/** Bound of the validation behind `healthCheck`, inside the framework's 5 s health timeout. */
const HEALTH_TIMEOUT_MS = 4000;

/** Constructor options; the loader calls `new DuckDbComputePlugin()`, so every one has a default. */
export interface DuckDbComputePluginOptions {
  /** Receives `compute.validate_connection` events. Default: warnings and errors to stderr. */
  readonly logger?: Logger;
}

/** DuckDB in-process analytical database for peva-lab dbt transforms. */
export default class DuckDbComputePlugin extends ComputePlugin<DuckDbConfig> {
  readonly name = "duckdb";
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly description = "DuckDB in-process analytical database for peva-lab dbt transforms";
  override readonly requiredExtras = ["@duckdb/node-api", "zod"];
  override readonly configSchema = duckDbConfigSchema;
  /** DuckDB runs inside the lab, next to dbt. */
  readonly isSelfHosted = true;

  readonly #logger: Logger;

  constructor(options: DuckDbComputePluginOptions = {}) {
    super();
    this.#logger = options.logger ?? stderrLogger;
  }

  /**
   * Validates `config` as a `DuckDBConfig` (defaults applied) with the framework's config mechanism; throws
   * `PluginConfigurationError` naming every bad field.
   */
  parseConfig(config: DuckDbConfigSource): DuckDbConfig {
    return validatePluginConfig(this.name, this.configSchema, config);
  }

  /**
   * The dbt-duckdb target for `config`, from its typed fields (defect 2): `path`, `threads`, `memoryLimit` as
   * `settings.memory_limit`, `extensions`, `attach`. Throws `PluginConfigurationError` for an invalid config,
   * including a path with a `..` segment.
   */
  generateDbtProfile(config: DuckDbConfigSource): DbtDuckDbTarget {
    return buildDbtProfile(this.parseConfig(config));
  }

  /** Pip requirements of the generated profiles, pinned to what scripts/bootstrap installs. */
  getRequiredDbtPackages(): readonly string[] {
    return [`dbt-core==${DBT_CORE_VERSION}`, `dbt-duckdb==${DBT_DUCKDB_VERSION}`];
  }

  /**
   * Opens the database with `@duckdb/node-api` (file databases read-only; a missing file is reported, never
   * created) and runs `SELECT 1` within 10 s. Never throws: every failure is an `unhealthy` result.
   */
  validateConnection(config: DuckDbConfigSource, options: ValidateConnectionOptions = {}): Promise<ConnectionResult> {
    return validateDuckDbConnection(config, { logger: this.#logger, ...options });
  }

  /**
   * Once configured, the connection validation of the configured database, bounded to 4 s so it answers within
   * the framework's 5 s health budget; unconfigured, healthy (there is nothing to reach yet).
   */
  override async healthCheck(): Promise<HealthStatus> {
    const config = this.config;
    if (config === undefined) return healthStatus("healthy", "not configured");
    const result = await this.validateConnection(config, { timeoutMs: HEALTH_TIMEOUT_MS });
    return healthStatus(result.status, result.message, { latencyMs: result.latencyMs, warnings: result.warnings });
  }

  /**
   * CPU, memory and ephemeral storage for a workload size, from the shared `WORKLOAD_PRESETS` (defect 5). An
   * unknown size throws `Unknown workload size: {s}. Valid sizes: large, medium, small`.
   */
  override getResourceRequirements(size: WorkloadSize): ResourceSpec {
    return resourcePreset(size);
  }

  /**
   * `INSTALL iceberg;`, `LOAD iceberg;` and an `ATTACH … (TYPE ICEBERG, ENDPOINT …, SECRET <name>_secret);` that
   * contains no credential. The credentials come from {@link DuckDbComputePlugin.getCatalogSecretSql}; use
   * {@link DuckDbComputePlugin.getCatalogAttachmentScript} for the full ordered script. Throws
   * `ComputeConfigurationError` for an invalid catalog name, URI scheme, warehouse or credential set.
   */
  override getCatalogAttachmentSql(catalog: IcebergCatalogConfig): readonly string[] {
    return icebergAttachmentSql(catalog);
  }

  /** The `CREATE OR REPLACE SECRET` for the catalog's credentials (empty without credentials), redacted as a string. */
  getCatalogSecretSql(catalog: IcebergCatalogConfig): readonly SecretSql[] {
    return icebergSecretSql(catalog);
  }

  /** Every attach statement in execution order: INSTALL, LOAD, the secret (if any), ATTACH. */
  getCatalogAttachmentScript(catalog: IcebergCatalogConfig): readonly (string | SecretSql)[] {
    return icebergAttachmentScript(catalog);
  }
}
