/**
 * Local platform benchmark (issue 6 measurements). Run: `node bench/local-platform.bench.ts` (Node 24, with the
 * bootstrap's tools first on PATH). Prints one Markdown section on stdout; progress goes to stderr.
 *
 * 1. Load fidelity: the gateway CLI (loopback, port 0) serving `shasum`, driven by the bundled load-generator plugin
 *    (vegeta, through the `loadgen` contract the runner uses) at 50, 100 and 200 req/s for 10 s each.
 *    achieved_rate / target ≥ 0.99 at every rate where the platform was not overloaded (no 429/5xx, counted on
 *    the gateway's own /metrics); overloaded rates are reported but not counted.
 * 2. Harness overhead: a real `pulumi up` of a project copy running a small campaign (figlet, rates 20 and 40,
 *    5 s, 2 iterations); campaign wall time (run_started → run_finished) / (Σ load_s + Σ rest_s) ≤ 1.10.
 * 3. `pulumi up` of a zero-length campaign: a first up (cold stack), destroy, a second up (warm); warm < 20 s.
 *
 * Every process started is stopped at the end, also on failure or SIGINT/SIGTERM. Exits non-zero only when a
 * measurement could not be taken (a missed goal is a FAIL in the output, exit 0).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { FunctionLoadStats, GeneratorIdentity } from "../plugins/core/src/index.ts";
import VegetaLoadgen from "../plugins/loadgen-vegeta/src/plugin.ts";
import { makeConfiguration } from "../plugins/peva-faas/src/model.ts";
import { loadTargets, type FunctionRequestSpec } from "../plugins/peva-faas/src/runner/load-step.ts";
import { generatorEnvironment } from "../plugins/peva-faas/src/runner/generator.ts";
import { newestRunDir, processesMatching, runEvents, workloadsConfig, ZERO_LENGTH_CAMPAIGN } from "../test/support/campaign.ts";
import { copyProject, stackUrns, type ProjectCopy } from "../test/support/pulumi-project.ts";
import { REPO, requireTool } from "../test/support/toolchain.ts";

// ---------------------------------------------------------------------------------------------------------------
// Settings and goals
// ---------------------------------------------------------------------------------------------------------------

const FIDELITY_GOAL = 0.99;
const FIDELITY_RATES = [50, 100, 200] as const;
const FIDELITY_DURATION = "10s";
const FIDELITY_DURATION_S = 10;
const FIDELITY_TIMEOUT_S = 30;
const OVERHEAD_GOAL = 1.1;
const WARM_UP_GOAL_S = 20;
const HIGH_LOAD_PER_CORE = 1; // 1-min load average per core above which the numbers are flagged as noisy

const SHASUM: FunctionRequestSpec = { name: "shasum", method: "POST", body: "abcde", headers: { "Content-Type": "text/plain" } };

/** Measurement 2: a small real campaign (single functions: one function only). */
const OVERHEAD_CAMPAIGN = {
  functions: [{ name: "figlet", method: "POST", body: "Hello DFaas!", headers: { "Content-Type": "text/plain" } }],
  rate_strategy: { type: "custom", rates: [20, 40] },
  combinations: { min_functions: 1, max_functions: 2 },
  duration: "5s",
  iterations: 2,
  cooldown: { max_wait_seconds: 60, sleep_step_seconds: 1 },
};
const OVERHEAD_DURATION_S = 5;

const GATEWAY_MAIN = resolve(REPO, "plugins/platform-local/src/gateway-main.ts");
const VEGETA_DIR = resolve(requireTool("vegeta"), "..");

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every started process registers its stop; run on normal exit, failure and signals
// ---------------------------------------------------------------------------------------------------------------

const cleanups = new Map<string, () => Promise<void>>();
let cleanupSeq = 0;

function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  const key = String(++cleanupSeq);
  const run = async () => {
    if (!cleanups.delete(key)) return; // already ran
    try {
      await fn();
    } catch (e) {
      log(`cleanup failed: ${errText(e)}`);
    }
  };
  cleanups.set(key, fn);
  return run;
}

async function cleanupAll(): Promise<void> {
  for (const key of [...cleanups.keys()].reverse()) {
    const fn = cleanups.get(key);
    cleanups.delete(key);
    try {
      await fn?.();
    } catch (e) {
      log(`cleanup failed: ${errText(e)}`);
    }
  }
}

