/**
 * `peva-faas memory forget` on real DuckDB files: the forgotten campaign's configurations are unknown to the next
 * engine of that campaign, other campaigns keep everything, what was deleted is recorded, and every refusal or
 * failure changes nothing.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DuckDbMemoryStore, createMemoryEngine, memoryCommand, type ExecutionEvent, type MemoryEngine } from "../../src/memory/index.ts";
import { FORGET_TABLES, forgetCampaign } from "../../src/memory/forget.ts";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import { NoOpPolicy } from "../../src/scheduling/index.ts";

const roots: string[] = [];
let dir = "";
let db = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "peva-forget-"));
  roots.push(dir);
  db = join(dir, "mem.duckdb");
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const A = makeConfiguration([{ name: "figlet", rate: 10 }]);
const B = makeConfiguration([{ name: "env", rate: 20 }, { name: "figlet", rate: 10 }]);
const C = makeConfiguration([{ name: "shasum", rate: 30 }]);

async function engine(campaignId: string, runId: string): Promise<MemoryEngine> {
  const e = createMemoryEngine({
    store: new DuckDbMemoryStore({ dbPath: db }),
    session: {
      runId,
      campaignId,
      startedAt: 1_700_000_000,
      mode: "online",
      batchSizeN: 8,
      batchWindowS: 30,
      configHash: campaignId,
      gitRev: null,
      loadgen: "vegeta v12.13.0",
      latencyUnit: "ns",
    },
    policy: new NoOpPolicy(),
  });
  await e.startup();
  return e;
}

function ev(campaignId: string, runId: string, config: Configuration, iteration: number): ExecutionEvent {
  return {
    campaignId,
    runId,
    config,
    iteration,
    repetition: 1,
    startTs: 1_700_000_000 + iteration * 60,
    endTs: 1_700_000_030 + iteration * 60,
    status: "executed",
    skipReason: null,
    resultRow: { function_1: config.pairs[0]!.name, success_rate_function_1: 0.99 },
    metrics: { cpu_usage_node: 42.5 },
    loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: { success: 0.99 } },
  };
}

/** Runs `configs` to completion (2 iterations each) in one session of `campaignId`; `partial` gets one iteration only. */
async function measure(campaignId: string, runId: string, configs: readonly Configuration[], partial?: Configuration): Promise<void> {
  const e = await engine(campaignId, runId);
  for (const config of configs) {
    for (const k of [1, 2]) await e.ingestEvent(ev(campaignId, runId, config, k));
    await e.completeConfig({ config, iterations: 2, overloadCount: 0, overloaded: false });
  }
  if (partial) await e.ingestEvent(ev(campaignId, runId, partial, 1));
  await e.finishSession("done");
  await e.close();
}

/** Two campaigns sharing configuration A; camp-a ran twice (B finished, C half-way in its second run). */
async function twoCampaigns(): Promise<void> {
  await measure("camp-a", "run-a1", [A, B]);
  await measure("camp-a", "run-a2", [], C);
  await measure("camp-b", "run-b1", [A]);
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(db);
  try {
    const c = await inst.connect();
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    c.closeSync();
    return rows;
  } finally {
    inst.closeSync();
  }
}

/** Row count of every memory table, one campaign's or all. */
async function counts(campaign?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of FORGET_TABLES) {
    const where =
      campaign === undefined
        ? ""
        : t === "policy_updates"
          ? ` WHERE run_id IN (SELECT run_id FROM run_sessions WHERE campaign_id = '${campaign}')`
          : t === "config_catalog"
            ? ""
            : ` WHERE campaign_id = '${campaign}'`;
    out[t] = Number((await query(`SELECT count(*) AS n FROM ${t}${where}`))[0]!["n"]);
  }
  return out;
}

