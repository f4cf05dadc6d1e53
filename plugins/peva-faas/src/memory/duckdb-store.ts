/**
 * The DuckDB {@link MemoryStore}: the campaign's source of truth on the runner host.
 *
 * Durability: every `write` is one transaction. Events are appended (DuckDB appender, data chunks) to a temp
 * staging table and merged with `INSERT … ON CONFLICT`, so a batch is fast, idempotent, and either fully
 * committed or absent — a process killed at any point leaves a file the next run opens and continues.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Configuration, FunctionRate } from "../model.ts";
import { functionSetKey } from "../model.ts";
import type {
  ConfigVerdict,
  EventStatus,
  ExecutionEvent,
  LoadReport,
  MemoryStore,
  ParquetExportReport,
  RunSession,
  SessionStatus,
  StoredResultRow,
  WriteBatch,
} from "./contracts.ts";
import { MEMORY_SCHEMA_VERSION } from "./config.ts";
import { dbVersionMismatchMessage, parquetVersionMismatchMessage } from "./schema-versions.ts";
import { appendValueRows, forEachChunk } from "./column-chunks.ts";
import { stageEvents, type StagedEvents } from "./event-staging.ts";
import { dedupeEvents, validateEvent } from "./events.ts";
import { PayloadLayouts, decodeMetrics, decodeResultRow, layoutRow, payloadLayout, type PayloadLayout } from "./payload-layout.ts";
import {
  ALL_TABLES,
  CORE_TABLES,
  CREATE_RESULTS_VIEW_SQL,
  CREATE_STAGING_SQL,
  CLEAR_STAGING_SQL,
  DEBUG_TABLES,
  TABLE_COLUMNS,
  MERGE_STAGED_SQL,
  createTableSql,
  exportSql,
  insertLayoutSql,
  retryingOnDuplicateKey,
  preloadSql,
  sqlString,
  timestampSql,
  type InsertForm,
  type MemoryTable,
} from "./sql.ts";

/** Options of {@link DuckDbMemoryStore}; paths are absolute (see `resolveMemoryPaths`). */
export interface DuckDbStoreOptions {
  readonly dbPath: string;
  /** Defaults to {@link MEMORY_SCHEMA_VERSION}. */
  readonly schemaVersion?: string;
  readonly preloadCoreDir?: string | undefined;
  readonly preloadRawDebug?: boolean;
  readonly exportCoreDir?: string | undefined;
  readonly exportRawDebugDir?: string | undefined;
  /** Epoch seconds; injectable for tests. */
  readonly now?: () => number;
}

/** The database was written with another schema version; nothing was changed. */
export class SchemaVersionMismatchError extends Error {
  override name = "SchemaVersionMismatchError";
}

/** The preload directory is configured but unusable. */
export class PreloadError extends Error {
  override name = "PreloadError";
}

/**
 * WAL size that triggers DuckDB's automatic checkpoint. The default (16 MB) checkpoints after nearly every bulk
 * batch, and each checkpoint rewrites the whole UNIQUE index of `execution_events`, which made ingest cost grow
 * with the table. Durability does not depend on it: every commit is in the WAL, which a reopen replays, and the
 * engine checkpoints explicitly at the end of every run and on close.
 */
export const CHECKPOINT_THRESHOLD = "256MB";

