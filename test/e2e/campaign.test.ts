/**
 * Issue 6 end to end, through the real Pulumi CLI on the `local` stack: the embedded platform (gateway,
 * Prometheus, node-exporter), a real campaign with vegeta, the DuckDB memory, stop and resume, crash recovery,
 * destroy with retrieval, and opt-in cleanup. Each scenario uses its own project copy and state backend.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tableRowCounts } from "../../plugins/peva-faas/src/runner/retrieve.ts";
import { processesMatching, runEvents, SMALL_CAMPAIGN, waitForEvent, workloadsConfig } from "../support/campaign.ts";
import { copyProject, recordedRunStatus, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";
import { portIsFree } from "../../components/process-control.ts";
import { requireTool } from "../support/toolchain.ts";
import { renderInChromium } from "../support/chromium.ts";

interface RunOutput {
  runId: string;
  status: string;
  success: boolean;
  counts: { planned: number; executed: number; failed: number; iterations: number; overloaded: number; skipped: Record<string, number> };
  resultsCsv: string;
  memoryDb: string;
  stopFile: string;
  summary: string;
  report: string;
}

const projects: ProjectCopy[] = [];
afterEach(async () => {
  // Whatever a scenario left running is stopped by destroying its stack; then the copy goes.
  for (const p of projects.splice(0)) {
    for (const pid of processesMatching(p.dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await p.remove();
  }
});

async function newProject() {
  const project = await copyProject("peva-campaign-");
  projects.push(project);
  const stack = await project.stack("local");
  await stack.setConfig("peva-lab:workloads", workloadsConfig(SMALL_CAMPAIGN));
  return { project, stack };
}

function duckdbQuery(db: string, sql: string): Record<string, unknown>[] {
  // A separate process: the DuckDB file is opened read-only, exactly as a user would inspect it.
  const script = `import { DuckDBInstance } from "@duckdb/node-api";
const i = await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" });
const c = await i.connect();
console.log(JSON.stringify((await c.runAndReadAll(process.argv[2])).getRowObjectsJS(), (_k, v) => typeof v === "bigint" ? Number(v) : v));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script, db, sql], { cwd: process.cwd(), encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

/** `pulumi up` through the CLI itself, as a nightly job runs it: its exit code and everything it printed. */
function pulumiUp(project: ProjectCopy): Promise<{ code: number | null; output: string }> {
  const cli = spawn(requireTool("pulumi"), ["up", "--yes", "--non-interactive", "--stack", "local"], {
    cwd: project.dir,
    env: { ...process.env, ...project.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  cli.stdout.on("data", (d: Buffer) => (output += d.toString("utf8")));
  cli.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
  return new Promise((resolve) => cli.once("close", (code) => resolve({ code, output })));
}

/** Every executed (config, iteration) appears once; every completed configuration has all its iterations. */
function expectNoDuplicates(db: string, iterations: number) {
  const dup = duckdbQuery(db, "SELECT config_id, iteration, count(*) AS n FROM execution_events WHERE skip_reason IS NULL AND iteration > 0 GROUP BY ALL HAVING count(*) > 1");
  expect(dup).toEqual([]);
  const perConfig = duckdbQuery(db, "SELECT config_id, count(DISTINCT iteration) AS n FROM execution_events WHERE skip_reason IS NULL AND iteration > 0 GROUP BY config_id");
  for (const row of perConfig) expect(Number(row["n"])).toBeLessThanOrEqual(iterations);
}

describe("campaigns on the local stack", () => {
  it("happy path: up runs the campaign, results and all six memory tables are written, destroy retrieves the memory and stops everything", async () => {
    const { project, stack } = await newProject();
    const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    expect(up.summary.result).toBe("succeeded");
    const outputs = await stack.outputs();
    const run = outputs["run"]?.value as RunOutput;
    const platform = outputs["platform"]?.value as { gatewayUrl: string; prometheusUrl: string };
    expect(run.status).toBe("done");
    expect(run.counts.planned).toBe(4); // 2 functions × 2 rates (max_functions is exclusive: single functions only)
    expect(run.counts.executed + run.counts.failed + Object.values(run.counts.skipped).reduce((a, b) => a + b, 0)).toBe(run.counts.planned);
    expect(run.summary).toContain("configurations planned");

    // results.csv: one row per executed iteration, DFaaS header first.
    const csv = (await import("node:fs")).readFileSync(run.resultsCsv, "utf8").trim().split("\n");
    expect(csv[0]).toMatch(/^function_figlet,rate_function_figlet,success_rate_function_figlet,/);
    expect(csv.length - 1).toBe(run.counts.iterations);

    // The DuckDB memory: all six tables written by a normal run.
    const counts = await tableRowCounts(run.memoryDb);
    for (const table of ["memory_schema_meta", "run_sessions", "config_catalog", "execution_events", "loadgen_raw_reports", "policy_updates"]) {
      expect(counts[table], table).toBeGreaterThan(0);
    }
    expectNoDuplicates(run.memoryDb, SMALL_CAMPAIGN.iterations);

    // The report: its path is a stack output, next to results.csv, and Chromium draws every chart of it offline.
    expect(outputs["report"]?.value).toBe(run.report);
    expect(run.report).toBe(join(dirname(run.resultsCsv), "report.html"));
    const page = await renderInChromium(run.report, "report-e2e-campaign");
    expect(page.consoleErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    expect(page.charts.map((c) => c.id).sort()).toEqual([
      "cpu_usage_node_pct_of_capacity", "frontier:figlet", "frontier:shasum", "latency_mean:figlet", "latency_mean:shasum", "latency_p95:figlet",
      "latency_p95:shasum", "ram_usage_node_percentage", "success_rate:figlet", "success_rate:shasum",
    ]);
    for (const c of page.charts) {
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.drawn, c.id).toBe(c.marks);
    }
    for (const f of ["aggregates", "frontier", "long"]) expect(existsSync(join(dirname(run.report), "analysis", `${f}.parquet`)), f).toBe(true);

    // A second up with nothing changed is a no-op.
    const again = await stack.up();
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);

    const ports = [new URL(platform.gatewayUrl).port, new URL(platform.prometheusUrl).port].map(Number);
    const destroyed = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
    expect(destroyed.summary.result).toBe("succeeded");
    expect(await stackUrns(stack)).toEqual([]);
    const copy = join(project.dir, "output/local/memory/localhost/peva_faas.duckdb");
    expect(await tableRowCounts(copy)).toEqual(counts);
    expect(processesMatching(project.dir)).toEqual([]);
    expect(processesMatching("vegeta", "attack", project.dir)).toEqual([]);
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  });

  it("stop and resume: a STOP file ends the run as stopped within 30 s; the next up resumes without duplicates", async () => {
    const { project, stack } = await newProject();
    const started = Date.now();
    const first = stack.up({ onOutput: (s) => process.stdout.write(s) });
    const runDir = await waitForEvent(project.dir, "iteration_done", started);
    const stopAt = Date.now();
    writeFileSync(join(project.dir, "output/local/STOP"), "");
    await first;
    expect(Date.now() - stopAt).toBeLessThan(30_000);
    const stopped = (await stack.outputs())["run"]?.value as RunOutput;
    expect(stopped.status).toBe("stopped");
    expect(runEvents(runDir).at(-1)).toMatchObject({ type: "run_finished", status: "stopped" });
    expect(processesMatching("vegeta", "attack", project.dir)).toEqual([]);
    const afterStop = duckdbQuery(stopped.memoryDb, "SELECT count(*) AS n FROM execution_events WHERE skip_reason IS NULL AND iteration > 0");
    expect(Number(afterStop[0]!["n"])).toBeGreaterThanOrEqual(1);

    const resumed = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    expect(resumed.summary.result).toBe("succeeded");
    const done = (await stack.outputs())["run"]?.value as RunOutput;
    expect(done.status).toBe("done");
    expect(done.counts.skipped["already_in_memory"] ?? 0).toBeGreaterThanOrEqual(0);
    expectNoDuplicates(done.memoryDb, SMALL_CAMPAIGN.iterations);
    const total = duckdbQuery(done.memoryDb, "SELECT count(DISTINCT config_id) AS n FROM execution_events");
    expect(Number(total[0]!["n"])).toBe(done.counts.planned);
    // The resumed run's report covers the campaign: both runs, every configuration, none left unfinished.
    const report = readFileSync(done.report, "utf8");
    expect(report).toContain(`<td>runs</td><td>${stopped.runId}, ${done.runId}</td>`);
    expect(report).toMatch(new RegExp(`<td>configurations</td><td>${done.counts.planned}: \\d+ measured, \\d+ skipped, 0 failed, 0 unfinished</td>`));

    await stack.destroy();
    expect(existsSync(join(project.dir, "output/local/memory/localhost/peva_faas.duckdb"))).toBe(true);
  });

  it("Ctrl+C on pulumi up (SIGINT to the CLI's process group, as a terminal sends it) stops the run like the STOP file", async () => {
    const { project, stack } = await newProject();
    const started = Date.now();
    // The CLI itself, in a process group of its own: a terminal's Ctrl+C reaches the whole foreground group.
    const cli = spawn(requireTool("pulumi"), ["up", "--yes", "--non-interactive", "--stack", "local"], {
      cwd: project.dir,
      env: { ...process.env, ...project.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    cli.stdout.on("data", (d: Buffer) => (output += d.toString("utf8")));
    cli.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => cli.once("close", resolve));
    const runDir = await waitForEvent(project.dir, "iteration_done", started);
    const interruptedAt = Date.now();
    process.kill(-cli.pid!, "SIGINT");
    await exited;
    expect(Date.now() - interruptedAt).toBeLessThan(30_000);
    // The runner checkpointed and ended as stopped, exactly as with the STOP file; nothing of it is left running.
    expect(runEvents(runDir).at(-1), output).toMatchObject({ type: "run_finished", status: "stopped" });
    expect(processesMatching("peva-faas/bin/peva-faas.ts", project.dir)).toEqual([]);
    expect(processesMatching("vegeta", "attack", project.dir)).toEqual([]);
    // Resuming after a stop is the STOP-file scenario's; here the stack only has to come down cleanly.
    await stack.refresh();
    expect((await stack.destroy()).summary.result).toBe("succeeded");
    expect(existsSync(join(project.dir, "output/local/memory/localhost/peva_faas.duckdb"))).toBe(true);
  });

  it("crash: kill -9 of the runner mid-iteration; the next up recovers, reports the lost iteration, no duplicates", async () => {
    const { project, stack } = await newProject();
    const started = Date.now();
    const first = stack.up({ onOutput: (s) => process.stdout.write(s) });
    await waitForEvent(project.dir, "iteration_done", started);
    const runners = processesMatching("peva-faas/bin/peva-faas.ts", project.dir);
    expect(runners.length).toBe(1);
    process.kill(runners[0]!, "SIGKILL");
    // A crashed campaign fails `pulumi up` (non-zero exit), and the run is recorded in the state all the same.
    const error = await first.then(
      () => "",
      (e: unknown) => String(e),
    );
    expect(error).toMatch(/campaign run \S+ failed: the runner exited without finishing/);
    expect(await recordedRunStatus(stack)).toBe("failed");

    const second = Date.now();
    await stack.up({ onOutput: (s) => process.stdout.write(s) });
    const recovered = (await stack.outputs())["run"]?.value as RunOutput;
    expect(recovered.status).toBe("done");
    const runDir = await waitForEvent(project.dir, "run_finished", second, 5_000);
    const events = runEvents(runDir);
    // The kill came right after iteration 1 of the first configuration: iteration 2 was in flight and is reported.
    const lost = events.filter((e) => e.type === "iteration_lost");
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ iteration: 2 });
    expectNoDuplicates(recovered.memoryDb, SMALL_CAMPAIGN.iterations);
    await stack.destroy();
  });

  it("exit codes through the CLI: invalid config and a campaign without every verdict fail, a complete one succeeds", async () => {
    const { project, stack } = await newProject();
    // 50 req/s for 10 s keeps figlet hot past the embedded platform's 5 s scale-up delay: it ends the first
    // iteration with 2 replicas or more, and scales down only after 30 s cool.
    const scaling = { ...SMALL_CAMPAIGN, functions: [SMALL_CAMPAIGN.functions[0]], rate_strategy: { type: "custom", rates: [50] }, duration: "10s", iterations: 2 };

    // A load window shorter than three scrapes of the platform's Prometheus: refused before any resource exists.
    await stack.setConfig("peva-lab:workloads", workloadsConfig({ ...scaling, duration: "1s" }));
    const invalid = await pulumiUp(project);
    expect(invalid.code, invalid.output).not.toBe(0);
    expect(invalid.output).toContain("peva-lab:workloads.peva-faas.settings.duration: duration 1s is shorter than the minimum 3s");
    expect((await stackUrns(stack)).filter((u) => !u.includes("pulumi:pulumi:Stack"))).toEqual([]);

    // The cooldown before iteration 2 may wait 2 s only: the replicas are still up, so the configuration fails
    // (cooldown_timeout) without a verdict and the run is incomplete.
    await stack.setConfig("peva-lab:workloads", workloadsConfig({ ...scaling, cooldown: { ...SMALL_CAMPAIGN.cooldown, max_wait_seconds: 2 } }));
    const incomplete = await pulumiUp(project);
    expect(incomplete.code, incomplete.output).not.toBe(0);
    expect(incomplete.output).toMatch(/campaign run \S+ incomplete: 1 configuration\(s\) failed and have no verdict; the next run retries them/);
    expect(await recordedRunStatus(stack)).toBe("incomplete");

    // Time enough to cool down (the same campaign: cooldowns are not part of its identity): the next up retries the
    // configuration, resumes at iteration 2, gets the verdict and exits 0.
    await stack.setConfig("peva-lab:workloads", workloadsConfig({ ...scaling, cooldown: { ...SMALL_CAMPAIGN.cooldown, max_wait_seconds: 150, sleep_step_seconds: 2 } }));
    const done = await pulumiUp(project);
    expect(done.code, done.output).toBe(0);
    expect(await recordedRunStatus(stack)).toBe("done");
    const run = (await stack.outputs())["run"]?.value as RunOutput;
    expect(run.counts).toMatchObject({ planned: 1, executed: 1, failed: 0 });
    await stack.destroy();
  });

  it("opt-in cleanup is all or nothing: one refused path and nothing is deleted, the memory is retrieved first", async () => {
    const { project, stack } = await newProject();
    await stack.setConfig("peva-lab:workloads", workloadsConfig({ ...SMALL_CAMPAIGN, rate_strategy: { type: "custom", rates: [5] }, combinations: { min_functions: 1, max_functions: 2 }, functions: [SMALL_CAMPAIGN.functions[0]] }));
    const outside = join(project.dir, "output/local/keep-me.txt");
    mkdirSync(join(project.dir, "output/local"), { recursive: true });
    writeFileSync(outside, "not yours to delete");
    // `../keep-me.txt` is refused already at preview (lexically); a symlink under the prefix that leads out passes
    // the lexical check and must be refused at destroy, against the real files.
    await stack.setConfig("peva-lab:cleanup", { value: JSON.stringify({ memory: true, paths: ["benchmark_results/peva_faas/memory", "../keep-me.txt"] }) });
    const lexical = await stack.preview().then(
      () => "",
      (e: unknown) => String(e),
    );
    expect(lexical).toMatch(/peva-lab:cleanup\.paths\.1: /);
    await stack.setConfig("peva-lab:cleanup", { value: JSON.stringify({ memory: true, paths: ["benchmark_results/peva_faas/memory", "benchmark_results/peva_faas/escape/keep-me.txt"] }) });
    await stack.up({ onOutput: (s) => process.stdout.write(s) });
    const run = (await stack.outputs())["run"]?.value as RunOutput;
    expect(existsSync(run.memoryDb)).toBe(true);
    // <workdir>/benchmark_results/peva_faas/escape -> output/local, where keep-me.txt lives.
    symlinkSync(join(project.dir, "output/local"), join(dirname(dirname(run.memoryDb)), "escape"));

    const refused = await stack.destroy().then(
      () => "",
      (e: unknown) => String(e),
    );
    expect(refused).toContain("destroy step 'opt-in cleanup' failed: cleanup refused (nothing was deleted)");
    expect(refused).toContain("keep-me.txt");
    expect(existsSync(run.memoryDb)).toBe(true); // all or nothing: one refused path, nothing deleted
    expect(existsSync(join(project.dir, "output/local/memory/localhost/peva_faas.duckdb"))).toBe(true);
    expect(existsSync(outside)).toBe(true);

    // Only the allowed path (an up records it; nothing re-runs): the destroy finishes and removes it, after the copy.
    await stack.setConfig("peva-lab:cleanup", { value: JSON.stringify({ memory: true, paths: ["benchmark_results/peva_faas/memory"] }) });
    const narrowed = await stack.up();
    expect(narrowed.summary.resourceChanges?.["update"]).toBe(1);
    await stack.destroy();
    expect(await stackUrns(stack)).toEqual([]);
    expect(existsSync(run.memoryDb)).toBe(false);
    expect(existsSync(join(project.dir, "output/local/memory/localhost/peva_faas.duckdb"))).toBe(true);
    expect(existsSync(outside)).toBe(true);
  });
});
