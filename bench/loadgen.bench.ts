/**
 * Load-generator benchmark: the `vegeta` loadgen plugin (not raw vegeta) against a trivial counting HTTP server that
 * runs in a separate Node process on 127.0.0.1 (so it does not share this process's event loop).
 *
 * 1. Fidelity at 50, 200, 1000, 5000 and 10000 req/s, 10 s each: achieved / target, and the server's count against
 *    the generator's (must agree within 1 %). Also vegeta's cost: CPU seconds per 1000 requests and peak RSS.
 *    Goal: fidelity ≥ 0.99 up to 5000 req/s on 2 cores; the ceiling is the highest tested rate with fidelity ≥ 0.99.
 * 2. Overload: a server that serves at most 4 requests at a time, 20 ms each (~200 req/s), driven at 1000 req/s for
 *    10 s: an open-loop generator keeps sending at the target while latencies show the queue.
 *
 * How the cost is measured (Linux /proc):
 * - attack CPU: utime + stime of the `vegeta attack` process from /proc/<pid>/stat, sampled every 50 ms while it
 *   runs (the last sample is at most 50 ms before its exit, when it only waits for the last responses);
 * - all vegeta CPU: the growth of cutime + cstime in /proc/self/stat over the run, i.e. the CPU of every child this
 *   process reaped meanwhile: the attack, `vegeta encode` and `vegeta report` (the server child lives on and is not
 *   counted);
 * - peak RSS: VmHWM of the attack process from /proc/<pid>/status (a high-water mark, so its last sample is the peak).
 *
 * Each run starts once the TIME_WAIT sockets of the previous ones have drained (fewer than 500 on the servers'
 * ports, at most 70 s): thousands of them, as a 10000 req/s run against a saturated server leaves, make new connects
 * slow enough that the next run measures the kernel's port search instead of the generator.
 *
 * Run: `node bench/loadgen.bench.ts` (or `make bench`; needs vegeta from scripts/bootstrap on PATH or in
 * .tools/bin); 2–3 minutes. `LOADGEN_BENCH_SMOKE=1` runs a few seconds to check the bench itself. Prints a Markdown
 * section on stdout; exits 0 whether the goals are met or not, non-zero only when the measurement itself failed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionLoadStats, LoadRequest, LoadRunResult } from "../plugins/core/src/index.ts";
import { loadResultViolations } from "../plugins/core/src/index.ts";
import VegetaLoadgen from "../plugins/loadgen-vegeta/src/plugin.ts";

// LOADGEN_BENCH_SMOKE=1 checks the bench itself in seconds (two low rates, 2 s each); its numbers mean nothing.
const SMOKE = process.env["LOADGEN_BENCH_SMOKE"] === "1";
const RATES: readonly number[] = SMOKE ? [50, 200] : [50, 200, 1000, 5000, 10000];
const DURATION_S = SMOKE ? 2 : 10;
const TIMEOUT_S = 5;
const GOAL_RATE = 5000;
const GOAL_FIDELITY = 0.99;
const COUNT_TOLERANCE = 0.01;
const OVERLOAD = { rate: 1000, concurrency: 4, serviceMs: 20, timeoutS: 3 } as const;
const SAMPLE_MS = 50;
const TIME_WAIT_LIMIT = 500;

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL("..", import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// Server child: `node bench/loadgen.bench.ts --server <count|capped>`; talks over the IPC channel.

interface ServerStats {
  received: number;
  served: number;
  abandoned: number;
  maxQueue: number;
}

function runServer(mode: string): void {
  const stats: ServerStats = { received: 0, served: 0, abandoned: 0, maxQueue: 0 };
  const queue: ServerResponse[] = [];
  let busy = 0;
  const next = (): void => {
    while (busy < OVERLOAD.concurrency && queue.length > 0) {
      const res = queue.shift()!;
      if (res.destroyed) {
        stats.abandoned++; // the client timed out while queued
        continue;
      }
      busy++;
      setTimeout(() => {
        busy--;
        if (!res.destroyed) {
          stats.served++;
          res.end("ok\n");
        } else stats.abandoned++;
        next();
      }, OVERLOAD.serviceMs);
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.received++;
    req.resume();
    if (mode === "capped") {
      queue.push(res);
      if (queue.length > stats.maxQueue) stats.maxQueue = queue.length;
      next();
    } else {
      stats.served++;
      res.end("ok\n");
    }
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1", () => {
    process.send!({ port: (server.address() as { port: number }).port });
  });
  process.on("message", (m: { cmd: string }) => {
    if (m.cmd === "stats") process.send!({ stats: { ...stats } });
    else if (m.cmd === "reset") {
      Object.assign(stats, { received: 0, served: 0, abandoned: 0, maxQueue: 0 });
      process.send!({ reset: true });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

/** A server child and a request/response helper over IPC. */
class ServerProcess {
  readonly child: ChildProcess;
  port = 0;
  constructor(mode: "count" | "capped") {
    this.child = spawn(process.execPath, [SELF, "--server", mode], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  }
  async ready(): Promise<void> {
    const m = await this.#reply((x) => typeof x["port"] === "number");
    this.port = m["port"] as number;
  }
  #reply(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (!match(m)) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(m);
      };
      const onExit = (code: number | null): void => reject(new Error(`server child exited (${code})`));
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }
  async stats(): Promise<ServerStats> {
    const reply = this.#reply((m) => "stats" in m);
    this.child.send({ cmd: "stats" });
    return (await reply)["stats"] as ServerStats;
  }
  async reset(): Promise<void> {
    const reply = this.#reply((m) => "reset" in m);
    this.child.send({ cmd: "reset" });
    await reply;
  }
  cpuSeconds(): number {
    return procCpuTicks(this.child.pid!) / CLK_TCK;
  }
  stop(): void {
    this.child.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// /proc sampling.

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** Fields of /proc/<pid>/stat after the command name (field 3 onwards, 0-based index 0 = state). */
function statFields(pid: number | "self"): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime of a process, clock ticks. */
function procCpuTicks(pid: number): number {
  const f = statFields(pid);
  return Number(f[11]) + Number(f[12]); // fields 14 and 15
}

/** cutime + cstime of this process: the CPU of the children it has reaped, clock ticks. */
function reapedChildrenTicks(): number {
  const f = statFields("self");
  return Number(f[13]) + Number(f[14]); // fields 16 and 17
}

/** The pid of a running `vegeta attack` child of this process, if any. */
function findAttackPid(): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes("(vegeta)")) continue;
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[1] === "attack") return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Samples the attack process until stopped: last utime+stime and VmHWM seen. */
class AttackSampler {
  pid: number | undefined;
  cpuTicks = 0;
  hwmKb = 0;
  readonly #timer: NodeJS.Timeout;
  constructor() {
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
  }
  sample(): void {
    this.pid ??= findAttackPid();
    if (this.pid === undefined) return;
    try {
      this.cpuTicks = procCpuTicks(this.pid);
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
      if (m) this.hwmKb = Math.max(this.hwmKb, Number(m[1]));
    } catch {
      // Exited: keep the last sample.
    }
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

/**
 * TIME_WAIT sockets on loopback that involve one of `ports` (from /proc/net/tcp). Thousands of them (left by a run
 * that closed many connections, e.g. 10000 req/s against a saturated server) make new connects slow enough to
 * starve the next run, so a run starts only once they have drained.
 */
function timeWaitCount(ports: readonly number[]): number {
  const hex = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, "0")));
  let n = 0;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== "06") continue;
    if (hex.has(f[1]?.split(":")[1] ?? "") || hex.has(f[2]?.split(":")[1] ?? "")) n++;
  }
  return n;
}

