/**
 * Memory benchmarks (run: `node bench/memory.bench.ts [--events N] [--configs N]`). Prints markdown rows.
 *
 * - ingest: events/s through the engine's batched path (typed staging → appender → one INSERT script per batch)
 *   vs a naive row-by-row prepared INSERT in one transaction; target ≥ 200 000 events/s. Also reported: the same
 *   with result rows built key by key, and DuckDB alone (no JS) as the ceiling.
 * - isSeen: median time per lookup in the hot cache with 1 000 000 DONE configurations vs a prepared DuckDB point
 *   query; target < 1 µs.
 * - Parquet export and preload of 1 000 000 events vs naive JSON-lines dump / row-by-row reload (extrapolated
 *   from a sample); target < 3 s each.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import {
  DuckDbMemoryStore,
  InMemoryMemoryStore,
  createMemoryEngine,
  type ConfigVerdict,
  type ExecutionEvent,
  type MemoryEngine,
  type RunSession,
} from "../plugins/peva-faas/src/memory/index.ts";
import { CHECKPOINT_THRESHOLD } from "../plugins/peva-faas/src/memory/duckdb-store.ts";
import { createTableSql } from "../plugins/peva-faas/src/memory/sql.ts";
import { makeConfiguration, type Configuration } from "../plugins/peva-faas/src/model.ts";

const { values: args } = parseArgs({
  options: { events: { type: "string", default: "1000000" }, configs: { type: "string", default: "1000000" } },
});
const N_EVENTS = Number(args.events);
const N_CONFIGS = Number(args.configs);
const dir = mkdtempSync(join(tmpdir(), "peva-mem-bench-"));
/** Events per `ingestEvents` call and per transaction. */
const BATCH = 250_000;

const session = (runId: string, mode: RunSession["mode"] = "micro_batch"): RunSession => ({
  runId,
  campaignId: "bench",
  startedAt: 1_700_000_000,
  mode,
  batchSizeN: 1_000_000,
  batchWindowS: 3600,
  configHash: "bench",
  gitRev: null,
  loadgen: "vegeta v12.13.0",
  latencyUnit: "ns",
});

/** Configurations of a two-function campaign (rates 0..200 step 10 on 6 functions is only 6 741; cycle them). */
const names = ["env", "figlet", "markdown", "nodeinfo", "qrcode-go", "shasum"];
const configs: Configuration[] = [];
for (let i = 0; i < names.length; i++) {
  for (let j = i + 1; j < names.length; j++) {
    for (let a = 0; a <= 200; a += 10) {
      for (let b = 0; b <= 200; b += 10) configs.push(makeConfiguration([{ name: names[i]!, rate: a }, { name: names[j]!, rate: b }]));
    }
  }
}

/**
 * A results.csv-like row: 2 functions × 9 columns + 10 node columns; 7 raw metrics; no raw load report. Built the way
 * the runner builds it (`Object.fromEntries`, see `executor.ts`), or key by key (`keyByKey`): V8 stores an object
 * that got more than a dozen computed keys one at a time as a hash table, which any code reading it pays for.
 */
