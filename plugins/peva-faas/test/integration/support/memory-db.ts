/**
 * Test support: read-only SQL over a campaign memory file (DuckDB), for assertions the row counts of
 * `tableRowCounts` cannot express (duplicates, statuses). Never writes, never locks the file for writing.
 */
import { DuckDBInstance } from "@duckdb/node-api";

/** Runs one query against `dbPath` opened read-only; rows as plain JS objects. */
export async function queryMemory(dbPath: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(dbPath, { access_mode: "READ_ONLY" });
  try {
    const conn = await instance.connect();
    try {
      return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
