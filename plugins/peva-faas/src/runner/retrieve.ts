/**
 * Verifying a retrieved DuckDB memory file: it must open (read-only) and hold exactly the row counts of the
 * original, table by table. Used by `BenchmarkRun` on destroy before anything may be cleaned up.
 */

/** Row count per table of a DuckDB file, opened read-only (nothing is created or locked for writing). */
export async function tableRowCounts(dbPath: string): Promise<Record<string, number>> {
  // Imported here, not at module load: the controller imports this package's runner API at every preview, and
  // DuckDB (a native extra of this plugin) is only needed when a memory copy is verified.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(dbPath, { access_mode: "READ_ONLY" });
  try {
    const conn = await instance.connect();
    try {
      const tables = (await conn.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"))
        .getRowObjectsJS()
        .map((r) => String(r["table_name"]));
      const counts: Record<string, number> = {};
      for (const t of tables) {
        const rows = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM "${t.replace(/"/g, '""')}"`)).getRowObjectsJS();
        counts[t] = Number(rows[0]?.["n"] ?? 0);
      }
      return counts;
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Throws unless `copy` opens and has the same tables and row counts as `original`. */
export async function verifyMemoryCopy(original: string, copy: string): Promise<Record<string, number>> {
  const [a, b] = [await tableRowCounts(original), await tableRowCounts(copy)];
  const mismatches = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((t) => a[t] !== b[t]);
  if (mismatches.length > 0) {
    throw new Error(
      `memory copy ${copy} differs from ${original}: ${mismatches.map((t) => `${t} ${a[t] ?? "missing"} vs ${b[t] ?? "missing"}`).join(", ")}`,
    );
  }
  return b;
}