function event(n: number, runId = "run-1", keyByKey = false): ExecutionEvent {
  const config = configs[n % configs.length]!;
  const entries: [string, number | string][] = [];
  for (const [k, p] of config.pairs.entries()) {
    entries.push(
      [`function_${k + 1}`, p.name],
      [`rate_function_${k + 1}`, p.rate],
      [`success_rate_function_${k + 1}`, 0.97],
      [`cpu_usage_function_${k + 1}`, 12.5 + k],
      [`ram_usage_function_${k + 1}`, 1.2e8],
      [`power_usage_function_${k + 1}`, Number.NaN],
      [`replica_${k + 1}`, 1],
      [`overloaded_function_${k + 1}`, 0],
      [`medium_latency_function_${k + 1}`, 12.345],
    );
  }
  for (const c of ["cpu_usage_idle_node", "cpu_usage_node", "ram_usage_idle_node", "ram_usage_node"]) entries.push([c, 55.5]);
  for (const c of ["ram_usage_idle_node_percentage", "ram_usage_node_percentage", "power_usage_idle_node"]) entries.push([c, 33.3]);
  entries.push(["power_usage_node", Number.NaN], ["rest_seconds", 5], ["overloaded_node", 0]);
  let resultRow: Record<string, number | string>;
  if (keyByKey) {
    resultRow = {};
    for (const [k, v] of entries) resultRow[k] = v;
  } else {
    resultRow = Object.fromEntries(entries);
  }
  const iteration = Math.floor(n / configs.length) + 1;
  return {
    campaignId: "bench",
    runId,
    config,
    iteration,
    repetition: 1,
    startTs: 1_700_000_000 + n,
    endTs: 1_700_000_030 + n,
    status: "executed",
    skipReason: null,
    resultRow,
    metrics: { cpu_usage_node: 55.5, ram_usage_node: 1e9, ram_usage_node_pct: 40, power_usage_node: Number.NaN, cpu_usage_function_1: 1, ram_usage_function_1: 2, power_usage_function_1: Number.NaN },
    loadReport: null,
  };
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;
const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rowsOut: string[] = [];
function row(bench: string, value: string, target: string, ok: boolean, baseline: string, ratio: string): void {
  rowsOut.push(`| ${bench} | ${value} | ${target} | ${ok ? "yes" : "NO"} | ${baseline} | ${ratio} |`);
  console.error(`  ${bench}: ${value} (baseline ${baseline}, ${ratio})`);
}

async function engineOn(db: string, runId: string, extra: Partial<ConstructorParameters<typeof DuckDbMemoryStore>[0]> = {}): Promise<MemoryEngine> {
  const engine = createMemoryEngine({
    store: new DuckDbMemoryStore({ dbPath: db, ...extra }),
    session: session(runId),
    bulkChunkSize: BATCH,
    warmFeatures: false,
  });
  await engine.startup();
  return engine;
}

/**
 * The naive way: one prepared INSERT per row into a table of the store's own `execution_events` schema, all in
 * one transaction (the generous form of row-by-row). Returns rows per second.
 */
async function naiveInsert(c: DuckDBConnection, rows: readonly DuckDBValue[][]): Promise<number> {
  await c.run(createTableSql("execution_events"));
  const ps = await c.prepare(`INSERT INTO execution_events VALUES ($1, $2, $3, $4, $5, $6::JSON, $7::JSON, $8, $9, $10, $11, $12, $13,
    $14, $15, $16, now()::TIMESTAMP) ON CONFLICT DO NOTHING`);
  // The column types, so a list of rates [0, 0.97, …] is not taken for an INTEGER list from its first item.
  const types = Array.from({ length: ps.parameterCount }, (_, i) => ps.parameterType(i + 1));
  const t0 = process.hrtime.bigint();
  await c.run("BEGIN");
  for (const r of rows) {
    ps.bind(r, types);
    await ps.run();
  }
  await c.run("COMMIT");
  return rows.length / seconds(t0);
}

/** An event as the row-by-row baseline binds it (payload as typed lists, like the store). */
function naiveRow(e: ExecutionEvent): DuckDBValue[] {
  const row = e.resultRow ?? {};
  const nums = Object.values(row).filter((v): v is number => typeof v === "number");
  const texts = Object.values(row).filter((v): v is string => typeof v === "string");
  return [e.config.id, e.iteration, e.repetition, e.runId, e.campaignId, JSON.stringify(e.config.pairs.map((p) => p.name)),
    JSON.stringify(e.config.pairs.map((p) => p.rate)), e.startTs, e.endTs, e.endTs - e.startTs, e.status, e.skipReason, 1n,
    listValue(nums), listValue(texts), listValue(Object.values(e.metrics ?? {}))];
}

/**
 * What DuckDB itself needs for the same rows: the `execution_events` table with its UNIQUE key, rows generated in
 * SQL (random 12-hex config ids, 26 + 7 doubles, two strings) and committed to a temp table first, then inserted
 * with a plain INSERT in the same batches. No JS at all: the ceiling for any ingest path on this machine.
 */
async function duckdbFloor(): Promise<number> {
  const inst = await DuckDBInstance.create(join(dir, "floor.duckdb"));
  const c = await inst.connect();
  await c.run(`SET checkpoint_threshold = '${CHECKPOINT_THRESHOLD}'`); // as the store sets it
  await c.run(createTableSql("execution_events"));
  await c.run(`CREATE TEMP TABLE src AS SELECT left(md5((i % ${configs.length})::VARCHAR), 12) AS config_id,
      (i // ${configs.length} + 1)::INTEGER AS iteration, 1 AS repetition, 'run-1' AS run_id, 'bench' AS campaign_id,
      '["env","figlet"]' AS config_functions, '[10,20]' AS config_rates, i::DOUBLE AS start_ts, i + 30.0 AS end_ts,
      30.0 AS duration_s, 'executed' AS status, NULL::VARCHAR AS skip_reason, 1::BIGINT AS payload_layout,
      list_transform(range(26), x -> CASE WHEN x % 7 = 0 THEN (i % 21) * 10.0 ELSE 0.97 * x END) AS result_values,
      ['env', 'figlet'] AS result_text, [55.5, 1e9, 40, 'nan'::DOUBLE, 1, 2, 'nan'::DOUBLE]::DOUBLE[] AS metric_values,
      now()::TIMESTAMP AS ingested_at
    FROM range(${N_EVENTS}) t(i)`);
  let took = 0;
  for (let start = 0; start < N_EVENTS; start += BATCH) {
    const t0 = process.hrtime.bigint();
    await c.run("BEGIN");
    await c.run(`INSERT INTO execution_events SELECT * FROM src WHERE rowid >= ${start} AND rowid < ${start + BATCH}`);
    await c.run("COMMIT");
    took += seconds(t0);
  }
  c.closeSync();
  inst.closeSync();
  return N_EVENTS / took;
}

/** Events per second through `ingestEvents` into a fresh file, in calls of {@link BATCH} events. */
async function ingestRate(db: string, keyByKey: boolean): Promise<number> {
  const engine = await engineOn(db, "run-1");
  // Generated per call (a million event objects at once would be ~1-2 GB of heap); only ingestion is timed.
  let took = 0;
  for (let start = 0; start < N_EVENTS; start += BATCH) {
    const chunk = Array.from({ length: Math.min(BATCH, N_EVENTS - start) }, (_, i) => event(start + i, "run-1", keyByKey));
    const t0 = process.hrtime.bigint();
    await engine.ingestEvents(chunk);
    took += seconds(t0);
  }
  await engine.close();
  return N_EVENTS / took;
}

async function benchIngest(): Promise<string> {
  // Median of three runs into fresh files: on a 2-core VM one run varies by ±5 %.
  const db = join(dir, "ingest.duckdb");
  const runs = [await ingestRate(db, false)];
  for (const k of [2, 3]) runs.push(await ingestRate(join(dir, `ingest-${k}.duckdb`), false));
  const rate = [...runs].sort((a, b) => a - b)[1]!;

  const sample = Math.min(3_000, N_EVENTS);
  const inst = await DuckDBInstance.create(join(dir, "naive.duckdb"));
  const c = await inst.connect();
  const naiveRate = await naiveInsert(c, Array.from({ length: sample }, (_, i) => naiveRow(event(i))));
  c.closeSync();
  inst.closeSync();
  row(
    `ingest ${fmt(N_EVENTS)} events, batches of ${fmt(BATCH)} (events/s; median of ${runs.map((r) => fmt(r)).join(", ")})`,
    fmt(rate),
    "≥ 200,000",
    rate >= 200_000,
    `${fmt(naiveRate)} row-by-row`,
    `${fmt(rate / naiveRate, 1)}×`,
  );
  const hashRate = await ingestRate(join(dir, "ingest-key-by-key.duckdb"), true);
  row(
    "(reference) the same, result rows built key by key (V8 hash-table objects) (events/s)",
    fmt(hashRate),
    "—",
    true,
    "the ingest above",
    `${fmt((100 * hashRate) / rate, 0)} % of it`,
  );
  const floor = await duckdbFloor();
  row(
    "(reference) DuckDB alone: INSERT … SELECT of rows already in DuckDB, same table and batches (rows/s)",
    fmt(floor),
    "—",
    true,
    "the ingest above",
    `ingest = ${fmt((100 * rate) / floor, 0)} % of it`,
  );
  return db;
}

async function benchIsSeen(): Promise<void> {
  const verdicts: ConfigVerdict[] = [];
  for (let i = 0; i < N_CONFIGS; i++) {
    verdicts.push({
      campaignId: "bench",
      runId: "r",
      decidedAt: 1,
      iterations: 3,
      overloadCount: 0,
      overloaded: false,
      config: { id: (i * 2654435761 % 2 ** 48).toString(16).padStart(12, "0"), pairs: [{ name: "f", rate: i }] },
    });
  }
  const store = new InMemoryMemoryStore();
  await store.open();
  await store.write({ events: [], policyUpdates: [], verdicts });
  const engine = createMemoryEngine({ store, session: session("seen"), warmFeatures: false });
  const t0 = process.hrtime.bigint();
  await engine.startup();
  const loadS = seconds(t0);
  const probes = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? verdicts[(i * 7919) % N_CONFIGS]!.config.id : `miss${i}`));
  let hits = 0;
  const perLookup: number[] = [];
  for (let round = 0; round < 2000; round++) {
    const t = process.hrtime.bigint();
    for (const id of probes) if (engine.isSeen(id)) hits++;
    perLookup.push(Number(process.hrtime.bigint() - t) / probes.length);
  }
  perLookup.sort((a, b) => a - b);
  const median = perLookup[perLookup.length >> 1]!;

  // Baseline: ask DuckDB each time (what "seen" costs without the hot cache).
  const inst = await DuckDBInstance.create(join(dir, "seen.duckdb"));
  const c = await inst.connect();
  await c.run("CREATE TABLE v (campaign_id VARCHAR, config_id VARCHAR, PRIMARY KEY (campaign_id, config_id))");
  await c.run(`INSERT INTO v SELECT 'bench', lpad(printf('%x', (i * 2654435761) % (2::BIGINT ** 48)::BIGINT), 12, '0') FROM range(${N_CONFIGS}) t(i)`);
  const ps = await c.prepare("SELECT 1 FROM v WHERE campaign_id = 'bench' AND config_id = $1");
  const dbTimes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = process.hrtime.bigint();
    ps.bind([probes[i % probes.length]!]);
    await ps.runAndReadAll();
    dbTimes.push(Number(process.hrtime.bigint() - t));
  }
  dbTimes.sort((a, b) => a - b);
  const dbMedian = dbTimes[dbTimes.length >> 1]!;
  c.closeSync();
  inst.closeSync();
  row(
    `isSeen median, ${fmt(N_CONFIGS)} DONE configs (hits ${hits > 0 ? "and misses" : "none"}; cache load ${fmt(loadS, 2)} s)`,
    `${fmt(median, 1)} ns`,
    "< 1 µs",
    median < 1000,
    `${fmt(dbMedian / 1000, 0)} µs DuckDB point query`,
    `${fmt(dbMedian / median, 0)}×`,
  );
}

