/**
 * The DuckDB schema of the memory (reference §11.2, plus what resume needs) and the SQL text the store runs.
 * Pure strings and functions: unit-testable without a database.
 */
import type { PayloadLayout } from "./payload-layout.ts";

/** Core tables: exported to `export_core_parquet_dir`, preloaded from `preload_core_parquet_dir`. */
export const CORE_TABLES = [
  "memory_schema_meta",
  "run_sessions",
  "config_catalog",
  "payload_layouts",
  "execution_events",
  "policy_updates",
  "config_verdicts",
] as const;

/**
 * Debug tables: exported to `export_raw_debug_parquet_dir`, preloaded only with `preload_raw_debug`.
 * `loadgen_raw_reports`: the raw report of any load generator, named (`k6_raw_summaries` up to `peva_faas_mem_v1`).
 */
export const DEBUG_TABLES = ["loadgen_raw_reports"] as const;

/** Name of a memory table. */
export type MemoryTable = (typeof CORE_TABLES)[number] | (typeof DEBUG_TABLES)[number];

/** Column names and types per table, in DDL order (also used to detect a file written by another schema). */
export const TABLE_COLUMNS: Readonly<Record<MemoryTable, readonly (readonly [string, string])[]>> = {
  memory_schema_meta: [
    ["schema_version", "VARCHAR NOT NULL"],
    ["created_at", "TIMESTAMP NOT NULL"],
    ["updated_at", "TIMESTAMP NOT NULL"],
  ],
  run_sessions: [
    ["run_id", "VARCHAR PRIMARY KEY"],
    ["campaign_id", "VARCHAR NOT NULL"],
    ["started_at", "TIMESTAMP"],
    ["ended_at", "TIMESTAMP"],
    ["mode", "VARCHAR"],
    ["batch_size_n", "INTEGER"],
    ["batch_window_s", "DOUBLE"],
    ["config_hash", "VARCHAR"],
    ["git_rev", "VARCHAR"],
    ["status", "VARCHAR"],
    // Added in peva_faas_mem_v2, last so a migrated file (ALTER TABLE … ADD COLUMN appends) has the same layout.
    ["loadgen", "VARCHAR"],
    ["latency_unit", "VARCHAR"],
  ],
  config_catalog: [
    ["config_id", "VARCHAR PRIMARY KEY"],
    ["functions", "JSON"],
    ["rates", "JSON"],
    ["config_json", "JSON"],
    ["n_functions", "INTEGER"],
    ["sum_rate", "DOUBLE"],
    ["function_set", "VARCHAR"],
  ],
  payload_layouts: [
    ["layout_id", "BIGINT PRIMARY KEY"],
    ["result_keys", "VARCHAR[]"],
    ["result_numeric_keys", "VARCHAR[]"],
    ["result_text_keys", "VARCHAR[]"],
    ["metric_keys", "VARCHAR[]"],
  ],
  execution_events: [
    ["config_id", "VARCHAR NOT NULL"],
    ["iteration", "INTEGER NOT NULL"],
    ["repetition", "INTEGER NOT NULL"],
    ["run_id", "VARCHAR NOT NULL"],
    ["campaign_id", "VARCHAR NOT NULL"],
    ["config_functions", "JSON"],
    ["config_rates", "JSON"],
    ["start_ts", "DOUBLE"],
    ["end_ts", "DOUBLE"],
    ["duration_s", "DOUBLE"],
    ["status", "VARCHAR NOT NULL"],
    ["skip_reason", "VARCHAR"],
    ["payload_layout", "BIGINT"],
    ["result_values", "DOUBLE[]"],
    ["result_text", "VARCHAR[]"],
    ["metric_values", "DOUBLE[]"],
    ["ingested_at", "TIMESTAMP"],
  ],
  loadgen_raw_reports: [
    ["config_id", "VARCHAR NOT NULL"],
    ["iteration", "INTEGER NOT NULL"],
    ["repetition", "INTEGER NOT NULL"],
    ["run_id", "VARCHAR NOT NULL"],
    ["campaign_id", "VARCHAR NOT NULL"],
    ["status", "VARCHAR NOT NULL"],
    ["generator", "VARCHAR NOT NULL"],
    ["report_format", "VARCHAR NOT NULL"],
    ["report_json", "JSON"],
    ["report_size_bytes", "BIGINT"],
    ["ingested_at", "TIMESTAMP"],
  ],
  policy_updates: [
    ["update_id", "VARCHAR PRIMARY KEY"],
    ["run_id", "VARCHAR"],
    ["mode", "VARCHAR"],
    ["records_seen", "INTEGER"],
    ["score", "DOUBLE"],
    ["loss", "DOUBLE"],
    ["ts", "TIMESTAMP"],
  ],
  config_verdicts: [
    ["campaign_id", "VARCHAR NOT NULL"],
    ["config_id", "VARCHAR NOT NULL"],
    ["function_set", "VARCHAR NOT NULL"],
    ["functions", "JSON"],
    ["rates", "JSON"],
    ["iterations", "INTEGER NOT NULL"],
    ["overload_count", "INTEGER NOT NULL"],
    ["overloaded", "BOOLEAN NOT NULL"],
    ["run_id", "VARCHAR NOT NULL"],
    ["decided_at", "TIMESTAMP NOT NULL"],
  ],
};

