/**
 * `peva-lab report` over run folders on disk: it finds the campaign's runs (a resumed campaign has two), writes the
 * analysis Parquet files that DuckDB reads back with the same numbers, and an HTML report that headless Chromium
 * draws offline with every chart holding data marks. Synthetic run folders here (the e2e campaign test renders the
 * report of a real `pulumi up`).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { silentLogger } from "@peva-lab/core";
import { dbtProfilesYaml, DuckDbComputePlugin } from "@peva-lab/compute-duckdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReportCommand, writeCampaignReport } from "../../src/report/index.ts";
import { renderInChromium } from "../../../../test/support/chromium.ts";
import { writeSyntheticRunFolder, type SyntheticCampaign } from "../support/synthetic-run.ts";
import { REPO_ROOT } from "./support/tools.ts";
import { DuckDBInstance } from "@duckdb/node-api";

/** One query in a fresh in-memory DuckDB (the Parquet files are read with `read_parquet`). */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const root = mkdtempSync(join(tmpdir(), "peva-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const output = join(root, "output");
const folder = (runId: string) => join(output, "local", runId, "localhost", "peva_faas");

const campaign: SyntheticCampaign = {
  functions: { figlet: 40, shasum: 60, env: 120 },
  rates: [10, 20, 30, 40, 50, 60],
  maxFunctions: 2,
  iterations: 3,
  runId: "local-20261203-000000-aaaa",
  campaignId: "c-synthetic",
};

async function command(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runReportCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), defaultOutput: output });
  return { code, stdout, stderr };
}

let planned = 0;
let run: Awaited<ReturnType<typeof command>>;
beforeAll(async () => {
  planned = await writeSyntheticRunFolder(folder(campaign.runId), campaign);
  // A second run of the same campaign (resumed) with one more function set's data, and another campaign beside it.
  await writeSyntheticRunFolder(folder("local-20261203-010000-bbbb"), { ...campaign, functions: { nmap: 50 }, maxFunctions: 1, runId: "local-20261203-010000-bbbb" });
  await writeSyntheticRunFolder(folder("local-20261203-020000-cccc"), { ...campaign, functions: { curl: 90 }, maxFunctions: 1, runId: "local-20261203-020000-cccc", campaignId: "other" });
  run = await command([campaign.runId]);
});
const parquet = (name: string) => `read_parquet('${join(folder(campaign.runId), "analysis", `${name}.parquet`)}')`;

