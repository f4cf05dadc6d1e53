/**
 * `peva-faas memory migrate` on real DuckDB files: a `peva_faas_mem_v1` file is refused by the store, migrated in
 * one transaction, then opened and read back; refusals and a failed migration change nothing.
 *
 * The v1 file is built here from the v1 DDL written out below (a frozen copy of the v1 `TABLE_COLUMNS`, not the
 * current code's), so the test keeps meaning what a v1 file is whatever the schema becomes.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  DuckDbMemoryStore,
  MigrationError,
  SchemaVersionMismatchError,
  createMemoryEngine,
  memoryCommand,
  migrateMemory,
  type ExecutionEvent,
  type MigrationReport,
} from "../../src/memory/index.ts";
import { makeConfiguration } from "../../src/model.ts";

const roots: string[] = [];
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "peva-mem-migrate-"));
  roots.push(dir);
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const A = makeConfiguration([{ name: "figlet", rate: 10 }]);
const B = makeConfiguration([{ name: "env", rate: 20 }, { name: "figlet", rate: 10 }]);

/** The v1 schema exactly as `peva_faas_mem_v1` code created it (its `TABLE_COLUMNS` and constraints, the view). */
function v1Ddl(rawSummariesUnique = true): string[] {
  const key = "UNIQUE (config_id, iteration, repetition, run_id)";
  return [
    "CREATE TABLE memory_schema_meta (schema_version VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)",
    `CREATE TABLE run_sessions (run_id VARCHAR PRIMARY KEY, campaign_id VARCHAR NOT NULL, started_at TIMESTAMP, ended_at TIMESTAMP,
       mode VARCHAR, batch_size_n INTEGER, batch_window_s DOUBLE, config_hash VARCHAR, git_rev VARCHAR, status VARCHAR)`,
    `CREATE TABLE config_catalog (config_id VARCHAR PRIMARY KEY, functions JSON, rates JSON, config_json JSON, n_functions INTEGER,
       sum_rate DOUBLE, function_set VARCHAR)`,
    `CREATE TABLE payload_layouts (layout_id BIGINT PRIMARY KEY, result_keys VARCHAR[], result_numeric_keys VARCHAR[],
       result_text_keys VARCHAR[], metric_keys VARCHAR[])`,
    `CREATE TABLE execution_events (config_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, repetition INTEGER NOT NULL,
       run_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL, config_functions JSON, config_rates JSON, start_ts DOUBLE,
       end_ts DOUBLE, duration_s DOUBLE, status VARCHAR NOT NULL, skip_reason VARCHAR, payload_layout BIGINT,
       result_values DOUBLE[], result_text VARCHAR[], metric_values DOUBLE[], ingested_at TIMESTAMP, ${key})`,
    `CREATE TABLE k6_raw_summaries (config_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, repetition INTEGER NOT NULL,
       run_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL, status VARCHAR NOT NULL, summary_json JSON,
       summary_size_bytes BIGINT, ingested_at TIMESTAMP${rawSummariesUnique ? `, ${key}` : ""})`,
    `CREATE TABLE policy_updates (update_id VARCHAR PRIMARY KEY, run_id VARCHAR, mode VARCHAR, records_seen INTEGER, score DOUBLE,
       loss DOUBLE, ts TIMESTAMP)`,
    `CREATE TABLE config_verdicts (campaign_id VARCHAR NOT NULL, config_id VARCHAR NOT NULL, function_set VARCHAR NOT NULL,
       functions JSON, rates JSON, iterations INTEGER NOT NULL, overload_count INTEGER NOT NULL, overloaded BOOLEAN NOT NULL,
       run_id VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL, PRIMARY KEY (campaign_id, config_id))`,
    `CREATE OR REPLACE VIEW execution_results AS
       SELECT e.* EXCLUDE (payload_layout, result_values, result_text, metric_values),
              map(l.result_numeric_keys, e.result_values) AS result_row,
              map(l.result_text_keys, e.result_text) AS result_text,
              map(l.metric_keys, e.metric_values) AS metrics
       FROM execution_events e LEFT JOIN payload_layouts l ON l.layout_id = e.payload_layout`,
  ];
}

