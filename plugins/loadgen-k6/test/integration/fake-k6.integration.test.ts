/**
 * Process control of the k6 plugin: probe → start → done, stop, kill, failures.
 *
 * k6 is AGPL-3.0 and is not (and may not be) installed on the machines that run these tests, so they drive a
 * STAND-IN: `test/support/fake-k6.ts`, written as an executable named `k6` into a temp dir. It answers
 * `k6 version`, and for `k6 run` evaluates the generated script's own `setup()` and `handleSummary()` in Node with a
 * recorded k6 `data` object, writing the summary where the script says. It sends no traffic and is not k6.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LoadgenFailedError,
  LoadgenUnavailableError,
  idleFunctionStats,
  loadResultViolations,
  type LoadRequest,
  type LoadTarget,
} from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import K6Loadgen from "../../src/plugin.ts";
import { k6MetricNames, k6SettingsSchema, OTHER_STATUS_KEY } from "../../src/index.ts";
import { writeFakeK6 } from "../support/fake-k6.ts";

let root: string;
let binDir: string;
let dataFile: string;
let runs = 0;

const target = (functionName: string, rate: number): LoadTarget => ({
  functionName,
  url: `http://127.0.0.1:9/function/${functionName}`,
  method: "POST",
  body: "hello",
  headers: { "Content-Type": "text/plain" },
  rate,
});

/** A fresh, empty work directory per run, as the contract promises. */
function request(targets: LoadTarget[], durationSeconds: number, env: Record<string, string> = {}): LoadRequest {
  const workDir = join(root, `run-${++runs}`);
  mkdirSync(workDir);
  return {
    targets,
    durationSeconds,
    requestTimeoutSeconds: 1,
    workDir,
    env: { FAKE_K6_DATA: dataFile, FAKE_K6_RECORD: join(workDir, "fake-record.json"), ...env },
  };
}

function plugin(settings: Record<string, unknown> = {}): K6Loadgen {
  const p = new K6Loadgen();
  p.configure(k6SettingsSchema.parse(settings));
  return p;
}

