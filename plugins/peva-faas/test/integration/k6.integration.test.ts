/**
 * Real k6 against a loopback HTTP target, driven by our generated scripts.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import { buildK6Argv, generateK6Script, k6Workspace, parseK6Summary, startK6, type K6Workspace, type ScriptFunction } from "../../src/k6/index.ts";
import { k6Path } from "./support/tools.ts";

let server: Server;
let gateway: string;
const hits = new Map<string, number>();
let outDir: string;
const K6 = k6Path();

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "peva-k6-it-"));
  server = createServer((req, res) => {
    const name = (req.url ?? "").replace(/^\/function\//, "");
    hits.set(name, (hits.get(name) ?? 0) + 1);
    req.resume();
    req.on("end", () => {
      if (name.startsWith("slow")) {
        setTimeout(() => res.end("late"), 3000);
        return;
      }
      res.statusCode = name.startsWith("fail") ? 503 : 200;
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  gateway = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(outDir, { recursive: true, force: true });
});

const fn = (name: string): ScriptFunction => ({ name, method: "POST", body: "hello", headers: { "Content-Type": "text/plain" } });

function prepare(config: Configuration, duration: string, load: Record<string, unknown> = {}): { ws: K6Workspace; argv: string[] } {
  const ws = k6Workspace(outDir, "local", "it-run", config.id);
  mkdirSync(ws.dir, { recursive: true });
  const script = generateK6Script({
    config,
    functions: config.pairs.map((p) => fn(p.name)),
    gatewayUrl: gateway,
    duration,
    load: { graceful_stop: "5s", request_timeout: "10s", ...load },
  });
  writeFileSync(ws.script, script);
  return { ws, argv: buildK6Argv({ workspace: ws, runId: "it-run", repetition: 1, tags: { suite: "integration" } }) };
}

describe("k6 drives the generated script at the requested open-loop rate", () => {
  it.each([50, 200, 1000])("%i req/s for 4 s: achieved rate within 2 %, summary parsed", async (rate) => {
    const name = `echo${rate}`;
    const config = makeConfiguration([{ name, rate }]);
    const { ws, argv } = prepare(config, "4s");
    hits.set(name, 0);
    const result = await startK6({ k6Path: K6, argv, logPath: ws.log, timeoutMs: 60_000 }).done;
    expect(result.outcome, readFileSync(ws.log, "utf8").slice(-2000)).toBe("ok");
    const [f] = parseK6Summary(JSON.parse(readFileSync(ws.summary, "utf8")), config, 4);
    expect(Math.abs(f!.achieved_rate - rate) / rate).toBeLessThan(0.02);
    const warnings = readFileSync(ws.log, "utf8").split("\n").filter((l) => /level=(warning|error)/.test(l)).slice(0, 5).join("\n");
    expect(f!.success_rate, warnings).toBe(1);
    expect(f!.dropped_iterations).toBe(0);
    expect(f!.http_req_failed).toBe(0);
    expect(f!.p99_latency_ms).toBeGreaterThanOrEqual(f!.p95_latency_ms);
    expect(hits.get(name)).toBe(f!.request_count);
    // The legacy --summary-export file parses to the same numbers.
    const [legacy] = parseK6Summary(JSON.parse(readFileSync(ws.summaryExport, "utf8")), config, 4);
    expect(legacy!.request_count).toBe(f!.request_count);
    expect(legacy!.success_rate).toBe(1);
    expect(readFileSync(ws.log, "utf8")).toContain("peva-faas summary written to");
  });

  it("mixed config: rate-0 function without k6 metrics, failing function counted, saturation visible", async () => {
    const config = makeConfiguration([
      { name: "idle", rate: 0 },
      { name: "fail", rate: 20 },
      { name: "slow", rate: 20 },
    ]);
    // maxVUs capped at 10 while each request takes 3 s: most iterations are dropped (defect 19).
    const { ws, argv } = prepare(config, "3s", { max_vus: 10, max_preallocated_vus: 10 });
    const result = await startK6({ k6Path: K6, argv, logPath: ws.log, timeoutMs: 60_000 }).done;
    expect(result.outcome).toBe("ok");
    const byName = new Map(parseK6Summary(JSON.parse(readFileSync(ws.summary, "utf8")), config, 3).map((r) => [r.name, r]));
    expect(byName.get("idle")).toMatchObject({ success_rate: 1, avg_latency_ms: 0, request_count: 0 });
    expect(byName.get("fail")).toMatchObject({ success_rate: 0, http_req_failed: 1 });
    const slow = byName.get("slow")!;
    expect(slow.dropped_iterations).toBeGreaterThan(20);
    expect(slow.success_rate).toBeLessThan(0.5);
    expect(slow.avg_latency_ms).toBeGreaterThan(2900);
  });

  it("all rates 0: idle scenario, every function success 1", async () => {
    const config = makeConfiguration([{ name: "a", rate: 0 }, { name: "b", rate: 0 }]);
    const { ws, argv } = prepare(config, "1s");
    const result = await startK6({ k6Path: K6, argv, logPath: ws.log, timeoutMs: 30_000 }).done;
    expect(result.outcome).toBe("ok");
    expect(parseK6Summary(JSON.parse(readFileSync(ws.summary, "utf8")), config, 1).map((r) => r.success_rate)).toEqual([1, 1]);
  });

  it("stop(): SIGINT ends the run early as interrupted, the summary is still written", async () => {
    const config = makeConfiguration([{ name: "echo-stop", rate: 20 }]);
    const { ws, argv } = prepare(config, "60s", { graceful_stop: "1s" });
    const lines: string[] = [];
    const run = startK6({ k6Path: K6, argv, logPath: ws.log, stopGraceMs: 10_000, onLine: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 2500));
    run.stop();
    const result = await run.done;
    expect(result.stopped).toBe(true);
    expect(["interrupted", "ok"]).toContain(result.outcome);
    expect(result.endedAt - result.startedAt).toBeLessThan(20);
    expect(lines.length).toBeGreaterThan(0);
    const [f] = parseK6Summary(JSON.parse(readFileSync(ws.summary, "utf8")), config, 60);
    expect(f!.request_count).toBeGreaterThan(10);
  });

  it("stop(): a process that ignores SIGINT is killed after the grace period", async () => {
    const fake = join(outDir, "stubborn-k6");
    writeFileSync(fake, "#!/bin/sh\ntrap '' INT\necho started\nexec sleep 30\n", { mode: 0o755 });
    const lines: string[] = [];
    const run = startK6({ k6Path: fake, argv: [], logPath: join(outDir, "stubborn.log"), stopGraceMs: 300, onLine: (l) => lines.push(l) });
    for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    run.stop();
    const result = await run.done;
    expect(result).toMatchObject({ outcome: "killed", signal: "SIGKILL", stopped: true });
    expect(result.endedAt - result.startedAt).toBeLessThan(10);
    expect(readFileSync(join(outDir, "stubborn.log"), "utf8")).toBe("started\n");
  });

  it("script errors map to script_error (107); a missing k6 names `make bootstrap`", async () => {
    const config = makeConfiguration([{ name: "broken", rate: 1 }]);
    const { ws, argv } = prepare(config, "1s");
    writeFileSync(ws.script, 'throw new Error("boom");\nexport default function () {}\n');
    const result = await startK6({ k6Path: K6, argv, logPath: ws.log, timeoutMs: 30_000 }).done;
    expect(result.exitCode).toBe(107);
    expect(result.outcome).toBe("script_error");
    await expect(startK6({ k6Path: join(outDir, "no-k6"), argv, logPath: ws.log }).done).rejects.toThrow(/run `make bootstrap`/);
  });
});