const EVENT_KEY = "config_id, iteration, repetition, run_id";

/** Table constraints appended to the column list. */
const TABLE_CONSTRAINTS: Partial<Record<MemoryTable, string>> = {
  execution_events: `UNIQUE (${EVENT_KEY})`,
  loadgen_raw_reports: `UNIQUE (${EVENT_KEY})`,
  config_verdicts: "PRIMARY KEY (campaign_id, config_id)",
};

/** `CREATE TABLE IF NOT EXISTS` for one table. */
export function createTableSql(table: MemoryTable): string {
  const cols = TABLE_COLUMNS[table].map(([n, t]) => `${n} ${t}`);
  const constraint = TABLE_CONSTRAINTS[table];
  if (constraint) cols.push(constraint);
  return `CREATE TABLE IF NOT EXISTS ${table} (${cols.join(", ")})`;
}

/** Every table, meta first. */
export const ALL_TABLES: readonly MemoryTable[] = [...CORE_TABLES, ...DEBUG_TABLES];

/**
 * Columns of the temporary staging table events are appended to (filled by `stageEvents`). Numbers only: strings
 * are indices into the batch's `stage_strings`, configurations indices into `stage_configs`, so the appender
 * copies whole typed arrays instead of converting a JS value per cell. The one exception is the (rare) raw report
 * document, one VARCHAR per row that has one; its generator and format are dictionary indices like other strings.
 */
export const STAGE_EVENT_COLUMNS = [
  ["config_ix", "INTEGER"],
  ["iteration", "INTEGER"],
  ["repetition", "INTEGER"],
  ["run_ix", "INTEGER"],
  ["campaign_ix", "INTEGER"],
  ["start_ts", "DOUBLE"],
  ["end_ts", "DOUBLE"],
  ["status_ix", "INTEGER"],
  ["reason_ix", "INTEGER"],
  ["payload_layout", "BIGINT"],
  ["result_values", "DOUBLE[]"],
  ["result_text_ix", "INTEGER[]"],
  ["metric_values", "DOUBLE[]"],
  ["report", "JSON"],
  ["report_size", "INTEGER"],
  ["report_generator_ix", "INTEGER"],
  ["report_format_ix", "INTEGER"],
] as const;

/** Per-configuration columns of a batch: the `config_catalog` columns plus the index its events refer to it by. */
export const STAGE_CONFIG_COLUMNS = [
  ["config_id", "VARCHAR"],
  ["functions", "JSON"],
  ["rates", "JSON"],
  ["config_json", "JSON"],
  ["n_functions", "INTEGER"],
  ["sum_rate", "DOUBLE"],
  ["function_set", "VARCHAR"],
  ["ix", "INTEGER"],
] as const;

/** Columns of the staging table for policy updates. */
export const STAGE_POLICY_COLUMNS = [
  ["update_id", "VARCHAR"],
  ["run_id", "VARCHAR"],
  ["mode", "VARCHAR"],
  ["records_seen", "INTEGER"],
  ["score", "DOUBLE"],
  ["loss", "DOUBLE"],
  ["ts_us", "BIGINT"],
] as const;

const columnList = (cols: readonly (readonly [string, string])[]): string => cols.map(([n, t]) => `${n} ${t}`).join(", ");

const EVENT_COLUMNS = TABLE_COLUMNS.execution_events.map(([n]) => n);
const REPORT_COLUMNS = TABLE_COLUMNS.loadgen_raw_reports.map(([n]) => n);

/**
 * Temp staging tables and the view that resolves staged indices into stored values (connection-local: never
 * persisted, so a crash cannot leave half a batch behind).
 */
