/**
 * The DuckDB schema of the memory (reference §11.2, plus what resume needs) and the SQL text the store runs.
 * Pure strings and functions: unit-testable without a database.
 */

/** Core tables: exported to `export_core_parquet_dir`, preloaded from `preload_core_parquet_dir`. */
export const CORE_TABLES = [
  "memory_schema_meta",
  "run_sessions",
  "config_catalog",
  "execution_events",
  "policy_updates",
  "config_verdicts",
] as const;

/** Debug tables: exported to `export_raw_debug_parquet_dir`, preloaded only with `preload_raw_debug`. */
export const DEBUG_TABLES = ["k6_raw_summaries"] as const;

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
    ["payload_json", "JSON"],
    ["ingested_at", "TIMESTAMP"],
  ],
  k6_raw_summaries: [
    ["config_id", "VARCHAR NOT NULL"],
    ["iteration", "INTEGER NOT NULL"],
    ["repetition", "INTEGER NOT NULL"],
    ["run_id", "VARCHAR NOT NULL"],
    ["campaign_id", "VARCHAR NOT NULL"],
    ["status", "VARCHAR NOT NULL"],
    ["summary_json", "JSON"],
    ["summary_size_bytes", "BIGINT"],
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
  k6_raw_summaries: `UNIQUE (${EVENT_KEY})`,
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
 * Columns of the temporary staging table events are appended to before the set-based insert. Only per-event
 * values: per-configuration columns come from `stage_configs` through a join, so a 100 000-event batch does not
 * convert 100 000 copies of the same function lists. JSON columns are typed JSON here so the merge copies them
 * without re-parsing (they are produced by `JSON.stringify`, hence valid).
 */
export const STAGE_EVENT_COLUMNS = [
  ["campaign_id", "VARCHAR"],
  ["config_id", "VARCHAR"],
  ["iteration", "INTEGER"],
  ["repetition", "INTEGER"],
  ["run_id", "VARCHAR"],
  ["start_ts", "DOUBLE"],
  ["end_ts", "DOUBLE"],
  ["status", "VARCHAR"],
  ["skip_reason", "VARCHAR"],
  ["payload", "JSON"],
  ["summary", "JSON"],
  ["summary_size", "INTEGER"],
] as const;

/**
 * Per-configuration columns, staged once per configuration and kept for the connection's lifetime (temp table,
 * never persisted). Same shape as `config_catalog`.
 */
export const STAGE_CONFIG_COLUMNS = [
  ["config_id", "VARCHAR"],
  ["functions", "JSON"],
  ["rates", "JSON"],
  ["config_json", "JSON"],
  ["n_functions", "INTEGER"],
  ["sum_rate", "DOUBLE"],
  ["function_set", "VARCHAR"],
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

/** Temp staging tables (connection-local: never persisted, so a crash cannot leave half a batch behind). */
export const CREATE_STAGING_SQL = [
  `CREATE TEMP TABLE IF NOT EXISTS stage_events (${columnList(STAGE_EVENT_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_configs (${columnList(STAGE_CONFIG_COLUMNS)})`,
  `CREATE TEMP TABLE IF NOT EXISTS stage_policy (${columnList(STAGE_POLICY_COLUMNS)})`,
];

/**
 * The upgrade rule (see `ExecutionEvent`): before the insert, delete the stored rows that were not executed when
 * the incoming row with the same key was. Then `ON CONFLICT DO NOTHING` keeps every other stored row. Cheaper
 * than `ON CONFLICT DO UPDATE … WHERE`, which costs several times more per row in DuckDB, and it only has to scan
 * the (rare) non-executed stored rows.
 */
const upgradeDelete = (table: string, source: string, extra = ""): string =>
  `DELETE FROM ${table} WHERE status <> 'executed' AND (${EVENT_KEY}) IN
     (SELECT ${EVENT_KEY} FROM ${source} WHERE status = 'executed'${extra})`;

/** A `TIMESTAMP` literal from epoch microseconds (UTC, no time-zone conversion). */
export function timestampSql(epochMicros: number): string {
  if (!Number.isSafeInteger(epochMicros)) throw new RangeError(`bad epoch microseconds ${epochMicros}`);
  return `make_timestamp(${epochMicros}::BIGINT)`;
}

/**
 * Set-based inserts from the staging tables, by purpose, so a write runs only the ones it needs. Parameter `$1`
 * is `ingested_at` in epoch microseconds. Prepared once per connection (planning dominates small batches).
 * Staged events are already one per key (`dedupeEvents`), so no window function is needed to pick one.
 */
export const MERGE_STAGED_SQL = {
  /** Run only when the batch brought configurations this process has not cataloged yet. */
  catalog: `INSERT INTO config_catalog SELECT * FROM stage_configs ON CONFLICT DO NOTHING`,
  upgradeEvents: upgradeDelete("execution_events", "stage_events"),
  events: `INSERT INTO execution_events
       SELECT e.config_id, iteration, repetition, run_id, campaign_id, c.functions, c.rates, start_ts, end_ts,
              greatest(0, end_ts - start_ts), status, skip_reason, payload, make_timestamp($1::BIGINT)
       FROM stage_events e JOIN stage_configs c ON c.config_id = e.config_id
     ON CONFLICT DO NOTHING`,
  upgradeSummaries: upgradeDelete("k6_raw_summaries", "stage_events", " AND summary IS NOT NULL"),
  summaries: `INSERT INTO k6_raw_summaries
       SELECT config_id, iteration, repetition, run_id, campaign_id, status, summary, summary_size,
              make_timestamp($1::BIGINT)
       FROM stage_events WHERE summary IS NOT NULL
     ON CONFLICT DO NOTHING`,
  policy: `INSERT INTO policy_updates
       SELECT update_id, run_id, mode, records_seen, score, loss, make_timestamp(ts_us)
       FROM stage_policy
     ON CONFLICT DO NOTHING`,
  clearEvents: "DELETE FROM stage_events",
  clearPolicy: "DELETE FROM stage_policy",
} as const;

/** Name of a statement of {@link MERGE_STAGED_SQL}. */
export type MergeStatement = keyof typeof MERGE_STAGED_SQL;

/**
 * How a preloaded Parquet table is merged into the database: union, never replace (upstream emptied the table
 * first, which loses anything newer in the database than in the checkpoint). Events follow the upgrade rule.
 */
export function preloadSql(table: MemoryTable, parquetPath: string): string[] {
  const source = `read_parquet(${sqlString(parquetPath)})`;
  const insert = `INSERT INTO ${table} BY NAME SELECT * FROM ${source} ON CONFLICT DO NOTHING`;
  if (table === "execution_events" || table === "k6_raw_summaries") return [upgradeDelete(table, source), insert];
  return [insert];
}

/** `COPY <table> TO '<path>' (FORMAT PARQUET)`. */
export function exportSql(table: MemoryTable, parquetPath: string): string {
  return `COPY ${table} TO ${sqlString(parquetPath)} (FORMAT PARQUET, COMPRESSION zstd)`;
}

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