async function run(argv: readonly string[]): Promise<[number, string, string]> {
  let out = "";
  let err = "";
  const code = await memoryCommand(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return [code, out, err];
}

describe("peva-faas memory forget", () => {
  it("forgets one campaign: its next engine knows none of its configurations, the other keeps all, the deletion is recorded", async () => {
    await twoCampaigns();
    const before = await counts("camp-a");
    const otherBefore = await counts("camp-b");
    expect(before).toMatchObject({ config_verdicts: 2, execution_events: 5, loadgen_raw_reports: 5, run_sessions: 2 });
    expect(before.policy_updates).toBeGreaterThan(0);

    const [code, out, err] = await run(["forget", "--db", db, "--campaign", "camp-a"]);
    expect([code, err]).toEqual([0, ""]);
    expect(out).toContain(`forgot campaign camp-a in ${db} in one transaction\nruns: run-a1, run-a2\nrows deleted:\n`);
    expect(out).toMatch(/^ {2}execution_events +5$/m);
    expect(out).toMatch(/^ {2}config_catalog +2$/m); // B and C; A is still camp-b's

    const after = await counts("camp-a");
    for (const t of FORGET_TABLES.filter((t) => t !== "config_catalog")) expect(after[t], t).toBe(0);
    const otherAfter = await counts("camp-b");
    expect(otherAfter).toEqual({ ...otherBefore, config_catalog: otherBefore.config_catalog! - 2 });
    expect((await query("SELECT config_id FROM config_catalog")).map((r) => r["config_id"])).toEqual([A.id]);

    const [record] = await query("SELECT * EXCLUDE (forgotten_at), forgotten_at IS NOT NULL AS dated FROM forgotten_campaigns");
    expect(record).toEqual({
      campaign_id: "camp-a",
      run_ids: ["run-a1", "run-a2"],
      deleted_loadgen_raw_reports: 5n,
      deleted_execution_events: 5n,
      deleted_config_verdicts: 2n,
      deleted_policy_updates: BigInt(before.policy_updates!),
      deleted_run_sessions: 2n,
      deleted_config_catalog: 2n,
      dated: true,
    });

    // The memory still opens (the extra table is not a memory table) and knows nothing of camp-a…
    const forgotten = await engine("camp-a", "run-a3");
    for (const c of [A, B, C]) expect(forgotten.isSeen(c.id), c.pairs[0]!.name).toBe(false);
    expect(await forgotten.eventsOf(C.id)).toEqual([]);
    expect(forgotten.verdicts()).toEqual([]);
    await forgotten.close();
    // …while camp-b still skips what it measured.
    const kept = await engine("camp-b", "run-b2");
    expect(kept.isSeen(A.id)).toBe(true);
    expect((await kept.eventsOf(A.id)).map((e) => e.iteration)).toEqual([1, 2]);
    await kept.close();
  });

  it("records each forgetting: a campaign measured again can be forgotten again", async () => {
    await measure("camp-a", "run-a1", [A]);
    await forgetCampaign(db, "camp-a", () => Date.UTC(2026, 0, 1));
    await measure("camp-a", "run-a2", [A]);
    const report = await forgetCampaign(db, "camp-a", () => Date.UTC(2026, 0, 2));
    expect(report).toMatchObject({ campaignId: "camp-a", runIds: ["run-a2"], forgottenAt: "2026-01-02T00:00:00.000Z" });
    expect(await query("SELECT run_ids, CAST(forgotten_at AS VARCHAR) AS at FROM forgotten_campaigns ORDER BY forgotten_at")).toEqual([
      { run_ids: ["run-a1"], at: "2026-01-01 00:00:00" },
      { run_ids: ["run-a2"], at: "2026-01-02 00:00:00" },
    ]);
  });

  it("refuses an unknown campaign, naming it and the campaigns the file holds; nothing changes", async () => {
    await twoCampaigns();
    const before = await counts();
    expect(await run(["forget", "--db", db, "--campaign", "camp-x"])).toEqual([
      1,
      "",
      `peva-faas memory forget: campaign camp-x is not in ${db}; nothing was forgotten. It holds: camp-a, camp-b\n`,
    ]);
    expect(await counts()).toEqual(before);
  });

  it("refuses a file of another schema version with the migration command; nothing changes", async () => {
    await measure("camp-a", "run-a1", [A]);
    await query("UPDATE memory_schema_meta SET schema_version = 'peva_faas_mem_v1'");
    const before = await counts();
    expect(await run(["forget", "--db", db, "--campaign", "camp-a"])).toEqual([
      1,
      "",
      `peva-faas memory forget: cannot forget in ${db}: schema_version mismatch: db=peva_faas_mem_v1 configured=peva_faas_mem_v2 (${db}); ` +
        `run: peva-faas memory migrate --db ${db}\n`,
    ]);
    expect(await counts()).toEqual(before);
  });

  it("rolls everything back when a step fails half-way", async () => {
    await twoCampaigns();
    // policy_updates is deleted from after the reports, events and verdicts: make that step fail.
    await query("DROP TABLE policy_updates");
    const [code, out, err] = await run(["forget", "--db", db, "--campaign", "camp-a"]);
    expect([code, out]).toEqual([1, ""]);
    expect(err).toMatch(new RegExp(`^peva-faas memory forget: forgetting camp-a in ${db} failed and was rolled back, nothing was changed: .*policy_updates`));
    expect(Number((await query("SELECT count(*) AS n FROM config_verdicts WHERE campaign_id = 'camp-a'"))[0]!["n"])).toBe(2);
    expect(Number((await query("SELECT count(*) AS n FROM execution_events WHERE campaign_id = 'camp-a'"))[0]!["n"])).toBe(5);
    expect((await query("SELECT table_name FROM duckdb_tables() WHERE table_name = 'forgotten_campaigns'")).length).toBe(0);
  });

  it("refuses a missing file without creating it, and a file that is not a memory", async () => {
    const [code, out, err] = await run(["forget", "--db", db, "--campaign", "camp-a"]);
    expect([code, out, err]).toEqual([1, "", `peva-faas memory forget: no memory file at ${db}; nothing was forgotten\n`]);
    expect(existsSync(db)).toBe(false);
    await query("CREATE TABLE other (x INTEGER)");
    expect(await run(["forget", "--db", db, "--campaign", "camp-a"])).toEqual([
      1,
      "",
      `peva-faas memory forget: ${db} is not a peva-faas memory file (no memory_schema_meta table); nothing was forgotten\n`,
    ]);
  });

  it.each([
    [["--db", "m.duckdb"], "missing --campaign <campaign-id>"],
    [["--campaign", "c"], "missing --db <file>"],
    [["--db", "m.duckdb", "--campaign"], "--campaign needs a campaign id"],
    [["--db=", "--campaign", "c"], "--db needs a file"],
    [["--db", "a", "--db", "b", "--campaign", "c"], "--db given twice"],
    [["--db", "a", "--campaign", "c", "extra"], "unexpected argument 'extra'"],
  ])("%j → exit 2: %s", async (argv, why) => {
    expect(await run(["forget", ...argv])).toEqual([2, "", `peva-faas memory forget: ${why}\nusage: peva-faas memory forget --db <memory.duckdb> --campaign <campaign-id>\n`]);
  });
});