let signalled = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (signalled) return;
    signalled = true;
    log(`${sig}: stopping everything this benchmark started`);
    const hard = setTimeout(() => process.exit(130), 120_000);
    hard.unref();
    void cleanupAll().finally(() => process.exit(130));
  });
}

let generatorIdentity: GeneratorIdentity | undefined;

function generatorVersion(): string {
  return generatorIdentity ? `${generatorIdentity.name} ${generatorIdentity.version}` : "vegeta (not probed)";
}

function log(line: string): void {
  process.stderr.write(`[local-platform.bench] ${line}\n`);
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "n/a");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const verdict = (ok: boolean) => (ok ? "**PASS**" : "**FAIL**");

/** Kills (by pid, SIGKILL) processes whose command line names this copy's unique temp dir: only ours. */
function killLeftovers(dir: string): number[] {
  const pids = processesMatching(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Load fidelity
// ---------------------------------------------------------------------------------------------------------------

interface GatewayProc {
  readonly child: ChildProcess;
  readonly url: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true;
  return Promise.race([
    new Promise<boolean>((ok) => child.once("exit", () => ok(true))),
    sleep(ms).then(() => exited(child)),
  ]);
}

async function startGatewayCli(dir: string): Promise<GatewayProc> {
  const passwordFile = join(dir, "gateway-password");
  writeFileSync(passwordFile, `${randomBytes(18).toString("base64url")}\n`, { mode: 0o600 });
  const readyFile = join(dir, "gateway.ready.json");
  const logFile = join(dir, "gateway.log");
  const fd = openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    [
      GATEWAY_MAIN,
      "--host", "127.0.0.1",
      "--port", "0",
      "--functions", "shasum",
      "--max-replicas", "4",
      "--queue-depth", "32",
      "--password-file", passwordFile,
      "--ready-file", readyFile,
    ],
    { stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  const stop = onCleanup(async () => {
    if (exited(child)) return;
    child.kill("SIGTERM");
    if (!(await waitExit(child, 6_000))) {
      log(`gateway ${child.pid} did not exit within 6 s of SIGTERM: SIGKILL`);
      child.kill("SIGKILL");
      await waitExit(child, 2_000);
    }
  });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (exited(child)) throw new Error(`gateway exited (${child.exitCode ?? child.signalCode}) before ready; log: ${readFileSync(logFile, "utf8").slice(-2000)}`);
      if (existsSync(readyFile)) {
        const info = JSON.parse(readFileSync(readyFile, "utf8")) as { url: string; port: number; pid: number };
        return { child, url: info.url, stop };
      }
      await sleep(100);
    }
    throw new Error("gateway not ready within 30 s");
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Requests by status code of one function, from the gateway's /metrics. */
async function invocationCodes(url: string, fn: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  const codes = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("peva_function_invocations_total{")) continue;
    const m = /^peva_function_invocations_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels["function"] === fn && labels["code"]) codes.set(labels["code"], Number(m[2]));
  }
  return codes;
}

async function gaugeValue(url: string, metric: string, fn: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const line = (await res.text()).split("\n").find((l) => l.startsWith(`${metric}{`) && l.includes(`function="${fn}"`));
  return line ? Number(line.trim().split(/\s+/).at(-1)) : Number.NaN;
}

interface FidelityRow {
  readonly rate: number;
  readonly load: FunctionLoadStats;
  readonly codes: Record<string, number>;
  readonly overloaded: boolean;
  readonly fidelity: number;
  readonly windowSeconds: number;
  readonly replicasBefore: number;
  readonly replicasAfter: number;
}

