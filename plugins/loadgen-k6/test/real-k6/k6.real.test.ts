/**
 * The plugin against a REAL k6 and a loopback HTTP target: `make test-k6`, for users who installed k6 themselves
 * (on PATH, or `K6_BIN` naming the executable). Not part of `make test`: peva-lab never installs k6 (AGPL-3.0), so
 * the machines that run the suite have none; the same flows run there against a stand-in
 * (`test/integration/fake-k6.integration.test.ts`). Without k6 this file fails, naming how to get it.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { idleFunctionStats, loadResultViolations, type LoadRequest, type LoadTarget } from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import K6Loadgen from "../../src/plugin.ts";
import { findK6, k6SettingsSchema } from "../../src/index.ts";

const pathDirs = process.env["K6_BIN"] ? [dirname(process.env["K6_BIN"])] : (process.env["PATH"] ?? "").split(delimiter);
const k6 = await findK6(pathDirs);

if (k6 === undefined) {
  throw new Error(
    "make test-k6 needs a k6 you installed yourself (Grafana's official packages, see plugins/loadgen-k6/README.md), on PATH or named by K6_BIN",
  );
}

describe("real k6 (installed by the user)", () => {
  let server: Server;
  let base: string;
  let root: string;
  let runs = 0;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "peva-k6-real-"));
    server = createServer((req, res) => {
      const name = (req.url ?? "").replace(/^\/function\//, "");
      hits.set(name, (hits.get(name) ?? 0) + 1);
      req.resume();
      req.on("end", () => {
        if (name.startsWith("slow")) {
          setTimeout(() => res.end("late"), 3000);
          return;
        }
        res.statusCode = name.startsWith("fail") ? 503 : name.startsWith("teapot") ? 418 : 200;
        res.end("ok");
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(root, { recursive: true, force: true });
  });

  const target = (functionName: string, rate: number): LoadTarget => ({
    functionName,
    url: `${base}/function/${functionName}`,
    method: "POST",
    body: "hello",
    headers: { "Content-Type": "text/plain" },
    rate,
  });
  const request = (targets: LoadTarget[], durationSeconds: number, requestTimeoutSeconds = 10): LoadRequest => {
    const workDir = join(root, `run-${++runs}`);
    mkdirSync(workDir);
    return { targets, durationSeconds, requestTimeoutSeconds, workDir, env: { PATH: process.env["PATH"] ?? "", HOME: root } };
  };
  const plugin = async (settings: Record<string, unknown> = {}): Promise<K6Loadgen> => {
    const p = new K6Loadgen();
    p.configure(k6SettingsSchema.parse({ graceful_stop: "5s", ...settings }));
    await p.probe(pathDirs);
    return p;
  };

  it.each([50, 200])("%i req/s for 4 s: achieved rate within 2 %, all successful, contract holds", async (rate) => {
    const name = `echo${rate}`;
    const req = request([target(name, rate)], 4);
    const result = await (await plugin()).start(req).done;
    const log = readFileSync(join(req.workDir, "k6.log"), "utf8").slice(-2000);
    expect(loadResultViolations(req, result), log).toEqual([]);
    const f = result.functions[0]!;
    expect(Math.abs(f.achievedRate - rate) / rate, log).toBeLessThan(0.02);
    expect(f.successRate).toBe(1);
    expect(f.statusCodes).toEqual({ "200": f.requests });
    expect(f.dropped).toBe(0);
    expect(f.bytesIn).toBeGreaterThan(0);
    expect(f.bytesOut).toBeGreaterThan(0);
    expect(hits.get(name)).toBe(f.requests);
  });

  it("mixed: idle, failing (503 and an unlisted 418), timeouts under a VU cap", async () => {
    const req = request([target("idle", 0), target("fail", 20), target("teapot", 5), target("slow", 20)], 3, 1);
    const result = await (await plugin({ max_vus: 10, max_preallocated_vus: 10 })).start(req).done;
    expect(loadResultViolations(req, result)).toEqual([]);
    const [idle, fail, teapot, slow] = result.functions;
    expect(idle).toEqual(idleFunctionStats("idle"));
    expect(fail).toMatchObject({ successes: 0, statusCodes: { "503": fail!.requests } });
    expect(fail!.failures.http).toBe(fail!.requests);
    expect(teapot!.statusCodes).toEqual({ "999": teapot!.requests });
    expect(slow!.failures.timeout).toBeGreaterThan(0);
    expect(slow!.dropped).toBeGreaterThan(0);
    expect(Number.isNaN(slow!.latencySuccess.meanNs)).toBe(true);
  });

  it("stop(): SIGINT ends the run early as stopped, with what was sent", async () => {
    const req = request([target("echo-stop", 20)], 60);
    const run = (await plugin({ graceful_stop: "1s" })).start(req);
    await new Promise((r) => setTimeout(r, 2500));
    run.stop();
    const result = await run.done;
    expect(result.outcome).toBe("stopped");
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.functions[0]!.requests).toBeGreaterThan(10);
    expect(result.window.end - result.window.start).toBeLessThan(20);
  });
});
