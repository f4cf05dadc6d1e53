/**
 * Sequential decisions and early abort through the whole campaign runner (`peva-faas run`): the real embedded
 * gateway (one figlet worker, a short queue), real vegeta, a real Prometheus. A campaign of figlet at 10 req/s (well
 * within one worker) and at 300 req/s (far beyond it: most requests get 429) with 3 iterations of 6 s:
 * - the light configuration runs its windows whole and is decided after two iterations that agree;
 * - the overloaded one has its load stopped once its overload is certain, with the evidence recorded, and is
 *   decided after two aborted iterations;
 * - the iterations left are in the memory as `not_needed`, with the decision as their reason.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "@peva-lab/platform-local";
import type { RunEvent } from "../../src/runner/events.ts";
import { queryMemory } from "./support/memory-db.ts";
import {
  eventsOfType,
  fastCampaignSettings,
  killAllRunners,
  readCsv,
  readEvents,
  runnerLogTail,
  type RunPaths,
  type ScrapedGateway,
  startRunner,
  startScrapedGateway,
  writeRunSpec,
} from "./support/runner-process.ts";

const PASSWORD = "early-secret";
const DURATION_S = 6;
const LIGHT = 10;
const HEAVY = 300;

let root: string;
let gateway: Gateway | undefined;
let scraping: ScrapedGateway | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "peva-early-it-"));
  gateway = await startGateway({ password: PASSWORD, functions: ["figlet"], minReplicas: 1, maxReplicas: 1, queueDepth: 4 });
  scraping = await startScrapedGateway(`127.0.0.1:${gateway.port}`);
});

afterAll(async () => {
  await killAllRunners();
  await scraping?.stop();
  await gateway?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

function spec(runId: string, over: Record<string, unknown>): RunPaths {
  const settings = {
    ...fastCampaignSettings({ functions: ["figlet"], rates: [LIGHT, HEAVY], duration: `${DURATION_S}s`, iterations: 3, ramIdleFloorBytes: totalmem() }),
    ...over,
  };
  return writeRunSpec({ runId, root: join(root, runId), gatewayUrl: gateway!.url, prometheusUrl: scraping!.prometheusUrl, password: PASSWORD, nodeCores: availableParallelism(), settings });
}

/** results_long.csv node figures of every iteration: `<rate>/<iteration>` → metric → value. */
function nodeFigures(paths: RunPaths): Map<string, Map<string, string>> {
  const rows = readCsv(join(paths.resultsDir, "results_long.csv")).rows;
  const rateOf = new Map(rows.filter((r) => r["function"] === "figlet").map((r) => [r["config_id"]!, r["rate"]!]));
  const out = new Map<string, Map<string, string>>();
  for (const r of rows.filter((x) => x["function"] === "")) {
    const key = `${rateOf.get(r["config_id"]!)}/${r["iteration"]}`;
    const m = out.get(key) ?? new Map<string, string>();
    m.set(r["metric"]!, r["value"]!);
    out.set(key, m);
  }
  return out;
}

