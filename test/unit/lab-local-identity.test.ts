/**
 * On the `local` stack the embedded platform's limits (`maxReplicas`, `queueDepth`) and its node (declared size,
 * and how the gateway enforced it) reach the campaign run's inputs as its platform identity, and from there, through the run spec, the runner's campaign
 * identity. Pulumi mocks: the component tree is declared, nothing runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { campaignIdentityOf } from "../../plugins/peva-faas/src/runner/campaign.ts";
import { RUN_SPEC_SCHEMA, runSpecSchema } from "../../plugins/peva-faas/src/runner/spec.ts";
import { REPO } from "../support/toolchain.ts";
import { collectResources, revealSecrets, stubDynamicProviderSerialization, type RecordedResource } from "../support/pulumi-mocks.ts";

describe("local stack: the platform identity of the campaign run (Pulumi mocks)", () => {
  let run: RecordedResource;

  beforeAll(async () => {
    stubDynamicProviderSerialization();
    const recorder = collectResources({
      // The runner host's facts, as its workdir command prints them.
      "command:local:Command": () => ({ stdout: JSON.stringify({ cores: 3, kernel: "6.8.0", arch: "x86_64" }) }),
      // The platform as its provider reports it once the gateway made the node (a mock: nothing starts here).
      "pulumi-nodejs:dynamic/peva-lab:LocalPlatform": (args) => {
        const node = args.inputs["node"] as { cpus: number };
        return { nodeCores: node.cpus, nodeIsolation: "cgroup-v1" };
      },
    });
    pulumi.runtime.setMocks(recorder.mocks, "peva-lab", "local", false);
    const { validateStackConfig } = await import("../../config/validate.ts");
    const { planLab } = await import("../../plan/lab-plan.ts");
    const { Lab } = await import("../../components/lab.ts");

    const stackFile = parse(readFileSync(join(REPO, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(stackFile.config)) raw[k] = JSON.stringify(v);
    // Limits other than the defaults, so the identity can only have them from this config.
    raw["peva-lab:platform"] = JSON.stringify({ type: "local", maxReplicas: 6, queueDepth: 12, cpus: 2, memoryMb: 1536 });
    const result = validateStackConfig(raw, [], [{ name: "peva-faas" }]);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const lab = new Lab("lab", { plan: planLab("local", result.config), config: result.config, secrets: {}, hostWorkspaces: {}, analysisCompute: { aggregates: "duckdb" } });
    await recorder.settle(lab.runner);
    run = recorder.resources.find((r) => r.type === "pulumi-nodejs:dynamic/peva-lab:BenchmarkRun")!;
  });

  it("carries maxReplicas, queueDepth, the node's declared size and isolation into the run's inputs (not the runner host's cores)", () => {
    expect(revealSecrets(run.inputs["platformIdentity"])).toEqual({
      kind: "local",
      max_replicas: 6,
      node_cores: 2,
      node_isolation: "cgroup-v1",
      node_memory_mb: 1536,
      queue_depth: 12,
      runner_on_platform_host: true,
    });
    expect(revealSecrets(run.inputs["nodeCores"])).toBe(2);
  });

  it("hands the run the analysis compute governance resolved and the stack's engine settings", () => {
    expect(revealSecrets(run.inputs["analysis"])).toEqual({ transforms: { aggregates: "duckdb" }, threads: 4, memoryLimit: "4GB" });
  });

  it("is a valid run spec field, and the runner's campaign identity holds it", () => {
    const platformIdentity = revealSecrets(run.inputs["platformIdentity"]) as Record<string, string | number | boolean>;
    const spec = runSpecSchema.parse({
      schema: RUN_SPEC_SCHEMA,
      run_id: "local-20260101-000000-beef",
      host: "localhost",
      workdir: "/w",
      results_dir: "/w/results",
      run_dir: "/w/runs/r",
      platform: run.inputs["platform"],
      gateway: { url: "http://127.0.0.1:8080", password_file: "/w/runs/r/gateway-password" },
      prometheus: { url: "http://127.0.0.1:9090" },
      node_cores: revealSecrets(run.inputs["nodeCores"]),
      platform_identity: platformIdentity,
      settings: {},
    });
    const config = { functions: [], duration: "10s", iterations: 2, overload: {}, loadgen: { request_timeout: "30s" }, early_abort: { enabled: false } };
    const identity = campaignIdentityOf(spec, config as unknown as Parameters<typeof campaignIdentityOf>[1], { name: "vegeta", version: "v12.13.0", settings: {} });
    expect(identity.platform).toMatchObject({ kind: "local", max_replicas: 6, queue_depth: 12, node_cores: 2, node_memory_mb: 1536 });
  });
});
