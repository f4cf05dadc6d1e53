/**
 * `pulumi preview` of the committed `dev` stack (two Multipass VMs, k3s + OpenFaaS) through the real CLI, offline:
 * the plan shows every component of the remote lab — VMs, pinned host keys, host setup, k3s, OpenFaaS, and the
 * campaign run on the runner — and nothing is created (no command runs in a preview).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyProject, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";
import { requireTool } from "../support/toolchain.ts";

describe("the dev stack", () => {
  let project: ProjectCopy | undefined;
  const keyDir = mkdtempSync(join(tmpdir(), "peva-dev-preview-"));
  afterAll(async () => {
    await project?.remove();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("previews offline: VMs, host keys, setup, k3s, OpenFaaS and the campaign run, creating nothing", async () => {
    execFileSync(requireTool("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "id")]);
    project = await copyProject("peva-dev-preview-");
    const stack = await project.stack("dev");
    await stack.setConfig("peva-lab:sshPrivateKey", { value: readFileSync(join(keyDir, "id"), "utf8"), secret: true });
    await stack.setConfig("peva-lab:gatewayPassword", { value: "preview-only-password", secret: true });
    let text = "";
    const preview = await stack.preview({ diff: false, onOutput: (s) => (text += s) });
    expect(preview.changeSummary["create"]).toBeGreaterThan(0);
    for (const type of ["peva-lab:hosts:MultipassVm", "peva-lab:HostKeyPin", "peva-lab:hosts:RunnerSetup", "peva-lab:platform:K3sCluster", "peva-lab:platform:OpenFaasPlatform", "peva-lab:BenchmarkRun"]) {
      expect(text, type).toContain(type);
    }
    expect(text).not.toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(await stackUrns(stack)).toEqual([]);
  });
});
