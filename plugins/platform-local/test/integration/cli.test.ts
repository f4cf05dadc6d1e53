/** `peva-local-gateway` as a process: ready file, signals, and no orphan workers even after kill -9. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_BODIES } from "../../src/functions.ts";
import { alive, childrenOf, cliGateways, GATEWAY_MAIN, invoke, request, waitFor } from "./helpers.ts";

// Whatever a test left running is killed after it, workers included (they follow their gateway).
const gateways = cliGateways("peva-local-cli-", "cli-secret", "SIGKILL");
const { dir, passwordFile, start } = gateways;
afterEach(() => gateways.stopAll());
afterAll(() => gateways.remove());

describe("peva-local-gateway", () => {
  it("writes the ready file, serves, and exits 0 on SIGTERM within 5 s with its workers", async () => {
    const g = await start("term", ["--functions", "figlet,shasum,env,markdown,qrcode", "--max-replicas", "4", "--queue-depth", "32"]);
    const ready = JSON.parse(readFileSync(join(dir, "term.json"), "utf8")) as Record<string, unknown>;
    expect(ready).toEqual({ pid: g.child.pid, port: g.port, url: `http://127.0.0.1:${g.port}` });
    expect((await invoke(g.url, "figlet", DEFAULT_BODIES.figlet)).text).toContain("|_| |_|");
    expect((await request(`${g.url}/system/functions`, { password: "cli-secret" })).status).toBe(200);
    expect((await request(`${g.url}/system/functions`, { password: "cli-secret\n" })).status).toBe(401);

    const workers = childrenOf(g.pid);
    expect(workers).toHaveLength(5);
    const t0 = Date.now();
    g.child.kill("SIGTERM");
    const exit = await g.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await waitFor("workers to exit", () => (workers.some(alive) ? undefined : true), 5_000);
    expect(existsSync(join(dir, "term.json"))).toBe(false);
  });

  it("exits 0 on SIGINT too", async () => {
    const g = await start("int", ["--functions", "shasum"]);
    const workers = childrenOf(g.pid);
    g.child.kill("SIGINT");
    expect(await g.exited).toEqual({ code: 0, signal: null });
    await waitFor("workers to exit", () => (workers.some(alive) ? undefined : true), 5_000);
  });

  it("kill -9 of the gateway leaves no orphan workers", async () => {
    const g = await start("kill9", ["--functions", "figlet,shasum", "--min-replicas", "2"]);
    const workers = childrenOf(g.pid);
    expect(workers).toHaveLength(4);
    // A request in flight while the gateway dies: its worker must still go.
    const inflight = invoke(g.url, "figlet", DEFAULT_BODIES.figlet, 5_000).catch(() => undefined);
    process.kill(g.pid, "SIGKILL");
    expect((await g.exited).signal).toBe("SIGKILL");
    await inflight;
    await waitFor("orphaned workers to exit", () => (workers.some(alive) ? undefined : true), 5_000);
  });

  it("fails fast with usage on bad arguments or a missing password file", () => {
    const bad = spawnSync(process.execPath, [GATEWAY_MAIN, "--port", "x", "--password-file", passwordFile], { encoding: "utf8", timeout: 15_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--port: 'x' is not a number");
    expect(bad.stderr).toContain("Usage: peva-local-gateway");
    const noPassword = spawnSync(process.execPath, [GATEWAY_MAIN, "--port", "0"], { encoding: "utf8", timeout: 15_000 });
    expect(noPassword.status).toBe(2);
    const missing = spawnSync(process.execPath, [GATEWAY_MAIN, "--password-file", join(dir, "absent")], { encoding: "utf8", timeout: 15_000 });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("ENOENT");
    const help = spawnSync(process.execPath, [GATEWAY_MAIN, "--help"], { encoding: "utf8", timeout: 15_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--ready-file");
  });
});
