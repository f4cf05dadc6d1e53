/**
 * `peva-faas memory forget --db <file> --campaign <id>`: makes a memory forget one campaign, so its next run
 * measures every configuration again, without deleting the file (and the other campaigns in it) by hand.
 *
 * In ONE transaction it deletes the campaign's rows — its raw load reports, execution events, verdicts, the policy
 * updates of its runs, its run sessions, and the catalogued configurations no other campaign refers to — and
 * records what it deleted in `forgotten_campaigns` (created on demand: it is not a memory table, so the store,
 * the Parquet export and the migration ignore it, and files without it open as before). Payload layouts stay:
 * they are shared, content-addressed shapes, not measurements.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { MEMORY_SCHEMA_VERSION } from "./config.ts";
import { SchemaVersionMismatchError } from "./duckdb-store.ts";
import { parseFlags, queryRows as rows, schemaVersionsOf, withMemoryFile } from "./memory-file.ts";
import type { CommandIo } from "./migrate.ts";
import { dbVersionMismatchMessage } from "./schema-versions.ts";
import { sqlString, timestampSql } from "./sql.ts";

/** The command line, without `usage:`. */
export const FORGET_USAGE = "peva-faas memory forget --db <memory.duckdb> --campaign <campaign-id>";

/** Where forgetting is recorded: one row per forgotten campaign. */
export const FORGOTTEN_TABLE = "forgotten_campaigns";

/** The tables a campaign's rows are deleted from, in order (a run's policy updates before its session). */
export const FORGET_TABLES = ["loadgen_raw_reports", "execution_events", "config_verdicts", "policy_updates", "run_sessions", "config_catalog"] as const;

/** One of {@link FORGET_TABLES}. */
export type ForgetTable = (typeof FORGET_TABLES)[number];

/** Temp table of the configurations the campaign refers to (collected before anything is deleted). */
const CAMPAIGN_CONFIGS = "forget_campaign_configs";

/** `CREATE TABLE IF NOT EXISTS` of {@link FORGOTTEN_TABLE}: who, when, which runs, and the rows deleted per table. */
export const CREATE_FORGOTTEN_SQL = `CREATE TABLE IF NOT EXISTS ${FORGOTTEN_TABLE} (campaign_id VARCHAR NOT NULL, forgotten_at TIMESTAMP NOT NULL, run_ids VARCHAR[] NOT NULL, ${FORGET_TABLES.map((t) => `deleted_${t} BIGINT NOT NULL`).join(", ")})`;

/** Every campaign id the memory holds rows of, sorted. */
export const CAMPAIGNS_SQL = `SELECT campaign_id FROM (
  SELECT campaign_id FROM run_sessions UNION SELECT campaign_id FROM config_verdicts
  UNION SELECT campaign_id FROM execution_events UNION SELECT campaign_id FROM loadgen_raw_reports
) ORDER BY campaign_id`;

/**
 * The WHERE clause that selects campaign `id`'s rows of `table`. Rows of other campaigns never match: events,
 * reports and verdicts carry their campaign; policy updates belong to a run, and a run (`run_sessions.run_id`,
 * the primary key) to one campaign; a catalogued configuration goes only once no remaining row refers to it.
 */
export function forgetWhereSql(table: ForgetTable, id: string): string {
  const campaign = `campaign_id = ${sqlString(id)}`;
  switch (table) {
    case "loadgen_raw_reports":
    case "execution_events":
    case "config_verdicts":
    case "run_sessions":
      return campaign;
    case "policy_updates":
      return `run_id IN (SELECT run_id FROM run_sessions WHERE ${campaign})`;
    case "config_catalog":
      return (
        `config_id IN (SELECT config_id FROM ${CAMPAIGN_CONFIGS}) AND config_id NOT IN ` +
        "(SELECT config_id FROM execution_events UNION SELECT config_id FROM config_verdicts UNION SELECT config_id FROM loadgen_raw_reports)"
      );
  }
}

