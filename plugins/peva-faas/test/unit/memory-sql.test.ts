import { describe, expect, it } from "vitest";
import { CORE_TABLES, DEBUG_TABLES } from "../../src/memory/index.ts";
import {
  MERGE_STAGED_SQL,
  createTableSql,
  exportSql,
  isDuplicateKeyError,
  preloadSql,
  sqlString,
  timestampSql,
} from "../../src/memory/sql.ts";

describe("memory SQL", () => {
  it("splits core and debug tables as §11.3 says, plus the verdicts table resume needs", () => {
    expect(CORE_TABLES).toEqual([
      "memory_schema_meta",
      "run_sessions",
      "config_catalog",
      "payload_layouts",
      "execution_events",
      "policy_updates",
      "config_verdicts",
    ]);
    expect(DEBUG_TABLES).toEqual(["loadgen_raw_reports"]);
  });

  it("keys events and raw reports on (config_id, iteration, repetition, run_id), verdicts on (campaign, config)", () => {
    expect(createTableSql("execution_events")).toContain("UNIQUE (config_id, iteration, repetition, run_id)");
    expect(createTableSql("loadgen_raw_reports")).toContain("UNIQUE (config_id, iteration, repetition, run_id)");
    expect(createTableSql("config_verdicts")).toContain("PRIMARY KEY (campaign_id, config_id)");
    expect(createTableSql("execution_events")).toContain("skip_reason VARCHAR");
  });

  it("inserts optimistically (plain INSERT) or idempotently, and applies the upgrade rule before inserting", () => {
    const now = 1_700_000_000_000_000;
    expect(MERGE_STAGED_SQL.events(now, "optimistic")).not.toContain("ON CONFLICT");
    expect(MERGE_STAGED_SQL.events(now, "optimistic")).toContain(`make_timestamp(${now}::BIGINT) AS ingested_at`);
    expect(MERGE_STAGED_SQL.events(now, "idempotent")).toContain("ON CONFLICT DO NOTHING");
    expect(MERGE_STAGED_SQL.reports(now, "idempotent")).toContain("ON CONFLICT DO NOTHING");
    expect(MERGE_STAGED_SQL.reports(now, "optimistic")).toMatch(/^INSERT INTO loadgen_raw_reports \(.*generator, report_format, report_json, report_size_bytes, ingested_at\)/);
    expect(MERGE_STAGED_SQL.upgradeReports).toMatch(/DELETE FROM loadgen_raw_reports WHERE status <> 'executed'/);
    expect(() => MERGE_STAGED_SQL.events(0.5, "optimistic")).toThrow(/bad epoch microseconds/);
    expect(MERGE_STAGED_SQL.upgradeEvents).toMatch(/DELETE FROM execution_events WHERE status <> 'executed'/);
    const [upgrade, insert] = preloadSql("execution_events", "/x/e.parquet", "optimistic");
    expect(upgrade).toMatch(/^DELETE FROM execution_events/);
    expect(insert).not.toContain("ON CONFLICT");
    expect(preloadSql("execution_events", "/x/e.parquet", "idempotent")[1]).toContain("ON CONFLICT DO NOTHING");
    expect(preloadSql("config_catalog", "/x/c.parquet", "optimistic")).toEqual([
      "INSERT INTO config_catalog BY NAME SELECT * FROM read_parquet('/x/c.parquet') ON CONFLICT DO NOTHING",
    ]);
  });

  it("recognises DuckDB's duplicate-key errors (the optimistic insert's signal to retry), and nothing else", () => {
    expect(isDuplicateKeyError(new Error('Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "a, 1, 1, r"'))).toBe(true);
    expect(isDuplicateKeyError(new Error("Constraint Error: Duplicate key \"x\" violates unique constraint"))).toBe(true);
    expect(isDuplicateKeyError(new Error("Constraint Error: NOT NULL constraint failed: execution_events.status"))).toBe(false);
    expect(isDuplicateKeyError("Constraint Error: Duplicate key")).toBe(false);
  });

  it("quotes paths and refuses bad timestamps", () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(exportSql("run_sessions", "/tmp/o'k/x.parquet")).toBe(
      "COPY run_sessions TO '/tmp/o''k/x.parquet' (FORMAT PARQUET, COMPRESSION zstd)",
    );
    expect(exportSql("execution_events", "/x/e.parquet")).toBe(
      "COPY (SELECT * FROM execution_events ORDER BY config_id, iteration, repetition, run_id) TO '/x/e.parquet' (FORMAT PARQUET, COMPRESSION zstd)",
    );
    expect(timestampSql(1_700_000_000_000_000)).toBe("make_timestamp(1700000000000000::BIGINT)");
    expect(() => timestampSql(Number.NaN)).toThrow(RangeError);
  });
});
