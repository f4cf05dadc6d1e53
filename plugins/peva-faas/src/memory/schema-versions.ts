/**
 * The schema versions this code knows and the texts it refuses other versions with. Pure strings: the DuckDB
 * store, the Parquet preload and `peva-faas memory migrate` all say the same thing, and tests check it exactly.
 */
import { MEMORY_SCHEMA_VERSION } from "./config.ts";

/** The one earlier version `peva-faas memory migrate` upgrades to {@link MEMORY_SCHEMA_VERSION}. */
export const MIGRATABLE_SCHEMA_VERSION = "peva_faas_mem_v1";

/** The migration command without its file argument. */
const MIGRATE_COMMAND = "peva-faas memory migrate --db";

/**
 * The command that migrates a memory file, ready to paste: `peva-faas memory migrate --db <path>`. The path is
 * single-quoted for the shell only when it has characters a shell would split or expand.
 */
export function migrateCommandLine(dbPath: string): string {
  return `${MIGRATE_COMMAND} ${shellWord(dbPath)}`;
}

/**
 * Why a DuckDB file is refused: the file's version `db` is not the `configured` one. A file the migration can
 * upgrade names the command to run; anything else says nothing was migrated.
 */
export function dbVersionMismatchMessage(db: string, configured: string, dbPath: string): string {
  const head = `schema_version mismatch: db=${db} configured=${configured} (${dbPath})`;
  if (db === MIGRATABLE_SCHEMA_VERSION && configured === MEMORY_SCHEMA_VERSION) {
    return `${head}; run: ${migrateCommandLine(dbPath)}`;
  }
  return `${head}; nothing was migrated`;
}

/**
 * Why a Parquet checkpoint is refused: its `memory_schema_meta.parquet` (`metaFile`) says version `parquet`
 * (`undefined`: the file has no row). Parquet checkpoints are never migrated; one of the migratable version is
 * re-made by migrating the DuckDB file it came from and exporting again.
 */
export function parquetVersionMismatchMessage(parquet: string | undefined, configured: string, metaFile: string): string {
  const head = `schema_version mismatch: parquet=${parquet ?? "<empty>"} configured=${configured} (${metaFile}); the checkpoint was not loaded`;
  if (parquet === MIGRATABLE_SCHEMA_VERSION && configured === MEMORY_SCHEMA_VERSION) {
    return (
      `${head}. Parquet checkpoints are not migrated: migrate the DuckDB file it was exported from ` +
      `(${MIGRATE_COMMAND} <file>) and export the checkpoint again`
    );
  }
  return head;
}

/** A path as one shell word: as is when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
