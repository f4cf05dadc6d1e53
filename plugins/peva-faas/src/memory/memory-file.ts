/**
 * What the `peva-faas memory` commands share about a memory file on disk: opening an existing file (DuckDB would
 * create a missing one), reading rows, the schema versions it records, and the `--flag value` arguments.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** How {@link withMemoryFile} reports a file it cannot work on. */
export interface MemoryFileErrors {
  /** The file does not exist (nothing was created). */
  readonly missing: (path: string) => Error;
  /** DuckDB could not open it; thrown as DuckDB's own error when absent. */
  readonly openFailed?: (path: string, error: unknown) => Error;
}

/**
 * Runs `work` on one connection to the existing memory file `dbPath` (made absolute), closing both afterwards. A
 * missing file is refused before DuckDB is asked, so a typo never leaves an empty database behind.
 */
export async function withMemoryFile<T>(dbPath: string, errors: MemoryFileErrors, work: (c: DuckDBConnection, path: string) => Promise<T>): Promise<T> {
  const path = resolve(dbPath);
  if (!existsSync(path) || !statSync(path).isFile()) throw errors.missing(path);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (error) {
    throw errors.openFailed ? errors.openFailed(path, error) : error;
  }
  try {
    const conn = await instance.connect();
    try {
      return await work(conn, path);
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** The rows of `sql` as plain JS objects. */
export async function queryRows(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** The distinct `memory_schema_meta.schema_version` values of an open memory, sorted. */
export async function schemaVersionsOf(c: DuckDBConnection): Promise<string[]> {
  return (await queryRows(c, "SELECT DISTINCT schema_version FROM memory_schema_meta ORDER BY 1")).map((r) => String(r["schema_version"]));
}

/** A `--name value` (or `--name=value`) flag a command takes: what its value is, in messages. */
export interface FlagSpec {
  /** E.g. `a file`, for `--db needs a file`. */
  readonly what: string;
  /** E.g. `<file>`, for `missing --db <file>`. */
  readonly placeholder: string;
}

/**
 * The values of every flag of `specs`, each required once, or the first usage problem (`unexpected argument 'x'`,
 * `--db needs a file`, `--db given twice`, `missing --db <file>`).
 */
export function parseFlags<K extends string>(argv: readonly string[], specs: Readonly<Record<K, FlagSpec>>): Record<K, string> | { readonly error: string } {
  const names = Object.keys(specs) as K[];
  const found: Partial<Record<K, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = names.find((n) => arg === `--${n}` || arg.startsWith(`--${n}=`));
    if (name === undefined) return { error: `unexpected argument '${arg}'` };
    const value = arg === `--${name}` ? argv[++i] : arg.slice(`--${name}=`.length);
    if (value === undefined || value === "") return { error: `--${name} needs ${specs[name].what}` };
    if (found[name] !== undefined) return { error: `--${name} given twice` };
    found[name] = value;
  }
  for (const n of names) if (found[n] === undefined) return { error: `missing --${n} ${specs[n].placeholder}` };
  return found as Record<K, string>;
}