describe("peva-lab report", () => {
  it("reports a campaign across its run folders, leaves other campaigns out, and DuckDB reads the same numbers back", async () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const html = join(folder(campaign.runId), "report.html");
    expect(run.stdout).toContain(`report: ${html}`);
    expect(run.stdout).toContain(`${planned + 6} configurations, 2 run folder(s)`);

    const sets = await query(`SELECT DISTINCT function_set FROM ${parquet("frontier")} ORDER BY 1`);
    expect(sets.map((r) => r["function_set"])).toEqual(["env", "env|figlet", "env|shasum", "figlet", "figlet|shasum", "nmap", "shasum"]);
    // Every aggregate's mean equals DuckDB's own mean of the long rows of its configuration, and the t-interval's
    // half width equals t(0.975, n-1) · stddev_samp / √n computed by DuckDB (t = 4.303 for 3 iterations).
    const check = await query(
      `WITH l AS (SELECT config_id, coalesce(function, '') AS f, metric, avg(value) AS m, stddev_samp(value) AS s, count(*) AS n FROM ${parquet("long")} GROUP BY ALL)
       SELECT count(*) AS rows, max(abs(a.mean - l.m) / greatest(abs(l.m), 1e-9)) AS mean_err,
              max(abs((a.ci95_hi - a.mean) - 4.303 * l.s / sqrt(l.n)) / greatest(l.s, 1e-9)) AS half_err, min(a.n) AS min_n, max(a.n) AS max_n
       FROM ${parquet("aggregates")} a JOIN l ON l.config_id = a.config_id AND l.f = coalesce(a.function, '') AND l.metric = a.metric`,
    );
    expect(Number(check[0]!["rows"])).toBeGreaterThan(100);
    expect(Number(check[0]!["mean_err"])).toBeLessThan(1e-9);
    expect(Number(check[0]!["half_err"])).toBeLessThan(1e-9);
    expect([Number(check[0]!["min_n"]), Number(check[0]!["max_n"])]).toEqual([3, 3]);
    const frontier = await query(`SELECT rates FROM ${parquet("frontier")} WHERE on_frontier AND function_set = 'figlet'`);
    // figlet alone: capacity 40 req/s, so 40 is the highest rate not overloaded.
    expect(frontier.map((r) => r["rates"])).toEqual(['{"figlet":40}']);

    const page = await renderInChromium(html, "report-synthetic");
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    const ids = page.charts.map((c) => c.id);
    for (const fn of ["env", "figlet", "shasum", "nmap"]) {
      for (const chart of ["latency_mean", "latency_p95", "success_rate"]) expect(ids).toContain(`${chart}:${fn}`);
    }
    expect(ids).toContain("frontier:figlet|shasum");
    expect(ids).toContain("cpu_usage_node_pct_of_capacity");
    for (const c of page.charts) {
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.drawn, c.id).toBe(c.marks);
    }
    expect(statSync(page.screenshot).size).toBeGreaterThan(10_000);
  });

  it("dbt reads the analysis Parquet through the profile the compute-duckdb plugin generates", async () => {
    const project = join(root, "dbt");
    mkdirSync(join(project, "models"), { recursive: true });
    writeFileSync(join(project, "dbt_project.yml"), 'name: peva_report\nversion: "1.0.0"\nconfig-version: 2\nprofile: peva_lab\nmodel-paths: ["models"]\n');
    writeFileSync(
      join(project, "models", "frontier_points.sql"),
      `{{ config(materialized='table') }}\nselect function_set, cast(count(*) as integer) as points from ${parquet("frontier")} where on_frontier group by function_set\n`,
    );
    const db = join(root, "analysis.duckdb");
    const plugin = new DuckDbComputePlugin({ logger: silentLogger });
    writeFileSync(join(project, "profiles.yml"), dbtProfilesYaml(plugin.generateDbtProfile({ path: db, threads: 1, memoryLimit: "512MB" })));
    const dbt = join(REPO_ROOT, ".tools/dbt/bin/dbt");
    const env = { PATH: process.env["PATH"] ?? "", HOME: root, DBT_SEND_ANONYMOUS_USAGE_STATS: "false", DBT_USE_COLORS: "false" };
    await promisify(execFile)(dbt, ["run", "--project-dir", project, "--profiles-dir", project, "--no-version-check"], { cwd: project, env, timeout: 120_000 });
    const viaDbt = await query(`ATTACH '${db}' AS a (READ_ONLY); SELECT function_set, points FROM a.main.frontier_points ORDER BY 1`);
    const direct = await query(`SELECT function_set, cast(count(*) AS INTEGER) AS points FROM ${parquet("frontier")} WHERE on_frontier GROUP BY 1 ORDER BY 1`);
    expect(viaDbt).toEqual(direct);
    expect(viaDbt.find((r) => r["function_set"] === "figlet")).toEqual({ function_set: "figlet", points: 1 });
  });

  it("names the run it cannot report on, and writes nothing", async () => {
    const notRun = join(root, "not-a-run");
    mkdirSync(notRun, { recursive: true });
    writeFileSync(join(notRun, "run.json"), "{ broken");
    const broken = await command([notRun]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`peva-lab:report.run: ${notRun} is not a peva-faas run folder (run.json:`);
    expect(() => statSync(join(notRun, "report.html"))).toThrow();
    const unknown = await command(["local-19990101-000000-zzzz"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`local-19990101-000000-zzzz is neither a run folder nor a run id under ${output}`);
    expect((await command(["--bogus"])).code).toBe(2);
    // A transform on a compute that cannot write it is refused before anything is written.
    const other = join(root, "other-compute");
    await writeSyntheticRunFolder(other, { ...campaign, functions: { curl: 90 }, maxFunctions: 1 });
    await expect(writeCampaignReport(other, { compute: { transforms: { aggregates: "duckdb", frontier: "spark" }, threads: 1, memoryLimit: "512MB" } })).rejects.toThrow(
      "peva-lab:compute.transforms.frontier: compute 'spark' cannot run the analysis transforms; only 'duckdb' can",
    );
    expect(() => statSync(join(other, "report.html"))).toThrow();
    expect(() => statSync(join(other, "analysis"))).toThrow();
    const empty = await command(["--output", join(root, "nothing")]);
    expect(empty.stderr).toContain("no run under");
  });
});