async function measureFidelity(): Promise<FidelityRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "peva-bench-fidelity-"));
  const removeDir = onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const gw = await startGatewayCli(dir);
  const rows: FidelityRow[] = [];
  try {
    log(`gateway ready at ${gw.url} (pid ${gw.child.pid})`);
    for (const rate of FIDELITY_RATES) {
      // Let the previous run's queue drain (bounded).
      for (let i = 0; i < 30 && (await gaugeValue(gw.url, "peva_function_queue_depth", "shasum")) > 0; i++) await sleep(500);
      await sleep(2_000);
      const config = makeConfiguration([{ name: "shasum", rate }]);
      const workDir = join(dir, `rate-${rate}`);
      mkdirSync(workDir, { recursive: true });
      const before = await invocationCodes(gw.url, "shasum");
      const replicasBefore = await gaugeValue(gw.url, "peva_function_replicas", "shasum");
      log(`vegeta: shasum at ${rate} req/s for ${FIDELITY_DURATION}`);
      const generator = new VegetaLoadgen();
      generator.configure(generator.configSchema.parse({}));
      generatorIdentity = await generator.probe([VEGETA_DIR]);
      const run = generator.start({
        targets: loadTargets(config, [SHASUM], gw.url),
        durationSeconds: FIDELITY_DURATION_S,
        requestTimeoutSeconds: FIDELITY_TIMEOUT_S,
        workDir,
        env: generatorEnvironment(process.env),
      });
      const stopLoad = onCleanup(async () => {
        run.stop();
        await run.done.catch(() => undefined);
      });
      const result = await run.done.finally(stopLoad);
      const after = await invocationCodes(gw.url, "shasum");
      const codes: Record<string, number> = {};
      for (const [code, n] of after) {
        const d = n - (before.get(code) ?? 0);
        if (d > 0) codes[code] = d;
      }
      const load = result.functions[0]!;
      const overloaded = Object.keys(codes).some((c) => c === "429" || Number(c) >= 500);
      rows.push({
        rate,
        load,
        codes,
        overloaded,
        fidelity: load.achievedRate / rate,
        windowSeconds: result.window.end - result.window.start,
        replicasBefore,
        replicasAfter: await gaugeValue(gw.url, "peva_function_replicas", "shasum"),
      });
    }
  } finally {
    await gw.stop();
    const left = processesMatching(dir);
    if (left.length > 0) log(`processes still naming ${dir} after the gateway stopped: ${left.join(", ")}`);
    killLeftovers(dir);
    await removeDir();
  }
  return rows;
}

function fidelitySection(rows: FidelityRow[]): { lines: string[]; pass: boolean } {
  const counted = rows.filter((r) => !r.overloaded);
  const pass = counted.length > 0 && counted.every((r) => r.fidelity >= FIDELITY_GOAL);
  const lines = [
    `### 1. Load fidelity — ${verdict(pass)}`,
    "",
    `Goal: achieved_rate / target ≥ ${FIDELITY_GOAL} at every rate where the platform is not overloaded (no 429/5xx). Gateway CLI on 127.0.0.1 (port 0, \`--functions shasum --max-replicas 4 --queue-depth 32\`, default iterations), the bundled generator plugin (vegeta, open loop, ${FIDELITY_DURATION} per rate), achieved rate = requests sent / ${FIDELITY_DURATION_S} s; status codes counted on the gateway's \`/metrics\`.`,
    "",
    "| target req/s | achieved req/s | achieved / target | dropped | requests | success rate | p95 ms | status codes (gateway) | overloaded | replicas before → after | load window s | counted |",
    "|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|",
  ];
  for (const r of rows) {
    const codes = Object.entries(r.codes).map(([c, n]) => `${c}×${n}`).join(", ") || "none";
    const ok = r.fidelity >= FIDELITY_GOAL;
    lines.push(
      `| ${r.rate} | ${f2(r.load.achievedRate)} | ${f3(r.fidelity)} | ${r.load.dropped} | ${r.load.requests} | ${f3(r.load.successRate)} | ${f1(r.load.latencyAll.p95Ns / 1e6)} | ${codes} | ${r.overloaded ? "yes (429/5xx)" : "no"} | ${r.replicasBefore} → ${r.replicasAfter} | ${f1(r.windowSeconds)} | ${r.overloaded ? "no (overloaded)" : ok ? "yes, ok" : "yes, **below goal**"} |`,
    );
  }
  lines.push(
    "",
    "The gateway starts at 1 replica and adds one (20 % of 4) per 5 s of hot load: a 10 s window that starts under-provisioned can see 429s below the steady-state capacity (compare the replicas column).",
  );
  if (counted.length === 0) lines.push("", "No rate was free of overload: fidelity could not be judged (FAIL).");
  return { lines, pass };
}