/** Waits (at most 70 s, the kernel keeps TIME_WAIT 60 s) until fewer than 500 TIME_WAIT sockets involve `ports`. */
async function drainTimeWait(ports: readonly number[]): Promise<{ before: number; waitedS: number }> {
  const before = timeWaitCount(ports);
  const started = performance.now();
  while (timeWaitCount(ports) >= TIME_WAIT_LIMIT && performance.now() - started < 70_000) {
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { before, waitedS: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// Runs.

interface Measured {
  readonly rate: number;
  readonly result: LoadRunResult;
  readonly f: FunctionLoadStats;
  readonly server: ServerStats;
  readonly attackCpuS: number;
  readonly allVegetaCpuS: number;
  readonly peakRssMb: number;
  readonly serverCpuS: number;
  readonly postS: number;
  readonly violations: string[];
  /** TIME_WAIT sockets of the servers' ports before the run, and how long the run waited for them to drain. */
  readonly timeWait: { before: number; waitedS: number };
}

async function measure(
  plugin: VegetaLoadgen,
  server: ServerProcess,
  ports: readonly number[],
  root: string,
  rate: number,
  timeoutS: number,
): Promise<Measured> {
  const timeWait = await drainTimeWait(ports);
  if (timeWait.waitedS >= 1) process.stderr.write(`  waited ${timeWait.waitedS.toFixed(0)} s for ${timeWait.before} TIME_WAIT sockets to drain\n`);
  await server.reset();
  const workDir = mkdtempSync(join(root, `rate-${rate}-`));
  const request: LoadRequest = {
    targets: [{ functionName: "bench", url: `http://127.0.0.1:${server.port}/`, method: "GET", body: "", headers: {}, rate }],
    durationSeconds: DURATION_S,
    requestTimeoutSeconds: timeoutS,
    workDir,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
  };
  const childrenBefore = reapedChildrenTicks();
  const serverBefore = server.cpuSeconds();
  const sampler = new AttackSampler();
  const started = performance.now();
  let result: LoadRunResult;
  try {
    result = await plugin.start(request).done;
  } finally {
    sampler.stop();
  }
  const wallS = (performance.now() - started) / 1000;
  const allVegetaCpuS = (reapedChildrenTicks() - childrenBefore) / CLK_TCK;
  const serverStats = await server.stats();
  const f = result.functions[0]!;
  rmSync(workDir, { recursive: true, force: true });
  return {
    rate,
    result,
    f,
    server: serverStats,
    attackCpuS: sampler.cpuTicks / CLK_TCK,
    allVegetaCpuS,
    peakRssMb: sampler.hwmKb / 1024,
    serverCpuS: server.cpuSeconds() - serverBefore,
    postS: wallS - (result.window.end - result.window.start),
    violations: loadResultViolations(request, result),
    timeWait,
  };
}

const ms = (ns: number): string => (Number.isNaN(ns) ? "–" : (ns / 1e6).toFixed(1));
const per1000 = (cpuS: number, requests: number): string => (requests > 0 ? ((cpuS * 1000) / requests).toFixed(3) : "–");

function fidelityOf(m: Measured): number {
  return m.f.achievedRate / m.rate;
}

function countsAgree(m: Measured): boolean {
  return m.f.requests > 0 && Math.abs(m.server.received - m.f.requests) <= COUNT_TOLERANCE * m.f.requests;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "peva-loadgen-bench-"));
  const plugin = new VegetaLoadgen();
  const identity = await plugin.probe([join(REPO, ".tools/bin"), ...(process.env["PATH"] ?? "").split(delimiter)]);
  const loadStart = loadavg();
  const counting = new ServerProcess("count");
  const capped = new ServerProcess("capped");
  try {
    await Promise.all([counting.ready(), capped.ready()]);
    const ports = [counting.port, capped.port];
    const rows: Measured[] = [];
    for (const rate of RATES) {
      process.stderr.write(`loadgen bench: ${rate} req/s for ${DURATION_S} s …\n`);
      const m = await measure(plugin, counting, ports, root, rate, TIMEOUT_S);
      process.stderr.write(`  sent ${m.f.requests}, server ${m.server.received}, fidelity ${fidelityOf(m).toFixed(4)}\n`);
      rows.push(m);
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stderr.write(`loadgen bench: overload, ${OVERLOAD.rate} req/s against ~${(OVERLOAD.concurrency * 1000) / OVERLOAD.serviceMs} req/s capacity …\n`);
    const over = await measure(plugin, capped, ports, root, OVERLOAD.rate, OVERLOAD.timeoutS);
    const loadEnd = loadavg();

    const good = rows.filter((m) => fidelityOf(m) >= GOAL_FIDELITY);
    const ceiling = good.length > 0 ? Math.max(...good.map((m) => m.rate)) : undefined;
    const goalMet = rows.filter((m) => m.rate <= GOAL_RATE).every((m) => fidelityOf(m) >= GOAL_FIDELITY);
    const countsOk = rows.every(countsAgree);
    const violations = [...rows, over].flatMap((m) => m.violations.map((v) => `${m.rate} req/s: ${v}`));
    const cpu = cpus();
    const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(" / ");

    const out: string[] = [
      "## loadgen (vegeta)",
      "",
      `Machine: ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, vegeta ${identity.version}. Date: ${new Date().toISOString()}.`,
      `Load average (1/5/15 min): ${fmtLoad(loadStart)} at the start, ${fmtLoad(loadEnd)} at the end.`,
      "",
      `The \`vegeta\` loadgen plugin (settings ${JSON.stringify(identity.settings)}), one function, GET of a counting Node server in a separate process on 127.0.0.1, ${DURATION_S} s per rate, request timeout ${TIMEOUT_S} s. Fidelity = achievedRate / target; counts agree when |server − generator| ≤ 1 %. CPU per 1000 requests: the \`vegeta attack\` process (utime+stime from /proc/<pid>/stat, sampled every ${SAMPLE_MS} ms) and all vegeta processes of the run (attack + encode + report: growth of cutime+cstime of the bench process). Peak RSS: VmHWM of the attack. Post-processing: wall time of the run minus its load window (decode + report). Each run starts once fewer than ${TIME_WAIT_LIMIT} TIME_WAIT sockets involve the servers' ports (waits: ${[...rows, over].map((m) => `${m.timeWait.waitedS.toFixed(0)} s`).join(", ")}).`,
      "",
      `Goal: fidelity ≥ ${GOAL_FIDELITY} up to ${GOAL_RATE} req/s on ${cpu.length} cores — **${goalMet ? "PASS" : "MISSED"}**. Ceiling (highest tested rate with fidelity ≥ ${GOAL_FIDELITY}): **${ceiling ?? "none"} req/s**. Server and generator counts agree within 1 % at every rate: **${countsOk ? "yes" : "NO"}**. Contract violations: ${violations.length === 0 ? "none" : violations.join("; ")}.`,
      "",
      "| target req/s | sent | achieved req/s | fidelity | server count | counts agree | dropped | success rate | p50 ms | p99 ms | attack CPU s / 1000 req | all vegeta CPU s / 1000 req | peak RSS MB | server CPU s | post-processing s |",
      "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map(
        (m) =>
          `| ${m.rate} | ${m.f.requests} | ${m.f.achievedRate.toFixed(1)} | ${fidelityOf(m) >= GOAL_FIDELITY ? "" : "**"}${fidelityOf(m).toFixed(4)}${fidelityOf(m) >= GOAL_FIDELITY ? "" : "**"} | ${m.server.received} | ${countsAgree(m) ? "yes" : "NO"} | ${m.f.dropped} | ${m.f.successRate.toFixed(4)} | ${ms(m.f.latencyAll.p50Ns)} | ${ms(m.f.latencyAll.p99Ns)} | ${per1000(m.attackCpuS, m.f.requests)} | ${per1000(m.allVegetaCpuS, m.f.requests)} | ${m.peakRssMb.toFixed(1)} | ${m.serverCpuS.toFixed(2)} | ${m.postS.toFixed(2)} |`,
      ),
      "",
      `### Overload (open loop)`,
      "",
      `Server capped at ${OVERLOAD.concurrency} requests in flight, ${OVERLOAD.serviceMs} ms each (capacity ~${(OVERLOAD.concurrency * 1000) / OVERLOAD.serviceMs} req/s, FIFO queue, requests whose client gave up are skipped), driven at ${OVERLOAD.rate} req/s for ${DURATION_S} s with a ${OVERLOAD.timeoutS} s request timeout.`,
      "",
      "| target req/s | sent | achieved req/s | fidelity | server received | served | abandoned in queue | max queue | successes | timeouts | connection | p50 ms (all) | p99 ms (all) | p50 ms (success) | p99 ms (success) |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      `| ${over.rate} | ${over.f.requests} | ${over.f.achievedRate.toFixed(1)} | ${fidelityOf(over).toFixed(4)} | ${over.server.received} | ${over.server.served} | ${over.server.abandoned} | ${over.server.maxQueue} | ${over.f.successes} | ${over.f.failures.timeout} | ${over.f.failures.connection} | ${ms(over.f.latencyAll.p50Ns)} | ${ms(over.f.latencyAll.p99Ns)} | ${ms(over.f.latencySuccess.p50Ns)} | ${ms(over.f.latencySuccess.p99Ns)} |`,
      "",
      `Open loop: the send rate ${fidelityOf(over) >= GOAL_FIDELITY ? "stayed" : "did NOT stay"} at the target (fidelity ${fidelityOf(over).toFixed(4)}) while the server could answer ~${(OVERLOAD.concurrency * 1000) / OVERLOAD.serviceMs} req/s; the latencies are queueing (service time ${OVERLOAD.serviceMs} ms), bounded by the ${OVERLOAD.timeoutS} s timeout.`,
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    counting.stop();
    capped.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--server") {
  runServer(process.argv[3] ?? "count");
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`loadgen bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
