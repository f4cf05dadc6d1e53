/**
 * Writes the analysis tables as Parquet files with DuckDB (the default compute engine), each to a temporary name
 * first and then renamed, so a reader never sees half a file.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BOOLEAN, DOUBLE, DuckDBInstance, INTEGER, VARCHAR, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import { appendValueRows } from "../memory/column-chunks.ts";
import { sqlString } from "../memory/sql.ts";
import type { AnalysisTable, ColumnType } from "./tables.ts";

const TYPES: Readonly<Record<ColumnType, DuckDBType>> = { VARCHAR, DOUBLE, INTEGER, BOOLEAN };

/** The DuckDB engine's settings, from the stack's `compute` section. */
export interface AnalysisEngineSettings {
  readonly threads: number;
  /** e.g. `4GB`, `512MB`. */
  readonly memoryLimit: string;
}

/** Writes each table to `<dir>/<name>.parquet`; returns the paths written. */
export async function writeAnalysisParquet(dir: string, tables: readonly AnalysisTable[], engine?: AnalysisEngineSettings): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:", engine ? { threads: String(engine.threads), memory_limit: engine.memoryLimit } : {});
  const conn = await instance.connect();
  const written: string[] = [];
  try {
    for (const t of tables) {
      // Table names are the fixed `AnalysisTable["name"]` values; column names are constants of tables.ts.
      await conn.run(`CREATE TABLE ${t.name} (${t.columns.map(([c, type]) => `"${c}" ${type}`).join(", ")})`);
      const appender = await conn.createAppender(t.name);
      appendValueRows(appender, t.columns.map(([, type]) => TYPES[type]), t.rows as DuckDBValue[][]);
      appender.closeSync();
      const target = join(dir, `${t.name}.parquet`);
      const temp = join(dir, `.${t.name}.parquet.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
      try {
        await conn.run(`COPY ${t.name} TO ${sqlString(temp)} (FORMAT PARQUET, COMPRESSION zstd)`);
        renameSync(temp, target);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
      written.push(target);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return written;
}
