/**
 * Runner orchestration overhead: what the campaign runner spends per iteration on everything that is neither
 * load nor cooldown (Prometheus queries, replicas, result files, memory writes, scheduling, event I/O).
 *
 * Runs a real campaign through the runner CLI (real vegeta, real Prometheus scraping node-exporter and the loopback
 * fake gateway every 250 ms; all on 127.0.0.1, started and stopped here) with 1 s loads, and per pair of
 * consecutive `iteration_done` events computes: wall time between them − `load_s` (the load window) − `rest_s`
 * (cooldown). Target: p95 < 1 s.
 *
 * Run: `node bench/runner.bench.ts`. Prints a Markdown section on stdout; exits 0 whether the target is met or
 * not, and non-zero only when the measurement itself failed (runner error, too few iterations).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { startFakeGateway, type FakeGateway } from "../plugins/peva-faas/test/integration/support/fake-gateway.ts";
import {
  eventsOfType,
  fastCampaignSettings,
  killAllRunners,
  readEvents,
  startRunner,
  waitForScrapes,
  writeRunSpec,
} from "../plugins/peva-faas/test/integration/support/runner-process.ts";
import { startNodeExporter, startPrometheus, type ManagedProcess } from "../plugins/peva-faas/test/integration/support/tools.ts";

const TARGET_S = 1;
const PASSWORD = "bench-gateway-secret";
// Both functions stay below capacity at every rate: nothing overloads, nothing is skipped, every configuration runs.
const FUNCTIONS = [
  { name: "figlet", capacity: 40 },
  { name: "shasum", capacity: 60 },
] as const;
const RATES = [5, 10, 20, 30] as const;
const ITERATIONS = 3;
const DURATION_S = 1;
const SCRAPE_INTERVAL = "250ms";
const RUNNER_TIMEOUT_MS = 600_000;

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const fmt = (v: number): string => v.toFixed(3);

let root = "";
let gateway: FakeGateway | undefined;
let nodeExporter: ManagedProcess | undefined;
let prometheus: ManagedProcess | undefined;

async function cleanup(): Promise<void> {
  await killAllRunners();
  await prometheus?.stop().catch(() => undefined);
  await nodeExporter?.stop().catch(() => undefined);
  await gateway?.close().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

async function measure(): Promise<string> {
  root = mkdtempSync(join(tmpdir(), "peva-runner-bench-"));
  gateway = await startFakeGateway({ functions: FUNCTIONS, password: PASSWORD });
  nodeExporter = await startNodeExporter();
  // The runner evaluates `rate()` over windows as long as the load (the idle baseline, the iteration metrics):
  // with 1 s loads that needs a scrape interval well below 1 s.
  prometheus = await startPrometheus(
    [
      { job: "gateway", target: gateway.target },
      { job: "node", target: `127.0.0.1:${nodeExporter.port}` },
    ],
    SCRAPE_INTERVAL,
  );
  await waitForScrapes(prometheus.url, ["gateway", "node"], 8, 60_000);

  const paths = writeRunSpec({
    runId: "runner-bench",
    root,
    gatewayUrl: gateway.url,
    prometheusUrl: prometheus.url,
    password: PASSWORD,
    nodeCores: availableParallelism(),
    settings: fastCampaignSettings({
      functions: FUNCTIONS.map((f) => f.name),
      rates: RATES,
      duration: `${DURATION_S}s`,
      iterations: ITERATIONS,
      ramIdleFloorBytes: totalmem(),
    }),
  });
  const started = Date.now();
  const exit = await startRunner(paths, RUNNER_TIMEOUT_MS).exited;
  const wallS = (Date.now() - started) / 1000;
  const tail = (): string => readFileSync(paths.log, "utf8").split("\n").filter((l) => !l.startsWith("{")).slice(-20).join("\n");
  if (exit.code !== 0) throw new Error(`runner exited ${exit.code ?? exit.signal}:\n${tail()}`);

  const events = readEvents(paths.events);
  const finished = eventsOfType(events, "run_finished")[0];
  if (finished?.status !== "done") throw new Error(`run did not finish as done (${finished?.status ?? "no run_finished"}):\n${tail()}`);
  const iterations = eventsOfType(events, "iteration_done");
  const expected = FUNCTIONS.length * RATES.length * ITERATIONS;
  if (iterations.length !== expected) throw new Error(`expected ${expected} iteration_done events, got ${iterations.length}:\n${tail()}`);

  const overheads: number[] = [];
  for (let i = 1; i < iterations.length; i++) {
    const prev = iterations[i - 1]!;
    const cur = iterations[i]!;
    overheads.push((cur.ts - prev.ts) / 1000 - cur.load_s - cur.rest_s);
  }
  const sorted = [...overheads].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  const max = sorted.at(-1) ?? Number.NaN;
  const loadBeyond = iterations.map((e) => e.load_s - DURATION_S).sort((a, b) => a - b);
  const rest = iterations.map((e) => e.rest_s).sort((a, b) => a - b);
  const pass = p95 < TARGET_S;

  const cpu = cpus();
  const lines = [
    "## Runner orchestration overhead",
    "",
    `- machine: ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    `- date: ${new Date().toISOString().slice(0, 19)}Z`,
    `- campaign: ${FUNCTIONS.length} functions × rates [${RATES.join(", ")}] (single functions), ${ITERATIONS} iterations of ${DURATION_S} s, ` +
      `runner CLI with real vegeta, Prometheus (${SCRAPE_INTERVAL} scrape) and node-exporter, loopback fake gateway; campaign wall time ${wallS.toFixed(1)} s`,
    "- overhead per iteration = wall time between consecutive `iteration_done` events − `load_s` (load window: first request sent → last response) − `rest_s` (cooldown)",
    "",
    "| measure | samples | median (s) | p95 (s) | max (s) | target |",
    "|---|---:|---:|---:|---:|---|",
    `| orchestration overhead | ${overheads.length} | ${fmt(median)} | ${fmt(p95)} | ${fmt(max)} | p95 < ${TARGET_S} s |`,
    `| load window beyond the ${DURATION_S} s load (the last responses) | ${loadBeyond.length} | ${fmt(percentile(loadBeyond, 50))} | ${fmt(percentile(loadBeyond, 95))} | ${fmt(loadBeyond.at(-1) ?? Number.NaN)} | (informative) |`,
    `| cooldown (\`rest_s\`) | ${rest.length} | ${fmt(percentile(rest, 50))} | ${fmt(percentile(rest, 95))} | ${fmt(rest.at(-1) ?? Number.NaN)} | (informative) |`,
    "",
    `Result: **${pass ? "PASS" : "FAIL"}** (p95 orchestration overhead ${fmt(p95)} s ${pass ? "<" : ">="} ${TARGET_S} s).`,
  ];
  return lines.join("\n");
}

try {
  const section = await measure();
  console.log(section);
} catch (e) {
  process.stderr.write(`runner bench: measurement failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