/** A k6 summary as v1 stored it (`handleSummary` JSON, trimmed). */
const K6_SUMMARY = {
  metrics: {
    http_req_duration: { type: "trend", contains: "time", values: { avg: 12.5, "p(95)": 20.25, max: 31 } },
    success_rate_figlet: { type: "rate", values: { rate: 0.99, passes: 297, fails: 3 } },
  },
  root_group: { name: "", checks: [{ name: "status is 200", passes: 297, fails: 3 }] },
  state: { testRunDurationMs: 30001.5, isStdOutTTY: false },
};
const K6_PARTIAL = { metrics: {}, note: "stopped — ünïcode and 'quotes'" };

interface V1Fixture {
  readonly version?: string;
  /** v1 always had the key constraint; without it a duplicate can make the copy fail (rollback test). */
  readonly rawSummariesUnique?: boolean;
  readonly duplicateRawSummary?: boolean;
}

/**
 * Writes a small but complete v1 file: two sessions, two configurations, executed/failed/skipped events of two
 * layouts, k6 summaries of executed and failed iterations, a verdict and a policy update.
 */
async function writeV1File(path: string, fixture: V1Fixture = {}): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  const run = (sql: string, params: DuckDBValue[] = []): Promise<unknown> => c.run(sql, params);
  for (const sql of v1Ddl(fixture.rawSummariesUnique ?? true)) await run(sql);
  const ts = (s: string): string => `TIMESTAMP '${s}'`;
  await run(`INSERT INTO memory_schema_meta VALUES ($1, ${ts("2025-01-01 10:00:00")}, ${ts("2025-01-02 11:00:00")})`, [
    fixture.version ?? "peva_faas_mem_v1",
  ]);
  await run(`INSERT INTO run_sessions VALUES ('run-1', 'camp', ${ts("2025-01-01 10:00:00")}, ${ts("2025-01-01 12:00:00")},
               'online', 8, 30.0, 'cfg-hash', 'abc123', 'stopped'),
             ('run-2', 'camp', ${ts("2025-01-02 10:00:00")}, ${ts("2025-01-02 11:00:00")}, 'online', 8, 30.0, 'cfg-hash', NULL, 'done')`);
  for (const cfg of [A, B]) {
    const names = cfg.pairs.map((p) => p.name);
    const rates = cfg.pairs.map((p) => p.rate);
    await run("INSERT INTO config_catalog VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      cfg.id,
      JSON.stringify(names),
      JSON.stringify(rates),
      JSON.stringify({ functions: names, rates, config_pairs: cfg.pairs.map((p) => [p.name, p.rate]) }),
      names.length,
      rates.reduce((a, b) => a + b, 0),
      names.join("|"),
    ]);
  }
  await run(`INSERT INTO payload_layouts VALUES
    (1001, ['function_1', 'rate_function_1', 'success_rate_function_1'], ['rate_function_1', 'success_rate_function_1'],
     ['function_1'], ['cpu_usage_node']),
    (1002, NULL, NULL, NULL, NULL)`);
  const event = (cfg: typeof A, it: number, runId: string, status: string, reason: string | null, start: number, executed: boolean) =>
    run(
      `INSERT INTO execution_events VALUES ($1, $2, 1, $3, 'camp', $4, $5, $6, $7, $8, $9, $10, $11,
         ${executed ? `[${10 * it}, 0.99]` : "NULL"}, ${executed ? "['figlet']" : "NULL"}, ${executed ? "[42.5]" : "NULL"},
         ${ts("2025-01-01 10:30:00")})`,
      [
        cfg.id,
        it,
        runId,
        JSON.stringify(cfg.pairs.map((p) => p.name)),
        JSON.stringify(cfg.pairs.map((p) => p.rate)),
        start,
        start + 30,
        30,
        status,
        reason,
        BigInt(executed ? 1001 : 1002),
      ],
    );
  await event(A, 1, "run-1", "executed", null, 1_700_000_060, true);
  await event(A, 2, "run-1", "executed", null, 1_700_000_120, true);
  await event(B, 1, "run-1", "failed", "k6 failed with exit code 99", 1_700_000_180, false);
  await event(B, 0, "run-1", "skipped", "dominated_by_overload", 1_700_000_190, false);
  await event(A, 3, "run-2", "executed", null, 1_700_000_240, true);
  const summary = (cfg: typeof A, it: number, runId: string, status: string, doc: unknown) => {
    const json = JSON.stringify(doc);
    return run(`INSERT INTO k6_raw_summaries VALUES ($1, $2, 1, $3, 'camp', $4, $5, $6, ${ts("2025-01-01 10:31:00")})`, [
      cfg.id,
      it,
      runId,
      status,
      json,
      BigInt(Buffer.byteLength(json, "utf8")),
    ]);
  };
  await summary(A, 1, "run-1", "executed", K6_SUMMARY);
  await summary(A, 2, "run-1", "executed", { ...K6_SUMMARY, state: { testRunDurationMs: 29_999 } });
  await summary(B, 1, "run-1", "failed", K6_PARTIAL);
  await summary(A, 3, "run-2", "executed", K6_SUMMARY);
  if (fixture.duplicateRawSummary) await summary(A, 1, "run-1", "executed", K6_PARTIAL);
  await run(`INSERT INTO policy_updates VALUES ('u-1', 'run-1', 'online', 1, 0.5, NULL, ${ts("2025-01-01 10:32:00")})`);
  await run(`INSERT INTO config_verdicts VALUES ('camp', $1, 'figlet', '["figlet"]', '[10]', 3, 0, FALSE, 'run-2', ${ts("2025-01-02 10:59:00")})`, [
    A.id,
  ]);
  await run("CHECKPOINT");
  c.closeSync();
  inst.closeSync();
}

