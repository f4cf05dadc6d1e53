/**
 * `pulumi preview` of the committed `dev` stack (two Multipass VMs, k3s + OpenFaaS) through the real CLI, offline:
 * the plan shows every component of the remote lab — VMs, pinned host keys, host setup, k3s, OpenFaaS and Prometheus
 * as Kubernetes resources (through the bootstrap's build of the Kubernetes provider), the function, and the campaign
 * run on the runner — and nothing is created (no command runs in a preview; the cluster does not exist yet, so the
 * Kubernetes provider is not even configured and no chart is fetched). A config that the whole lab reveals wrong
 * (a function deployment the campaign never loads) fails the preview before any resource exists.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyProject, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";
import { REPO, requireResourcePlugin, requireTool } from "../support/toolchain.ts";

describe("the dev stack", () => {
  let project: ProjectCopy | undefined;
  const keyDir = mkdtempSync(join(tmpdir(), "peva-dev-preview-"));
  afterAll(async () => {
    await project?.remove();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("previews offline: VMs, host keys, setup, k3s, OpenFaaS and Prometheus on Kubernetes, the function and the campaign run, creating nothing", async () => {
    const kubernetesSdk = JSON.parse(readFileSync(join(REPO, "node_modules/@pulumi/kubernetes/package.json"), "utf8")) as { pulumi: { version: string } };
    requireResourcePlugin("kubernetes", kubernetesSdk.pulumi.version);
    execFileSync(requireTool("ssh-keygen"), ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "id")]);
    project = await copyProject("peva-dev-preview-");
    const stack = await project.stack("dev");
    await stack.setConfig("peva-lab:sshPrivateKey", { value: readFileSync(join(keyDir, "id"), "utf8"), secret: true });
    await stack.setConfig("peva-lab:gatewayPassword", { value: "preview-only-password", secret: true });
    let text = "";
    const preview = await stack.preview({ diff: false, onOutput: (s) => (text += s) });
    expect(preview.changeSummary["create"]).toBeGreaterThan(0);
    for (const type of [
      "peva-lab:hosts:MultipassVm",
      "peva-lab:HostKeyPin",
      "peva-lab:hosts:RunnerSetup",
      "peva-lab:platform:K3sCluster",
      "pulumi:providers:kubernetes",
      "peva-lab:platform:OpenFaasPlatform",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Secret",
      "kubernetes:helm.sh/v3:Release",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:apps/v1:DaemonSet",
      "kubernetes:core/v1:Service",
      "peva-lab:OpenFaasFunction",
      "peva-lab:BenchmarkRun",
    ]) {
      expect(text, type).toContain(type);
    }
    expect(text).not.toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(text).not.toContain("preview-only-password");
    expect(await stackUrns(stack)).toEqual([]);

    // A deployment entry for a function the campaign does not load (a typo of figlet) fails the preview, naming
    // the entry, before any resource exists.
    const platform = { type: "openfaas", k3sVersion: "v1.33.4+k3s1", functions: { figlett: { image: `ghcr.io/openfaas/figlet@sha256:${"d".repeat(64)}` } } };
    await stack.setConfig("peva-lab:platform", { value: JSON.stringify(platform) });
    let refused = "";
    await expect(stack.preview({ diff: false, onOutput: (s) => (refused += s) })).rejects.toThrow();
    expect(refused).toContain("peva-lab:platform.functions.figlett: not a function of the peva-faas campaign (it loads figlet)");
    expect(await stackUrns(stack)).toEqual([]);
  });
});
