import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  CORE_TABLES,
  DuckDbMemoryStore,
  PreloadError,
  SchemaVersionMismatchError,
  createConfiguredMemoryEngine,
  createMemoryEngine,
  memoryConfigSchema,
  skipEvent,
  withCheckpoint,
  type DuckDbStoreOptions,
  type ExecutionEvent,
  type LoadReport,
  type MemoryEngine,
  type RunSession,
} from "../../src/memory/index.ts";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import {
  CartesianScheduler,
  FrontierScheduler,
  NoOpPolicy,
  linearCapacityModel,
  selectBatch,
  syntheticConfigurations,
  type ConfigScheduler,
  type OverloadOracle,
} from "../../src/scheduling/index.ts";

const roots: string[] = [];
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "peva-mem-"));
  roots.push(dir);
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const A = makeConfiguration([{ name: "figlet", rate: 10 }]);
const B = makeConfiguration([{ name: "env", rate: 20 }, { name: "figlet", rate: 10 }]);

const session = (over: Partial<RunSession> = {}): RunSession => ({
  runId: "run-1",
  campaignId: "camp",
  startedAt: 1_700_000_000,
  mode: "online",
  batchSizeN: 8,
  batchWindowS: 30,
  configHash: "cfg-hash",
  gitRev: "abc123",
  loadgen: "vegeta v12.13.0",
  latencyUnit: "ns",
  ...over,
});

/** A vegeta report as the load-generator plugin hands it over. */
const vegeta = (document: unknown): LoadReport => ({ generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document });

function ev(config: Configuration, iteration: number, over: Partial<ExecutionEvent> = {}): ExecutionEvent {
  return {
    campaignId: "camp",
    runId: "run-1",
    config,
    iteration,
    repetition: 1,
    startTs: 1_700_000_000 + iteration * 60,
    endTs: 1_700_000_030 + iteration * 60,
    status: "executed",
    skipReason: null,
    resultRow: { function_1: "figlet", rate_function_1: 10, success_rate_function_1: 0.99, power_usage_node: Number.NaN },
    metrics: { cpu_usage_node: 42.5 },
    loadReport: vegeta({ success: 0.99, latencies: { mean: 1_250_000, "99th": 9_000_000 } }),
    ...over,
  };
}

async function engineAt(
  opts: Partial<DuckDbStoreOptions> = {},
  s: Partial<RunSession> = {},
): Promise<MemoryEngine> {
  const engine = createMemoryEngine({
    store: new DuckDbMemoryStore({ dbPath: join(dir, "mem.duckdb"), ...opts }),
    session: session(s),
    policy: new NoOpPolicy(),
  });
  await engine.startup();
  return engine;
}

/** Reads a table with a separate DuckDB instance (the engine must be closed). */
async function query(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(path);
  try {
    const c = await inst.connect();
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    c.closeSync();
    return rows;
  } finally {
    inst.closeSync();
  }
}

const count = async (path: string, table: string): Promise<number> =>
  Number((await query(path, `SELECT count(*) AS n FROM ${table}`))[0]!["n"]);