// ---------------------------------------------------------------------------------------------------------------
// Pulumi project copies (measurements 2 and 3)
// ---------------------------------------------------------------------------------------------------------------

interface Copy {
  readonly project: ProjectCopy;
  readonly stack: Stack;
  readonly output: string[];
  /** Destroys (if anything is left), kills leftovers of the copy by pid, removes the copy. Idempotent. */
  dispose(): Promise<void>;
}

async function newCopy(prefix: string, settings: object): Promise<Copy> {
  const project = await copyProject(prefix);
  const output: string[] = [];
  let stack: Stack | undefined;
  const dispose = onCleanup(async () => {
    if (stack) {
      try {
        if ((await stackUrns(stack)).length > 0) {
          log(`destroying leftover resources of ${project.dir}`);
          await stack.destroy({ onOutput: (s) => output.push(s) });
        }
      } catch (e) {
        log(`destroy of ${project.dir} failed: ${errText(e)}`);
      }
    }
    const killed = killLeftovers(project.dir);
    if (killed.length > 0) log(`killed leftover processes of ${project.dir}: ${killed.join(", ")}`);
    await project.remove();
  });
  try {
    stack = await project.stack("local");
    await stack.setConfig("peva-lab:workloads", workloadsConfig(settings));
    return { project, stack, output, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

function tail(output: string[], n = 40): string {
  return output.join("").split("\n").slice(-n).join("\n");
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Harness overhead
// ---------------------------------------------------------------------------------------------------------------

interface OverheadResult {
  readonly upSeconds: number;
  readonly destroySeconds: number;
  readonly wallS: number;
  readonly loadS: number;
  readonly restS: number;
  readonly iterations: number;
  readonly ratio: number;
  readonly ratioNominal: number;
  readonly baselineS: number;
  readonly perIterationGapS: number[];
  readonly tailS: number;
  readonly status: string;
}

async function measureOverhead(): Promise<OverheadResult> {
  const copy = await newCopy("peva-bench-overhead-", OVERHEAD_CAMPAIGN);
  try {
    log(`pulumi up of ${copy.project.dir} (figlet at 20 and 40 req/s, 5 s × 2 iterations)`);
    const up = await timed(() => copy.stack.up({ onOutput: (s) => copy.output.push(s) })).catch((e: unknown) => {
      throw new Error(`pulumi up failed: ${errText(e)}\n${tail(copy.output)}`);
    });
    if (up.value.summary.result !== "succeeded") throw new Error(`pulumi up: ${up.value.summary.result}\n${tail(copy.output)}`);
    const run = (await copy.stack.outputs())["run"]?.value as { status?: string } | undefined;
    const runDir = newestRunDir(copy.project.dir);
    if (!runDir) throw new Error("no run directory after the up");
    const events = runEvents(runDir);
    const started = events.find((e) => e.type === "run_started");
    const finished = events.find((e) => e.type === "run_finished");
    const iterations = events.filter((e) => e.type === "iteration_done");
    if (!started || !finished || iterations.length === 0) {
      throw new Error(`events.jsonl of ${runDir} lacks run_started / run_finished / iteration_done (${events.map((e) => e.type).join(", ")})`);
    }
    const ts = (e: { [k: string]: unknown }) => Number(e["ts"]);
    const wallS = (ts(finished) - ts(started)) / 1000;
    const loadS = iterations.reduce((s, e) => s + Number(e["load_s"]), 0);
    const restS = iterations.reduce((s, e) => s + Number(e["rest_s"]), 0);
    // Where the rest of the wall time went: before the first configuration, inside each iteration, at the end.
    const firstConfig = events.find((e) => e.type === "config_started");
    const baselineS = firstConfig ? (ts(firstConfig) - ts(started)) / 1000 : Number.NaN;
    const perIterationGapS: number[] = [];
    let prev = firstConfig ? ts(firstConfig) : ts(started);
    for (const e of events) {
      if (e.type === "config_started") prev = ts(e);
      if (e.type === "iteration_done") {
        perIterationGapS.push((ts(e) - prev) / 1000 - Number(e["load_s"]) - Number(e["rest_s"]));
        prev = ts(e);
      }
    }
    const lastIteration = iterations.at(-1)!;
    const tailS = (ts(finished) - ts(lastIteration)) / 1000;
    log("pulumi destroy");
    const destroy = await timed(() => copy.stack.destroy({ onOutput: (s) => copy.output.push(s) }));
    return {
      upSeconds: up.seconds,
      destroySeconds: destroy.seconds,
      wallS,
      loadS,
      restS,
      iterations: iterations.length,
      ratio: wallS / (loadS + restS),
      ratioNominal: wallS / (iterations.length * OVERHEAD_DURATION_S + restS),
      baselineS,
      perIterationGapS,
      tailS,
      status: String(run?.status ?? finished["status"]),
    };
  } finally {
    await copy.dispose();
  }
}

function overheadSection(r: OverheadResult): { lines: string[]; pass: boolean } {
  const pass = r.ratio <= OVERHEAD_GOAL && r.status === "done";
  const gaps = r.perIterationGapS.map(f2).join(", ");
  return {
    pass,
    lines: [
      `### 2. Harness overhead — ${verdict(pass)}`,
      "",
      `Goal: campaign wall time (run_started → run_finished) / (Σ load_s + Σ rest_s) ≤ ${OVERHEAD_GOAL.toFixed(2)}. Real \`pulumi up\` of a project copy (local stack), campaign figlet at 20 and 40 req/s, ${OVERHEAD_CAMPAIGN.duration} × ${OVERHEAD_CAMPAIGN.iterations} iterations, cooldown step 1 s; read from the run's \`events.jsonl\`.`,
      "",
      "| run status | iterations | campaign wall s | Σ load_s | Σ rest_s | ratio | goal |",
      "|---|---:|---:|---:|---:|---:|---|",
      `| ${r.status} | ${r.iterations} | ${f2(r.wallS)} | ${f2(r.loadS)} | ${f2(r.restS)} | **${f3(r.ratio)}** | ≤ ${OVERHEAD_GOAL.toFixed(2)} |`,
      "",
      `- Against the nominal load (${r.iterations} × ${OVERHEAD_DURATION_S} s instead of the load windows load_s): ratio ${f3(r.ratioNominal)}; the load windows exceed the nominal load by ${f2(r.loadS - r.iterations * OVERHEAD_DURATION_S)} s in total (the last responses' latency).`,
      `- Wall time not in load_s/rest_s: ${f2(r.baselineS)} s before the first configuration (baseline snapshot), ${gaps} s inside the iterations (cooldown probes, replicas, Prometheus, files, memory), ${f2(r.tailS)} s after the last iteration.`,
      `- Whole \`pulumi up\` (platform start + campaign): ${f1(r.upSeconds)} s; \`pulumi destroy\`: ${f1(r.destroySeconds)} s.`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. pulumi up with a zero-length campaign
// ---------------------------------------------------------------------------------------------------------------

interface UpTimes {
  readonly coldS: number;
  readonly warmS: number;
  readonly destroyS: readonly number[];
  readonly statuses: readonly string[];
}

async function measureZeroUp(): Promise<UpTimes> {
  const copy = await newCopy("peva-bench-zero-", ZERO_LENGTH_CAMPAIGN);
  try {
    const upOnce = async (label: string) => {
      log(`pulumi up (${label}) of ${copy.project.dir}, zero-length campaign`);
      const up = await timed(() => copy.stack.up({ onOutput: (s) => copy.output.push(s) })).catch((e: unknown) => {
        throw new Error(`pulumi up (${label}) failed: ${errText(e)}\n${tail(copy.output)}`);
      });
      if (up.value.summary.result !== "succeeded") throw new Error(`pulumi up (${label}): ${up.value.summary.result}\n${tail(copy.output)}`);
      const run = (await copy.stack.outputs())["run"]?.value as { status?: string } | undefined;
      log(`pulumi destroy (${label})`);
      const destroy = await timed(() => copy.stack.destroy({ onOutput: (s) => copy.output.push(s) }));
      return { seconds: up.seconds, destroyS: destroy.seconds, status: String(run?.status) };
    };
    const cold = await upOnce("cold");
    const warm = await upOnce("warm");
    return { coldS: cold.seconds, warmS: warm.seconds, destroyS: [cold.destroyS, warm.destroyS], statuses: [cold.status, warm.status] };
  } finally {
    await copy.dispose();
  }
}

function zeroUpSection(r: UpTimes): { lines: string[]; pass: boolean } {
  const pass = r.warmS < WARM_UP_GOAL_S;
  return {
    pass,
    lines: [
      `### 3. \`pulumi up\` with a zero-length campaign — ${verdict(pass)}`,
      "",
      `Goal: warm \`pulumi up\` < ${WARM_UP_GOAL_S} s. Project copy (local stack, file backend), \`ZERO_LENGTH_CAMPAIGN\` (nothing planned); the up creates the LocalPlatform (gateway, node-exporter, Prometheus with samples of both targets) and the BenchmarkRun. Timed around \`stack.up()\` of the Automation API with the real CLI.`,
      "",
      "| up | seconds | run status | destroy after, s |",
      "|---|---:|---|---:|",
      `| first (cold stack) | ${f1(r.coldS)} | ${r.statuses[0]} | ${f1(r.destroyS[0]!)} |`,
      `| second, after destroy (warm) | **${f1(r.warmS)}** | ${r.statuses[1]} | ${f1(r.destroyS[1]!)} |`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const loadStart = loadavg();
  const cores = cpus().length;
  const date = new Date().toISOString();
  const failures: string[] = [];
  const sections: string[][] = [];
  const verdicts: string[] = [];

  const attempt = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      failures.push(`${name}: ${errText(e)}`);
      log(`${name} could not be taken: ${errText(e)}`);
      return undefined;
    }
  };

  const fidelity = await attempt("load fidelity", measureFidelity);
  // The zero-length up runs before the campaign so that its first up is the first Pulumi run of this process.
  const zero = signalled ? undefined : await attempt("pulumi up (zero-length campaign)", measureZeroUp);
  const overhead = signalled ? undefined : await attempt("harness overhead", measureOverhead);
  const loadEnd = loadavg();

  if (fidelity) {
    const s = fidelitySection(fidelity);
    sections.push(s.lines);
    verdicts.push(`load fidelity ${s.pass ? "PASS" : "FAIL"}`);
  } else sections.push(["### 1. Load fidelity — **NOT MEASURED**", "", `\`${failures.find((f) => f.startsWith("load fidelity"))?.split("\n")[0]}\``]);
  if (overhead) {
    const s = overheadSection(overhead);
    sections.push(s.lines);
    verdicts.push(`harness overhead ${s.pass ? "PASS" : "FAIL"}`);
  } else sections.push(["### 2. Harness overhead — **NOT MEASURED**", "", `\`${failures.find((f) => f.startsWith("harness"))?.split("\n")[0] ?? "interrupted"}\``]);
  if (zero) {
    const s = zeroUpSection(zero);
    sections.push(s.lines);
    verdicts.push(`warm up ${s.pass ? "PASS" : "FAIL"}`);
  } else sections.push(["### 3. `pulumi up` with a zero-length campaign — **NOT MEASURED**", "", `\`${failures.find((f) => f.startsWith("pulumi up"))?.split("\n")[0] ?? "interrupted"}\``]);

  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  const busy = Math.max(loadStart[0]!, loadEnd[0]!) / cores > HIGH_LOAD_PER_CORE;
  const out = [
    "## Local platform (issue 6 measurements)",
    "",
    `Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cores} cores, Node ${process.version}, ${generatorVersion()}. Date: ${date}.`,
    `Load average (1/5/15 min): ${la(loadStart)} at the start, ${la(loadEnd)} at the end.` +
      (busy
        ? ` **The machine was busy (1-min load above ${HIGH_LOAD_PER_CORE} per core) with other work: the load generator, the gateway and Pulumi shared the cores with it, so these numbers are noisy (treat them as ±20 % or worse).**`
        : ""),
    "",
    `Summary: ${verdicts.join(" · ")}${failures.length > 0 ? ` · ${failures.length} measurement(s) not taken` : ""}.`,
    "",
    ...sections.flatMap((s) => [...s, ""]),
  ];
  process.stdout.write(`${out.join("\n").trimEnd()}\n`);
  for (const f of failures) log(`NOT MEASURED: ${f}`);
  return failures.length > 0 ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} finally {
  await cleanupAll();
}
process.exit(signalled ? 130 : code);
