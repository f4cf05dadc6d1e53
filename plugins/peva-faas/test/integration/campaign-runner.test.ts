/**
 * A whole PEVA-FAAS campaign through the runner CLI (`node plugins/peva-faas/bin/peva-faas.ts run --spec …`), with
 * real vegeta (open-loop load, the bundled generator plugin) and a real Prometheus scraping node-exporter and a fake gateway of KNOWN capacity every
 * second. Capacities are chosen so the overload point is known: figlet serves 40 req/s, shasum 60 req/s, so with
 * rates [10, 30, 80, 120] both overload at 80 (success rate far below 0.9) and 120 is dominated.
 *
 * Only the success rate can mark an overload here: node CPU/RAM thresholds are 100 % and the cooldown never
 * waits on node CPU or RAM, so a busy CI machine neither overloads nor times out.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeConfiguration, type FunctionRate } from "../../src/model.ts";
import { INDEX_HEADER, RESULTS_LONG_HEADER, resultsHeader, skippedHeader } from "../../src/results/columns.ts";
import { metricsFileName, summaryFileName } from "../../src/results/naming.ts";
import { tableRowCounts } from "../../src/runner/retrieve.ts";
import type { RunEvent } from "../../src/runner/events.ts";
import { CORE_TABLES } from "../../src/memory/sql.ts";
import { startFakeGateway, type FakeGateway } from "./support/fake-gateway.ts";
import { loadLikeDfaasNotebook } from "./support/dfaas-notebook.ts";
import { queryMemory } from "./support/memory-db.ts";
import {
  eventsOfType,
  fastCampaignSettings,
  killAllRunners,
  processesNamedMentioning,
  readCsv,
  readEvents,
  type RunnerExit,
  runnerLogTail,
  type RunPaths,
  type ScrapedGateway,
  startRunner,
  startScrapedGateway,
  waitForEvent,
  writeRunSpec,
} from "./support/runner-process.ts";

const PASSWORD = "fake-gateway-secret";
const CAPACITY: Readonly<Record<string, number>> = { figlet: 40, shasum: 60 };
const FUNCTIONS = ["figlet", "shasum"] as const;
const RATES = [10, 30, 80, 120] as const;
const ITERATIONS = 2;
/** Resident memory the fake gateway reports for every function (its default), as results.csv prints it. */
const RESIDENT_BYTES = "33554432.000";
/** Upper bound of one runner process (the campaign takes well under a minute on an idle machine). */
const RUNNER_TIMEOUT_MS = 200_000;

const above = (p: FunctionRate): boolean => p.rate > CAPACITY[p.name]!;
const key = (pairs: readonly FunctionRate[]): string => pairs.map((p) => `${p.name}=${p.rate}`).join(",");

/**
 * What the cartesian scheduler must do, per function (rates ascending): run every rate up to and including the
 * first one above capacity (that one overloads), and skip every higher rate as dominated by it.
 */
const EXPECTED = (() => {
  const executed: FunctionRate[][] = [];
  const dominated: FunctionRate[][] = [];
  for (const name of FUNCTIONS) {
    let overloadSeen = false;
    for (const rate of RATES) {
      const pairs = [{ name, rate }];
      if (overloadSeen) dominated.push(pairs);
      else executed.push(pairs);
      if (rate > CAPACITY[name]!) overloadSeen = true;
    }
  }
  return {
    executed,
    dominated,
    executedIds: new Set(executed.map((p) => makeConfiguration(p).id)),
    overloadedIds: new Set(executed.filter((p) => p.some(above)).map((p) => makeConfiguration(p).id)),
    planned: FUNCTIONS.length * RATES.length,
  };
})();

let root: string;
let gateway: FakeGateway | undefined;
let scraping: ScrapedGateway | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "peva-campaign-it-"));
  gateway = await startFakeGateway({ functions: FUNCTIONS.map((name) => ({ name, capacity: CAPACITY[name]! })), password: PASSWORD });
  scraping = await startScrapedGateway(gateway.target);
});

afterAll(async () => {
  await killAllRunners();
  await scraping?.stop();
  await gateway?.close();
  if (root && !process.env["KEEP_IT"]) rmSync(root, { recursive: true, force: true });
});

