/**
 * Noisy-neighbour detection on the real platform: the embedded gateway with a real worker, scraped by a real
 * Prometheus (with node-exporter), evaluated with the packaged `local.yml` through the runner's own collector and
 * judged by the runner's own rule with the default settings. Without a neighbour a loaded iteration is not
 * contended; with CPU hogs beside the platform (2 × the cores, spinning) it is.
 */
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "@peva-lab/platform-local";
import { parseWorkloadConfig } from "../../src/config/parse.ts";
import { contentionFiguresOf, judgeContention, type ContentionVerdict } from "../../src/overload/contention.ts";
import { PrometheusClient, collectIterationMetrics, loadQueriesFile, packagedQueriesPath } from "../../src/prometheus/index.ts";
import { startHogs, stopHogs } from "./support/cpu-hogs.ts";
import { startNodeExporter, startPrometheus, waitForTargetsUp, type ManagedProcess } from "./support/tools.ts";

const CORES = availableParallelism();
const SETTINGS = parseWorkloadConfig({}).config.contention;
/** Seconds of load per measured iteration (six 1 s scrapes). */
const LOAD_SECONDS = 6;
/** Requests per second (about 0.2 cores of shasum): a platform that alone wants a fraction of the node. */
const RATE = 20;

let gateway: Gateway | undefined;
let nodeExporter: ManagedProcess | undefined;
let prometheus: ManagedProcess | undefined;
let client: PrometheusClient;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // One replica, one request at a time from this process at 20 req/s: the platform wants a fraction of one core,
  // so without a neighbour it hardly waits, and the figures are not the platform starving itself.
  gateway = await startGateway({ password: "contention", functions: ["shasum"], minReplicas: 1, maxReplicas: 1 });
  nodeExporter = await startNodeExporter();
  prometheus = await startPrometheus([
    { job: "node", target: `127.0.0.1:${nodeExporter.port}` },
    { job: "local", target: `127.0.0.1:${gateway.port}` },
  ]);
  client = new PrometheusClient(prometheus.url, { emptyResultAttempts: 10, emptyResultIntervalMs: 500, timeoutMs: 5000 });
  await waitForTargetsUp(prometheus.url, 2);
  await sleep(3000); // samples before the first window, so every rate() has two
});

afterAll(async () => {
  await prometheus?.stop();
  await nodeExporter?.stop();
  await gateway?.close();
});

/**
 * Loads shasum at {@link RATE} for {@link LOAD_SECONDS} (one request at a time, bounded by time and by count), then
 * judges the window as the runner does.
 */
async function measuredIteration(): Promise<{ verdict: ContentionVerdict; waitCores: number; runCores: number; served: number }> {
  const start = Date.now() / 1000;
  const deadline = Date.now() + LOAD_SECONDS * 1000;
  let served = 0;
  for (let i = 0; i < RATE * LOAD_SECONDS * 2 && Date.now() < deadline; i++) {
    await sleep(Math.max(0, start * 1000 + (i * 1000) / RATE - Date.now()));
    const r = await fetch(`${gateway!.url}/function/shasum`, { method: "POST", body: "abcde", signal: AbortSignal.timeout(10_000) });
    await r.text();
    if (r.status === 200) served++;
  }
  const end = Date.now() / 1000;
  await sleep(2000); // the scrape after the window's end
  const set = loadQueriesFile(packagedQueriesPath("local"));
  const m = await collectIterationMetrics(client, set, { start, end }, ["shasum"], { mode: "at_end", stepSeconds: 1 }, { scaphandre: false });
  const figures = contentionFiguresOf(m.nodeExtra, CORES);
  return { verdict: judgeContention(figures, SETTINGS), waitCores: figures.waitCores, runCores: figures.runCores, served };
}

describe("noisy-neighbour detection on the real local platform", () => {
  it("a loaded iteration without a neighbour is not contended", async () => {
    const it1 = await measuredIteration();
    expect(it1.served).toBeGreaterThan(0);
    // The gateway exports the run delay: the figures are known, not NaN.
    expect(Number.isFinite(it1.waitCores)).toBe(true);
    expect(it1.runCores).toBeGreaterThan(0);
    expect(it1.verdict.contended, `starvation ${it1.verdict.starvation} (wait ${it1.waitCores}, run ${it1.runCores})`).toBe(false);
  });

  it("with CPU hogs beside the platform the iteration is contended", async () => {
    const hogs = startHogs(CORES * 2, 60);
    try {
      const it2 = await measuredIteration();
      expect(it2.served).toBeGreaterThan(0);
      expect(it2.verdict.contended, `starvation ${it2.verdict.starvation} (wait ${it2.waitCores}, run ${it2.runCores})`).toBe(true);
    } finally {
      await stopHogs(hogs);
    }
  });
});