/** DuckDB-backed memory store. */
export class DuckDbMemoryStore implements MemoryStore {
  private readonly options: DuckDbStoreOptions;
  private readonly schemaVersion: string;
  private readonly now: () => number;
  private instance: DuckDBInstance | undefined;
  private conn: DuckDBConnection | undefined;
  private stageEvents: Stage | undefined;
  private stageConfigs: Stage | undefined;
  private stageStrings: Stage | undefined;
  private stagePolicy: Stage | undefined;
  /** Configurations this process has seen committed to `config_catalog` (skips the catalog merge). */
  private readonly cataloged = new Set<string>();
  /** Payload layouts known to this process (content-addressed; see `payload-layout.ts`). */
  private readonly layouts = new PayloadLayouts();
  /** Ids of the layouts stored in `payload_layouts` as of the last commit. */
  private readonly storedLayouts = new Set<bigint>();
  /** Serialises transactions: DuckDB allows one open transaction per connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DuckDbStoreOptions) {
    this.options = options;
    this.schemaVersion = options.schemaVersion ?? MEMORY_SCHEMA_VERSION;
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  async open(): Promise<void> {
    if (this.conn) throw new Error("DuckDB memory store is already open");
    mkdirSync(dirname(this.options.dbPath), { recursive: true });
    const instance = await DuckDBInstance.create(this.options.dbPath);
    try {
      const conn = await instance.connect();
      this.instance = instance;
      this.conn = conn;
      await conn.run(`SET checkpoint_threshold = '${CHECKPOINT_THRESHOLD}'`);
      await this.checkOrCreateSchema();
      await this.preload();
      for (const sql of CREATE_STAGING_SQL) await conn.run(sql);
      this.stageEvents = await stage(conn, "stage_events");
      this.stageConfigs = await stage(conn, "stage_configs");
      this.stageStrings = await stage(conn, "stage_strings");
      await this.loadLayouts();
      this.stagePolicy = await stage(conn, "stage_policy");
    } catch (error) {
      this.closeHandles();
      throw error;
    }
  }

  async beginSession(s: RunSession): Promise<void> {
    const at = timestampSql(toMicros(s.startedAt));
    await this.transaction(async (c) => {
      await c.run(
        `INSERT INTO run_sessions (run_id, campaign_id, started_at, ended_at, mode, batch_size_n, batch_window_s,
                                   config_hash, git_rev, status, loadgen, latency_unit)
         VALUES ($1, $2, ${at}, NULL, $3, $4, $5, $6, $7, 'running', $8, $9)
         ON CONFLICT (run_id) DO UPDATE SET ended_at = NULL, status = 'running', loadgen = excluded.loadgen,
           latency_unit = excluded.latency_unit`,
        [s.runId, s.campaignId, s.mode, s.batchSizeN, s.batchWindowS, s.configHash, s.gitRev, s.loadgen, s.latencyUnit],
      );
      await c.run(`UPDATE memory_schema_meta SET updated_at = ${timestampSql(toMicros(this.now()))}`);
    });
  }

  async endSession(runId: string, status: SessionStatus, endedAt: number): Promise<void> {
    await this.transaction(async (c) => {
      await c.run(`UPDATE run_sessions SET status = $1, ended_at = ${timestampSql(toMicros(endedAt))} WHERE run_id = $2`, [
        status,
        runId,
      ]);
    });
  }

  async write(batch: WriteBatch): Promise<void> {
    for (const e of batch.events) validateEvent(e);
    if (batch.events.length + batch.policyUpdates.length + batch.verdicts.length === 0) return;
    await retryingOnDuplicateKey((form) => this.writeOnce(batch, form));
  }

  /**
   * One attempt at a write, in one transaction. The optimistic form stages the events as given (a key repeated in
   * the batch fails the plain INSERT like a stored one), or takes the caller's `batch.staged`; the idempotent form
   * stages one event per key (`dedupeEvents`, upgrade rule applied) and inserts with `ON CONFLICT DO NOTHING`.
   */
  private async writeOnce(batch: WriteBatch, form: InsertForm): Promise<void> {
    const events = form === "optimistic" ? batch.events : dedupeEvents(batch.events);
    let staged: StagedEvents | undefined;
    if (form === "optimistic" && batch.staged !== undefined) {
      staged = batch.staged;
      for (const layout of staged.layouts.values()) this.layouts.add(layout);
    } else if (events.length > 0) {
      staged = stageEvents(events, this.layouts);
    }
    const newLayouts = staged ? [...staged.layouts.values()].filter((l) => !this.storedLayouts.has(l.id)) : [];
    const now = toMicros(this.now());
    const statements: string[] = [];
    if (staged) {
      if (staged.configs.some((cfg) => !this.cataloged.has(cfg.id))) statements.push(MERGE_STAGED_SQL.catalog);
      for (const layout of newLayouts) statements.push(insertLayoutSql(layout.id, layoutRow(layout)));
      if (staged.hasExecuted) statements.push(MERGE_STAGED_SQL.upgradeEvents);
      statements.push(MERGE_STAGED_SQL.events(now, form));
      if (staged.hasReport) {
        if (staged.hasExecuted) statements.push(MERGE_STAGED_SQL.upgradeReports);
        statements.push(MERGE_STAGED_SQL.reports(now, form));
      }
    }
    if (batch.policyUpdates.length > 0) statements.push(MERGE_STAGED_SQL.policy);
    for (const v of batch.verdicts) statements.push(insertVerdictSql(v));
    const staging = (): void => {
      if (staged) {
        appendRows(this.stageConfigs!, staged.configs.map(describeConfig));
        appendRows(this.stageStrings!, staged.strings.map((str, i) => [i, str]));
        const st = this.stageEvents!;
        forEachChunk(st.types, staged.columns, staged.rowCount, (chunk) => st.appender.appendDataChunk(chunk));
        st.appender.flushSync();
      }
      if (batch.policyUpdates.length > 0) {
        appendRows(
          this.stagePolicy!,
          batch.policyUpdates.map((u) => [u.updateId, u.runId, u.mode, u.recordsSeen, u.score, u.loss, BigInt(toMicros(u.ts))]),
        );
      }
    };
    // `cataloged` and `storedLayouts` change only after COMMIT: a rolled-back transaction took its catalog rows
    // and layouts with it.
    const committed = (): void => {
      if (staged) for (const cfg of staged.configs) this.cataloged.add(cfg.id);
      for (const layout of newLayouts) this.storedLayouts.add(layout.id);
    };
    await this.writeScript(staging, statements, committed);
  }

