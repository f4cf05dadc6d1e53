/**
 * `peva-faas memory migrate --db <file>`: upgrades a campaign memory file from `peva_faas_mem_v1` to the current
 * {@link MEMORY_SCHEMA_VERSION} (`peva_faas_mem_v2`), explicitly — the store never migrates on open, it refuses the
 * old file and names this command.
 *
 * v1 → v2, all in ONE transaction (a failure or a count that does not add up rolls everything back):
 * - the debug table `k6_raw_summaries` becomes `loadgen_raw_reports`: every row is copied with generator
 *   {@link V1_GENERATOR} (v1 did not record k6's version) and format {@link V1_REPORT_FORMAT}, then the old table
 *   is dropped;
 * - `run_sessions` gains `loadgen` (NULL: v1 did not record it) and `latency_unit` (`ms`: v1 stored milliseconds);
 * - `memory_schema_meta.schema_version` becomes v2.
 * Parquet checkpoints are not migrated: migrate the DuckDB file they came from and export again.
 */
import { resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { MEMORY_SCHEMA_VERSION } from "./config.ts";
import { MIGRATABLE_SCHEMA_VERSION } from "./schema-versions.ts";
import { FORGET_USAGE, forgetCommand } from "./forget.ts";
import { parseFlags, queryRows as rows, schemaVersionsOf, withMemoryFile } from "./memory-file.ts";
import { CORE_TABLES, TABLE_COLUMNS, createTableSql, sqlString, timestampSql } from "./sql.ts";

/** The generator written for every row copied from v1's `k6_raw_summaries` (v1 never stored k6's version). */
export const V1_GENERATOR = "k6 (version not recorded)";

/** The `report_format` written for every row copied from v1's `k6_raw_summaries`. */
export const V1_REPORT_FORMAT = "k6-summary/v1";

/** v1's raw-report table, dropped by the migration. */
const V1_RAW_TABLE = "k6_raw_summaries";
/** Its columns in v1 (what the copy reads). */
const V1_RAW_COLUMNS = [
  "config_id",
  "iteration",
  "repetition",
  "run_id",
  "campaign_id",
  "status",
  "summary_json",
  "summary_size_bytes",
  "ingested_at",
] as const;
/** v2's raw-report table, created by the migration. */
const V2_RAW_TABLE = "loadgen_raw_reports";
/** `run_sessions` columns added in v2, with their types (from the current DDL, which v2 is). */
const ADDED_SESSION_COLUMNS = ["loadgen", "latency_unit"].map((name) => {
  const column = TABLE_COLUMNS.run_sessions.find(([n]) => n === name);
  if (column === undefined) throw new Error(`run_sessions has no column ${name}`);
  return column;
});

/** Rows of one table before and after the migration; `null` where the table does not exist. */
export interface TableRowCount {
  readonly table: string;
  readonly before: number | null;
  readonly after: number | null;
}

/** What {@link migrateMemory} found and did. */
export interface MigrationReport {
  /** The file, as an absolute path. */
  readonly dbPath: string;
  /** The file's schema version when the migration started. */
  readonly fromVersion: string;
  /** Its version now ({@link MEMORY_SCHEMA_VERSION}). */
  readonly toVersion: string;
  /** `migrated`: the transaction committed; `already_current`: the file was at `toVersion`, nothing was changed. */
  readonly outcome: "migrated" | "already_current";
  /** Row counts of every table of the file, memory tables first (verified: a migration changes none). */
  readonly tables: readonly TableRowCount[];
  /** What was done, one sentence per step, in order. */
  readonly steps: readonly string[];
}

/** The file was not migrated (refused, failed, or rolled back); the message says why. Nothing was changed. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Migrates the memory file at `dbPath` to {@link MEMORY_SCHEMA_VERSION} in one transaction and verifies the row
 * counts before committing. A file already current is left untouched (`outcome: "already_current"`); a file of any
 * other version, without a schema version, or missing, is refused with a {@link MigrationError}.
 */
export async function migrateMemory(dbPath: string): Promise<MigrationReport> {
  return withMemoryFile(dbPath, { missing: (path) => new MigrationError(`no memory file at ${path}; nothing was migrated`) }, migrateOpen);
}

async function migrateOpen(c: DuckDBConnection, path: string): Promise<MigrationReport> {
  const columns = await tableColumns(c);
  if (!columns.has("memory_schema_meta")) {
    throw new MigrationError(`${path} is not a peva-faas memory file (no memory_schema_meta table); nothing was changed`);
  }
  const versions = await schemaVersionsOf(c);
  if (versions.length !== 1) {
    const found = versions.length === 0 ? "no schema_version" : `several schema versions (${versions.join(", ")})`;
    throw new MigrationError(`${path} has ${found} in memory_schema_meta; nothing was changed`);
  }
  const version = versions[0]!;
  if (version === MEMORY_SCHEMA_VERSION) {
    const counts = await rowCounts(c, [...columns.keys()]);
    return {
      dbPath: path,
      fromVersion: version,
      toVersion: MEMORY_SCHEMA_VERSION,
      outcome: "already_current",
      tables: countRows(counts, counts),
      steps: [`already at ${MEMORY_SCHEMA_VERSION}: nothing to do`],
    };
  }
  if (version !== MIGRATABLE_SCHEMA_VERSION) {
    throw new MigrationError(
      `cannot migrate ${path}: schema_version ${version} is neither ${MIGRATABLE_SCHEMA_VERSION} (migratable) ` +
        `nor ${MEMORY_SCHEMA_VERSION} (current); nothing was changed`,
    );
  }
  const problems = v1LayoutProblems(columns);
  if (problems.length > 0) {
    throw new MigrationError(`${path} says ${version} but does not have its layout: ${problems.join("; ")}; nothing was changed`);
  }

  let before = new Map<string, number>();
  let after = new Map<string, number>();
  const steps: string[] = [];
  await c.run("BEGIN TRANSACTION");
  try {
    before = await rowCounts(c, [...columns.keys()]);
    const keyOrder = "config_id, iteration, repetition, run_id";
    await c.run(createTableSql(V2_RAW_TABLE));
    steps.push(`created ${V2_RAW_TABLE}`);
    await c.run(
      `INSERT INTO ${V2_RAW_TABLE} (config_id, iteration, repetition, run_id, campaign_id, status, generator,
                                   report_format, report_json, report_size_bytes, ingested_at)
       SELECT config_id, iteration, repetition, run_id, campaign_id, status, ${sqlString(V1_GENERATOR)},
              ${sqlString(V1_REPORT_FORMAT)}, summary_json, summary_size_bytes, ingested_at
       FROM ${V1_RAW_TABLE} ORDER BY ${keyOrder}`,
    );
    steps.push(
      `copied ${before.get(V1_RAW_TABLE)} rows of ${V1_RAW_TABLE} into ${V2_RAW_TABLE} ` +
        `(generator "${V1_GENERATOR}", report_format "${V1_REPORT_FORMAT}", summary_json → report_json)`,
    );
    await c.run(`DROP TABLE ${V1_RAW_TABLE}`);
    steps.push(`dropped ${V1_RAW_TABLE}`);
    for (const [name, type] of ADDED_SESSION_COLUMNS) await c.run(`ALTER TABLE run_sessions ADD COLUMN ${name} ${type}`);
    // v1 stored latencies in milliseconds; v2 stores nanoseconds. The rows keep their values, the unit says which.
    await c.run("UPDATE run_sessions SET latency_unit = 'ms'");
    steps.push(
      `added ${ADDED_SESSION_COLUMNS.map(([n]) => `run_sessions.${n}`).join(" and ")} ` +
        `(for the ${before.get("run_sessions")} sessions already stored: loadgen NULL, latency_unit 'ms', the unit v1 stored)`,
    );
    const now = timestampSql(Math.round(Date.now() * 1000));
    await c.run(`UPDATE memory_schema_meta SET schema_version = ${sqlString(MEMORY_SCHEMA_VERSION)}, updated_at = ${now}`);
    steps.push(`set memory_schema_meta.schema_version to ${MEMORY_SCHEMA_VERSION}`);
    after = await rowCounts(c, [...(await tableColumns(c)).keys()]);
    const mismatches = migratedCountProblems(before, after);
    if (mismatches.length > 0) {
      throw new MigrationError(`row counts do not match after migrating ${path}: ${mismatches.join("; ")}; rolled back, nothing was changed`);
    }
    await c.run("COMMIT");
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    if (error instanceof MigrationError) throw error;
    throw new MigrationError(`migrating ${path} failed and was rolled back, nothing was changed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await c.run("CHECKPOINT"); // the main file alone holds the result (no WAL left to replay)
  return {
    dbPath: path,
    fromVersion: version,
    toVersion: MEMORY_SCHEMA_VERSION,
    outcome: "migrated",
    tables: countRows(before, after),
    steps,
  };
}

/**
 * Differences between the row counts before and after a v1 → v2 migration (empty when they match): every table
 * keeps its rows, except `k6_raw_summaries`, which must be gone with its rows all in `loadgen_raw_reports`.
 */
export function migratedCountProblems(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const expected = new Map(before);
  expected.delete(V1_RAW_TABLE);
  expected.set(V2_RAW_TABLE, before.get(V1_RAW_TABLE) ?? 0);
  for (const [table, n] of expected) {
    const got = after.get(table);
    if (got === undefined) problems.push(`${table} is missing (expected ${n} rows)`);
    else if (got !== n) problems.push(`${table} has ${got} rows, expected ${n}`);
  }
  for (const [table, n] of after) if (!expected.has(table)) problems.push(`${table} (${n} rows) should not exist`);
  return problems;
}

/** What keeps a file labelled v1 from being migrated as one (empty when it has v1's layout). */
function v1LayoutProblems(columns: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const problems: string[] = [];
  const lacks = (table: string, names: readonly string[]): void => {
    const have = columns.get(table);
    if (have === undefined) problems.push(`no table ${table}`);
    else {
      const missing = names.filter((n) => !have.has(n));
      if (missing.length > 0) problems.push(`${table} lacks ${missing.join(", ")}`);
    }
  };
  const added = new Set(ADDED_SESSION_COLUMNS.map(([n]) => n));
  for (const t of CORE_TABLES) lacks(t, TABLE_COLUMNS[t].map(([n]) => n).filter((n) => t !== "run_sessions" || !added.has(n)));
  lacks(V1_RAW_TABLE, V1_RAW_COLUMNS);
  if (columns.has(V2_RAW_TABLE)) problems.push(`${V2_RAW_TABLE} exists already`);
  const sessions = columns.get("run_sessions");
  for (const n of added) if (sessions?.has(n)) problems.push(`run_sessions has ${n} already`);
  return problems;
}

/** Column names per table of the main schema. */
async function tableColumns(c: DuckDBConnection): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const found = await rows(
    c,
    `SELECT c.table_name, c.column_name FROM duckdb_columns() c
     JOIN duckdb_tables() t ON t.table_oid = c.table_oid
     WHERE c.schema_name = 'main' AND c.database_name = current_database()`,
  );
  for (const r of found) {
    const t = String(r["table_name"]);
    if (!out.has(t)) out.set(t, new Set());
    out.get(t)!.add(String(r["column_name"]));
  }
  return out;
}

/** `count(*)` of each table. */
async function rowCounts(c: DuckDBConnection, tables: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of tables) {
    const [r] = await rows(c, `SELECT count(*)::BIGINT AS n FROM "${t.replaceAll('"', '""')}"`);
    out.set(t, Number(r!["n"]));
  }
  return out;
}

/** One {@link TableRowCount} per table of either side: the memory tables in schema order, then any others by name. */
function countRows(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): TableRowCount[] {
  const order: readonly string[] = [...CORE_TABLES, V1_RAW_TABLE, V2_RAW_TABLE];
  const rank = (t: string): number => (order.includes(t) ? order.indexOf(t) : order.length);
  const tables = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return tables.map((table) => ({ table, before: before.get(table) ?? null, after: after.get(table) ?? null }));
}

/** Where {@link memoryCommand} writes: standard output for results, standard error for problems. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const MEMORY_USAGE = `usage: peva-faas memory migrate --db <memory.duckdb>\n       peva-faas memory counts --db <memory.duckdb>\n       ${FORGET_USAGE}`;

/**
 * `peva-faas memory <subcommand>`; `argv` is what follows `memory` (e.g. `["migrate", "--db", "mem.duckdb"]`).
 * `migrate --db <file>` ({@link migrateMemory}) prints what it did; `counts --db <file>` prints the row count per
 * table as JSON (read-only: how the controller checks a retrieved copy against the original on a remote host);
 * `forget --db <file> --campaign <id>` is {@link forgetCommand}.
 * Exit codes: 0 migrated or already current (also `--help`), 1 refused or failed (nothing changed), 2 usage.
 */
export async function memoryCommand(argv: readonly string[], io: CommandIo = process): Promise<number> {
  if (argv.some((a) => a === "--help" || a === "-h") || (argv.length === 1 && argv[0] === "help")) {
    io.stdout.write(`${MEMORY_USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command === "forget") return forgetCommand(rest, io);
  const args =
    command === "migrate" || command === "counts"
      ? parseFlags(rest, { db: { what: "a file", placeholder: "<file>" } })
      : { error: command === undefined ? "missing subcommand" : `unknown subcommand '${command}'` };
  if ("error" in args) {
    io.stderr.write(`peva-faas memory: ${args.error}\n${MEMORY_USAGE}\n`);
    return 2;
  }
  const { db } = args;
  if (command === "counts") {
    try {
      const { tableRowCounts } = await import("../runner/retrieve.ts");
      io.stdout.write(`${JSON.stringify(await tableRowCounts(resolve(db)))}\n`);
      return 0;
    } catch (error) {
      io.stderr.write(`peva-faas memory counts: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  let report: MigrationReport;
  try {
    report = await migrateMemory(db);
  } catch (error) {
    io.stderr.write(`peva-faas memory migrate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stdout.write(formatMigrationReport(report));
  return 0;
}

/** A {@link MigrationReport} as the command prints it. */
export function formatMigrationReport(report: MigrationReport): string {
  const lines =
    report.outcome === "already_current"
      ? [`${report.dbPath} is already at ${report.toVersion}: nothing to do`]
      : [
          `migrated ${report.dbPath} from ${report.fromVersion} to ${report.toVersion} in one transaction:`,
          ...report.steps.map((s) => `  - ${s}`),
        ];
  const width = Math.max(5, ...report.tables.map((t) => t.table.length));
  const cell = (n: number | null): string => (n === null ? "-" : String(n)).padStart(8);
  lines.push(report.outcome === "migrated" ? "row counts (verified):" : "row counts:", `  ${"table".padEnd(width)}${"before".padStart(8)}${"after".padStart(8)}`);
  for (const t of report.tables) lines.push(`  ${t.table.padEnd(width)}${cell(t.before)}${cell(t.after)}`);
  return `${lines.join("\n")}\n`;
}