describe("DuckDB memory store (real file)", () => {
  it("open, ingest, reopen: no duplicates, everything readable", async () => {
    const db = join(dir, "mem.duckdb");
    const first = await engineAt();
    await first.ingestEvents([ev(A, 1), ev(A, 2), ev(A, 1)]);
    await first.ingestEvent(ev(A, 2));
    await first.close();

    const second = await engineAt({}, { runId: "run-2" });
    await second.ingestEvents([ev(A, 1), ev(A, 2)]); // the same events replayed after a restart
    await second.ingestEvent(ev(A, 3, { runId: "run-2" }));
    await second.completeConfig({ config: A, iterations: 3, overloadCount: 0, overloaded: false });
    const events = await second.eventsOf(A.id);
    expect(events.map((e) => [e.iteration, e.runId])).toEqual([
      [1, "run-1"],
      [2, "run-1"],
      [3, "run-2"],
    ]);
    expect(events[0]!.resultRow!["power_usage_node"]).toBeNaN();
    expect(events[0]!.loadReport).toEqual(vegeta({ success: 0.99, latencies: { mean: 1_250_000, "99th": 9_000_000 } }));
    await second.close();

    expect(await count(db, "execution_events")).toBe(3);
    expect(await count(db, "config_catalog")).toBe(1);
    const third = await engineAt({}, { runId: "run-3" });
    expect(third.isSeen(A.id)).toBe(true);
    await third.close();
  });

  it("stores result rows and metrics as typed lists per layout, readable back exactly and through execution_results", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt();
    const rowB = { function_1: "env", function_2: "figlet", rate_function_1: 20, rate_function_2: 10, cpu_usage_node: Infinity, ram: -Infinity };
    await engine.ingestEvents([
      ev(A, 1),
      ev(B, 1, { resultRow: rowB, metrics: {} }),
      ev(B, 2, { resultRow: {}, metrics: null }),
      ev(A, 2, { status: "failed", skipReason: "vegeta exited 1", resultRow: null, metrics: null, loadReport: null }),
    ]);
    const a = await engine.eventsOf(A.id);
    const b = await engine.eventsOf(B.id);
    await engine.close();
    expect(a[0]!.resultRow).toEqual(ev(A, 1).resultRow);
    expect(a[0]!.metrics).toEqual({ cpu_usage_node: 42.5 });
    expect([a[1]!.resultRow, a[1]!.metrics, a[1]!.loadReport]).toEqual([null, null, null]);
    expect(b[0]!.resultRow).toEqual(rowB);
    expect(Object.keys(b[0]!.resultRow!)).toEqual(Object.keys(rowB)); // the original column order
    expect(b[0]!.metrics).toEqual({});
    expect([b[1]!.resultRow, b[1]!.metrics]).toEqual([{}, null]);
    // Four shapes, stored once each; the view gives maps to query.
    expect(await count(db, "payload_layouts")).toBe(4);
    const view = await query(
      db,
      `SELECT result_row['success_rate_function_1'] AS s, result_text['function_1'] AS f, metrics['cpu_usage_node'] AS cpu
       FROM execution_results WHERE config_id = '${A.id}' AND iteration = 1`,
    );
    expect(view).toEqual([{ s: 0.99, f: "figlet", cpu: 42.5 }]);
  });

  it("stores strings longer than any staged before intact (no stale plan statistics)", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt();
    const long = makeConfiguration([{ name: "a-rather-long-function-name", rate: 10 }, { name: "env", rate: 5 }]);
    await engine.ingestEvent(ev(A, 1, { status: "failed", skipReason: "x", resultRow: null }));
    await engine.ingestEvent(ev(long, 1, { status: "failed", skipReason: "a much longer failure text than before", resultRow: null }));
    const events = await engine.eventsOf(long.id);
    await engine.close();
    expect(events[0]!.skipReason).toBe("a much longer failure text than before");
    expect(await query(db, `SELECT functions, config_functions FROM config_catalog JOIN execution_events USING (config_id) WHERE config_id = '${long.id}'`)).toEqual([
      { functions: '["a-rather-long-function-name","env"]', config_functions: '["a-rather-long-function-name","env"]' },
    ]);
  });

  it("bulk ingest stores every event as given: NULLs anywhere in a 2048-row chunk, several chunks, staged once", async () => {
    // 5000 events: past one data chunk (2048 rows) and across the 32-bit halves of DuckDB's 64-bit validity words.
    const nullAt = new Set([0, 1, 31, 32, 33, 63, 64, 65, 100, 2047, 2048, 2049, 4095, 4999]);
    const events = Array.from({ length: 5000 }, (_, i) =>
      nullAt.has(i)
        ? ev(A, i + 1, { status: "failed", skipReason: `boom ${i}`, resultRow: null, metrics: null, loadReport: null })
        : ev(B, i + 1, {
            resultRow: { function_1: "env", rate_function_1: i, power: i % 7 === 0 ? Number.NaN : -i },
            // Reports of two generators (and formats) in one batch, and none: each kept with its own names.
            loadReport: i % 3 === 0 ? vegeta({ i }) : i % 3 === 1 ? { generator: `k6 v1.${i % 2}.0`, format: "k6-summary/v1", document: [i] } : null,
          }),
    );
    const bulk = await engineAt({}, {});
    await bulk.ingestEvents(events);
    const viaBulk = await bulk.campaignEvents();
    await bulk.close();
    expect(viaBulk.length).toBe(5000);
    const byIteration = new Map(viaBulk.map((e) => [e.iteration, e]));
    for (const [i, e] of events.entries()) {
      const back = byIteration.get(i + 1)!;
      expect([back.status, back.skipReason, back.resultRow, back.metrics, back.loadReport]).toEqual([
        e.status,
        e.skipReason,
        e.resultRow,
        e.metrics,
        e.loadReport,
      ]);
    }
  });

  it("an executed event upgrades a stopped/failed one with the same key, never the reverse", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt();
    await engine.ingestEvent(ev(A, 1, { status: "stopped", skipReason: "stopped", resultRow: null, loadReport: vegeta({ partial: true }) }));
    await engine.ingestEvents([ev(A, 2, { status: "failed", skipReason: "boom" }), ev(A, 2)]); // within one batch
    await engine.ingestEvent(ev(A, 1)); // the resumed run (same run id) re-executes iteration 1
    await engine.ingestEvent(ev(A, 1, { status: "failed", skipReason: "late duplicate" }));
    const events = await engine.eventsOf(A.id);
    await engine.close();
    expect(events.map((e) => [e.iteration, e.status])).toEqual([
      [1, "executed"],
      [2, "executed"],
    ]);
    expect(events[0]!.loadReport).toEqual(ev(A, 1).loadReport);
    expect(await query(db, "SELECT iteration, status FROM loadgen_raw_reports ORDER BY iteration")).toEqual([
      { iteration: 1, status: "executed" },
      { iteration: 2, status: "executed" },
    ]);
  });

  it("round-trips a vegeta load report with its generator and format, and records the session's generator and unit", async () => {
    const db = join(dir, "mem.duckdb");
    // Latencies in ns past 2^31, nested arrays, unicode, and a JSON null inside the document.
    const document = {
      latencies: { total: 3_750_000_000_000, mean: 12_500_000, "50th": 9_000_000, "99th": 2_147_483_648_123, max: 31_000_000 },
      bytes_in: { total: 3_000, mean: 10 },
      requests: 300,
      rate: 10.000_3,
      success: 0.99,
      status_codes: { "200": 297, "503": 3 },
      errors: ["503 Service Unavailable — ünïcode 'quoted'"],
      earliest: "2025-01-01T10:00:00Z",
      extra: null,
    };
    const report: LoadReport = { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document };
    const first = await engineAt();
    await first.ingestEvent(ev(A, 1, { loadReport: report }));
    await first.ingestEvents([ev(A, 2, { loadReport: null }), ev(A, 3, { loadReport: { ...report, document: [] } })]);
    await first.close();

    const second = await engineAt({}, { runId: "run-2", loadgen: "k6 v1.3.0", latencyUnit: "ms" });
    const back = await second.eventsOf(A.id);
    await second.close();
    expect(back.map((e) => e.loadReport)).toEqual([report, null, { ...report, document: [] }]);
    const stored = `SELECT iteration, generator, report_format, report_size_bytes, report_json->>'$.latencies."99th"' AS p99
                    FROM loadgen_raw_reports ORDER BY iteration`;
    expect(await query(db, stored)).toEqual([
      { iteration: 1, generator: "vegeta v12.13.0", report_format: "vegeta-report-json/v12", report_size_bytes: BigInt(Buffer.byteLength(JSON.stringify(document))), p99: "2147483648123" },
      { iteration: 3, generator: "vegeta v12.13.0", report_format: "vegeta-report-json/v12", report_size_bytes: 2n, p99: null },
    ]);
    expect(await query(db, "SELECT run_id, loadgen, latency_unit FROM run_sessions ORDER BY run_id")).toEqual([
      { run_id: "run-1", loadgen: "vegeta v12.13.0", latency_unit: "ns" },
      { run_id: "run-2", loadgen: "k6 v1.3.0", latency_unit: "ms" },
    ]);

    // Through a debug Parquet checkpoint too.
    const debug = join(dir, "debug");
    const exporter = await engineAt({ exportCoreDir: debug, exportRawDebugDir: debug }, { runId: "run-3" });
    await exporter.exportParquet();
    await exporter.close();
    const fresh = join(dir, "fresh.duckdb");
    const store = new DuckDbMemoryStore({ dbPath: fresh, preloadCoreDir: debug, preloadRawDebug: true });
    await store.open();
    const preloaded = await store.loadEvents("camp", A.id);
    await store.close();
    expect(preloaded.map((e) => e.loadReport)).toEqual([report, null, { ...report, document: [] }]);
    expect(await query(fresh, "SELECT run_id, loadgen, latency_unit FROM run_sessions ORDER BY run_id")).toEqual([
      { run_id: "run-1", loadgen: "vegeta v12.13.0", latency_unit: "ns" },
      { run_id: "run-2", loadgen: "k6 v1.3.0", latency_unit: "ms" },
      { run_id: "run-3", loadgen: "vegeta v12.13.0", latency_unit: "ns" },
    ]);
  });

  it("a resumed session (same run id) records the generator of the process that resumed it", async () => {
    const db = join(dir, "mem.duckdb");
    await (await engineAt({}, { loadgen: null, latencyUnit: null })).close();
    await (await engineAt({}, { loadgen: "k6 v1.3.0", latencyUnit: "ms" })).close();
    expect(await query(db, "SELECT run_id, loadgen, latency_unit, status FROM run_sessions")).toEqual([
      { run_id: "run-1", loadgen: "k6 v1.3.0", latency_unit: "ms", status: "running" },
    ]);
  });

  it("a normal run writes every table, failed and skipped events with skip_reason (defect 8)", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt();
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvent(ev(B, 1, { status: "failed", skipReason: "k6 failed with exit code 99", resultRow: null }));
    await engine.ingestEvent(skipEvent({ campaignId: "camp", runId: "run-1", repetition: 1, config: B, reason: "dominated_by_overload", at: 5 }));
    for (const k of [2, 3]) await engine.ingestEvent(ev(A, k));
    await engine.completeConfig({ config: A, iterations: 3, overloadCount: 2, overloaded: true });
    await engine.finishSession("done");
    await engine.close();

    for (const t of [...CORE_TABLES, "loadgen_raw_reports"]) expect(await count(db, t), t).toBeGreaterThan(0);
    const rows = await query(db, "SELECT status, skip_reason, iteration FROM execution_events WHERE status <> 'executed' ORDER BY status");
    expect(rows).toEqual([
      { status: "failed", skip_reason: "k6 failed with exit code 99", iteration: 1 },
      { status: "skipped", skip_reason: "dominated_by_overload", iteration: 0 },
    ]);
    const s = await query(db, "SELECT run_id, campaign_id, status, mode, git_rev, loadgen, latency_unit, ended_at IS NOT NULL AS ended FROM run_sessions");
    expect(s).toEqual([
      { run_id: "run-1", campaign_id: "camp", status: "done", mode: "online", git_rev: "abc123", loadgen: "vegeta v12.13.0", latency_unit: "ns", ended: true },
    ]);
    const v = await query(db, "SELECT config_id, overloaded, overload_count, iterations FROM config_verdicts");
    expect(v).toEqual([{ config_id: A.id, overloaded: true, overload_count: 2, iterations: 3 }]);
    expect(await count(db, "policy_updates")).toBe(5);
    const cat = await query(db, `SELECT functions, rates, n_functions, sum_rate FROM config_catalog WHERE config_id = '${B.id}'`);
    expect(cat).toEqual([{ functions: '["env","figlet"]', rates: "[20,10]", n_functions: 2, sum_rate: 30 }]);
  });

  it("refuses a file of another schema version, naming both, and changes nothing", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt({ schemaVersion: "peva_faas_mem_v0" });
    await engine.ingestEvent(ev(A, 1));
    await engine.close();
    const store = new DuckDbMemoryStore({ dbPath: db });
    await expect(store.open()).rejects.toThrow(SchemaVersionMismatchError);
    await expect(new DuckDbMemoryStore({ dbPath: db }).open()).rejects.toThrow(
      `schema_version mismatch: db=peva_faas_mem_v0 configured=peva_faas_mem_v2 (${db}); nothing was migrated`,
    );
    expect(await query(db, "SELECT schema_version FROM memory_schema_meta")).toEqual([{ schema_version: "peva_faas_mem_v0" }]);
    expect(await count(db, "execution_events")).toBe(1);
  });

  it("refuses a file whose tables lack our columns (e.g. an upstream file with the same version string)", async () => {
    const db = join(dir, "mem.duckdb");
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    await c.run("CREATE TABLE memory_schema_meta (schema_version TEXT, created_at TIMESTAMP, updated_at TIMESTAMP)");
    await c.run("INSERT INTO memory_schema_meta VALUES ('peva_faas_mem_v2', now(), now())");
    await c.run("CREATE TABLE execution_events (config_id TEXT, iteration INTEGER, repetition INTEGER, run_id TEXT)");
    c.closeSync();
    inst.closeSync();
    await expect(new DuckDbMemoryStore({ dbPath: db }).open()).rejects.toThrow(/execution_events lacks campaign_id/);
  });

  it("concurrent writes are serialised: every event once, every configuration cataloged once", async () => {
    const db = join(dir, "mem.duckdb");
    const store = new DuckDbMemoryStore({ dbPath: db });
    await store.open();
    const configs = [A, B, makeConfiguration([{ name: "env", rate: 30 }])];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.write({ events: configs.map((c) => ev(c, 1 + (i % 4))), policyUpdates: [], verdicts: [] }),
      ),
    );
    await store.close();
    expect(await count(db, "execution_events")).toBe(12);
    expect(await count(db, "config_catalog")).toBe(3);
  });

  it("a failed write is rolled back whole, and the next write does not carry its staged rows", async () => {
    const db = join(dir, "mem.duckdb");
    const store = new DuckDbMemoryStore({ dbPath: db });
    await store.open();
    const bad = {
      campaignId: "camp",
      config: B,
      runId: "run-1",
      decidedAt: 1,
      iterations: 3,
      overloadCount: 0,
      overloaded: false,
    };
    // NaN is no INTEGER: the verdict insert fails after the events and the catalog rows were merged.
    await expect(
      store.write({ events: [ev(A, 1), ev(B, 1)], policyUpdates: [], verdicts: [{ ...bad, iterations: Number.NaN }] }),
    ).rejects.toThrow();
    await store.write({ events: [ev(A, 2)], policyUpdates: [], verdicts: [] });
    await store.close();
    expect(await query(db, "SELECT config_id, iteration FROM execution_events")).toEqual([{ config_id: A.id, iteration: 2 }]);
    expect(await query(db, "SELECT config_id FROM config_catalog")).toEqual([{ config_id: A.id }]);
  });

  it("after checkpoint() the .duckdb file alone holds everything (defect 15: the WAL is not needed)", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = await engineAt();
    for (const k of [1, 2, 3]) await engine.ingestEvent(ev(A, k));
    await engine.checkpoint();
    // Copy only the main file while the engine is still open, as the collect step does.
    const copy = join(dir, "copy.duckdb");
    copyFileSync(db, copy);
    await engine.close();
    expect(await count(copy, "execution_events")).toBe(3);
  });

  it("withCheckpoint persists on the failure path of a real engine", async () => {
    const db = join(dir, "mem.duckdb");
    const engine = createMemoryEngine({
      store: new DuckDbMemoryStore({ dbPath: db, exportCoreDir: join(dir, "core") }),
      session: session(),
      writeBatchSize: 1000,
    });
    await engine.startup();
    await expect(
      withCheckpoint(engine, async () => {
        await engine.ingestEvent(ev(A, 1)); // buffered: only the checkpoint writes it
        throw new Error("stopped by STOP file");
      }),
    ).rejects.toThrow("stopped by STOP file");
    copyFileSync(db, join(dir, "copy.duckdb"));
    await engine.close();
    expect(await count(join(dir, "copy.duckdb"), "execution_events")).toBe(1);
    expect(existsSync(join(dir, "core", "execution_events.parquet"))).toBe(true);
  });
});

