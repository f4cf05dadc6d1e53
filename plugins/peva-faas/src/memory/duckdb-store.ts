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
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Configuration, FunctionRate } from "../model.ts";
import { functionSetKey } from "../model.ts";
import type {
  ConfigVerdict,
  EventStatus,
  ExecutionEvent,
  MemoryStore,
  ParquetExportReport,
  RunSession,
  SessionStatus,
  StoredResultRow,
  WriteBatch,
} from "./contracts.ts";
import { MEMORY_SCHEMA_VERSION } from "./config.ts";
import { decodePayload, dedupeEvents, encodePayload, validateEvent } from "./events.ts";
import {
  ALL_TABLES,
  CORE_TABLES,
  CREATE_STAGING_SQL,
  DEBUG_TABLES,
  TABLE_COLUMNS,
  MERGE_STAGED_SQL,
  createTableSql,
  exportSql,
  preloadSql,
  sqlString,
  timestampSql,
  type MemoryTable,
  type MergeStatement,
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

/** Rows per data chunk: DuckDB's vector size, the unit the appender works in. */
const CHUNK_ROWS = 2048;

/** DuckDB-backed memory store. */
export class DuckDbMemoryStore implements MemoryStore {
  private readonly options: DuckDbStoreOptions;
  private readonly schemaVersion: string;
  private readonly now: () => number;
  private instance: DuckDBInstance | undefined;
  private conn: DuckDBConnection | undefined;
  private stageEvents: Stage | undefined;
  private stageConfigs: Stage | undefined;
  private stagePolicy: Stage | undefined;
  private readonly prepared = new Map<MergeStatement, DuckDBPreparedStatement>();
  /** Configurations in `stage_configs` (hence in `config_catalog`) as of the last commit. */
  private readonly staged = new Set<string>();
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
      await this.checkOrCreateSchema();
      await this.preload();
      for (const sql of CREATE_STAGING_SQL) await conn.run(sql);
      this.stageEvents = await stage(conn, "stage_events");
      this.stageConfigs = await stage(conn, "stage_configs");
      this.stagePolicy = await stage(conn, "stage_policy");
    } catch (error) {
      this.closeHandles();
      throw error;
    }
  }

  async beginSession(s: RunSession): Promise<void> {
    const at = timestampSql(toMicros(s.startedAt));
    await this.tx(async (c) => {
      await c.run(
        `INSERT INTO run_sessions VALUES ($1, $2, ${at}, NULL, $3, $4, $5, $6, $7, 'running')
         ON CONFLICT (run_id) DO UPDATE SET ended_at = NULL, status = 'running'`,
        [s.runId, s.campaignId, s.mode, s.batchSizeN, s.batchWindowS, s.configHash, s.gitRev],
      );
      await c.run(`UPDATE memory_schema_meta SET updated_at = ${timestampSql(toMicros(this.now()))}`);
    });
  }

  async endSession(runId: string, status: SessionStatus, endedAt: number): Promise<void> {
    await this.tx(async (c) => {
      await c.run(`UPDATE run_sessions SET status = $1, ended_at = ${timestampSql(toMicros(endedAt))} WHERE run_id = $2`, [
        status,
        runId,
      ]);
    });
  }

  async write(batch: WriteBatch): Promise<void> {
    for (const e of batch.events) validateEvent(e);
    if (batch.events.length + batch.policyUpdates.length + batch.verdicts.length === 0) return;
    const events = dedupeEvents(batch.events);
    // Filled inside the serialised transaction, from `staged` as of the previous commit.
    const newConfigs = new Map<string, Configuration>();
    const body = async (c: DuckDBConnection): Promise<void> => {
      for (const e of events) if (!this.staged.has(e.config.id)) newConfigs.set(e.config.id, e.config);
      const now = BigInt(toMicros(this.now()));
      if (events.length > 0) {
        if (newConfigs.size > 0) {
          appendRows(this.stageConfigs!, [...newConfigs.values()].map(describeConfig));
          await this.runMerge("catalog");
        }
        appendRows(this.stageEvents!, events.map(stagedEvent));
        const executed = events.some((e) => e.status === "executed");
        if (executed) await this.runMerge("upgradeEvents");
        await this.runMerge("events", now);
        if (events.some((e) => e.k6Summary !== null && e.k6Summary !== undefined)) {
          if (executed) await this.runMerge("upgradeSummaries");
          await this.runMerge("summaries", now);
        }
        await this.runMerge("clearEvents");
      }
      if (batch.policyUpdates.length > 0) {
        appendRows(
          this.stagePolicy!,
          batch.policyUpdates.map((u) => [u.updateId, u.runId, u.mode, u.recordsSeen, u.score, u.loss, BigInt(toMicros(u.ts))]),
        );
        await this.runMerge("policy");
        await this.runMerge("clearPolicy");
      }
      for (const v of batch.verdicts) {
        await c.run(
          `INSERT INTO config_verdicts VALUES ($1, $2, $3, $4::JSON, $5::JSON, $6, $7, $8, $9,
             ${timestampSql(toMicros(v.decidedAt))}) ON CONFLICT DO NOTHING`,
          [
            v.campaignId,
            v.config.id,
            functionSetKey(v.config),
            JSON.stringify(v.config.pairs.map((p) => p.name)),
            JSON.stringify(v.config.pairs.map((p) => p.rate)),
            v.iterations,
            v.overloadCount,
            v.overloaded,
            v.runId,
          ],
        );
      }
    };
    // `staged` changes only after COMMIT: a rolled-back transaction took its staged configurations with it. Every
    // event's configuration is then in `stage_configs`, which the events insert joins (an inner join would
    // otherwise drop the event).
    await this.tx(body, () => {
      for (const id of newConfigs.keys()) this.staged.add(id);
    });
  }

  /** Runs a staged merge through a statement prepared once per connection. */
  private async runMerge(name: MergeStatement, now?: bigint): Promise<void> {
    let ps = this.prepared.get(name);
    if (ps === undefined) {
      ps = await this.connection().prepare(MERGE_STAGED_SQL[name]);
      this.prepared.set(name, ps);
    }
    if (now !== undefined) ps.bind([now]);
    await ps.run();
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

  /** Events (with their raw summary when stored) matching a WHERE clause over `execution_events e`. */
  private async selectEvents(where: string, params: DuckDBValue[], orderBy: string): Promise<ExecutionEvent[]> {
    const rows = await this.rows(
      `SELECT e.campaign_id, e.config_id, e.iteration, e.repetition, e.run_id, e.config_functions, e.config_rates,
              e.start_ts, e.end_ts, e.status, e.skip_reason, e.payload_json, s.summary_json
       FROM execution_events e LEFT JOIN k6_raw_summaries s
         ON s.config_id = e.config_id AND s.iteration = e.iteration AND s.repetition = e.repetition
         AND s.run_id = e.run_id AND s.status = e.status -- a failed attempt's summary is not the success's
       WHERE ${where}
       ORDER BY ${orderBy}`,
      params,
    );
    return rows.map((r) => {
      const payload = r["payload_json"] === null ? { resultRow: null, metrics: null } : decodePayload(String(r["payload_json"]));
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
        resultRow: payload.resultRow,
        metrics: payload.metrics,
        k6Summary: r["summary_json"] === null ? null : (JSON.parse(String(r["summary_json"])) as unknown),
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
      `SELECT config_id, payload_json FROM execution_events
       WHERE campaign_id = $1 AND status = 'executed' AND payload_json IS NOT NULL`,
      [campaignId],
    );
    const out: StoredResultRow[] = [];
    for (const r of rows) {
      const { resultRow } = decodePayload(String(r["payload_json"]));
      if (resultRow !== null) out.push({ configId: String(r["config_id"]), resultRow });
    }
    return out;
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
        for (const st of [this.stageEvents, this.stageConfigs, this.stagePolicy]) st?.appender.closeSync();
        this.stageEvents = this.stageConfigs = this.stagePolicy = undefined;
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
   * One transaction, serialised with every other use of the connection; rolled back on any error. `afterCommit`
   * runs inside the serialised section, before the next transaction can start.
   */
  private async tx(body: (c: DuckDBConnection) => Promise<void>, afterCommit?: () => void): Promise<void> {
    await this.serial(async () => {
      const c = this.connection();
      await c.run("BEGIN TRANSACTION");
      try {
        await body(c);
        await c.run("COMMIT");
        afterCommit?.();
      } catch (error) {
        await c.run("ROLLBACK").catch(() => undefined);
        // Rows appended but not flushed must not leak into the next batch (flushed ones went with the rollback).
        for (const st of [this.stageEvents, this.stageConfigs, this.stagePolicy]) st?.appender.clear();
        throw error;
      }
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

  /** Creates the schema in a fresh file, or checks the stored version and columns; never migrates. */
  private async checkOrCreateSchema(): Promise<void> {
    const c = this.connection();
    const existing = await this.tableColumns();
    if (existing.has("memory_schema_meta")) {
      const reader = await c.runAndReadAll("SELECT DISTINCT schema_version FROM memory_schema_meta");
      const versions = reader.getRowObjectsJS().map((r) => String(r["schema_version"]));
      const other = versions.find((v) => v !== this.schemaVersion);
      if (other !== undefined) {
        throw new SchemaVersionMismatchError(
          `schema_version mismatch: db=${other} configured=${this.schemaVersion} (${this.options.dbPath}); ` +
            "nothing was migrated",
        );
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
    await c.run("BEGIN TRANSACTION");
    try {
      for (const t of ALL_TABLES) await c.run(createTableSql(t));
      const reader = await c.runAndReadAll("SELECT count(*)::INTEGER AS n FROM memory_schema_meta");
      if (Number(reader.getRowObjectsJS()[0]!["n"]) === 0) {
        await c.run(`INSERT INTO memory_schema_meta VALUES ($1, ${nowTs}, ${nowTs})`, [this.schemaVersion]);
      }
      await c.run("COMMIT");
    } catch (error) {
      await c.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  /** Column names per existing table of the main schema. */
  private async tableColumns(): Promise<Map<string, Set<string>>> {
    const reader = await this.connection().runAndReadAll(
      `SELECT table_name, column_name FROM duckdb_columns()
       WHERE schema_name = 'main' AND database_name = current_database()`,
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
      throw new SchemaVersionMismatchError(
        `schema_version mismatch: parquet=${other ?? "<empty>"} configured=${this.schemaVersion} (${metaFile}); ` +
          "the checkpoint was not loaded",
      );
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
    await c.run("BEGIN TRANSACTION");
    try {
      for (const t of tables) {
        const file = join(dir, `${t}.parquet`);
        if (existsSync(file)) for (const sql of preloadSql(t, file)) await c.run(sql);
      }
      await c.run("COMMIT");
    } catch (error) {
      await c.run("ROLLBACK").catch(() => undefined);
      throw new PreloadError(`preload from ${dir} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private closeHandles(): void {
    try {
      this.conn?.closeSync();
    } finally {
      this.prepared.clear();
      this.conn = undefined;
      this.instance?.closeSync();
      this.instance = undefined;
    }
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

/** A `stage_configs` row (the `config_catalog` columns) of a configuration. */
function describeConfig(config: Configuration): DuckDBValue[] {
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
  ];
}

/** A `stage_events` row of an event. */
function stagedEvent(e: ExecutionEvent): DuckDBValue[] {
  const summary = e.k6Summary === null || e.k6Summary === undefined ? null : JSON.stringify(e.k6Summary);
  return [
    e.campaignId,
    e.config.id,
    e.iteration,
    e.repetition,
    e.runId,
    e.startTs,
    e.endTs,
    e.status,
    e.skipReason,
    encodePayload(e),
    summary,
    summary === null ? null : Buffer.byteLength(summary, "utf8"),
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

/** Appends rows in data chunks of {@link CHUNK_ROWS}, column-wise, then flushes (inside the caller's transaction). */
function appendRows(st: Stage, rows: readonly DuckDBValue[][]): void {
  const width = st.types.length;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows.length - start);
    const columns: DuckDBValue[][] = Array.from({ length: width }, () => new Array<DuckDBValue>(n));
    for (let i = 0; i < n; i++) {
      const row = rows[start + i]!;
      for (let c = 0; c < width; c++) columns[c]![i] = row[c]!;
    }
    const chunk = DuckDBDataChunk.create(st.types, n);
    chunk.setColumns(columns);
    st.appender.appendDataChunk(chunk);
  }
  st.appender.flushSync();
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

function toMicros(epochSeconds: number): number {
  return Math.round(epochSeconds * 1_000_000);
}