  async loadVerdicts(campaignId: string): Promise<ConfigVerdict[]> {
    const rows = await this.rows(
      `SELECT config_id, functions, rates, iterations, overload_count, overloaded, run_id, epoch(decided_at) AS decided
       FROM config_verdicts WHERE campaign_id = $1 ORDER BY decided_at, config_id`,
      [campaignId],
    );
    return rows.map((r) => ({
      campaignId,
      config: storedConfiguration(String(r["config_id"]), String(r["functions"]), String(r["rates"])),
      iterations: Number(r["iterations"]),
      overloadCount: Number(r["overload_count"]),
      overloaded: r["overloaded"] === true,
      runId: String(r["run_id"]),
      decidedAt: Number(r["decided"]),
    }));
  }

  async loadEvents(campaignId: string, configId: string): Promise<ExecutionEvent[]> {
    return this.selectEvents("e.campaign_id = $1 AND e.config_id = $2", [campaignId, configId], "e.repetition, e.iteration, e.start_ts, e.run_id");
  }

  async loadCampaignEvents(campaignId: string, statuses?: readonly EventStatus[]): Promise<ExecutionEvent[]> {
    const filter = statuses === undefined ? "" : ` AND e.status IN (${statuses.map((x) => sqlString(x)).join(", ") || "NULL"})`;
    return this.selectEvents(`e.campaign_id = $1${filter}`, [campaignId], "e.start_ts, e.repetition, e.iteration, e.config_id, e.run_id");
  }

