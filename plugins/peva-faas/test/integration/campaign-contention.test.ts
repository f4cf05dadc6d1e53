/**
 * Noisy neighbours through the whole campaign runner (`peva-faas run`): the real embedded gateway (one shasum
 * worker), real vegeta, a real Prometheus scraping the gateway and node-exporter. Without a neighbour the campaign
 * ends `done` with no contended iteration; with CPU hogs (2 × the cores) started beside the platform the iteration
 * is contended, re-run `max_reruns` times, and the configuration fails as `contended` (run `incomplete`), with the
 * contended attempts in the event stream, the counts and the memory.
 */
import type { ChildProcess } from "node:child_process";
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
  waitForEvent,
  writeRunSpec,
} from "./support/runner-process.ts";
import { startHogs, stopHogs } from "./support/cpu-hogs.ts";

const PASSWORD = "contention-secret";
const RUNNER_TIMEOUT_MS = 150_000;
const CORES = availableParallelism();

let root: string;
let gateway: Gateway | undefined;
let scraping: ScrapedGateway | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "peva-contention-it-"));
  // One worker: 20 req/s of shasum keep it a fraction of one core busy, so without a neighbour it hardly waits.
  gateway = await startGateway({ password: PASSWORD, functions: ["shasum"], minReplicas: 1, maxReplicas: 1 });
  scraping = await startScrapedGateway(`127.0.0.1:${gateway.port}`);
});

afterAll(async () => {
  await killAllRunners();
  await scraping?.stop();
  await gateway?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A one-configuration campaign (shasum at 20 req/s, one 4 s iteration, at most one re-run) in its own memory. */
function spec(runId: string): RunPaths {
  const settings = {
    ...fastCampaignSettings({ functions: ["shasum"], rates: [20], duration: "4s", iterations: 1, ramIdleFloorBytes: totalmem() }),
    contention: { max_starvation: 0.25, max_reruns: 1 },
  };
  return writeRunSpec({ runId, root: join(root, runId), gatewayUrl: gateway!.url, prometheusUrl: scraping!.prometheusUrl, password: PASSWORD, nodeCores: CORES, settings });
}

function finishedOf(events: readonly RunEvent[]): Extract<RunEvent, { type: "run_finished" }> {
  const finished = eventsOfType(events, "run_finished");
  expect(finished).toHaveLength(1);
  return finished[0]!;
}

/** The node rows of results_long.csv by metric. */
function longNode(paths: RunPaths): Map<string, string> {
  const long = readCsv(join(paths.resultsDir, "results_long.csv"));
  return new Map(long.rows.filter((r) => r["function"] === "").map((r) => [r["metric"]!, r["value"]!]));
}

describe("noisy-neighbour detection in a campaign on the real local platform", () => {
  it("without a neighbour: no contended iteration, the starvation recorded with the iteration", { timeout: 180_000 }, async () => {
    const paths = spec("quiet");
    const exit = await startRunner(paths, RUNNER_TIMEOUT_MS).exited;
    expect(exit, runnerLogTail(paths)).toEqual({ code: 0, signal: null });
    const events = readEvents(paths.events);
    expect(eventsOfType(events, "iteration_contended")).toEqual([]);
    const finished = finishedOf(events);
    expect(finished.status).toBe("done");
    expect(finished.counts.contended ?? 0).toBe(0);
    const node = longNode(paths);
    const starvation = Number(node.get("cpu_starvation"));
    expect(Number.isFinite(starvation), `cpu_starvation ${node.get("cpu_starvation")}`).toBe(true);
    expect(starvation).toBeLessThanOrEqual(0.25);
    expect(Number(node.get("platform_cpu_run"))).toBeGreaterThan(0);
  });

  it("with CPU hogs beside the platform: contended, re-run, then the configuration fails as contended", { timeout: 180_000 }, async () => {
    const paths = spec("noisy");
    const runner = startRunner(paths, RUNNER_TIMEOUT_MS);
    let hogs: ChildProcess[] = [];
    try {
      // After the baseline (which a busy node would fail), before the first load window.
      const started = await waitForEvent(paths.events, (e) => e.type === "config_started", { timeoutMs: 60_000, exited: () => false });
      expect(started, runnerLogTail(paths)).toBeDefined();
      hogs = startHogs(CORES * 2, 120);
      const exit = await runner.exited;
      expect(exit, runnerLogTail(paths)).toEqual({ code: 4, signal: null }); // incomplete
    } finally {
      await stopHogs(hogs);
      await runner.kill();
    }
    const events = readEvents(paths.events);
    const contended = eventsOfType(events, "iteration_contended");
    expect(contended.map((e) => [e.iteration, e.rerun, e.will_rerun])).toEqual([
      [1, 0, true],
      [1, 1, false],
    ]);
    for (const e of contended) expect(e.starvation).toBeGreaterThan(e.max_starvation);
    expect(eventsOfType(events, "iteration_done")).toEqual([]);
    expect(eventsOfType(events, "config_failed").map((e) => e.reason)).toEqual(["contended"]);
    const finished = finishedOf(events);
    expect(finished.status).toBe("incomplete");
    expect(finished.counts).toMatchObject({ executed: 0, failed: 1, iterations: 0, contended: 2 });
    // Never judged: nothing in results.csv; the memory keeps the contended iteration with its figures.
    expect(readCsv(join(paths.resultsDir, "results.csv")).rows).toEqual([]);
    const rows = await queryMemory(paths.memoryDb, "SELECT status, skip_reason, iteration FROM execution_events ORDER BY iteration, status");
    expect(rows.map((r) => [r["status"], r["skip_reason"], Number(r["iteration"])])).toEqual([
      ["failed", "contended", 0],
      ["contended", "contended", 1],
    ]);
  });
});
