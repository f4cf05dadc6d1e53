/**
 * The plugin against the real vegeta (found on PATH; `make` puts .tools/bin there) and a counting Node HTTP server
 * on 127.0.0.1 started here. Every load is a few seconds at tens of requests per second.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  LoadgenFailedError,
  loadResultViolations,
  type FunctionLoadStats,
  type LoadRequest,
  type LoadRunResult,
  type LoadTarget,
} from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeResults, VegetaCommandError } from "../../src/attack.ts";
import VegetaLoadgen from "../../src/plugin.ts";
import { findExecutable } from "../../src/probe.ts";

const PATH_DIRS = (process.env["PATH"] ?? "").split(delimiter);
const ENV = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };

/** What the server received and answered, per key (the last path segment). */
interface Counts {
  received: number;
  statuses: Map<number, number>;
}

/**
 * Routes: `/ok/<key>` 200 at once; `/alt/<key>` 429 at once to the 1st, 3rd, … request, 200 after 100 ms to the
 * 2nd, 4th, … (so at least half the answers are fast 429s);
 * `/slow/<key>` 200 after 2 s; `/delay/<key>` 200 after 300 ms.
 */
class CountingServer {
  readonly counts = new Map<string, Counts>();
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const [, route = "", key = ""] = (req.url ?? "").split("/");
      const c = this.counts.get(key) ?? { received: 0, statuses: new Map<number, number>() };
      this.counts.set(key, c);
      c.received++;
      const answer = (status: number, afterMs: number): void => {
        const send = (): void => {
          if (res.destroyed) return;
          c.statuses.set(status, (c.statuses.get(status) ?? 0) + 1);
          res.statusCode = status;
          res.end("ok\n");
        };
        if (afterMs === 0) send();
        else setTimeout(send, afterMs);
      };
      req.resume();
      req.on("end", () => {
        if (route === "ok") answer(200, 0);
        else if (route === "alt") answer(c.received % 2 === 1 ? 429 : 200, c.received % 2 === 1 ? 0 : 100);
        else if (route === "slow") answer(200, 2000);
        else if (route === "delay") answer(200, 300);
        else answer(404, 0);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  url(route: string, key: string): string {
    return `http://127.0.0.1:${this.port}/${route}/${key}`;
  }

  received(key: string): number {
    return this.counts.get(key)?.received ?? 0;
  }

  answered(key: string, status: number): number {
    return this.counts.get(key)?.statuses.get(status) ?? 0;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

const server = new CountingServer();
const plugin = new VegetaLoadgen();
let vegeta = "";
let root = "";

// A missing vegeta fails every test with the fix (a failing beforeAll would only mark them skipped).
let setupError: unknown;
beforeAll(async () => {
  try {
    const found = findExecutable("vegeta", PATH_DIRS);
    if (found === undefined) throw new Error("vegeta not found: run scripts/bootstrap");
    vegeta = found;
    root = mkdtempSync(join(tmpdir(), "vegeta-it-"));
    await server.start();
    const identity = await plugin.probe(PATH_DIRS);
    expect(identity.name).toBe("vegeta");
    expect(identity.version).toMatch(/^v12\./);
  } catch (e) {
    setupError = e;
  }
});

function ready(): void {
  if (setupError !== undefined) throw setupError;
}

afterAll(async () => {
  await server.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

let runNo = 0;
function request(targets: LoadTarget[], durationSeconds: number, requestTimeoutSeconds = 5): LoadRequest {
  const workDir = mkdtempSync(join(root, `run-${runNo++}-`));
  return { targets, durationSeconds, requestTimeoutSeconds, workDir, env: ENV };
}

function target(functionName: string, url: string, rate: number): LoadTarget {
  return { functionName, url, method: "POST", body: `{"name":"${functionName}"}`, headers: { "Content-Type": "application/json" }, rate };
}

function byName(result: LoadRunResult, name: string): FunctionLoadStats {
  const f = result.functions.find((s) => s.functionName === name);
  if (!f) throw new Error(`no stats for ${name}`);
  return f;
}

let twoFunctions: { request: LoadRequest; result: LoadRunResult } | undefined;

describe("vegeta plugin with the real vegeta", () => {
  it("(1) loads two functions at 50 and 20 req/s for 2 s: schedule kept, counts agree with the server", async () => {
    ready();
    const req = request(
      [target("alpha", server.url("ok", "alpha"), 50), target("idle", server.url("ok", "idle"), 0), target("beta", server.url("ok", "beta"), 20)],
      2,
    );
    const result = await plugin.start(req).done;
    twoFunctions = { request: req, result };
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.outcome).toBe("completed");
    expect(result.generator).toMatchObject({ name: "vegeta", version: expect.stringMatching(/^v12\./) });
    for (const [name, rate] of [["alpha", 50], ["beta", 20]] as const) {
      const f = byName(result, name);
      expect(Math.abs(f.requests - rate * 2)).toBeLessThanOrEqual(1);
      expect(f.requests).toBe(server.received(name));
      expect(f.statusCodes).toEqual({ "200": f.requests });
      expect(f.successes).toBe(f.requests);
      expect(f.achievedRate).toBeCloseTo(f.requests / 2, 9);
      expect(f.successRate).toBe(f.requests / (f.requests + f.dropped));
      expect(f.bytesOut).toBe(f.requests * `{"name":"${name}"}`.length);
      expect(f.bytesIn).toBe(f.requests * 3);
    }
    expect(byName(result, "idle")).toMatchObject({ requests: 0, successRate: 1 });
    expect(server.received("idle")).toBe(0);
    expect(result.window.end - result.window.start).toBeGreaterThan(1.9);
    expect(result.window.end - result.window.start).toBeLessThan(2.5);
    // Files are named by index only: the idle target at index 1 has none.
    expect(readdirSync(req.workDir).sort()).toEqual(["attack-0.log", "attack-2.log", "results-0.bin", "results-2.bin", "target-0.json", "target-2.json"]);
  });

  it("(2) counts a server's 429s exactly and keeps them out of the success latency", async () => {
    ready();
    const req = request([target("every-other", server.url("alt", "every-other"), 20)], 2);
    const result = await plugin.start(req).done;
    expect(loadResultViolations(req, result)).toEqual([]);
    const f = byName(result, "every-other");
    expect(f.requests).toBe(server.received("every-other"));
    expect(f.statusCodes).toEqual({ "200": server.answered("every-other", 200), "429": server.answered("every-other", 429) });
    expect(f.successes).toBe(server.answered("every-other", 200));
    expect(f.failures).toEqual({ http: server.answered("every-other", 429), timeout: 0, connection: 0 });
    expect(f.successRate).toBe(server.answered("every-other", 200) / (f.requests + f.dropped));
    // 200s take >= 100 ms, 429s (at least half of all) are immediate: the success latency sees only the slow ones.
    expect(f.latencySuccess.p50Ns).toBeGreaterThanOrEqual(100e6);
    expect(f.latencyAll.p50Ns).toBeLessThan(100e6);
    expect(f.latencySuccess.meanNs).toBeGreaterThan(f.latencyAll.meanNs);
  });

  it("(3) counts requests without an answer within the request timeout as timeouts", async () => {
    ready();
    const req = request([target("sleepy", server.url("slow", "sleepy"), 5)], 1, 1);
    const result = await plugin.start(req).done;
    expect(loadResultViolations(req, result)).toEqual([]);
    const f = byName(result, "sleepy");
    expect(f.requests).toBe(5);
    expect(f.statusCodes).toEqual({ "0": 5 });
    expect(f.failures).toEqual({ http: 0, timeout: 5, connection: 0 });
    expect(f.successes).toBe(0);
    expect(Number.isNaN(f.latencySuccess.p50Ns)).toBe(true);
    expect(f.latencyAll.p50Ns).toBeGreaterThanOrEqual(1e9);
    expect(f.latencyAll.maxNs).toBeLessThan(1.5e9);
  });

  it("(4) counts a port with nothing listening as connection failures", async () => {
    ready();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const req = request([target("nobody", `http://127.0.0.1:${port}/`, 10)], 1, 1);
    const result = await plugin.start(req).done;
    expect(loadResultViolations(req, result)).toEqual([]);
    const f = byName(result, "nobody");
    expect(f.requests).toBe(10);
    expect(f.statusCodes).toEqual({ "0": 10 });
    expect(f.failures).toEqual({ http: 0, timeout: 0, connection: 10 });
    expect(f.successRate).toBe(0);
  });

  it("(5) stop() after ~1 s of 5 s: outcome stopped, requests in flight awaited and counted", async () => {
    ready();
    const req = request([target("stopper", server.url("delay", "stopper"), 20)], 5);
    const startEpoch = Date.now() / 1000;
    const run = plugin.start(req);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    run.stop();
    // Idempotent: a second SIGINT makes vegeta quit at once, losing the requests in flight (300 ms each) and
    // results not yet written.
    await new Promise((resolve) => setTimeout(resolve, 150));
    run.stop();
    const result = await run.done;
    const elapsed = Date.now() / 1000 - startEpoch;
    run.stop(); // after the end: no-op
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.outcome).toBe("stopped");
    const f = byName(result, "stopper");
    expect(f.requests).toBe(server.received("stopper"));
    // Every request, including those in flight at the stop (300 ms each), got its answer.
    expect(f.statusCodes).toEqual({ "200": f.requests });
    expect(server.answered("stopper", 200)).toBe(f.requests);
    expect(f.requests).toBeGreaterThanOrEqual(15);
    expect(f.requests).toBeLessThanOrEqual(25);
    expect(f.dropped).toBeLessThanOrEqual(2);
    expect(f.achievedRate).toBeGreaterThan(15);
    expect(result.window.end).toBeLessThan(startEpoch + 5);
    expect(result.window.end - result.window.start).toBeGreaterThan(1);
    expect(elapsed).toBeLessThan(3);
  });

  it("(7) progress() while the load runs: answered and successes only grow, and stay within the final result", async () => {
    ready();
    const req = request([target("watched", server.url("alt", "watched"), 40), target("idle", server.url("ok", "idle"), 0)], 3);
    const run = plugin.start(req);
    expect(run.progress).toBeTypeOf("function");
    const looks: { elapsed: number; answered: number; successes: number; idle: number }[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const p = await run.progress!();
      expect(p.functions.map((f) => [f.functionName, f.targetRate])).toEqual([["watched", 40], ["idle", 0]]);
      looks.push({ elapsed: p.elapsedSeconds, answered: p.functions[0]!.answered, successes: p.functions[0]!.successes, idle: p.functions[1]!.answered });
    }
    const result = await run.done;
    const f = byName(result, "watched");
    for (let i = 1; i < looks.length; i++) {
      expect(looks[i]!.elapsed).toBeGreaterThan(looks[i - 1]!.elapsed);
      expect(looks[i]!.answered).toBeGreaterThanOrEqual(looks[i - 1]!.answered);
      expect(looks[i]!.successes).toBeGreaterThanOrEqual(looks[i - 1]!.successes);
    }
    const last = looks[looks.length - 1]!;
    // By 2.5 s of 3 s at 40 req/s, most requests are answered; every 429 counted as answered but not a success.
    expect(last.answered).toBeGreaterThan(40);
    expect(last.answered).toBeLessThanOrEqual(f.requests);
    expect(last.successes).toBeLessThanOrEqual(f.successes);
    expect(last.successes).toBeLessThan(last.answered);
    expect(last.idle).toBe(0);
    // The progress file is gone with each look.
    expect(readdirSync(req.workDir).filter((n) => n.startsWith("progress-"))).toEqual([]);
  });

  it("(6) one row agrees with vegeta report -type=json: requests, success ratio, mean latency (ns)", () => {
    ready();
    if (!twoFunctions) throw new Error("case (1) did not run");
    const { request: req, result } = twoFunctions;
    const f = byName(result, "alpha");
    const resultsFile = join(req.workDir, "results-0.bin");
    expect(existsSync(resultsFile)).toBe(true);
    const run = spawnSync(vegeta, ["report", "-type=json", resultsFile], { encoding: "utf8" });
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { requests: number; success: number; latencies: { mean: number }; status_codes: Record<string, number> };
    expect(f.requests).toBe(report.requests);
    expect(f.successes / f.requests).toBeCloseTo(report.success, 12);
    expect(f.statusCodes).toEqual(report.status_codes);
    // Both truncate the mean to whole nanoseconds: the same integer DFaaS read from latencies.mean.
    expect(f.latencyAll.meanNs).toBe(report.latencies.mean);
    // The raw document carries the same report.
    const raw = result.raw as { format: string; document: { functions: { name: string; target_rate: number; report: unknown }[] } };
    expect(raw.format).toBe("vegeta-report-json/v12");
    expect(raw.document.functions.map((x) => [x.name, x.target_rate])).toEqual([["alpha", 50], ["idle", 0], ["beta", 20]]);
    expect(raw.document.functions[0]!.report).toEqual(report);
    expect(raw.document.functions[1]!.report).toBeNull();
  });

  it("decodes the complete records of a truncated results file, then reports encode's failure", async () => {
    ready();
    if (!twoFunctions) throw new Error("case (1) did not run");
    const full = readFileSync(join(twoFunctions.request.workDir, "results-0.bin"));
    const dir = mkdtempSync(join(root, "truncated-"));
    writeFileSync(join(dir, "cut.bin"), full.subarray(0, Math.floor(full.length / 2)));
    const lines: string[] = [];
    const error: unknown = await decodeResults(vegeta, join(dir, "cut.bin"), join(dir, "cut.jsonl"), ENV, (l) => lines.push(l)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VegetaCommandError);
    expect((error as Error).message).toMatch(/exit code 1; stderr: .*unexpected EOF/);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(byName(twoFunctions.result, "alpha").requests);
    expect(existsSync(join(dir, "cut.jsonl"))).toBe(false);
  });

  it("rejects done with LoadgenFailedError naming the exit, stderr and log when vegeta fails", async () => {
    ready();
    const req = request([target("broken", "", 5)], 1, 1);
    const error: unknown = await plugin.start(req).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadgenFailedError);
    const e = error as LoadgenFailedError;
    expect(e.reason).toMatch(/exit code 1; stderr: .*required url is missing/);
    expect(e.logPath).toBe(join(req.workDir, "attack-0.log"));
  });
});