/** What {@link forgetCampaign} deleted. */
export interface ForgetReport {
  /** The file, as an absolute path. */
  readonly dbPath: string;
  readonly campaignId: string;
  /** When, ISO 8601 UTC (also in {@link FORGOTTEN_TABLE}). */
  readonly forgottenAt: string;
  /** The campaign's runs, sorted. */
  readonly runIds: readonly string[];
  /** Rows deleted per table, in {@link FORGET_TABLES} order. */
  readonly deleted: readonly { readonly table: ForgetTable; readonly rows: number }[];
}

/** `no memory file at <path>; nothing was forgotten`. */
export class MemoryFileMissingError extends Error {
  override name = "MemoryFileMissingError";
}

/** `<path> is not a peva-faas memory file (no memory_schema_meta table); nothing was forgotten`. */
export class NotAMemoryFileError extends Error {
  override name = "NotAMemoryFileError";
}

/** `campaign <id> is not in <path>; nothing was forgotten. It holds: <ids>` (or `It holds no campaign`). */
export class UnknownCampaignError extends Error {
  override name = "UnknownCampaignError";
}

/** `cannot open <path>: <cause>; nothing was forgotten (is a run using it?)`. */
export class MemoryOpenError extends Error {
  override name = "MemoryOpenError";
}

/** `forgetting <id> in <path> failed and was rolled back, nothing was changed: <cause>`. */
export class ForgetFailedError extends Error {
  override name = "ForgetFailedError";
}

/**
 * Forgets campaign `campaignId` in the memory file `dbPath` (see the module comment), in one transaction. Refuses,
 * changing nothing: a missing file, a file that is not a memory, a file of another schema version
 * ({@link SchemaVersionMismatchError}: `cannot forget in <path>: ` and the store's mismatch text, which names the
 * migration command for a v1 file), and a campaign the file does not
 * hold. `now` (epoch milliseconds) is injectable for tests.
 */
export async function forgetCampaign(dbPath: string, campaignId: string, now: () => number = Date.now): Promise<ForgetReport> {
  return withMemoryFile(
    dbPath,
    {
      missing: (path) => new MemoryFileMissingError(`no memory file at ${path}; nothing was forgotten`),
      openFailed: (path, error) =>
        new MemoryOpenError(`cannot open ${path}: ${(error as Error).message}; nothing was forgotten (is a run using it?)`, { cause: error }),
    },
    (conn, path) => forgetOpen(conn, path, campaignId, now()),
  );
}