function spec(runId: string, dir: string): RunPaths {
  return writeRunSpec({
    runId,
    root: dir,
    gatewayUrl: gateway!.url,
    prometheusUrl: scraping!.prometheusUrl,
    password: PASSWORD,
    nodeCores: availableParallelism(),
    settings: fastCampaignSettings({ functions: FUNCTIONS, rates: RATES, duration: "3s", iterations: ITERATIONS, ramIdleFloorBytes: totalmem() }),
  });
}

/** config_id → pairs, from the run's config_started and config_skipped events. */
function pairsById(events: readonly RunEvent[]): Map<string, readonly FunctionRate[]> {
  const m = new Map<string, readonly FunctionRate[]>();
  for (const e of events) if (e.type === "config_started" || e.type === "config_skipped") m.set(e.config_id, e.pairs);
  return m;
}

function runFinished(events: readonly RunEvent[]): Extract<RunEvent, { type: "run_finished" }> {
  const finished = eventsOfType(events, "run_finished");
  expect(finished).toHaveLength(1);
  return finished[0]!;
}

/**
 * Runs the runner on `paths` and checks that it stopped before any load: exit 1, no `run_started`, a failed run,
 * and not one request served by `gw` to figlet. Returns the events and the runner's log.
 */
async function expectStoppedBeforeLoad(paths: RunPaths, gw: FakeGateway): Promise<{ events: RunEvent[]; log: string }> {
  const before = gw.stats("figlet");
  const exit = await startRunner(paths, RUNNER_TIMEOUT_MS).exited;
  expect(exit, runnerLogTail(paths)).toEqual({ code: 1, signal: null });
  const events = readEvents(paths.events);
  expect(eventsOfType(events, "run_started")).toEqual([]);
  expect(runFinished(events)).toMatchObject({ status: "failed" });
  expect(gw.stats("figlet")).toEqual(before);
  return { events, log: readFileSync(paths.log, "utf8") };
}

function statusJson(paths: RunPaths): { status: string; exit_code: number } {
  return JSON.parse(readFileSync(paths.status, "utf8")) as { status: string; exit_code: number };
}

