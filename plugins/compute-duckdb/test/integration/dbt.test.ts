import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger } from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbtProfilesYaml, DuckDbComputePlugin, type DuckDbConfigInput } from "../../src/index.ts";
import { dbtBinary, fingerprint, readRows, SAMPLE_EVENTS, writeCampaignMemory } from "./support.ts";

const run = promisify(execFile);
const plugin = new DuckDbComputePlugin({ logger: silentLogger });
let dir: string;
let memory: string;

/** What the model must compute, derived from the sample rather than typed by hand. */
function expectedAggregate(): Record<string, unknown>[] {
  const byConfig = new Map<string, (typeof SAMPLE_EVENTS)[number][]>();
  for (const e of SAMPLE_EVENTS) byConfig.set(e.configId, [...(byConfig.get(e.configId) ?? []), e]);
  return [...byConfig.keys()].sort().map((configId) => {
    const events = byConfig.get(configId)!;
    const durations = events.flatMap((e) => (e.durationS === null ? [] : [e.durationS]));
    return {
      config_id: configId,
      events: events.length,
      executed: durations.length,
      mean_duration_s: durations.reduce((a, b) => a + b, 0) / durations.length,
      max_p95_ms: Math.max(...events.map((e) => e.p95Ms)),
    };
  });
}

/**
 * A tiny dbt project: a source over `execution_events` (in `sourceDatabase` when the memory is attached), one
 * table model aggregating per config_id, a `not_null` test on the model, and, when asked, a `not_null` test on
 * the source's `duration_s` that must fail (the sample has a skipped iteration), proving tests read real data.
 */
async function writeProject(project: string, config: DuckDbConfigInput, options: { sourceDatabase?: string; failingTest?: boolean } = {}) {
  await mkdir(join(project, "models"), { recursive: true });
  await writeFile(
    join(project, "dbt_project.yml"),
    ["name: peva_analysis", 'version: "1.0.0"', "config-version: 2", "profile: peva_lab", 'model-paths: ["models"]', ""].join("\n"),
  );
  await writeFile(
    join(project, "models", "per_config.sql"),
    `{{ config(materialized='table') }}
select
  config_id,
  cast(count(*) as integer) as events,
  cast(count(duration_s) as integer) as executed,
  avg(duration_s) as mean_duration_s,
  max(cast(json_extract(payload_json, '$.resultRow.p95_ms') as double)) as max_p95_ms
from {{ source('campaign', 'execution_events') }}
group by config_id
`,
  );
  const sourceColumns = options.failingTest ? ["        columns:", "          - name: duration_s", "            data_tests: [not_null]"] : [];
  await writeFile(
    join(project, "models", "schema.yml"),
    [
      "version: 2",
      "sources:",
      "  - name: campaign",
      ...(options.sourceDatabase === undefined ? [] : [`    database: ${options.sourceDatabase}`]),
      "    schema: main",
      "    tables:",
      "      - name: execution_events",
      ...sourceColumns,
      "models:",
      "  - name: per_config",
      "    columns:",
      "      - name: config_id",
      "        data_tests: [not_null]",
      "",
    ].join("\n"),
  );
  // The profile is exactly what the plugin generates.
  await writeFile(join(project, "profiles.yml"), dbtProfilesYaml(plugin.generateDbtProfile(config)));
}

/** Runs `dbt <command>` on the project; resolves with its output and exit code, whatever the code. */
async function dbt(project: string, command: "run" | "test"): Promise<{ code: number; output: string }> {
  const args = [command, "--project-dir", project, "--profiles-dir", project, "--no-version-check"];
  const env = { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: "false", DBT_USE_COLORS: "false" };
  try {
    const { stdout, stderr } = await run(dbtBinary(), args, { cwd: project, env, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error; // spawn failure or timeout, not a dbt verdict
    return { code: e.code, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

beforeAll(async () => {
  dbtBinary(); // fail fast with the fix when the bootstrap has not run
  dir = await mkdtemp(join(tmpdir(), "peva-compute-dbt-"));
  memory = join(dir, "peva_faas.duckdb");
  await writeCampaignMemory(memory);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("real dbt-duckdb with the generated profile (001-FR-008, SC-002)", () => {
  it("why the profile pins the storage version: a file dbt's own DuckDB creates by default is unreadable by the lab", async () => {
    const python = dbtBinary().replace(/dbt$/, "python");
    const unpinned = join(dir, "unpinned.duckdb");
    await run(python, ["-c", `import duckdb; c = duckdb.connect(${JSON.stringify(unpinned)}); c.execute("create table t as select 1 as x"); c.close()`]);
    const { stdout } = await run(python, ["-c", "import duckdb; print(duckdb.__version__)"]);
    const result = await plugin.validateConnection({ path: unpinned });
    if (stdout.trim().startsWith("1.")) {
      // A venv whose DuckDB is not newer than the lab's reads either way; the pin is then harmless.
      expect(result.status).toBe("healthy");
    } else {
      expect(result.status).toBe("unhealthy");
      expect(result.message).toContain("newer version of DuckDB");
    }
  });

  it("builds into the memory file itself: dbt run + dbt test pass, the model holds the per-config aggregate", async () => {
    const project = join(dir, "direct");
    const db = join(dir, "direct.duckdb");
    await copyFile(memory, db); // dbt writes here; the retrieved memory stays pristine
    await writeProject(project, { path: db, threads: 2, memoryLimit: "512MB" });

    const built = await dbt(project, "run");
    expect(built.code, built.output).toBe(0);
    expect(built.output).toContain("Concurrency: 2 threads");
    const tested = await dbt(project, "test");
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toMatch(/PASS=1 WARN=0 ERROR=0/);

    expect(await readRows(db, "SELECT * FROM main.per_config ORDER BY config_id")).toEqual(expectedAggregate());
    expect((await plugin.validateConnection({ path: db })).status).toBe("healthy");
  });

  it("attaches the memory read-only into a separate analysis database; the memory file is untouched", async () => {
    const project = join(dir, "attached");
    const analysis = join(dir, "analysis.duckdb");
    await writeProject(
      project,
      { path: analysis, memoryLimit: "512MB", attach: [{ path: memory, alias: "campaign", readOnly: true }] },
      { sourceDatabase: "campaign", failingTest: true },
    );
    const before = await fingerprint(memory, dir);

    const built = await dbt(project, "run");
    expect(built.code, built.output).toBe(0);
    const tested = await dbt(project, "test");
    // The model's test passes; the source's not_null on duration_s fails on the skipped iteration.
    expect(tested.code, tested.output).toBe(1);
    expect(tested.output).toMatch(/PASS=1 WARN=0 ERROR=1/);
    expect(tested.output).toContain("source_not_null_campaign_execution_events_duration_s");

    expect(await readRows(analysis, "SELECT * FROM main.per_config ORDER BY config_id")).toEqual(expectedAggregate());
    const after = await fingerprint(memory, dir);
    expect({ size: after.size, mtimeNs: after.mtimeNs }).toEqual({ size: before.size, mtimeNs: before.mtimeNs });
  });
});