  /** Events (with their raw load report when stored) matching a WHERE clause over `execution_events e`. */
  private async selectEvents(where: string, params: DuckDBValue[], orderBy: string): Promise<ExecutionEvent[]> {
    const rows = await this.rows(
      `SELECT e.campaign_id, e.config_id, e.iteration, e.repetition, e.run_id, e.config_functions, e.config_rates,
              e.start_ts, e.end_ts, e.status, e.skip_reason, e.payload_layout, e.result_values, e.result_text,
              e.metric_values, s.generator, s.report_format, s.report_json
       FROM execution_events e LEFT JOIN loadgen_raw_reports s
         ON s.config_id = e.config_id AND s.iteration = e.iteration AND s.repetition = e.repetition
         AND s.run_id = e.run_id AND s.status = e.status -- a failed attempt's report is not the success's
       WHERE ${where}
       ORDER BY ${orderBy}`,
      params,
    );
    return rows.map((r) => {
      const layout = this.layoutOf(r["payload_layout"]);
      return {
        campaignId: String(r["campaign_id"]),
        runId: String(r["run_id"]),
        config: storedConfiguration(String(r["config_id"]), String(r["config_functions"]), String(r["config_rates"])),
        iteration: Number(r["iteration"]),
        repetition: Number(r["repetition"]),
        startTs: Number(r["start_ts"]),
        endTs: Number(r["end_ts"]),
        status: String(r["status"]) as EventStatus,
        skipReason: r["skip_reason"] === null ? null : String(r["skip_reason"]),
        resultRow: decodeResultRow(layout, numbers(r["result_values"]), texts(r["result_text"])),
        metrics: decodeMetrics(layout, numbers(r["metric_values"])),
        loadReport: storedLoadReport(r["generator"], r["report_format"], r["report_json"]),
      };
    });
  }

  async executedIterations(campaignId: string, configId: string): Promise<Set<number>> {
    const rows = await this.rows(
      `SELECT DISTINCT iteration FROM execution_events
       WHERE campaign_id = $1 AND config_id = $2 AND status = 'executed'`,
      [campaignId, configId],
    );
    return new Set(rows.map((r) => Number(r["iteration"])));
  }

  async loadResultRows(campaignId: string): Promise<StoredResultRow[]> {
    const rows = await this.rows(
      `SELECT config_id, payload_layout, result_values, result_text FROM execution_events
       WHERE campaign_id = $1 AND status = 'executed' AND result_values IS NOT NULL`,
      [campaignId],
    );
    const out: StoredResultRow[] = [];
    for (const r of rows) {
      const resultRow = decodeResultRow(this.layoutOf(r["payload_layout"]), numbers(r["result_values"]), texts(r["result_text"]));
      if (resultRow !== null) out.push({ configId: String(r["config_id"]), resultRow });
    }
    return out;
  }

  /** The layout a stored event names; a missing one means the file was edited by hand (or is corrupt). */
  private layoutOf(id: unknown): PayloadLayout {
    const layout = typeof id === "bigint" ? this.layouts.get(id) : undefined;
    if (layout === undefined) {
      throw new Error(`execution_events refers to payload layout ${String(id)}, which is not in payload_layouts (${this.options.dbPath})`);
    }
    return layout;
  }

  /** Reads `payload_layouts` into the registry (after preload, so merged layouts are known too). */
  private async loadLayouts(): Promise<void> {
    const reader = await this.connection().runAndReadAll("SELECT layout_id, result_keys, result_numeric_keys, metric_keys FROM payload_layouts");
    for (const r of reader.getRowObjectsJS()) {
      const resultKeys = r["result_keys"] === null ? null : (r["result_keys"] as string[]);
      const numeric = new Set(r["result_numeric_keys"] === null ? [] : (r["result_numeric_keys"] as string[]));
      const id = r["layout_id"] as bigint;
      const metricKeys = r["metric_keys"] === null ? null : (r["metric_keys"] as string[]);
      this.layouts.add(payloadLayout(id, resultKeys, resultKeys === null ? null : resultKeys.map((k) => !numeric.has(k)), metricKeys));
      this.storedLayouts.add(id);
    }
  }

  async checkpoint(): Promise<void> {
    await this.serial(async () => {
      await this.connection().run("CHECKPOINT");
    });
  }