export const CREATE_STAGING_SQL = [
  `CREATE TEMP TABLE IF NOT EXISTS stage_events (${columnList(STAGE_EVENT_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_configs (${columnList(STAGE_CONFIG_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_strings (ix INTEGER, s VARCHAR)`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_policy (${columnList(STAGE_POLICY_COLUMNS)})`,
  `CREATE OR REPLACE TEMP VIEW staged_events AS
     WITH d AS (SELECT list(s ORDER BY ix) AS dict FROM stage_strings)
     SELECT c.config_id, e.iteration, e.repetition, d.dict[e.run_ix + 1] AS run_id,
            d.dict[e.campaign_ix + 1] AS campaign_id, c.functions AS config_functions, c.rates AS config_rates,
            e.start_ts, e.end_ts, greatest(0, e.end_ts - e.start_ts) AS duration_s, d.dict[e.status_ix + 1] AS status,
            d.dict[e.reason_ix + 1] AS skip_reason, e.payload_layout, e.result_values,
            list_transform(e.result_text_ix, x -> d.dict[x + 1]) AS result_text, e.metric_values, e.report,
            e.report_size, d.dict[e.report_generator_ix + 1] AS generator, d.dict[e.report_format_ix + 1] AS report_format
     FROM stage_events e JOIN stage_configs c ON c.ix = e.config_ix CROSS JOIN d`,
];

/**
 * The upgrade rule (see `ExecutionEvent`): before the insert, delete the stored rows that were not executed when
 * the incoming row with the same key was. It only has to scan the (rare) non-executed stored rows.
 */
const upgradeDelete = (table: string, source: string, extra = ""): string =>
  `DELETE FROM ${table} WHERE status <> 'executed' AND (${EVENT_KEY}) IN
     (SELECT ${EVENT_KEY} FROM ${source} WHERE status = 'executed'${extra})`;

/** How an insert treats a key that is already stored: fail the transaction, or keep the stored row. */
export type InsertForm = "optimistic" | "idempotent";

/**
 * Inserts the rows of `source`. Two forms, because DuckDB's `ON CONFLICT DO NOTHING` probes the UNIQUE index once
 * per row before inserting, which halves bulk throughput:
 * - `optimistic`: a plain INSERT. The UNIQUE constraint still holds: a key already stored fails the statement,
 *   and the store rolls the whole transaction back and retries it with the other form;
 * - `idempotent`: `ON CONFLICT DO NOTHING`, which keeps the stored row.
 */
const insertRows = (table: string, columns: readonly string[], source: string, form: InsertForm, where = ""): string =>
  `INSERT INTO ${table} (${columns.join(", ")})
     SELECT ${columns.join(", ")} FROM ${source}${where ? ` WHERE ${where}` : ""}${form === "idempotent" ? " ON CONFLICT DO NOTHING" : ""}`;

/** Whether a DuckDB error is a violated UNIQUE/PRIMARY KEY constraint (the optimistic insert's signal to retry). */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof Error && /Constraint Error: (Duplicate key|PRIMARY KEY or UNIQUE constraint violation)/i.test(error.message);
}

/**
 * Runs a transaction optimistically, and once more in the idempotent form when a key was already stored (the
 * optimistic attempt was rolled back whole). Any other error is thrown as is.
 */
export async function retryingOnDuplicateKey(attempt: (form: InsertForm) => Promise<void>): Promise<void> {
  try {
    await attempt("optimistic");
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await attempt("idempotent");
  }
}

/** `staged_events` with `ingested_at` (epoch microseconds, inlined: a write is one parameterless script). */
const stagedWithIngestTime = (nowMicros: number): string =>
  `(SELECT *, ${timestampSql(nowMicros)} AS ingested_at FROM staged_events)`;

/** `staged_events` under the `loadgen_raw_reports` column names. */
const stagedReports = (nowMicros: number): string =>
  `(SELECT *, report AS report_json, report_size AS report_size_bytes, ${timestampSql(nowMicros)} AS ingested_at FROM staged_events)`;

/** A `TIMESTAMP` literal from epoch microseconds (UTC, no time-zone conversion). */
export function timestampSql(epochMicros: number): string {
  if (!Number.isSafeInteger(epochMicros)) throw new RangeError(`bad epoch microseconds ${epochMicros}`);
  return `make_timestamp(${epochMicros}::BIGINT)`;
}

/**
 * Set-based inserts from the staging tables, by purpose, so a write runs only the ones it needs. Each is plain
 * SQL text with its values inlined, because a write runs as one multi-statement script (one round trip, so the
 * JS thread can prepare the next batch meanwhile) and because plans must not be cached (see `writeScript` in the
 * store). Optimistic inserts take the batch as given; idempotent ones get one event per key (`dedupeEvents`).
 */
export const MERGE_STAGED_SQL = {
  /** Run only when the batch has configurations this process has not seen cataloged. */
  catalog: `INSERT INTO config_catalog SELECT * EXCLUDE (ix) FROM stage_configs ON CONFLICT DO NOTHING`,
  upgradeEvents: upgradeDelete("execution_events", "staged_events"),
  events: (nowMicros: number, form: InsertForm) => insertRows("execution_events", EVENT_COLUMNS, stagedWithIngestTime(nowMicros), form),
  upgradeReports: upgradeDelete("loadgen_raw_reports", "staged_events", " AND report IS NOT NULL"),
  reports: (nowMicros: number, form: InsertForm) =>
    insertRows("loadgen_raw_reports", REPORT_COLUMNS, stagedReports(nowMicros), form, "report IS NOT NULL"),
  policy: `INSERT INTO policy_updates
       SELECT update_id, run_id, mode, records_seen, score, loss, make_timestamp(ts_us)
       FROM stage_policy
     ON CONFLICT DO NOTHING`,
} as const;

/** Empties the staging tables (after every write, on every path). */
export const CLEAR_STAGING_SQL = ["stage_events", "stage_strings", "stage_configs", "stage_policy"].map((t) => `DELETE FROM ${t}`);

/** A JSON array of strings as a `VARCHAR[]` literal (`NULL` for null; an empty list keeps its type). */
const varcharList = (keys: readonly string[] | null): string =>
  keys === null ? "NULL::VARCHAR[]" : `${sqlString(JSON.stringify(keys))}::JSON::VARCHAR[]`;

/** `INSERT` of one `payload_layouts` row (`layoutRow` of a layout). */
export function insertLayoutSql(
  id: bigint,
  row: Pick<PayloadLayout, "resultKeys" | "numericKeys" | "textKeys" | "metricKeys">,
): string {
  const lists = [row.resultKeys, row.numericKeys, row.textKeys, row.metricKeys].map(varcharList);
  return `INSERT INTO payload_layouts VALUES (${id}::BIGINT, ${lists.join(", ")}) ON CONFLICT DO NOTHING`;
}

/**
 * A view for people querying the file: each event with its result row, text values and metrics as maps, e.g.
 * `SELECT result_row['cpu_usage_node'] FROM execution_results`.
 */
export const CREATE_RESULTS_VIEW_SQL = `CREATE OR REPLACE VIEW execution_results AS
  SELECT e.* EXCLUDE (payload_layout, result_values, result_text, metric_values),
         map(l.result_numeric_keys, e.result_values) AS result_row,
         map(l.result_text_keys, e.result_text) AS result_text,
         map(l.metric_keys, e.metric_values) AS metrics
  FROM execution_events e LEFT JOIN payload_layouts l ON l.layout_id = e.payload_layout`;

/**
 * How a preloaded Parquet table is merged into the database: union, never replace (upstream emptied the table
 * first, which loses anything newer in the database than in the checkpoint). Events follow the upgrade rule;
 * `form` as in the staged inserts (optimistic first, idempotent on a duplicate key).
 */
export function preloadSql(table: MemoryTable, parquetPath: string, form: InsertForm): string[] {
  const source = `read_parquet(${sqlString(parquetPath)})`;
  if (table === "execution_events" || table === "loadgen_raw_reports") {
    const columns = TABLE_COLUMNS[table].map(([n]) => n);
    return [upgradeDelete(table, source), insertRows(table, columns, source, form)];
  }
  return [`INSERT INTO ${table} BY NAME SELECT * FROM ${source} ON CONFLICT DO NOTHING`];
}

/** `COPY <table> TO '<path>' (FORMAT PARQUET)`, event tables in key order. */
export function exportSql(table: MemoryTable, parquetPath: string): string {
  // Event tables in key order: a preload then inserts into the UNIQUE index in order (about 10 % faster for a
  // million events, paid once at export), and readers filtering on config_id skip row groups by their statistics.
  const source = table === "execution_events" || table === "loadgen_raw_reports" ? `(SELECT * FROM ${table} ORDER BY ${EVENT_KEY})` : table;
  return `COPY ${source} TO ${sqlString(parquetPath)} (FORMAT PARQUET, COMPRESSION zstd)`;
}

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
