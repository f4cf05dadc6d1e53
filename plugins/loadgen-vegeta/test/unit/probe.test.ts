import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoadgenUnavailableError } from "@peva-lab/core";
import { afterAll, describe, expect, it } from "vitest";
import { findExecutable, majorOf, parseVersion, probeVegeta, VEGETA_FIX } from "../../src/probe.ts";

const root = mkdtempSync(join(tmpdir(), "vegeta-probe-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory holding a fake `vegeta` that runs `script` (a /bin/sh body). */
function fakeVegeta(name: string, script: string, mode = 0o755): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "vegeta"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, "vegeta"), mode);
  return dir;
}

const good = fakeVegeta("good", 'echo "Version: v12.13.0"; echo "Commit: "; echo "Runtime: go1.26.8 linux/amd64"');
const old = fakeVegeta("old", 'echo "Version: v11.2.0"');
const noVersion = fakeVegeta("dev", 'echo "Version: "');
const crashing = fakeVegeta("crash", 'echo "boom" >&2; exit 3');
const notExecutable = fakeVegeta("noexec", 'echo "Version: v12.13.0"', 0o644);

async function unavailable(dirs: string[]): Promise<LoadgenUnavailableError> {
  const e: unknown = await probeVegeta(dirs).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(LoadgenUnavailableError);
  const err = e as LoadgenUnavailableError;
  expect(err.generator).toBe("vegeta");
  expect(err.fix).toBe(VEGETA_FIX);
  expect(err.message).toContain("go install github.com/tsenart/vegeta/v12@v12.13.0");
  return err;
}

describe("version parsing", () => {
  it("reads the first line", () => {
    expect(parseVersion("Version: v12.13.0\nCommit: \n")).toBe("v12.13.0");
    expect(parseVersion("Version: 12.8.4")).toBe("12.8.4");
    expect(parseVersion("Version: \n")).toBeUndefined();
    expect(parseVersion("Commit: x\nVersion: v12.13.0")).toBeUndefined();
    expect(majorOf("v12.13.0")).toBe(12);
    expect(majorOf("11.0.1")).toBe(11);
    expect(majorOf("dev")).toBeUndefined();
  });
});

describe("findExecutable", () => {
  it("takes the first executable file in order, skipping relative and empty entries", () => {
    expect(findExecutable("vegeta", [join(root, "missing"), notExecutable, "", "relative/dir", good, old])).toBe(join(good, "vegeta"));
    expect(findExecutable("vegeta", [old, good])).toBe(join(old, "vegeta"));
    expect(findExecutable("vegeta", [notExecutable])).toBeUndefined();
    expect(findExecutable("vegeta", [root])).toBeUndefined();
  });
});

describe("probeVegeta", () => {
  it("returns the executable and the version as reported", async () => {
    expect(await probeVegeta([good])).toEqual({ executable: join(good, "vegeta"), version: "v12.13.0" });
  });

  it("fails with the fix when vegeta is missing", async () => {
    expect((await unavailable([join(root, "missing"), notExecutable])).reason).toMatch(/no executable 'vegeta'/);
    expect((await unavailable([])).reason).toMatch(/empty path/);
  });

  it("fails with the fix for another major version, no version, or a crash", async () => {
    expect((await unavailable([old])).reason).toMatch(/v11\.2\.0.*major version 12/);
    expect((await unavailable([noVersion])).reason).toMatch(/printed no version/);
    expect((await unavailable([crashing])).reason).toMatch(/does not run.*exit.*3.*boom/);
  });
});