describe("Parquet checkpoints", () => {
  const files = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : []);

  async function populated(opts: Partial<DuckDbStoreOptions>): Promise<MemoryEngine> {
    const engine = await engineAt(opts);
    for (const k of [1, 2, 3]) await engine.ingestEvent(ev(A, k));
    await engine.ingestEvent(ev(B, 1));
    await engine.completeConfig({ config: A, iterations: 3, overloadCount: 0, overloaded: false });
    return engine;
  }

  it("exports core and debug tables each on their own (defect 9), atomically", async () => {
    const core = join(dir, "core");
    const debug = join(dir, "debug");
    const onlyCore = await populated({ exportCoreDir: core });
    expect(Object.keys((await onlyCore.exportParquet()).debug)).toEqual([]);
    await onlyCore.close();
    expect(files(core)).toEqual(CORE_TABLES.map((t) => `${t}.parquet`).sort());
    expect(files(debug)).toEqual([]);

    rmSync(core, { recursive: true });
    const onlyDebug = await engineAt({ exportRawDebugDir: debug }, { runId: "run-2" });
    await onlyDebug.exportParquet();
    await onlyDebug.close();
    expect(files(debug)).toEqual(["loadgen_raw_reports.parquet"]); // no temp files left behind
    expect(files(core)).toEqual([]);
  });

  it("round trip: export, preload into a fresh database, resume from it", async () => {
    const core = join(dir, "core");
    const debug = join(dir, "debug");
    const source = await populated({ exportCoreDir: core, exportRawDebugDir: debug });
    await source.exportParquet();
    await source.close();

    const fresh = join(dir, "fresh.duckdb");
    const engine = createMemoryEngine({
      store: new DuckDbMemoryStore({ dbPath: fresh, preloadCoreDir: core }),
      session: session({ runId: "run-2" }),
    });
    await engine.startup();
    expect(engine.isSeen(A.id)).toBe(true);
    expect(engine.isSeen(B.id)).toBe(false);
    expect((await engine.eventsOf(B.id)).map((e) => e.iteration)).toEqual([1]);
    await engine.close();
    for (const t of ["execution_events", "config_catalog", "config_verdicts", "policy_updates"]) {
      expect(await count(fresh, t), t).toBe(await count(join(dir, "mem.duckdb"), t));
    }
    expect(await query(fresh, "SELECT run_id FROM run_sessions ORDER BY run_id")).toEqual([{ run_id: "run-1" }, { run_id: "run-2" }]);
    expect(await count(fresh, "loadgen_raw_reports")).toBe(0); // debug stays out unless asked for

    // Preload is a merge: a second startup with the same checkpoint adds nothing.
    const again = createMemoryEngine({
      store: new DuckDbMemoryStore({ dbPath: fresh, preloadCoreDir: core }),
      session: session({ runId: "run-3" }),
    });
    await again.startup();
    await again.close();
    expect(await count(fresh, "execution_events")).toBe(4);
  });

  it("preloads the debug table only with preload_raw_debug", async () => {
    const core = join(dir, "core");
    const source = await populated({ exportCoreDir: core, exportRawDebugDir: core });
    await source.exportParquet();
    await source.close();
    const fresh = join(dir, "fresh.duckdb");
    const store = new DuckDbMemoryStore({ dbPath: fresh, preloadCoreDir: core, preloadRawDebug: true });
    await store.open();
    await store.close();
    expect(await count(fresh, "loadgen_raw_reports")).toBe(4);
  });

  it("fails loudly on a configured but missing preload directory or meta file", async () => {
    await expect(new DuckDbMemoryStore({ dbPath: join(dir, "x.duckdb"), preloadCoreDir: join(dir, "missing") }).open()).rejects.toThrow(
      PreloadError,
    );
    mkdirSync(join(dir, "empty"));
    await expect(new DuckDbMemoryStore({ dbPath: join(dir, "y.duckdb"), preloadCoreDir: join(dir, "empty") }).open()).rejects.toThrow(
      "Missing memory_schema_meta.parquet in preload directory",
    );
    await expect(
      new DuckDbMemoryStore({ dbPath: join(dir, "z.duckdb"), preloadCoreDir: join(dir, "empty"), preloadRawDebug: true }).open(),
    ).rejects.toThrow(PreloadError);
  });

  it("refuses a checkpoint of another schema version", async () => {
    const core = join(dir, "core");
    const old = await engineAt({ schemaVersion: "peva_faas_mem_v0", exportCoreDir: core });
    await old.ingestEvent(ev(A, 1));
    await old.exportParquet();
    await old.close();
    await expect(new DuckDbMemoryStore({ dbPath: join(dir, "new.duckdb"), preloadCoreDir: core }).open()).rejects.toThrow(
      "schema_version mismatch: parquet=peva_faas_mem_v0 configured=peva_faas_mem_v2",
    );
  });
});