/** Reads with a separate instance (nothing else may have the file open). */
async function query(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  try {
    const c = await inst.connect();
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    c.closeSync();
    return rows;
  } finally {
    inst.closeSync();
  }
}

/** `count(*)` per table of the file. */
async function counts(path: string): Promise<Record<string, number>> {
  const tables = await query(path, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name");
  const out: Record<string, number> = {};
  for (const t of tables) {
    const name = String(t["table_name"]);
    out[name] = Number((await query(path, `SELECT count(*) AS n FROM ${name}`))[0]!["n"]);
  }
  return out;
}

/** Tables, columns (in order, with types and nullability) and constraints: what a file's schema is. */
async function schemaOf(path: string): Promise<Record<string, unknown>[]> {
  const columns = await query(
    path,
    `SELECT table_name, column_index, column_name, data_type, is_nullable FROM duckdb_columns()
     WHERE schema_name = 'main' ORDER BY table_name, column_index`,
  );
  const constraints = await query(
    path,
    `SELECT table_name, constraint_type, list_sort(constraint_column_names) AS cols FROM duckdb_constraints()
     WHERE schema_name = 'main' ORDER BY ALL`,
  );
  return [...columns, ...constraints];
}

const MIGRATION_MESSAGE = (db: string): string =>
  `schema_version mismatch: db=peva_faas_mem_v1 configured=peva_faas_mem_v2 (${db}); run: peva-faas memory migrate --db ${db}`;

/** The error `open()` rejects with. */
async function openError(options: ConstructorParameters<typeof DuckDbMemoryStore>[0]): Promise<Error> {
  const store = new DuckDbMemoryStore(options);
  try {
    await store.open();
  } catch (error) {
    return error as Error;
  }
  await store.close();
  throw new Error("open() succeeded");
}

/** A command's exit code and what it printed. */
async function command(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await memoryCommand(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

describe("a peva_faas_mem_v1 file", () => {
  it("is refused by the v2 store with the exact command, migrated by migrateMemory, then read back whole", async () => {
    const db = join(dir, "old.duckdb");
    await writeV1File(db);
    const before = await counts(db);
    const oldSummaries = await query(
      db,
      "SELECT config_id, iteration, repetition, run_id, campaign_id, status, summary_json, summary_size_bytes, ingested_at FROM k6_raw_summaries ORDER BY ALL",
    );
    const oldSessions = await query(db, "SELECT * FROM run_sessions ORDER BY run_id");

    // 1. The store refuses, names both versions and the command, and changes nothing.
    const refused = await openError({ dbPath: db });
    expect(refused).toBeInstanceOf(SchemaVersionMismatchError);
    expect(refused.message).toBe(MIGRATION_MESSAGE(db));
    expect(await counts(db)).toEqual(before);
    expect(await query(db, "SELECT schema_version FROM memory_schema_meta")).toEqual([{ schema_version: "peva_faas_mem_v1" }]);

    // 2. The migration.
    const report = await migrateMemory(db);
    expect(report).toEqual<MigrationReport>({
      dbPath: db,
      fromVersion: "peva_faas_mem_v1",
      toVersion: "peva_faas_mem_v2",
      outcome: "migrated",
      tables: [
        { table: "memory_schema_meta", before: 1, after: 1 },
        { table: "run_sessions", before: 2, after: 2 },
        { table: "config_catalog", before: 2, after: 2 },
        { table: "payload_layouts", before: 2, after: 2 },
        { table: "execution_events", before: 5, after: 5 },
        { table: "policy_updates", before: 1, after: 1 },
        { table: "config_verdicts", before: 1, after: 1 },
        { table: "k6_raw_summaries", before: 4, after: null },
        { table: "loadgen_raw_reports", before: null, after: 4 },
      ],
      steps: [
        "created loadgen_raw_reports",
        'copied 4 rows of k6_raw_summaries into loadgen_raw_reports (generator "k6 (version not recorded)", report_format "k6-summary/v1", summary_json → report_json)',
        "dropped k6_raw_summaries",
        "added run_sessions.loadgen and run_sessions.latency_unit (for the 2 sessions already stored: loadgen NULL, latency_unit 'ms', the unit v1 stored)",
        "set memory_schema_meta.schema_version to peva_faas_mem_v2",
      ],
    });
    const { k6_raw_summaries: summaries, ...unchanged } = before;
    expect(await counts(db)).toEqual({ ...unchanged, loadgen_raw_reports: summaries });

    // Every raw summary moved over as it was, with the generator named; sessions kept, new columns NULL.
    const moved = await query(
      db,
      `SELECT config_id, iteration, repetition, run_id, campaign_id, status, report_json AS summary_json,
              report_size_bytes AS summary_size_bytes, ingested_at, generator, report_format
       FROM loadgen_raw_reports ORDER BY ALL`,
    );
    expect(moved).toEqual(oldSummaries.map((r) => ({ ...r, generator: "k6 (version not recorded)", report_format: "k6-summary/v1" })));
    expect(await query(db, "SELECT * FROM run_sessions ORDER BY run_id")).toEqual(
      oldSessions.map((r) => ({ ...r, loadgen: null, latency_unit: "ms" })),
    );
    expect(await query(db, "SELECT schema_version FROM memory_schema_meta")).toEqual([{ schema_version: "peva_faas_mem_v2" }]);

    // The migrated file has exactly the schema of a file the v2 store creates.
    const fresh = join(dir, "fresh.duckdb");
    const created = new DuckDbMemoryStore({ dbPath: fresh });
    await created.open();
    await created.close();
    expect(await schemaOf(db)).toEqual(await schemaOf(fresh));

    // 3. Migrating again is a no-op.
    const meta = await query(db, "SELECT * FROM memory_schema_meta");
    const again = await migrateMemory(db);
    expect(again.outcome).toBe("already_current");
    expect([again.fromVersion, again.toVersion, again.steps]).toEqual(["peva_faas_mem_v2", "peva_faas_mem_v2", ["already at peva_faas_mem_v2: nothing to do"]]);
    expect(again.tables.every((t) => t.before === t.after)).toBe(true);
    expect(again.tables.find((t) => t.table === "loadgen_raw_reports")).toEqual({ table: "loadgen_raw_reports", before: 4, after: 4 });
    expect(await query(db, "SELECT * FROM memory_schema_meta")).toEqual(meta);
    expect(await schemaOf(db)).toEqual(await schemaOf(fresh));

    // 4. The v2 store opens it and reads the old events back, each with the k6 summary it had.
    const store = new DuckDbMemoryStore({ dbPath: db });
    await store.open();
    const events = await store.loadCampaignEvents("camp");
    const verdicts = await store.loadVerdicts("camp");
    await store.close();
    const view = (e: ExecutionEvent) => [e.config.id, e.iteration, e.runId, e.status, e.skipReason, e.resultRow, e.metrics, e.loadReport];
    const k6 = (document: unknown) => ({ generator: "k6 (version not recorded)", format: "k6-summary/v1", document });
    const row = (it: number) => ({ function_1: "figlet", rate_function_1: 10 * it, success_rate_function_1: 0.99 });
    expect(events.map(view)).toEqual([
      [A.id, 1, "run-1", "executed", null, row(1), { cpu_usage_node: 42.5 }, k6(K6_SUMMARY)],
      [A.id, 2, "run-1", "executed", null, row(2), { cpu_usage_node: 42.5 }, k6({ ...K6_SUMMARY, state: { testRunDurationMs: 29_999 } })],
      [B.id, 1, "run-1", "failed", "k6 failed with exit code 99", null, null, k6(K6_PARTIAL)],
      [B.id, 0, "run-1", "skipped", "dominated_by_overload", null, null, null],
      [A.id, 3, "run-2", "executed", null, row(3), { cpu_usage_node: 42.5 }, k6(K6_SUMMARY)],
    ]);
    expect(events[0]!.loadReport!.generator).toBe("k6 (version not recorded)");
    expect(verdicts.map((v) => [v.config.id, v.iterations, v.overloaded])).toEqual([[A.id, 3, false]]);

    // 5. And a new v2 run continues in it, recording its generator.
    const engine = createMemoryEngine({
      store: new DuckDbMemoryStore({ dbPath: db }),
      session: {
        runId: "run-3",
        campaignId: "camp",
        startedAt: 1_700_000_300,
        mode: "online",
        batchSizeN: 8,
        batchWindowS: 30,
        configHash: "cfg-hash",
        gitRev: null,
        loadgen: "vegeta v12.13.0",
        latencyUnit: "ns",
      },
    });
    await engine.startup();
    expect(engine.isSeen(A.id)).toBe(true);
    await engine.ingestEvent({
      campaignId: "camp",
      runId: "run-3",
      config: B,
      iteration: 1,
      repetition: 1,
      startTs: 1_700_000_400,
      endTs: 1_700_000_430,
      status: "executed",
      skipReason: null,
      resultRow: { function_1: "env" },
      metrics: null,
      loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: { success: 1 } },
    });
    await engine.close();
    expect(await query(db, "SELECT run_id, loadgen, latency_unit FROM run_sessions ORDER BY run_id")).toEqual([
      { run_id: "run-1", loadgen: null, latency_unit: "ms" },
      { run_id: "run-2", loadgen: null, latency_unit: "ms" },
      { run_id: "run-3", loadgen: "vegeta v12.13.0", latency_unit: "ns" },
    ]);
    expect(await query(db, "SELECT generator, count(*)::INTEGER AS n FROM loadgen_raw_reports GROUP BY ALL ORDER BY ALL")).toEqual([
      { generator: "k6 (version not recorded)", n: 4 },
      { generator: "vegeta v12.13.0", n: 1 },
    ]);
  });

  it("a migration that fails part-way is rolled back whole: the file is still the v1 file", async () => {
    // A v1 file whose raw summaries break the new table's key (only possible without v1's UNIQUE constraint).
    const db = join(dir, "broken.duckdb");
    await writeV1File(db, { rawSummariesUnique: false, duplicateRawSummary: true });
    const before = await counts(db);
    const schema = await schemaOf(db);
    const error = await migrateMemory(db).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.message).toMatch(new RegExp(`^migrating ${db} failed and was rolled back, nothing was changed: .*(Duplicate key|UNIQUE)`));
    expect(await counts(db)).toEqual(before);
    expect(await schemaOf(db)).toEqual(schema);
    expect(await query(db, "SELECT schema_version FROM memory_schema_meta")).toEqual([{ schema_version: "peva_faas_mem_v1" }]);
    expect((await openError({ dbPath: db })).message).toBe(MIGRATION_MESSAGE(db));
  });

  it("a Parquet checkpoint exported by v1 is refused, saying to migrate the DuckDB file and export again", async () => {
    const db = join(dir, "old.duckdb");
    await writeV1File(db);
    const core = join(dir, "core");
    mkdirSync(core);
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    for (const t of ["memory_schema_meta", "run_sessions", "execution_events"]) {
      await c.run(`COPY ${t} TO '${join(core, `${t}.parquet`)}' (FORMAT PARQUET)`);
    }
    c.closeSync();
    inst.closeSync();
    const fresh = join(dir, "fresh.duckdb");
    const error = await openError({ dbPath: fresh, preloadCoreDir: core });
    expect(error).toBeInstanceOf(SchemaVersionMismatchError);
    expect(error.message).toBe(
      `schema_version mismatch: parquet=peva_faas_mem_v1 configured=peva_faas_mem_v2 (${join(core, "memory_schema_meta.parquet")}); ` +
        "the checkpoint was not loaded. Parquet checkpoints are not migrated: migrate the DuckDB file it was exported from " +
        "(peva-faas memory migrate --db <file>) and export the checkpoint again",
    );
  });
});

describe("migrateMemory refuses what it cannot migrate, changing nothing", () => {
  it("a file of another version, naming it", async () => {
    const db = join(dir, "v0.duckdb");
    await writeV1File(db, { version: "peva_faas_mem_v0" });
    const before = await counts(db);
    await expect(migrateMemory(db)).rejects.toThrow(
      new MigrationError(
        `cannot migrate ${db}: schema_version peva_faas_mem_v0 is neither peva_faas_mem_v1 (migratable) nor peva_faas_mem_v2 (current); nothing was changed`,
      ),
    );
    expect(await counts(db)).toEqual(before);
  });

  it("a missing file (not created), a file that is no memory, a v1-labelled file without the v1 layout", async () => {
    const missing = join(dir, "missing.duckdb");
    await expect(migrateMemory(missing)).rejects.toThrow(`no memory file at ${missing}; nothing was migrated`);
    expect(existsSync(missing)).toBe(false);

    const other = join(dir, "other.duckdb");
    const inst = await DuckDBInstance.create(other);
    const c = await inst.connect();
    await c.run("CREATE TABLE t (x INTEGER)");
    c.closeSync();
    inst.closeSync();
    await expect(migrateMemory(other)).rejects.toThrow(`${other} is not a peva-faas memory file (no memory_schema_meta table); nothing was changed`);

    const odd = join(dir, "odd.duckdb");
    await writeV1File(odd);
    const i2 = await DuckDBInstance.create(odd);
    const c2 = await i2.connect();
    await c2.run("ALTER TABLE k6_raw_summaries DROP COLUMN summary_size_bytes");
    c2.closeSync();
    i2.closeSync();
    await expect(migrateMemory(odd)).rejects.toThrow(
      `${odd} says peva_faas_mem_v1 but does not have its layout: k6_raw_summaries lacks summary_size_bytes; nothing was changed`,
    );
    expect(await query(odd, "SELECT schema_version FROM memory_schema_meta")).toEqual([{ schema_version: "peva_faas_mem_v1" }]);
  });
});

describe("peva-faas memory migrate (memoryCommand)", () => {
  it("migrates (exit 0, printing steps and verified counts), then reports the file current (exit 0)", async () => {
    const db = join(dir, "old.duckdb");
    await writeV1File(db);
    const first = await command(["migrate", "--db", db]);
    expect([first.code, first.stderr]).toEqual([0, ""]);
    const lines = first.stdout.split("\n");
    expect(lines[0]).toBe(`migrated ${db} from peva_faas_mem_v1 to peva_faas_mem_v2 in one transaction:`);
    expect(lines).toContain("  - dropped k6_raw_summaries");
    expect(lines).toContain("row counts (verified):");
    expect(lines.map((l) => l.trim().split(/\s+/).join(" "))).toEqual(
      expect.arrayContaining(["table before after", "k6_raw_summaries 4 -", "loadgen_raw_reports - 4", "execution_events 5 5"]),
    );

    const second = await command(["migrate", `--db=${db}`]);
    expect([second.code, second.stderr]).toEqual([0, ""]);
    expect(second.stdout.split("\n")[0]).toBe(`${db} is already at peva_faas_mem_v2: nothing to do`);
  });

  it("exit 1 on a refusal, with the reason on stderr", async () => {
    const missing = join(dir, "nope.duckdb");
    expect(await command(["migrate", "--db", missing])).toEqual({
      code: 1,
      stdout: "",
      stderr: `peva-faas memory migrate: no memory file at ${missing}; nothing was migrated\n`,
    });
    const v0 = join(dir, "v0.duckdb");
    await writeV1File(v0, { version: "peva_faas_mem_v0" });
    const refused = await command(["migrate", "--db", v0]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("schema_version peva_faas_mem_v0 is neither");
  });
});