  async exportParquet(): Promise<ParquetExportReport> {
    const core: Record<string, string> = {};
    const debug: Record<string, string> = {};
    await this.serial(async () => {
      const c = this.connection();
      if (this.options.exportCoreDir) {
        // Meta last: a directory whose export was interrupted has no (new) meta file, and preload insists on one.
        const tables = [...CORE_TABLES.filter((t) => t !== "memory_schema_meta"), "memory_schema_meta" as const];
        for (const t of tables) core[t] = await exportAtomically(c, t, this.options.exportCoreDir);
      }
      if (this.options.exportRawDebugDir) {
        for (const t of DEBUG_TABLES) debug[t] = await exportAtomically(c, t, this.options.exportRawDebugDir);
      }
    });
    return { core, debug };
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (!this.conn) return;
      try {
        for (const st of [this.stageEvents, this.stageConfigs, this.stageStrings, this.stagePolicy]) st?.appender.closeSync();
        this.stageEvents = this.stageConfigs = this.stageStrings = this.stagePolicy = undefined;
        await this.conn.run("CHECKPOINT");
      } finally {
        this.closeHandles();
      }
    });
  }

  /** Runs a statement and returns plain JS row objects. */
  private async rows(sql: string, params: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return this.serial(async () => {
      const reader = await this.connection().runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    });
  }

  /**
   * A write: `staging` fills the staging tables (committed rows: DuckDB inserts from committed rows about twice as
   * fast as from rows local to the inserting transaction, and temp tables are never persisted, so this changes
   * nothing a crash could leave behind), then `statements` run in one transaction as one multi-statement script,
   * so a batch costs one round trip and the JS thread is free for the next batch meanwhile. Scripts are parsed and
   * planned afresh every time, never cached as prepared statements: a plan keeps the column statistics of the
   * staging tables from when it was prepared, and DuckDB 1.5's compressed materialization then truncates strings
   * longer than any seen back then (a stored `["env","figlet"]` came back as `["env","figlet"\x10`). The staging
   * tables are emptied on every path; `afterCommit` runs before the next use of the connection.
   */
  private async writeScript(staging: () => void, statements: readonly string[], afterCommit: () => void): Promise<void> {
    await this.serial(async () => {
      const c = this.connection();
      try {
        staging();
        await c.run(["BEGIN TRANSACTION", ...statements, "COMMIT", ...CLEAR_STAGING_SQL].join(";\n"));
      } catch (error) {
        // Rows appended but not flushed must not leak into the next batch, nor flushed ones.
        for (const st of [this.stageEvents, this.stageConfigs, this.stageStrings, this.stagePolicy]) st?.appender.clear();
        await c.run("ROLLBACK").catch(() => undefined); // the script stops at the failed statement, inside BEGIN
        await c.run(CLEAR_STAGING_SQL.join(";\n"));
        throw error;
      }
      afterCommit();
    });
  }

  /** `body` in one transaction, serialised with every other use of the connection. */
  private async transaction(body: (c: DuckDBConnection) => Promise<void>): Promise<void> {
    await this.serial(async () => {
      const c = this.connection();
      await inTransaction(c, () => body(c));
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private connection(): DuckDBConnection {
    if (!this.conn) throw new Error("DuckDB memory store is not open");
    return this.conn;
  }

  /**
   * Creates the schema in a fresh file, or checks the stored version and columns; never migrates (a file of the
   * previous version is refused with the `peva-faas memory migrate` command to run, see `schema-versions.ts`).
   */
  private async checkOrCreateSchema(): Promise<void> {
    const c = this.connection();
    const existing = await this.tableColumns();
    if (existing.has("memory_schema_meta")) {
      const reader = await c.runAndReadAll("SELECT DISTINCT schema_version FROM memory_schema_meta");
      const versions = reader.getRowObjectsJS().map((r) => String(r["schema_version"]));
      const other = versions.find((v) => v !== this.schemaVersion);
      if (other !== undefined) {
        throw new SchemaVersionMismatchError(dbVersionMismatchMessage(other, this.schemaVersion, this.options.dbPath));
      }
      checkColumns(existing, this.options.dbPath);
      if (versions.length > 0 && existing.size === ALL_TABLES.length) return;
    } else if (existing.size > 0) {
      throw new SchemaVersionMismatchError(
        `schema_version mismatch: db=<none: memory_schema_meta missing> configured=${this.schemaVersion} ` +
          `(${this.options.dbPath} already has tables ${[...existing.keys()].join(", ")}); nothing was migrated`,
      );
    }
    const nowTs = timestampSql(toMicros(this.now()));
    await inTransaction(c, async () => {
      for (const t of ALL_TABLES) await c.run(createTableSql(t));
      await c.run(CREATE_RESULTS_VIEW_SQL);
      const reader = await c.runAndReadAll("SELECT count(*)::INTEGER AS n FROM memory_schema_meta");
      if (Number(reader.getRowObjectsJS()[0]!["n"]) === 0) {
        await c.run(`INSERT INTO memory_schema_meta VALUES ($1, ${nowTs}, ${nowTs})`, [this.schemaVersion]);
      }
    });
  }

  /** Column names per existing table of the main schema. */
  private async tableColumns(): Promise<Map<string, Set<string>>> {
    const reader = await this.connection().runAndReadAll(
      `SELECT c.table_name, c.column_name FROM duckdb_columns() c
       JOIN duckdb_tables() t ON t.table_oid = c.table_oid
       WHERE c.schema_name = 'main' AND c.database_name = current_database()`,
    );
    const out = new Map<string, Set<string>>();
    for (const r of reader.getRowObjectsJS()) {
      const t = String(r["table_name"]);
      if (!out.has(t)) out.set(t, new Set());
      out.get(t)!.add(String(r["column_name"]));
    }
    return out;
  }

  /** Merges a Parquet checkpoint in (reference §11.3, defect 9: a configured but missing directory is an error). */
  private async preload(): Promise<void> {
    const dir = this.options.preloadCoreDir;
    if (dir === undefined) return;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new PreloadError(`memory.preload_core_parquet_dir does not exist or is not a directory: ${dir}`);
    }
    const c = this.connection();
    const metaFile = join(dir, "memory_schema_meta.parquet");
    if (!existsSync(metaFile)) throw new PreloadError(`Missing memory_schema_meta.parquet in preload directory ${dir}`);
    const reader = await c.runAndReadAll(`SELECT DISTINCT schema_version FROM read_parquet(${sqlString(metaFile)})`);
    const versions = reader.getRowObjectsJS().map((r) => String(r["schema_version"]));
    const other = versions.find((v) => v !== this.schemaVersion);
    if (other !== undefined || versions.length === 0) {
      throw new SchemaVersionMismatchError(parquetVersionMismatchMessage(other, this.schemaVersion, metaFile));
    }
    const tables: MemoryTable[] = CORE_TABLES.filter((t) => t !== "memory_schema_meta");
    if (this.options.preloadRawDebug) {
      for (const t of DEBUG_TABLES) {
        if (!existsSync(join(dir, `${t}.parquet`))) {
          throw new PreloadError(`preload_raw_debug is set but ${t}.parquet is missing in ${dir}`);
        }
        tables.push(t);
      }
    }
    const merge = (form: InsertForm): Promise<void> =>
      inTransaction(c, async () => {
        for (const t of tables) {
          const file = join(dir, `${t}.parquet`);
          if (existsSync(file)) for (const sql of preloadSql(t, file, form)) await c.run(sql);
        }
      });
    try {
      await retryingOnDuplicateKey(merge); // the database may already hold some of the checkpoint's events
    } catch (error) {
      throw new PreloadError(`preload from ${dir} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private closeHandles(): void {
    try {
      this.conn?.closeSync();
    } finally {
      this.conn = undefined;
      this.instance?.closeSync();
      this.instance = undefined;
    }
  }
}

/** Runs `body` between BEGIN and COMMIT; rolls back and rethrows on any error. */
async function inTransaction(c: DuckDBConnection, body: () => Promise<void>): Promise<void> {
  await c.run("BEGIN TRANSACTION");
  try {
    await body();
    await c.run("COMMIT");
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Refuses a file whose tables lack our columns (e.g. written by upstream under the same version string). */
function checkColumns(existing: Map<string, Set<string>>, dbPath: string): void {
  const problems: string[] = [];
  for (const t of ALL_TABLES) {
    const have = existing.get(t);
    if (have === undefined) continue;
    const missing = TABLE_COLUMNS[t].map(([n]) => n).filter((n) => !have.has(n));
    if (missing.length > 0) problems.push(`${t} lacks ${missing.join(", ")}`);
  }
  if (problems.length > 0) {
    throw new SchemaVersionMismatchError(
      `schema mismatch in ${dbPath}: ${problems.join("; ")} (written by another peva_faas version?); nothing was migrated`,
    );
  }
}

/** `COPY` to a temp file in the target directory, then rename: readers never see a half-written Parquet file. */
async function exportAtomically(c: DuckDBConnection, table: MemoryTable, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${table}.parquet`);
  const temp = join(dir, `.${table}.parquet.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await c.run(exportSql(table, temp));
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return target;
}

/** `INSERT` of one verdict (values inlined: it runs inside a write's script). */
function insertVerdictSql(v: ConfigVerdict): string {
  const values = [
    sqlString(v.campaignId),
    sqlString(v.config.id),
    sqlString(functionSetKey(v.config)),
    sqlString(JSON.stringify(v.config.pairs.map((p) => p.name))),
    sqlString(JSON.stringify(v.config.pairs.map((p) => p.rate))),
    integerSql(v.iterations),
    integerSql(v.overloadCount),
    v.overloaded ? "TRUE" : "FALSE",
    sqlString(v.runId),
    timestampSql(toMicros(v.decidedAt)),
  ];
  return `INSERT INTO config_verdicts VALUES (${values.join(", ")}) ON CONFLICT DO NOTHING`;
}

/** An integer as SQL text; anything else is a bug upstream (values are validated before they get here). */
function integerSql(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
}

/** A `stage_configs` row (the `config_catalog` columns) of a configuration. */
function describeConfig(config: Configuration, ix: number): DuckDBValue[] {
  const names = config.pairs.map((p) => p.name);
  const rates = config.pairs.map((p) => p.rate);
  const configJson = JSON.stringify({ functions: names, rates, config_pairs: config.pairs.map((p) => [p.name, p.rate]) });
  return [
    config.id,
    JSON.stringify(names),
    JSON.stringify(rates),
    configJson,
    names.length,
    rates.reduce((a, b) => a + b, 0),
    names.join("|"),
    ix,
  ];
}

/** An appender on a staging table with its column types. */
interface Stage {
  readonly appender: DuckDBAppender;
  readonly types: readonly DuckDBType[];
}

async function stage(conn: DuckDBConnection, table: string): Promise<Stage> {
  const appender = await conn.createAppender(table, "main", "temp");
  const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  return { appender, types };
}

/** Appends JS value rows to a staging table and flushes. */
function appendRows(st: Stage, rows: readonly DuckDBValue[][]): void {
  appendValueRows(st.appender, st.types, rows);
}

/**
 * Rebuilds a configuration from stored columns. The stored id is trusted (it was computed by `makeConfiguration`
 * at ingest) so loading a million verdicts does not re-hash a million strings.
 */
function storedConfiguration(id: string, functionsJson: string, ratesJson: string): Configuration {
  const names = JSON.parse(functionsJson) as string[];
  const rates = JSON.parse(ratesJson) as number[];
  const pairs: FunctionRate[] = names.map((name, i) => ({ name, rate: rates[i]! }));
  return { id, pairs };
}

/** The `loadgen_raw_reports` columns of an event (all NULL when it has no report: `generator` is NOT NULL). */
function storedLoadReport(generator: unknown, format: unknown, json: unknown): LoadReport | null {
  if (generator === null || generator === undefined) return null;
  return {
    generator: String(generator),
    format: String(format),
    document: json === null ? null : (JSON.parse(String(json)) as unknown),
  };
}

/** A DOUBLE[] cell as read by `getRowObjectsJS`. */
function numbers(cell: unknown): number[] | null {
  return cell === null ? null : (cell as number[]);
}

/** A VARCHAR[] cell as read by `getRowObjectsJS`. */
function texts(cell: unknown): string[] | null {
  return cell === null ? null : (cell as string[]);
}

function toMicros(epochSeconds: number): number {
  return Math.round(epochSeconds * 1_000_000);
}