describe("a campaign that decides early and aborts settled iterations, on the real local platform", () => {
  it("stops the overloaded load early with its evidence, never the light one, and records what was not needed", { timeout: 240_000 }, async () => {
    // results.csv in milliseconds: the DFaaS export keeps nanoseconds.
    const paths = spec("early", { scheduler: "cartesian", decide_early: true, early_abort: { enabled: true }, results: { latency_unit: "ms" } });
    const exit = await startRunner(paths, 200_000).exited;
    expect(exit, runnerLogTail(paths)).toEqual({ code: 0, signal: null });
    const events = readEvents(paths.events);
    const finished = eventsOfType(events, "run_finished")[0]!;
    expect(finished.status).toBe("done");
    expect(finished.counts).toMatchObject({ executed: 2, overloaded: 1, iterations: 4, not_needed: 2, aborted_early: 2 });
    // The summary's cost figure: the wall time per second of load asked for, over the four windows started.
    expect(finished.counts.nominal_load_seconds).toBe(4 * DURATION_S);
    expect(finished.counts.load_seconds!).toBeLessThan(4 * DURATION_S);

    // Aborted: only the heavy configuration, once its best case was below the thresholds, before the window's end.
    const aborted = eventsOfType(events, "iteration_aborted_early");
    expect(aborted.map((e) => e.iteration)).toEqual([1, 2]);
    const configOf = (rate: number) => eventsOfType(events, "config_started").find((e) => e.pairs[0]!.rate === rate)!.config_id;
    for (const e of aborted) {
      expect(e.config_id).toBe(configOf(HEAVY));
      expect(e.evidence.elapsed_seconds).toBeGreaterThanOrEqual(0.2 * DURATION_S);
      expect(e.evidence.elapsed_seconds).toBeLessThan(DURATION_S);
      expect(e.evidence.reasons.length).toBeGreaterThan(0);
      expect(e.evidence.functions[0]!.best_success_rate).toBeLessThan(0.9);
    }
    const done = new Map(eventsOfType(events, "config_done").map((e) => [e.config_id, e.overloaded]));
    expect(done.get(configOf(LIGHT))).toBe(false);
    expect(done.get(configOf(HEAVY))).toBe(true);

    // Per iteration: the light windows ran whole, the heavy ones stopped early (and Prometheus saw only that load).
    const figures = nodeFigures(paths);
    expect([...figures.keys()].sort()).toEqual([`${LIGHT}/1`, `${LIGHT}/2`, `${HEAVY}/1`, `${HEAVY}/2`].sort());
    for (const it of [1, 2]) {
      expect(figures.get(`${LIGHT}/${it}`)!.get("aborted_early")).toBe("0");
      expect(Number(figures.get(`${LIGHT}/${it}`)!.get("load_seconds"))).toBeGreaterThan(DURATION_S - 0.5);
      expect(figures.get(`${HEAVY}/${it}`)!.get("aborted_early")).toBe("1");
      expect(Number(figures.get(`${HEAVY}/${it}`)!.get("load_seconds"))).toBeLessThan(DURATION_S - 1);
    }

    // The memory: two judged iterations per configuration, the third recorded as not needed with the decision;
    // the heavy windows (start → end) as short as the load that ran.
    const rows = await queryMemory(
      paths.memoryDb,
      `SELECT config_id, iteration, status, skip_reason, end_ts - start_ts AS seconds FROM execution_events ORDER BY config_id, iteration`,
    );
    const of = (rate: number) => rows.filter((r) => r["config_id"] === configOf(rate)).map((r) => [Number(r["iteration"]), r["status"]]);
    expect(of(LIGHT)).toEqual([[1, "executed"], [2, "executed"], [3, "not_needed"]]);
    expect(of(HEAVY)).toEqual([[1, "executed"], [2, "executed"], [3, "not_needed"]]);
    for (const r of rows.filter((x) => x["status"] === "not_needed")) expect(String(r["skip_reason"])).toMatch(/^decided_early: [02] of 2 judged iterations overloaded/);
    for (const r of rows.filter((x) => x["config_id"] === configOf(HEAVY) && x["status"] === "executed")) expect(Number(r["seconds"])).toBeLessThan(DURATION_S - 1);
    const results = readCsv(join(paths.resultsDir, "results.csv")).rows;
    const exported = readCsv(join(paths.resultsDir, "dfaas", "results.csv")).rows;
    expect(exported).toHaveLength(results.length);
    results.forEach((row, i) => {
      const ms = Number(row["medium_latency_function_figlet"]);
      const ns = Number(exported[i]!["medium_latency_function_figlet"]);
      expect(Math.floor(ns / 1e6), `row ${i}`).toBe(ms);
      expect(exported[i]!["success_rate_function_figlet"]).toBe(row["success_rate_function_figlet"]);
    });
    const verdicts = await queryMemory(paths.memoryDb, "SELECT config_id, overloaded, overload_count, iterations FROM config_verdicts ORDER BY config_id");
    expect(verdicts.map((v) => [v["config_id"], v["overloaded"], Number(v["overload_count"]), Number(v["iterations"])]).sort()).toEqual(
      [
        [configOf(HEAVY), true, 2, 3],
        [configOf(LIGHT), false, 0, 3],
      ].sort(),
    );
  });

  it("with both off, every iteration runs its whole window", { timeout: 240_000 }, async () => {
    const paths = spec("exhaustive", { scheduler: "cartesian", rate_strategy: { type: "custom", rates: [HEAVY] }, iterations: 2 });
    const exit = await startRunner(paths, 200_000).exited;
    expect(exit, runnerLogTail(paths)).toEqual({ code: 0, signal: null });
    const events = readEvents(paths.events);
    expect(eventsOfType(events, "iteration_aborted_early")).toEqual([]);
    const finished = eventsOfType(events, "run_finished")[0]! as Extract<RunEvent, { type: "run_finished" }>;
    expect(finished.counts).toMatchObject({ iterations: 2, overloaded: 1 });
    expect(finished.counts.not_needed ?? 0).toBe(0);
    for (const it of [1, 2]) expect(Number(nodeFigures(paths).get(`${HEAVY}/${it}`)!.get("load_seconds"))).toBeGreaterThan(DURATION_S - 0.5);
  });
});