/** Rows of `execution_events` as bind values (lists as list values), for the naive reload. */
async function storedRowsForReload(db: string): Promise<DuckDBValue[][]> {
  const inst = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
  const c = await inst.connect();
  const rows = (await c.runAndReadAll("SELECT * EXCLUDE (ingested_at) FROM execution_events LIMIT 3000")).getRowObjectsJS();
  c.closeSync();
  inst.closeSync();
  return rows.map((r) => Object.values(r).map((v) => (Array.isArray(v) ? listValue(v as DuckDBValue[]) : (v as DuckDBValue))));
}

async function benchParquet(db: string): Promise<void> {
  const core = join(dir, "core");
  const engine = await engineOn(db, "export", { exportCoreDir: core });
  const t0 = process.hrtime.bigint();
  await engine.exportParquet();
  const exportS = seconds(t0);
  await engine.close();

  // Naive export: read every row into JS and write JSON lines.
  const sample = Math.min(100_000, N_EVENTS);
  const inst = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
  const c = await inst.connect();
  const t1 = process.hrtime.bigint();
  const rows = (await c.runAndReadAll(`SELECT * FROM execution_events LIMIT ${sample}`)).getRowObjectsJson();
  writeFileSync(join(dir, "naive.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
  const naiveExport = (seconds(t1) * N_EVENTS) / sample;
  c.closeSync();
  inst.closeSync();
  row(`Parquet export of ${fmt(N_EVENTS)} events (core tables)`, `${fmt(exportS, 2)} s`, "< 3 s", exportS < 3, `${fmt(naiveExport, 1)} s JSON lines (extrapolated)`, `${fmt(naiveExport / exportS, 1)}×`);

  const fresh = join(dir, "fresh.duckdb");
  const store = new DuckDbMemoryStore({ dbPath: fresh, preloadCoreDir: core });
  const t2 = process.hrtime.bigint();
  await store.open();
  const preloadS = seconds(t2);
  await store.close();
  const check = await DuckDBInstance.create(fresh, { access_mode: "READ_ONLY" });
  const cc = await check.connect();
  const n = Number((await cc.runAndReadAll("SELECT count(*) AS n FROM execution_events")).getRowObjectsJS()[0]!["n"]);
  cc.closeSync();
  check.closeSync();
  if (n !== N_EVENTS) throw new Error(`preload restored ${n} events, expected ${N_EVENTS}`);

  // Naive reload: row-by-row INSERT of the rows read back, extrapolated from a sample.
  const ninst = await DuckDBInstance.create(join(dir, "naive-reload.duckdb"));
  const nc = await ninst.connect();
  const reread = (await storedRowsForReload(db)).slice(0, 3_000);
  const naivePreload = N_EVENTS / (await naiveInsert(nc, reread));
  nc.closeSync();
  ninst.closeSync();
  row(`Parquet preload of ${fmt(N_EVENTS)} events (merge into a fresh file)`, `${fmt(preloadS, 2)} s`, "< 3 s", preloadS < 3, `${fmt(naivePreload, 1)} s row-by-row (extrapolated)`, `${fmt(naivePreload / preloadS, 1)}×`);
}

try {
  const cpu = cpus()[0]?.model ?? "unknown";
  console.error(`memory bench: ${N_EVENTS} events, ${N_CONFIGS} configs, in ${dir}`);
  const db = await benchIngest();
  await benchIsSeen();
  await benchParquet(db);
  console.log(`\nMachine: ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
  console.log("| bench | result | target | met | naive baseline | ratio |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rowsOut) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