const counter = (count: number): Record<string, unknown> => ({ type: "counter", contains: "default", values: { count, rate: count } });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "peva-k6-fake-"));
  binDir = join(root, "bin");
  mkdirSync(binDir);
  writeFakeK6(binDir);
  // A recorded k6 `data` object for the function `figlet` (id figlet): 3 responses, 200, 200, 503, plus one 418.
  const n = k6MetricNames("figlet");
  dataFile = join(root, "k6-data.json");
  writeFileSync(
    dataFile,
    JSON.stringify({
      root_group: { name: "", path: "", id: "d41d8cd98f00b204e9800998ecf8427e", groups: [], checks: [] },
      options: { summaryTrendStats: ["avg", "med", "p(90)", "p(95)", "p(99)", "max", "count"], summaryTimeUnit: "", noColor: true },
      metrics: {
        [n.status("200")]: counter(2),
        [n.status("503")]: counter(1),
        [n.status("otherfail")]: counter(1),
        [n.latencyAll]: { type: "trend", contains: "time", values: { avg: 2.5, med: 2, "p(90)": 4, "p(95)": 4.5, "p(99)": 4.9, max: 5, count: 4 } },
        [n.latencyOk]: { type: "trend", contains: "time", values: { avg: 1.5, med: 1.5, "p(90)": 1.9, "p(95)": 1.95, "p(99)": 1.99, max: 2, count: 2 } },
        [n.dropped]: counter(0),
        [n.bytesIn]: counter(400),
        [n.bytesOut]: counter(300),
      },
    }),
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("probe with the stand-in", () => {
  it("finds k6 in the given directories and reads its version", async () => {
    const p = plugin({ max_vus: 10 });
    const identity = await p.probe([join(root, "nowhere"), binDir]);
    expect(identity).toMatchObject({ name: "k6", version: "v1.3.0", settings: { max_vus: 10, executor: "constant-arrival-rate" } });
    expect(p.executable).toBe(join(binDir, "k6"));
  });

  it("refuses a k6 older than the plugin drives", async () => {
    const old = join(root, "old");
    mkdirSync(old);
    writeFakeK6(old, "v0.40.0");
    await expect(plugin().probe([old])).rejects.toThrow(/is k6 v0\.40\.0, older than v0\.45\.0/);
  });

  it("refuses an executable named k6 that prints no k6 version, or fails", async () => {
    const odd = join(root, "odd");
    const broken = join(root, "broken");
    mkdirSync(odd);
    mkdirSync(broken);
    writeFileSync(join(odd, "k6"), "#!/bin/sh\necho 'hello from something else'\n", { mode: 0o755 });
    writeFileSync(join(broken, "k6"), "#!/bin/sh\necho 'no such subcommand' >&2\nexit 3\n", { mode: 0o755 });
    const a = await plugin().probe([odd]).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(LoadgenUnavailableError);
    expect((a as Error).message).toMatch(/printed no k6 version \(got 'hello from something else'\)/);
    const b = await plugin().probe([broken]).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(LoadgenUnavailableError);
    expect((b as Error).message).toMatch(/version' failed: .*no such subcommand/);
  });
});

describe("start → done with the stand-in", () => {
  it("completed: writes the script, runs k6 with the request's env only, reads the summary, passes the contract", async () => {
    process.env["PEVA_K6_TEST_SECRET"] = "must-not-leak";
    const p = plugin({ tags: { team: "lab" } });
    await p.probe([binDir]);
    const req = request([target("figlet", 4), target("env", 0)], 1);
    const t0 = Date.now();
    const result = await p.start(req).done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.outcome).toBe("completed");
    expect(result.generator).toMatchObject({ name: "k6", version: "v1.3.0" });
    expect(result.window.end - result.window.start).toBeGreaterThanOrEqual(0.9);
    expect(result.window.end - result.window.start).toBeLessThan(5);
    expect(result.functions[0]).toMatchObject({
      functionName: "figlet",
      requests: 4,
      successes: 2,
      failures: { http: 2, timeout: 0, connection: 0 },
      statusCodes: { "200": 2, "503": 1, [OTHER_STATUS_KEY]: 1 },
      dropped: 0,
      achievedRate: 4,
      successRate: 0.5,
      bytesIn: 400,
      bytesOut: 300,
      latencyAll: { meanNs: 2_500_000, p50Ns: 2_000_000, maxNs: 5_000_000 },
    });
    expect(result.functions[1]).toEqual(idleFunctionStats("env"));
    expect(result.raw.format).toBe("k6-summary/v2");
    // Fixed file names in the work directory.
    expect(readFileSync(join(req.workDir, "script.js"), "utf8")).toContain("export function exec_figlet()");
    expect(JSON.parse(readFileSync(join(req.workDir, "summary.v2.json"), "utf8"))).toEqual(result.raw.document);
    const log = readFileSync(join(req.workDir, "k6.log"), "utf8");
    expect(log).toContain("fake k6 (test stand-in): running");
    expect(log).toContain(`peva-lab k6 summary written to ${join(req.workDir, "summary.v2.json")}`);
    // The command line and the environment k6 got: never phone home; nothing of the controller's env.
    const rec = JSON.parse(readFileSync(join(req.workDir, "fake-record.json"), "utf8")) as { argv: string[]; env: Record<string, string> };
    expect(rec.argv[0]).toBe("run");
    expect(rec.argv).toContain("--no-usage-report");
    expect(rec.argv.slice(-3)).toEqual(["--tag", "team=lab", join(req.workDir, "script.js")]);
    expect(rec.env["K6_NO_USAGE_REPORT"]).toBe("true");
    expect(rec.env["K6_NEW_MACHINE_READABLE_SUMMARY"]).toBe("false");
    expect(rec.env["FAKE_K6_DATA"]).toBe(dataFile);
    expect(rec.env["PEVA_K6_TEST_SECRET"]).toBeUndefined();
    delete process.env["PEVA_K6_TEST_SECRET"];
  });

  it("stop(): SIGINT, k6 writes its summary and exits 105 → outcome stopped, load seconds run to the stop", async () => {
    const p = plugin();
    await p.probe([binDir]);
    const req = request([target("figlet", 10)], 60);
    const run = p.start(req);
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    run.stop();
    run.stop(); // idempotent
    const result = await run.done;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(result.outcome).toBe("stopped");
    expect(loadResultViolations(req, result)).toEqual([]);
    const f = result.functions[0]!;
    // ~1.5 s of a 10 req/s schedule: ~15 asked for, 4 sent.
    expect(f.dropped).toBeGreaterThanOrEqual(6);
    expect(f.dropped).toBeLessThanOrEqual(25);
    expect(f.achievedRate).toBeGreaterThan(1);
    expect(f.achievedRate).toBeLessThan(5);
    expect(f.successRate).toBeCloseTo(2 / (4 + f.dropped), 12);
    expect(result.window.end - result.window.start).toBeLessThan(5);
    run.stop(); // after the end: no effect
  });

  it("stop(): a k6 that ignores SIGINT is killed after stop_grace_seconds; no summary → LoadgenFailedError", async () => {
    const p = plugin({ stop_grace_seconds: 0.3 });
    await p.probe([binDir]);
    const req = request([target("figlet", 10)], 60, { FAKE_K6_MODE: "ignore-sigint" });
    const run = p.start(req);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    run.stop();
    const err = await run.done.catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(LoadgenFailedError);
    expect((err as LoadgenFailedError).reason).toMatch(/signal SIGKILL but left no readable summary/);
    expect((err as LoadgenFailedError).logPath).toBe(join(req.workDir, "k6.log"));
  });

  it("a failing k6 (script exception, exit 107) rejects with the exit and the tail of its output", async () => {
    const p = plugin();
    await p.probe([binDir]);
    const req = request([target("figlet", 1)], 1, { FAKE_K6_MODE: "script-error" });
    const err = await p.start(req).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadgenFailedError);
    expect((err as Error).message).toMatch(/^Load generator 'k6' failed: k6 ended with exit 107 \(script exception\); last output: .*boom/);
    expect((err as Error).message).toContain(`(log: ${join(req.workDir, "k6.log")})`);
  });

  it("exit 0 without a summary rejects", async () => {
    const p = plugin();
    await p.probe([binDir]);
    const err = await p.start(request([target("figlet", 1)], 1, { FAKE_K6_MODE: "no-summary" })).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadgenFailedError);
    expect((err as Error).message).toMatch(/k6 ended with exit 0 but left no readable summary/);
  });

  it("a k6 that vanished after the probe rejects with the spawn error", async () => {
    const gone = join(root, "gone");
    mkdirSync(gone);
    writeFakeK6(gone);
    const p = plugin();
    await p.probe([gone]);
    rmSync(join(gone, "k6"));
    const err = await p.start(request([target("figlet", 1)], 1)).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadgenFailedError);
    expect((err as Error).message).toMatch(/could not start .*gone\/k6: .*ENOENT/);
  });
});

describe("all-idle windows start no k6", () => {
  it("waits out the duration and reports every function idle", async () => {
    const p = plugin();
    await p.probe([binDir]);
    const req = request([target("a", 0), target("b", 0)], 0.4);
    const result = await p.start(req).done;
    expect(loadResultViolations(req, result)).toEqual([]);
    expect(result.outcome).toBe("completed");
    expect(result.functions).toEqual([idleFunctionStats("a"), idleFunctionStats("b")]);
    expect(result.window.end - result.window.start).toBeGreaterThanOrEqual(0.39);
    expect(existsSync(join(req.workDir, "fake-record.json"))).toBe(false);
    expect(existsSync(join(req.workDir, "summary.v2.json"))).toBe(true);
  });

  it("stop() ends the wait early", async () => {
    const p = plugin();
    await p.probe([binDir]);
    const req = request([target("a", 0)], 60);
    const run = p.start(req);
    setTimeout(() => run.stop(), 100);
    const result = await run.done;
    expect(result.outcome).toBe("stopped");
    expect(result.window.end - result.window.start).toBeLessThan(5);
    expect(loadResultViolations(req, result)).toEqual([]);
  });
});
