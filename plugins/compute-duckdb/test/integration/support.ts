/** Helpers of the integration tests: a campaign-memory-shaped DuckDB file, file fingerprints, the dbt binary. */
import { existsSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";

/** Repository root. */
export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/** The dbt that scripts/bootstrap installs; a missing one fails with the fix instead of skipping. */
export function dbtBinary(): string {
  const path = `${REPO}.tools/dbt/bin/dbt`;
  if (!existsSync(path)) throw new Error(`dbt not found at ${path}: run \`make bootstrap\` (installs dbt-duckdb into .tools/dbt)`);
  return path;
}

/** One row of the small `execution_events` sample. */
export interface SampleEvent {
  readonly configId: string;
  readonly iteration: number;
  readonly durationS: number | null;
  readonly p95Ms: number;
}

/** Ten events over three configs, one with a NULL duration (a skipped iteration). */
export const SAMPLE_EVENTS: readonly SampleEvent[] = [
  { configId: "cfg-a", iteration: 1, durationS: 30, p95Ms: 12.5 },
  { configId: "cfg-a", iteration: 2, durationS: 31, p95Ms: 13.5 },
  { configId: "cfg-a", iteration: 3, durationS: 29, p95Ms: 14 },
  { configId: "cfg-b", iteration: 1, durationS: 60, p95Ms: 40 },
  { configId: "cfg-b", iteration: 2, durationS: 62, p95Ms: 44 },
  { configId: "cfg-b", iteration: 3, durationS: null, p95Ms: 0 },
  { configId: "cfg-c", iteration: 1, durationS: 10, p95Ms: 5 },
  { configId: "cfg-c", iteration: 2, durationS: 12, p95Ms: 7 },
  { configId: "cfg-c", iteration: 3, durationS: 11, p95Ms: 6 },
  { configId: "cfg-c", iteration: 4, durationS: 13, p95Ms: 8 },
];

/**
 * Writes a DuckDB file holding `execution_events` with the campaign memory's columns (a subset of its DDL in
 * plugins/peva-faas/src/memory/sql.ts) and {@link SAMPLE_EVENTS}, then closes it.
 */
export async function writeCampaignMemory(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    await c.run(`CREATE TABLE execution_events (
      config_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, repetition INTEGER NOT NULL, run_id VARCHAR NOT NULL,
      campaign_id VARCHAR NOT NULL, start_ts DOUBLE, end_ts DOUBLE, duration_s DOUBLE, status VARCHAR NOT NULL,
      skip_reason VARCHAR, payload_json JSON, ingested_at TIMESTAMP)`);
    const stmt = await c.prepare(
      `INSERT INTO execution_events VALUES ($1, $2, 0, 'run-1', 'camp-1', $3, $4, $5, $6, $7, $8, TIMESTAMP '2026-01-01 00:00:00')`,
    );
    let t = 1_700_000_000;
    for (const e of SAMPLE_EVENTS) {
      stmt.bindVarchar(1, e.configId);
      stmt.bindInteger(2, e.iteration);
      stmt.bindDouble(3, t);
      stmt.bindDouble(4, t + (e.durationS ?? 0));
      if (e.durationS === null) stmt.bindNull(5);
      else stmt.bindDouble(5, e.durationS);
      stmt.bindVarchar(6, e.durationS === null ? "skipped" : "executed");
      if (e.durationS === null) stmt.bindVarchar(7, "overload");
      else stmt.bindNull(7);
      stmt.bindVarchar(8, JSON.stringify({ resultRow: { p95_ms: e.p95Ms }, metrics: null }));
      await stmt.run();
      t += 100;
    }
    await c.run("CHECKPOINT");
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Runs `sql` against a DuckDB file opened read-only and returns the rows as JSON-friendly objects. */
export async function readRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Size, mtime (ns) and content-independent identity of a file, plus the directory listing it lives in. */
export async function fingerprint(path: string, dir: string): Promise<{ size: number; mtimeNs: bigint; entries: string[] }> {
  const s = statSync(path, { bigint: true });
  return { size: Number(s.size), mtimeNs: s.mtimeNs, entries: (await readdir(dir)).sort() };
}
