/**
 * The offline command provider (tools/pulumi-resource-command) through the real Pulumi CLI: create, no-op,
 * update in place, destroy, preview runs nothing, failing command, secret stdout; remote Command and
 * CopyToRemote against a real sshd in a network namespace (up, no-op up, update, destroy, wrong host key
 * refused); remote CopyFile refused. Needs root, ip, sshd and ssh-keygen (scripts/bootstrap).
 * The scenario lives in tools/pulumi-resource-command/e2e/e2e.mjs; this test builds the provider and runs it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PULUMI_ROOT, REPO, requireTool, toolPath } from "../support/toolchain.ts";

describe("offline command provider", () => {
  const out = mkdtempSync(join(tmpdir(), "peva-cmd-provider-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("passes its end-to-end scenario against the Pulumi CLI", () => {
    requireTool("pulumi");
    const go = requireTool("go");
    const bin = join(out, "pulumi-resource-command");
    execFileSync(go, ["build", "-trimpath", "-ldflags", "-s -w -X main.version=1.2.1", "-o", bin, "."], {
      cwd: join(REPO, "tools/pulumi-resource-command"),
      env: { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
      stdio: "inherit",
    });
    const run = spawnSync(process.execPath, [join(REPO, "tools/pulumi-resource-command/e2e/e2e.mjs")], {
      cwd: REPO,
      env: { ...process.env, PATH: toolPath(), PULUMI_ROOT, PLUGIN_BIN: bin },
      encoding: "utf8",
      timeout: 600_000,
    });
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("E2E OK");
  });
});
