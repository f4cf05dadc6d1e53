/**
 * `@peva-lab/compute-duckdb`: the DuckDB compute plugin (dbt-duckdb profiles, read-only native connection
 * validation, resource presets, Iceberg REST attach SQL with separated secrets). Compute errors and governance live in
 * `@peva-lab/core`, shared by every compute plugin.
 */
export { default as DuckDbComputePlugin, DBT_CORE_VERSION, DBT_DUCKDB_VERSION, type DuckDbComputePluginOptions, type DuckDbConfigSource } from "./plugin.ts";
export * from "./config.ts";
export * from "./profile.ts";
export * from "./connection.ts";
export * from "./catalog.ts";