async function forgetOpen(c: DuckDBConnection, path: string, id: string, nowMs: number): Promise<ForgetReport> {
  const tables = new Set((await rows(c, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()")).map((r) => String(r["table_name"])));
  if (!tables.has("memory_schema_meta")) throw new NotAMemoryFileError(`${path} is not a peva-faas memory file (no memory_schema_meta table); nothing was forgotten`);
  const versions = await schemaVersionsOf(c);
  const other = versions.find((v) => v !== MEMORY_SCHEMA_VERSION);
  if (other !== undefined || versions.length === 0) {
    throw new SchemaVersionMismatchError(`cannot forget in ${path}: ${dbVersionMismatchMessage(other ?? "<none>", MEMORY_SCHEMA_VERSION, path)}`);
  }
  const campaigns = (await rows(c, CAMPAIGNS_SQL)).map((r) => String(r["campaign_id"]));
  if (!campaigns.includes(id)) throw new UnknownCampaignError(unknownCampaignMessage(id, path, campaigns));

  const micros = Math.round(nowMs * 1000);
  const deleted: { table: ForgetTable; rows: number }[] = [];
  let runIds: string[] = [];
  await c.run("BEGIN TRANSACTION");
  try {
    runIds = (await rows(c, `SELECT run_id FROM run_sessions WHERE ${forgetWhereSql("run_sessions", id)} ORDER BY run_id`)).map((r) => String(r["run_id"]));
    const campaign = `campaign_id = ${sqlString(id)}`;
    await c.run(
      `CREATE OR REPLACE TEMP TABLE ${CAMPAIGN_CONFIGS} AS SELECT DISTINCT config_id FROM (
         SELECT config_id FROM execution_events WHERE ${campaign} UNION ALL SELECT config_id FROM config_verdicts WHERE ${campaign}
         UNION ALL SELECT config_id FROM loadgen_raw_reports WHERE ${campaign})`,
    );
    for (const table of FORGET_TABLES) {
      const where = forgetWhereSql(table, id);
      const [counted] = await rows(c, `SELECT count(*)::BIGINT AS n FROM ${table} WHERE ${where}`);
      await c.run(`DELETE FROM ${table} WHERE ${where}`);
      deleted.push({ table, rows: Number(counted!["n"]) });
    }
    const left = (await rows(c, CAMPAIGNS_SQL)).some((r) => String(r["campaign_id"]) === id);
    if (left) throw new Error(`rows of ${id} are still there after deleting`);
    await c.run(CREATE_FORGOTTEN_SQL);
    await c.run(
      `INSERT INTO ${FORGOTTEN_TABLE} VALUES (${sqlString(id)}, ${timestampSql(micros)}, ${sqlString(JSON.stringify(runIds))}::JSON::VARCHAR[], ${deleted.map((d) => `${d.rows}::BIGINT`).join(", ")})`,
    );
    await c.run(`UPDATE memory_schema_meta SET updated_at = ${timestampSql(micros)}`);
    await c.run(`DROP TABLE ${CAMPAIGN_CONFIGS}`);
    await c.run("COMMIT");
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw new ForgetFailedError(`forgetting ${id} in ${path} failed and was rolled back, nothing was changed: ${(error as Error).message}`, { cause: error });
  }
  await c.run("CHECKPOINT"); // the main file alone holds the result (no WAL left to replay)
  return { dbPath: path, campaignId: id, forgottenAt: new Date(nowMs).toISOString(), runIds, deleted };
}

/** The text of an {@link UnknownCampaignError}: the id asked for and every campaign the file holds. */
export function unknownCampaignMessage(id: string, path: string, campaigns: readonly string[]): string {
  const holds = campaigns.length === 0 ? "It holds no campaign" : `It holds: ${campaigns.join(", ")}`;
  return `campaign ${id} is not in ${path}; nothing was forgotten. ${holds}`;
}

/** A {@link ForgetReport} as the command prints it. */
export function formatForgetReport(report: ForgetReport): string {
  const width = Math.max(...report.deleted.map((d) => d.table.length));
  const lines = [
    `forgot campaign ${report.campaignId} in ${report.dbPath} in one transaction`,
    `runs: ${report.runIds.length === 0 ? "(none recorded)" : report.runIds.join(", ")}`,
    `rows deleted:`,
    ...report.deleted.map((d) => `  ${d.table.padEnd(width)}${String(d.rows).padStart(10)}`),
    `recorded in ${FORGOTTEN_TABLE} at ${report.forgottenAt}; the next run of this campaign measures every configuration again`,
  ];
  return `${lines.join("\n")}\n`;
}


/**
 * `peva-faas memory forget`; `argv` is what follows `forget`. Exit codes: 0 forgotten (the counts on stdout),
 * 1 refused or failed (nothing changed; why on stderr), 2 usage.
 */
export async function forgetCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseFlags(argv, { db: { what: "a file", placeholder: "<file>" }, campaign: { what: "a campaign id", placeholder: "<campaign-id>" } });
  if ("error" in args) {
    io.stderr.write(`peva-faas memory forget: ${args.error}\nusage: ${FORGET_USAGE}\n`);
    return 2;
  }
  try {
    io.stdout.write(formatForgetReport(await forgetCampaign(args.db, args.campaign)));
    return 0;
  } catch (error) {
    io.stderr.write(`peva-faas memory forget: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