describe("resume end to end over a DuckDB file", () => {
  /** A miniature executor: the loop the runner runs, with the simulator in place of k6 + Prometheus. */
  async function runCampaign(
    db: string,
    runId: string,
    configs: readonly Configuration[],
    make: (known: ReturnType<MemoryEngine["verdicts"]>) => ConfigScheduler,
    oracle: OverloadOracle,
    stopAfter = Infinity,
  ): Promise<{ executed: string[]; status: string }> {
    const engine = createConfiguredMemoryEngine(memoryConfigSchema.parse({ db_path: db }), {
      workdir: dir,
      session: session({ runId }),
      policy: new NoOpPolicy(),
    });
    await engine.startup();
    const scheduler = make(engine.verdicts());
    const executed: string[] = [];
    let now = 1_700_000_000;
    const status = await withCheckpoint(engine, async () => {
      for (;;) {
        const batch = await selectBatch({ scheduler, policy: new NoOpPolicy(), ctx: engine, desiredSize: 1, features: engine });
        for (const s of batch.skipped) {
          await engine.ingestEvent(skipEvent({ campaignId: "camp", runId, repetition: 1, config: s.config, reason: s.reason, at: now }));
        }
        if (batch.done) return "done";
        for (const config of batch.selected) {
          const done = (await engine.eventsOf(config.id)).filter((e) => e.status === "executed").map((e) => e.iteration);
          let overloads = 0;
          for (const k of [1, 2, 3]) {
            if (done.includes(k)) continue; // finished by an earlier run: not repeated
            if (executed.length >= stopAfter) {
              await engine.ingestEvent(ev(config, k, { runId, status: "stopped", skipReason: "stopped", resultRow: null }));
              scheduler.observe({ config, status: "stopped" });
              return "stopped";
            }
            executed.push(`${config.id}#${k}`);
            now += 60;
            await engine.ingestEvent(ev(config, k, { runId, startTs: now, endTs: now + 30, resultRow: { overloaded_node: oracle(config) ? 1 : 0 } }));
          }
          for (const e of await engine.eventsOf(config.id)) if (e.status === "executed" && e.resultRow?.["overloaded_node"] === 1) overloads++;
          const verdict = await engine.completeConfig({ config, iterations: 3, overloadCount: overloads, overloaded: overloads >= 2 });
          scheduler.observe({ config, status: "done", overloaded: verdict.overloaded });
        }
      }
    });
    await engine.finishSession(status === "done" ? "done" : "stopped");
    await engine.close();
    return { executed, status };
  }

  /** Every configuration's overload classification: measured (verdict) or inferred (a recorded skip). */
  async function classification(db: string): Promise<Record<string, unknown>[]> {
    return query(
      db,
      `SELECT DISTINCT config_id, overloaded FROM (
         SELECT config_id, overloaded FROM config_verdicts
         UNION ALL
         SELECT config_id, skip_reason = 'dominated_by_overload' FROM execution_events
         WHERE status = 'skipped' AND skip_reason IN ('dominated_by_overload', 'below_known_success')
           AND config_id NOT IN (SELECT config_id FROM config_verdicts))
       ORDER BY config_id`,
    );
  }

  it.each([
    ["cartesian", (configs: readonly Configuration[]) => (known: ReturnType<MemoryEngine["verdicts"]>) => new CartesianScheduler({ configurations: configs, known })],
    ["frontier", (configs: readonly Configuration[]) => (known: ReturnType<MemoryEngine["verdicts"]>) => new FrontierScheduler({ configurations: configs, known })],
  ])("%s: a campaign stopped mid-configuration resumes without losing or repeating work", async (name, factory) => {
    const db = join(dir, "campaign.duckdb");
    const configs = [...syntheticConfigurations(["env", "figlet"], [0, 50, 100, 150, 200], [1, 2])];
    const oracle = linearCapacityModel({ env: 160, figlet: 120 });
    const uninterrupted = await runCampaign(join(dir, "reference.duckdb"), "ref", configs, factory(configs), oracle);
    expect(uninterrupted.status).toBe("done");

    const first = await runCampaign(db, "run-1", configs, factory(configs), oracle, 7); // stops inside the 3rd config
    expect(first.status).toBe("stopped");
    const second = await runCampaign(db, "run-2", configs, factory(configs), oracle);
    expect(second.status).toBe("done");
    // Nothing is executed twice, and every configuration ends classified exactly as in an uninterrupted run.
    const all = [...first.executed, ...second.executed];
    expect(new Set(all).size).toBe(all.length);
    const reference = join(dir, "reference.duckdb");
    expect(await classification(db)).toEqual(await classification(reference));
    expect((await classification(db)).length).toBe(configs.length);
    if (name === "cartesian") {
      // A fixed order: together the two runs did exactly the work of the uninterrupted one.
      expect([...all].sort()).toEqual([...uninterrupted.executed].sort());
      const verdicts = await query(db, "SELECT config_id, overloaded FROM config_verdicts ORDER BY config_id");
      expect(verdicts).toEqual(await query(reference, "SELECT config_id, overloaded FROM config_verdicts ORDER BY config_id"));
    } else {
      // An adaptive search picks its next question from what it knows, and a resumed run knows the same verdicts
      // in another order: it may measure other configurations than the uninterrupted run (here not more of them).
      expect(all.length).toBeLessThanOrEqual(uninterrupted.executed.length);
    }
    // The result files of the resumed run are derived from the store, so they include run-1's measurements.
    const engine = await engineAt({ dbPath: db }, { runId: "reader" });
    const fromStore = (await engine.campaignEvents(["executed"])).map((e) => `${e.config.id}#${e.iteration}`);
    await engine.close();
    expect([...fromStore].sort()).toEqual([...all].sort());
    const sessions = await query(db, "SELECT run_id, status FROM run_sessions ORDER BY run_id");
    expect(sessions).toEqual([
      { run_id: "reader", status: "running" },
      { run_id: "run-1", status: "stopped" },
      { run_id: "run-2", status: "done" },
    ]);
  });
});