describe("campaign runner against a fake gateway of known capacity", () => {
  it("runs the campaign: overloads found by success rate, dominated rates skipped, every output written", { timeout: 240_000 }, async () => {
    const paths = spec("campaign-1", join(root, "full"));
    const before = Object.fromEntries(FUNCTIONS.map((f) => [f, gateway!.stats(f)]));
    expect(existsSync(paths.passwordFile)).toBe(true);
    const exit = await startRunner(paths, RUNNER_TIMEOUT_MS).exited;
    expect(exit, runnerLogTail(paths)).toEqual({ code: 0, signal: null });
    // The run's own secret file does not outlive the run (the runner deletes it once read).
    expect(existsSync(paths.passwordFile)).toBe(false);

    // --- events -------------------------------------------------------------------------------------------
    const events = readEvents(paths.events);
    const types = new Set(events.map((e) => e.type));
    for (const t of ["run_started", "config_started", "iteration_done", "config_done", "config_skipped", "progress", "run_finished"]) {
      expect(types, `event type ${t}`).toContain(t);
    }
    expect(events.every((e) => e.run_id === "campaign-1")).toBe(true);
    expect(eventsOfType(events, "run_started")[0]!.planned).toBe(EXPECTED.planned);
    const finished = runFinished(events);
    expect(finished.status).toBe("done");
    expect(finished.success).toBe(true);
    const { wall_seconds: wall, load_seconds: loaded, ...runCounts } = finished.counts;
    expect(runCounts).toEqual({
      planned: EXPECTED.planned,
      executed: EXPECTED.executed.length,
      skipped: { dominated_by_overload: EXPECTED.dominated.length },
      overloaded: EXPECTED.overloadedIds.size,
      failed: 0,
      iterations: EXPECTED.executed.length * ITERATIONS,
      // cartesian: no early decision or abort; every window started counts its 3 s.
      nominal_load_seconds: EXPECTED.executed.length * ITERATIONS * 3,
    });
    // Windows run from the first request to the last response: about their duration each, within the wall time.
    expect(loaded!).toBeGreaterThan(0.9 * runCounts.nominal_load_seconds!);
    expect(wall!).toBeGreaterThan(loaded!);
    expect(eventsOfType(events, "config_failed")).toEqual([]);
    expect(eventsOfType(events, "iteration_lost")).toEqual([]);

    // Overload detected for exactly the configurations above capacity, in every iteration.
    const byId = pairsById(events);
    const done = eventsOfType(events, "config_done");
    expect(new Set(done.map((e) => e.config_id))).toEqual(EXPECTED.executedIds);
    for (const e of done) expect(e.overloaded, key(byId.get(e.config_id)!)).toBe(EXPECTED.overloadedIds.has(e.config_id));
    const iterations = eventsOfType(events, "iteration_done");
    expect(iterations).toHaveLength(EXPECTED.executed.length * ITERATIONS);
    for (const id of EXPECTED.executedIds) {
      const its = iterations.filter((e) => e.config_id === id);
      expect(its.map((e) => e.iteration).sort()).toEqual([1, 2]);
      for (const e of its) {
        expect(e.overloaded, `${key(byId.get(id)!)} iteration ${e.iteration}`).toBe(EXPECTED.overloadedIds.has(id));
        expect(e.load_s).toBeGreaterThan(0);
        expect(e.rest_s).toBeGreaterThanOrEqual(0);
      }
    }
    // The rates above the overload point were skipped as dominated, never run.
    const skippedEvents = eventsOfType(events, "config_skipped");
    expect(skippedEvents.map((e) => [key(e.pairs), e.reason]).sort()).toEqual(EXPECTED.dominated.map((p) => [key(p), "dominated_by_overload"]).sort());
    for (const e of skippedEvents) expect(eventsOfType(events, "config_started").some((s) => s.config_id === e.config_id)).toBe(false);
    // Progress is monotonic and ends at the plan size.
    const progress = eventsOfType(events, "progress");
    expect(progress.every((p) => p.total === EXPECTED.planned)).toBe(true);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(progress.at(-1)!.done).toBeGreaterThanOrEqual(EXPECTED.planned - EXPECTED.dominated.length);
    // The results directory holds a mirror of the stream; status.json the exit.
    const withoutTs = (es: readonly RunEvent[]): unknown[] => es.map(({ ts: _ts, ...rest }) => rest);
    expect(withoutTs(readEvents(join(paths.resultsDir, "events.jsonl")))).toEqual(withoutTs(events));
    expect(statusJson(paths)).toMatchObject({ status: "done", exit_code: 0 });

    // --- results.csv: DFaaS header, one row per executed iteration ------------------------------------------
    const results = readCsv(join(paths.resultsDir, "results.csv"));
    expect(results.header).toEqual(resultsHeader([...FUNCTIONS]));
    expect(results.rows).toHaveLength(EXPECTED.executed.length * ITERATIONS);
    const cpuSeen = new Set<string>();
    for (const row of results.rows) {
      const name = FUNCTIONS.find((f) => row[`function_${f}`] === f)!;
      expect(name, JSON.stringify(row)).toBeDefined();
      const rate = Number(row[`rate_function_${name}`]);
      const overloaded = rate > CAPACITY[name]!;
      const success = Number(row[`success_rate_function_${name}`]);
      const label = `${name}=${rate}: ${JSON.stringify(row)}`;
      if (overloaded) expect(success, label).toBeLessThan(0.9);
      else expect(success, label).toBeGreaterThanOrEqual(0.9);
      expect(row[`overloaded_function_${name}`], label).toBe(overloaded ? "1" : "0");
      expect(row["overloaded_node"], label).toBe(overloaded ? "1" : "0");
      expect(row[`replica_${name}`], label).toBe("1");
      // Prometheus really scraped the fake gateway: its constant resident-memory gauge comes back exactly.
      expect(row[`ram_usage_function_${name}`], label).toBe(RESIDENT_BYTES);
      const cpu = Number(row[`cpu_usage_function_${name}`]);
      if (Number.isFinite(cpu) && cpu > 0) cpuSeen.add(name);
      const other = FUNCTIONS.find((f) => f !== name)!;
      expect(row[`function_${other}`], label).toBe("");
    }
    // The DFaaS export: the same rows (latencies already in ns here), in a folder the DFaaS notebook can load,
    // where the run folder itself (index.csv is `;`-separated, results_long.csv and skipped.csv hold text) cannot be.
    expect(readFileSync(join(paths.resultsDir, "dfaas", "results.csv"), "utf8")).toBe(readFileSync(join(paths.resultsDir, "results.csv"), "utf8"));
    const frame = loadLikeDfaasNotebook(join(paths.resultsDir, "dfaas"));
    expect(frame.files).toEqual(["results.csv"]);
    expect(frame.rows).toHaveLength(EXPECTED.executed.length * ITERATIONS);
    expect(frame.columns).toContain("medium_latency_function_figlet");
    expect(() => loadLikeDfaasNotebook(paths.resultsDir)).toThrow(/holds text/);
    expect(readFileSync(join(paths.resultsDir, "dfaas", "README.txt"), "utf8")).toMatch(/medium_latency_function_<function>\s+nanoseconds/);
    // The CPU counter grows with served requests, so every function shows some CPU in some iteration.
    expect([...cpuSeen].sort()).toEqual([...FUNCTIONS]);

    // --- skipped.csv, index.csv, results_long.csv ----------------------------------------------------------
    const skipped = readCsv(join(paths.resultsDir, "skipped.csv"));
    expect(skipped.header).toEqual(skippedHeader([...FUNCTIONS]));
    expect(skipped.header.at(-1)).toBe("reason");
    expect(
      skipped.rows.map((r) => {
        const name = FUNCTIONS.find((f) => r[`function_${f}`] === f)!;
        return [`${name}=${r[`rate_function_${name}`]}`, r["reason"]];
      }).sort(),
    ).toEqual(EXPECTED.dominated.map((p) => [key(p), "dominated_by_overload"]).sort());

    const index = readCsv(join(paths.resultsDir, "index.csv"), ";");
    expect(index.header).toEqual([...INDEX_HEADER]);
    expect(index.rows.map((r) => `${r["functions"]} ${r["rates"]} ${r["results_file"]}`).sort()).toEqual(
      EXPECTED.executed.map((p) => `['${p[0]!.name}'] [${p[0]!.rate}] results.csv`).sort(),
    );

    const long = readCsv(join(paths.resultsDir, "results_long.csv"));
    expect(long.header).toEqual([...RESULTS_LONG_HEADER]);
    expect(new Set(long.rows.map((r) => r["config_id"]))).toEqual(EXPECTED.executedIds);
    expect(new Set(long.rows.map((r) => r["iteration"]))).toEqual(new Set(["1", "2"]));
    // Every latency row names its unit, nanoseconds.
    expect(new Set(long.rows.filter((r) => r["metric"]!.includes("latency")).map((r) => r["unit"]))).toEqual(new Set(["ns"]));
    // Every request the generator counted reached the fake gateway, and nothing else did.
    for (const f of FUNCTIONS) {
      const sent = long.rows.filter((r) => r["function"] === f && r["metric"] === "requests").reduce((a, r) => a + Number(r["value"]), 0);
      const after = gateway!.stats(f);
      const received = after.ok + after.rejected - (before[f]!.ok + before[f]!.rejected);
      expect(sent, f).toBeGreaterThan(0);
      expect(received, f).toBe(sent);
    }

    // --- per-iteration artefacts ---------------------------------------------------------------------------
    const expectedIters = [...EXPECTED.executedIds].flatMap((id) => [1, 2].map((i) => [id, i] as const));
    expect(readdirSync(join(paths.resultsDir, "metrics")).sort()).toEqual(expectedIters.map(([id, i]) => metricsFileName(id, i, 1)).sort());
    expect(readdirSync(join(paths.resultsDir, "summaries")).sort()).toEqual(expectedIters.map(([id, i]) => summaryFileName(id, i, 1)).sort());
    // The generator's per-request files are removed after each iteration (results.keep_generator_files is off).
    expect(readdirSync(join(paths.resultsDir, "loadgen"))).toEqual([]);
    for (const [id, i] of expectedIters) {
      const summary = JSON.parse(readFileSync(join(paths.resultsDir, "summaries", summaryFileName(id, i, 1)), "utf8")) as unknown;
      expect(summary, `${id} iteration ${i}`).not.toBeNull();
      const metrics = readFileSync(join(paths.resultsDir, "metrics", metricsFileName(id, i, 1)), "utf8").trim().split("\n");
      expect(metrics).toHaveLength(2);
    }

    // --- the DuckDB memory -------------------------------------------------------------------------------------
    const counts = await tableRowCounts(paths.memoryDb);
    for (const t of CORE_TABLES) expect(counts[t], t).toBeGreaterThan(0);
    expect(counts).toMatchObject({
      memory_schema_meta: 1,
      run_sessions: 1,
      config_catalog: EXPECTED.planned,
      // One executed event per iteration plus one event per skipped configuration.
      execution_events: EXPECTED.executed.length * ITERATIONS + EXPECTED.dominated.length,
      config_verdicts: EXPECTED.executed.length,
      loadgen_raw_reports: EXPECTED.executed.length * ITERATIONS,
    });
    const generators = await queryMemory(paths.memoryDb, "SELECT DISTINCT generator, report_format FROM loadgen_raw_reports");
    expect(generators).toEqual([{ generator: "vegeta v12.13.0", report_format: "vegeta-report-json/v12" }]);
    const sessions = await queryMemory(paths.memoryDb, "SELECT loadgen, latency_unit FROM run_sessions");
    expect(sessions).toEqual([{ loadgen: "vegeta v12.13.0", latency_unit: "ns" }]);

    // --- results.csv against the vegeta report each row came from ---------------------------------------------
    // Rows and iteration_done events are written in the same order; the raw report is vegeta's own JSON.
    const iterationsDone = eventsOfType(events, "iteration_done");
    expect(iterationsDone).toHaveLength(results.rows.length);
    results.rows.forEach((row, k) => {
      const name = FUNCTIONS.find((f) => row[`function_${f}`] === f)!;
      const raw = JSON.parse(readFileSync(join(paths.resultsDir, "summaries", summaryFileName(iterationsDone[k]!.config_id, iterationsDone[k]!.iteration, 1)), "utf8")) as {
        functions: { name: string; report: { requests: number; success: number; latencies: { mean: number } } }[];
      };
      const report = raw.functions.find((f) => f.name === name)!.report;
      const label = `${name} row ${k}`;
      // DFaaS reads latencies.mean, in nanoseconds, as medium latency: results.csv carries exactly that integer.
      expect(Number(row[`medium_latency_function_${name}`]), label).toBe(report.latencies.mean);
      expect(row[`medium_latency_function_${name}`], label).toMatch(/^\d+$/);
      // vegeta's success ratio is over what it sent; ours also counts what it could not send (none here).
      const dropped = Number(long.rows.find((r) => r["function"] === name && r["metric"] === "dropped" && r["config_id"] === iterationsDone[k]!.config_id && r["iteration"] === String(iterationsDone[k]!.iteration))!["value"]);
      // results.csv prints 3 decimals (%.3f), so the two agree to within half of the last printed digit.
      const expected = (report.success * report.requests) / (report.requests + dropped);
      expect(Math.abs(Number(row[`success_rate_function_${name}`]) - expected), label).toBeLessThanOrEqual(0.0005 + 1e-9);
    });
    const metadata = JSON.parse(readFileSync(join(paths.resultsDir, "run.json"), "utf8")) as Record<string, unknown>;
    expect(metadata).toMatchObject({ latency_unit: "ns", loadgen: { name: "vegeta", version: "v12.13.0", request_timeout: "5s" } });
    // The images as the gateway listed them before the load.
    expect(metadata["function_images"]).toEqual(Object.fromEntries(FUNCTIONS.map((name) => [name, `fake/${name}:1`])));
    const verdicts = await queryMemory(paths.memoryDb, "SELECT config_id, overloaded FROM config_verdicts ORDER BY config_id");
    expect(verdicts.filter((v) => v["overloaded"] === true).map((v) => String(v["config_id"])).sort()).toEqual([...EXPECTED.overloadedIds].sort());
  });

  it("honours the STOP file mid-run (vegeta gone, exit 3) and a rerun with a new run_id resumes from the memory", { timeout: 300_000 }, async () => {
    const dir = join(root, "stop");
    const first = spec("stop-1", dir);
    const runner = startRunner(first, RUNNER_TIMEOUT_MS);
    let exited: RunnerExit | undefined;
    void runner.exited.then((e) => (exited = e));

    // Stop mid-run once one configuration is complete and the next one is half-way (its first iteration done),
    // so the rerun has both a configuration to skip and one to resume.
    const trigger = await waitForEvent(
      first.events,
      (e, all) => e.type === "iteration_done" && all.some((d) => d.type === "config_done" && d.config_id !== e.config_id),
      { timeoutMs: 150_000, intervalMs: 50, exited: () => exited !== undefined },
    );
    expect(trigger, runnerLogTail(first)).toBeDefined();
    // Wait (bounded) until the next iteration's vegeta is running, so the stop lands during the load.
    let loadSeen = false;
    for (let i = 0; i < 500 && !loadSeen && exited === undefined; i++) {
      loadSeen = processesNamedMentioning("vegeta", dir).length > 0;
      if (!loadSeen) await new Promise((r) => setTimeout(r, 20));
    }
    expect(loadSeen, `no vegeta process for ${dir} after the trigger\n${runnerLogTail(first)}`).toBe(true);
    writeFileSync(first.stopFile, "stop requested by the integration test\n");
    const stopAt = Date.now();
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref());
    const stopExit = await Promise.race([runner.exited, timeout]);
    const stopSeconds = (Date.now() - stopAt) / 1000;
    if (stopExit === undefined) await runner.kill();
    expect(stopExit, `runner still running 10 s after STOP\n${runnerLogTail(first)}`).toBeDefined();
    expect(stopSeconds).toBeLessThan(10);
    expect(stopExit).toEqual({ code: 3, signal: null });
    expect(processesNamedMentioning("vegeta", dir)).toEqual([]);

    const events1 = readEvents(first.events);
    const finished1 = runFinished(events1);
    expect(finished1.status).toBe("stopped");
    expect(finished1.success).toBe(false);
    expect(finished1.message).toContain("STOP");
    expect(statusJson(first)).toMatchObject({ status: "stopped", exit_code: 3 });
    const done1 = new Set(eventsOfType(events1, "config_done").map((e) => e.config_id));
    expect(done1.size).toBeGreaterThanOrEqual(1);
    expect(done1.size).toBeLessThan(EXPECTED.executedIds.size);

    // Rerun: same settings (same campaign), new run_id, same workdir (same memory); the STOP file is gone.
    rmSync(first.stopFile);
    const second = spec("stop-2", dir);
    const exit2 = await startRunner(second, RUNNER_TIMEOUT_MS).exited;
    expect(exit2, runnerLogTail(second)).toEqual({ code: 0, signal: null });
    const events2 = readEvents(second.events);
    expect(runFinished(events2).status).toBe("done");
    expect(statusJson(second)).toMatchObject({ status: "done", exit_code: 0 });

    // Completed configurations are skipped as already in memory and never started again.
    const skipped2 = eventsOfType(events2, "config_skipped");
    expect(new Set(skipped2.filter((e) => e.reason === "already_in_memory").map((e) => e.config_id))).toEqual(done1);
    const started2 = new Set(eventsOfType(events2, "config_started").map((e) => e.config_id));
    for (const id of done1) expect(started2.has(id)).toBe(false);

    // Every iteration ran exactly once over the two runs; an interrupted configuration resumed where it stopped.
    const iterKey = (e: { config_id: string; iteration: number }): string => `${e.config_id}#${e.iteration}`;
    const iters1 = eventsOfType(events1, "iteration_done").map(iterKey);
    const iters2 = eventsOfType(events2, "iteration_done").map(iterKey);
    const all = [...iters1, ...iters2];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set([...EXPECTED.executedIds].flatMap((id) => [`${id}#1`, `${id}#2`])));
    const partial = [...new Set(eventsOfType(events1, "iteration_done").map((e) => e.config_id))].filter((id) => !done1.has(id));
    // The stop hit the load of the trigger configuration's second iteration: that configuration is half done.
    expect(partial).toEqual([trigger?.type === "iteration_done" ? trigger.config_id : ""]);
    for (const id of partial) {
      expect(eventsOfType(events2, "iteration_lost").map((e) => e.config_id)).toContain(id);
      expect(iters2.filter((k) => k.startsWith(`${id}#`))).toEqual(
        [1, 2].filter((i) => !iters1.includes(`${id}#${i}`)).map((i) => `${id}#${i}`),
      );
    }

    // The combined verdicts are those of an uninterrupted campaign.
    const verdicts = [...eventsOfType(events1, "config_done"), ...eventsOfType(events2, "config_done")];
    expect(new Set(verdicts.map((v) => v.config_id))).toEqual(EXPECTED.executedIds);
    for (const v of verdicts) expect(v.overloaded).toBe(EXPECTED.overloadedIds.has(v.config_id));

    // The memory holds each executed iteration once, and both sessions with their status.
    const duplicates = await queryMemory(
      second.memoryDb,
      "SELECT config_id, iteration, count(*)::INTEGER AS n FROM execution_events WHERE status = 'executed' GROUP BY 1, 2 HAVING count(*) > 1",
    );
    expect(duplicates).toEqual([]);
    const executed = await queryMemory(second.memoryDb, "SELECT count(*)::INTEGER AS n FROM execution_events WHERE status = 'executed'");
    expect(executed[0]?.["n"]).toBe(EXPECTED.executed.length * ITERATIONS);
    const sessions = await queryMemory(second.memoryDb, "SELECT run_id, status FROM run_sessions ORDER BY run_id");
    expect(sessions).toEqual([
      { run_id: "stop-1", status: "stopped" },
      { run_id: "stop-2", status: "done" },
    ]);
    const counts = await tableRowCounts(second.memoryDb);
    expect(counts["config_verdicts"]).toBe(EXPECTED.executed.length);
  });
  it("a configuration left without a verdict makes the run incomplete (exit 4); the next run retries it", { timeout: 240_000 }, async () => {
    const dir = join(root, "incomplete");
    const base = fastCampaignSettings({ functions: ["figlet"], rates: [10], duration: "3s", iterations: 1, maxFunctions: 2, ramIdleFloorBytes: totalmem() });
    const runSpec = (runId: string, settings: Record<string, unknown>): RunPaths =>
      writeRunSpec({ runId, root: dir, gatewayUrl: gateway!.url, prometheusUrl: scraping!.prometheusUrl, password: PASSWORD, nodeCores: availableParallelism(), settings });

    // A function that stays scaled out (2 replicas) keeps the cooldown before the first iteration from ever seeing
    // an idle platform: the configuration fails with cooldown_timeout and gets no verdict.
    gateway!.setReplicas("figlet", 2);
    let first: RunPaths;
    let exit: RunnerExit;
    try {
      first = runSpec("incomplete-1", { ...base, cooldown: { ...(base["cooldown"] as object), max_wait_seconds: 2 } });
      exit = await startRunner(first, RUNNER_TIMEOUT_MS).exited;
    } finally {
      gateway!.setReplicas("figlet", 1);
    }
    expect(exit, runnerLogTail(first)).toEqual({ code: 4, signal: null });
    const events = readEvents(first.events);
    expect(eventsOfType(events, "config_failed")).toEqual([expect.objectContaining({ reason: "cooldown_timeout" })]);
    const finished = runFinished(events);
    expect(finished).toMatchObject({ status: "incomplete", success: false, counts: { planned: 1, executed: 0, failed: 1 } });
    expect(finished.message).toBe("1 configuration(s) failed and have no verdict; the next run retries them");
    expect(statusJson(first)).toMatchObject({ status: "incomplete", exit_code: 4 });

    // The platform idle again: the same campaign runs the failed configuration again (it is not known, not skipped).
    const second = runSpec("incomplete-2", base);
    const again = await startRunner(second, RUNNER_TIMEOUT_MS).exited;
    expect(again, runnerLogTail(second)).toEqual({ code: 0, signal: null });
    expect(runFinished(readEvents(second.events))).toMatchObject({ status: "done", counts: { planned: 1, executed: 1, failed: 0 } });
  });
  it("an idle baseline already past the overload rules stops the run before any load, naming the figure", { timeout: 120_000 }, async () => {
    const dir = join(root, "busy");
    const base = fastCampaignSettings({ functions: ["figlet"], rates: [10], duration: "3s", iterations: 1, maxFunctions: 2, ramIdleFloorBytes: totalmem() });
    // Any machine uses some RAM: with the RAM rule at 0 %, the idle node is "overloaded" before the first request.
    const paths = writeRunSpec({
      runId: "busy-1",
      root: dir,
      gatewayUrl: gateway!.url,
      prometheusUrl: scraping!.prometheusUrl,
      password: PASSWORD,
      nodeCores: availableParallelism(),
      // Re-measured within the cooldown's bound (2 s here) before the node is called busy.
      settings: { ...base, overload: { ...(base["overload"] as object), ram_overload_pct: 0 }, cooldown: { ...(base["cooldown"] as object), max_wait_seconds: 2 } },
    });
    const before = gateway!.stats("figlet");
    const exit = await startRunner(paths, RUNNER_TIMEOUT_MS).exited;
    expect(exit, runnerLogTail(paths)).toEqual({ code: 1, signal: null });
    const events = readEvents(paths.events);
    expect(eventsOfType(events, "config_started")).toEqual([]);
    expect(runFinished(events)).toMatchObject({ status: "failed" });
    expect(runFinished(events).message).toMatch(/the idle node is already overloaded before any load \(node ram \d+\.\d % > ram_overload_pct 0\).*no load was sent/);
    expect(gateway!.stats("figlet")).toEqual(before);
    expect(readFileSync(paths.log, "utf8")).toMatch(/the idle node is busy \(node ram .*\): measuring the baseline again in 1 s/);
  });
  it("a function the gateway does not list stops the run before any load, naming it and what the gateway lists", { timeout: 120_000 }, async () => {
    const paths = writeRunSpec({
      runId: "undeployed-1",
      root: join(root, "undeployed"),
      gatewayUrl: gateway!.url,
      prometheusUrl: scraping!.prometheusUrl,
      password: PASSWORD,
      nodeCores: availableParallelism(),
      settings: fastCampaignSettings({ functions: ["figlet", "markdown"], rates: [10], duration: "3s", iterations: 1, maxFunctions: 2, ramIdleFloorBytes: totalmem() }),
    });
    const { log } = await expectStoppedBeforeLoad(paths, gateway!);
    expect(log).toContain(
      `function(s) 'markdown' not deployed on gateway ${gateway!.url} (it lists figlet, shasum): deploy them or remove them from the campaign's functions`,
    );
  });

  it("a function running another image than the campaign identity records stops the run before any load, naming both", { timeout: 120_000 }, async () => {
    // The lab deployed figlet from one image; someone replaced it by hand since. Measuring it would file the new
    // code's figures under the old image's campaign.
    const nodeCores = availableParallelism();
    const paths = writeRunSpec({
      runId: "image-1",
      root: join(root, "image"),
      gatewayUrl: gateway!.url,
      prometheusUrl: scraping!.prometheusUrl,
      password: PASSWORD,
      nodeCores,
      platformIdentity: { kind: "local", node_cores: nodeCores, function_image_figlet: "ghcr.io/openfaas/figlet:0.13.0" },
      settings: fastCampaignSettings({ functions: ["figlet"], rates: [10], duration: "3s", iterations: 1, maxFunctions: 2, ramIdleFloorBytes: totalmem() }),
    });
    const { log } = await expectStoppedBeforeLoad(paths, gateway!);
    expect(log).toContain(
      `function 'figlet' runs image 'fake/figlet:1' on gateway ${gateway!.url}, but the campaign identity says 'ghcr.io/openfaas/figlet:0.13.0': ` +
        "deploy it again with `pulumi up` (a function changed by hand would be measured under the wrong identity)",
    );
  });

  it("a function without series in Prometheus stops the run before any load, naming the query, function and file", { timeout: 120_000 }, async () => {
    // markdown is deployed and answers, but exports no series, as on a lab whose cAdvisor job is missing: its
    // figures would all be NaN.
    const partial = await startFakeGateway({ functions: [{ name: "figlet", capacity: 40 }, { name: "markdown", capacity: 40, exportsMetrics: false }], password: PASSWORD });
    const partialScraping = await startScrapedGateway(partial.target);
    try {
      const paths = writeRunSpec({
        runId: "no-series-1",
        root: join(root, "no-series"),
        gatewayUrl: partial.url,
        prometheusUrl: partialScraping.prometheusUrl,
        password: PASSWORD,
        nodeCores: availableParallelism(),
        seriesWaitSeconds: 3,
        settings: fastCampaignSettings({ functions: ["figlet", "markdown"], rates: [10], duration: "3s", iterations: 1, maxFunctions: 2, ramIdleFloorBytes: totalmem() }),
      });
      const { events, log } = await expectStoppedBeforeLoad(paths, partial);
      expect(runFinished(events).message).toMatch(
        /Prometheus has no series after 3 s for ram_usage_function \(function 'markdown'\), cpu_usage_function \(function 'markdown'\); queries file \S+\/queries\/local\.yml: .*no load was sent$/,
      );
      expect(log).toContain('cpu_usage_function [markdown]: 100 * sum(rate(peva_function_cpu_seconds_total{function="markdown"}[5s]))');
      expect([partial.stats("figlet"), partial.stats("markdown")]).toEqual([{ ok: 0, rejected: 0 }, { ok: 0, rejected: 0 }]);
    } finally {
      await partialScraping.stop();
      await partial.close();
    }
  });
});
