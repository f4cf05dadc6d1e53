import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { memoryCommand } from "../../src/memory/index.ts";
import { migratedCountProblems } from "../../src/memory/migrate.ts";
import {
  MIGRATABLE_SCHEMA_VERSION,
  dbVersionMismatchMessage,
  migrateCommandLine,
  parquetVersionMismatchMessage,
} from "../../src/memory/schema-versions.ts";

describe("schema version messages", () => {
  it("a v1 file: both versions and the exact command to run", () => {
    expect(MIGRATABLE_SCHEMA_VERSION).toBe("peva_faas_mem_v1");
    expect(dbVersionMismatchMessage("peva_faas_mem_v1", "peva_faas_mem_v2", "/w/mem.duckdb")).toBe(
      "schema_version mismatch: db=peva_faas_mem_v1 configured=peva_faas_mem_v2 (/w/mem.duckdb); run: peva-faas memory migrate --db /w/mem.duckdb",
    );
  });

  it("anything the migration cannot help with: both versions, nothing migrated, no command", () => {
    expect(dbVersionMismatchMessage("peva_faas_mem_v0", "peva_faas_mem_v2", "/w/m.duckdb")).toBe(
      "schema_version mismatch: db=peva_faas_mem_v0 configured=peva_faas_mem_v2 (/w/m.duckdb); nothing was migrated",
    );
    // A configured version other than the code's: migrating to v2 would not make the file match it.
    expect(dbVersionMismatchMessage("peva_faas_mem_v1", "custom", "/w/m.duckdb")).toBe(
      "schema_version mismatch: db=peva_faas_mem_v1 configured=custom (/w/m.duckdb); nothing was migrated",
    );
    expect(dbVersionMismatchMessage("peva_faas_mem_v3", "peva_faas_mem_v2", "/w/m.duckdb")).not.toContain("migrate --db");
  });

  it("quotes a path for the shell only when it must", () => {
    expect(migrateCommandLine("/a/b-c_d.e/f@1+2=3,4:5%.duckdb")).toBe("peva-faas memory migrate --db /a/b-c_d.e/f@1+2=3,4:5%.duckdb");
    expect(migrateCommandLine("/my dir/it's.duckdb")).toBe(`peva-faas memory migrate --db '/my dir/it'\\''s.duckdb'`);
    expect(migrateCommandLine("/x/$HOME.duckdb")).toBe("peva-faas memory migrate --db '/x/$HOME.duckdb'");
  });

  it("a Parquet checkpoint: a v1 one is not migrated (migrate the DuckDB file, export again); others just refused", () => {
    expect(parquetVersionMismatchMessage("peva_faas_mem_v1", "peva_faas_mem_v2", "/c/memory_schema_meta.parquet")).toBe(
      "schema_version mismatch: parquet=peva_faas_mem_v1 configured=peva_faas_mem_v2 (/c/memory_schema_meta.parquet); " +
        "the checkpoint was not loaded. Parquet checkpoints are not migrated: migrate the DuckDB file it was exported from " +
        "(peva-faas memory migrate --db <file>) and export the checkpoint again",
    );
    expect(parquetVersionMismatchMessage("peva_faas_mem_v0", "peva_faas_mem_v2", "/c/m.parquet")).toBe(
      "schema_version mismatch: parquet=peva_faas_mem_v0 configured=peva_faas_mem_v2 (/c/m.parquet); the checkpoint was not loaded",
    );
    expect(parquetVersionMismatchMessage(undefined, "peva_faas_mem_v2", "/c/m.parquet")).toContain("parquet=<empty>");
  });
});

describe("migration row-count check", () => {
  const before = new Map([
    ["run_sessions", 2],
    ["execution_events", 5],
    ["k6_raw_summaries", 4],
  ]);

  it("accepts every table unchanged and k6_raw_summaries' rows all in loadgen_raw_reports", () => {
    const after = new Map([
      ["run_sessions", 2],
      ["execution_events", 5],
      ["loadgen_raw_reports", 4],
    ]);
    expect(migratedCountProblems(before, after)).toEqual([]);
    expect(migratedCountProblems(new Map([["run_sessions", 0], ["k6_raw_summaries", 0]]), new Map([["run_sessions", 0], ["loadgen_raw_reports", 0]]))).toEqual([]);
  });

  it("names every difference", () => {
    const after = new Map([
      ["run_sessions", 1],
      ["k6_raw_summaries", 4],
      ["loadgen_raw_reports", 3],
    ]);
    expect(migratedCountProblems(before, after)).toEqual([
      "run_sessions has 1 rows, expected 2",
      "execution_events is missing (expected 5 rows)",
      "loadgen_raw_reports has 3 rows, expected 4",
      "k6_raw_summaries (4 rows) should not exist",
    ]);
  });
});

describe("peva-faas memory (usage)", () => {
  async function run(argv: readonly string[]): Promise<[number, string, string]> {
    let out = "";
    let err = "";
    const code = await memoryCommand(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return [code, out, err];
  }
  const USAGE =
    "usage: peva-faas memory migrate --db <memory.duckdb>\n       peva-faas memory counts --db <memory.duckdb>\n" +
    "       peva-faas memory forget --db <memory.duckdb> --campaign <campaign-id>\n";

  it.each([
    [[], "missing subcommand"],
    [["frob"], "unknown subcommand 'frob'"],
    [["migrate"], "missing --db <file>"],
    [["migrate", "--db"], "--db needs a file"],
    [["migrate", "--db="], "--db needs a file"],
    [["migrate", "--db", ""], "--db needs a file"],
    [["migrate", "--db", "a.duckdb", "--db", "b.duckdb"], "--db given twice"],
    [["migrate", "--db", "a.duckdb", "extra"], "unexpected argument 'extra'"],
    [["migrate", "a.duckdb"], "unexpected argument 'a.duckdb'"],
    [["memory", "migrate", "--db", "a.duckdb"], "unknown subcommand 'memory'"],
  ])("%j → exit 2: %s", async (argv, why) => {
    expect(await run(argv)).toEqual([2, "", `peva-faas memory: ${why}\n${USAGE}`]);
  });

  it("counts prints the row count per table as JSON; a missing file is an error, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "peva-mem-counts-"));
    try {
      const db = join(dir, "m.duckdb");
      const instance = await DuckDBInstance.create(db);
      const conn = await instance.connect();
      await conn.run("CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1), (2), (3); CREATE TABLE b (y INTEGER)");
      conn.closeSync();
      instance.closeSync();
      expect(await run(["counts", "--db", db])).toEqual([0, '{"a":3,"b":0}\n', ""]);
      const [code, out, err] = await run(["counts", "--db", join(dir, "absent.duckdb")]);
      expect([code, out]).toEqual([1, ""]);
      expect(err).toMatch(/^peva-faas memory counts: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--help prints the usage on stdout, exit 0", async () => {
    expect(await run(["--help"])).toEqual([0, USAGE, ""]);
    expect(await run(["migrate", "-h"])).toEqual([0, USAGE, ""]);
  });
});
