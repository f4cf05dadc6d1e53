import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoadgenUnavailableError, type LoadRequest } from "@peva-lab/core";
import { afterAll, describe, expect, it } from "vitest";
import K6Loadgen from "../../src/plugin.ts";
import { compareVersions, findK6, K6_INSTALL_FIX, parseK6Version } from "../../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "peva-k6-probe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("probe without k6", () => {
  it("names the fix: install k6 yourself (AGPL, never downloaded) or use vegeta", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const err = await new K6Loadgen().probe([empty, join(dir, "missing")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadgenUnavailableError);
    const e = err as LoadgenUnavailableError;
    expect(e.generator).toBe("k6");
    expect(e.reason).toBe("k6 is not on PATH");
    expect(e.fix).toBe(K6_INSTALL_FIX);
    expect(e.message).toBe(
      "Load generator 'k6' is unavailable: k6 is not on PATH. Fix: install k6 yourself from Grafana's official packages " +
        "(see https://grafana.com/docs/k6/latest/set-up/install-k6/); peva-lab never downloads or builds k6 because it is " +
        "AGPL-3.0 — or use the bundled generator: loadgen: {type: vegeta}",
    );
  });

  it("ignores a non-executable file or a directory named k6", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    mkdirSync(a);
    mkdirSync(join(b, "k6"), { recursive: true });
    writeFileSync(join(a, "k6"), "not executable", { mode: 0o644 });
    expect(await findK6([a, b])).toBeUndefined();
  });

  it("start() before probe() is refused", () => {
    const req: LoadRequest = { targets: [], durationSeconds: 1, requestTimeoutSeconds: 1, workDir: dir, env: {} };
    expect(() => new K6Loadgen().start(req)).toThrow(/probe\(\) has not run/);
  });
});

describe("k6 version parsing", () => {
  it.each([
    ["k6 v1.3.0 (commit/41b4984b75, go1.24.4, linux/amd64)\n", "v1.3.0"],
    ["k6 v0.49.0 (go1.21.6, linux/amd64)", "v0.49.0"],
    ["k6 v1.0.0-rc1 (commit/devel, go1.24.1, linux/amd64)", "v1.0.0-rc1"],
    ["some banner\nk6 v2.0.0 (commit/x, go1.25, linux/arm64)", "v2.0.0"],
    ["k6 version unknown", undefined],
    ["", undefined],
  ])("%j → %s", (text, version) => expect(parseK6Version(text)).toBe(version));

  it("compares numerically", () => {
    expect(compareVersions("v0.45.0", "0.45.0")).toBe(0);
    expect(compareVersions("v0.9.0", "0.45.0")).toBe(-1);
    expect(compareVersions("v1.0.0-rc1", "0.45.0")).toBe(1);
    expect(compareVersions("v0.45.1", "0.45.0")).toBe(1);
  });
});
