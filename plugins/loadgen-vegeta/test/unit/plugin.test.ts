import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import VegetaLoadgen from "../../src/plugin.ts";

// A fake vegeta 12 (the plugin's own logic is tested here; the real binary runs in the integration tests).
const root = mkdtempSync(join(tmpdir(), "vegeta-plugin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const good = root;
writeFileSync(join(good, "vegeta"), '#!/bin/sh\necho "Version: v12.13.0"\n');
chmodSync(join(good, "vegeta"), 0o755);

describe("plugin", () => {
  it("describes itself", () => {
    const p = new VegetaLoadgen();
    expect([p.type, p.name, p.version, p.apiVersion]).toEqual(["loadgen", "vegeta", "0.1.0", "1.0"]);
    expect(p.requiredTools).toEqual(["vegeta"]);
  });

  it("probe() returns the identity with the validated settings", async () => {
    const p = new VegetaLoadgen();
    p.configure({ max_workers: 5, keepalive: false, connections: 7, http2: true });
    expect(await p.probe([good])).toEqual({
      name: "vegeta",
      version: "v12.13.0",
      settings: { max_workers: 5, keepalive: false, connections: 7, http2: true },
    });
  });

  it("start() before probe() throws a clear error", () => {
    const p = new VegetaLoadgen();
    const request = { targets: [], durationSeconds: 1, requestTimeoutSeconds: 1, workDir: root, env: {} };
    expect(() => p.start(request)).toThrow(/before probe\(\)/);
  });

  it("an idle run (no target loaded) waits the duration, or stops at once", async () => {
    const p = new VegetaLoadgen();
    await p.probe([good]);
    const target = { functionName: "idle", url: "http://127.0.0.1:1/", method: "GET", body: "", headers: {}, rate: 0 };
    const request = { targets: [target], durationSeconds: 0.2, requestTimeoutSeconds: 1, workDir: root, env: {} };
    const t = Date.now();
    const r = await p.start(request).done;
    expect(Date.now() - t).toBeGreaterThanOrEqual(190);
    expect(r.outcome).toBe("completed");
    expect(r.window.end - r.window.start).toBeGreaterThanOrEqual(0.19);
    expect(r.functions).toEqual([expect.objectContaining({ functionName: "idle", requests: 0, successRate: 1 })]);

    const run = p.start({ ...request, durationSeconds: 30 });
    run.stop();
    run.stop();
    const stopped = await run.done;
    expect(stopped.outcome).toBe("stopped");
    expect(stopped.window.end - stopped.window.start).toBeLessThan(1);
  });

  it("start() rejects an invalid request synchronously", async () => {
    const p = new VegetaLoadgen();
    await p.probe([good]);
    const base = { targets: [], durationSeconds: 1, requestTimeoutSeconds: 1, workDir: root, env: {} };
    expect(() => p.start({ ...base, durationSeconds: 0 })).toThrow(RangeError);
    expect(() => p.start({ ...base, requestTimeoutSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => p.start({ ...base, workDir: join(root, "missing") })).toThrow(/not a directory/);
    const target = { functionName: "f", url: "http://127.0.0.1:1/", method: "GET", body: "", headers: {}, rate: 1.5 };
    expect(() => p.start({ ...base, targets: [target] })).toThrow(/whole number/);
  });
});
