/**
 * Issue 2 end to end: the real Pulumi CLI (file backend), the Node.js language host, the command provider and the
 * dynamic-provider launcher, on the `local` stack: up, outputs, up again with no change, destroy, empty state.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerOutputs } from "../../components/lab.ts";
import { workloadsConfig, ZERO_LENGTH_CAMPAIGN } from "../support/campaign.ts";
import { copyProject, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";

describe("local stack through the Pulumi CLI", () => {
  let project: ProjectCopy;
  beforeAll(async () => {
    project = await copyProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("up declares the lab for real, a second up changes nothing, destroy leaves no resources", async () => {
    const stack = await project.stack("local");
    // The lab for real, with a campaign that plans nothing (campaigns have their own e2e tests).
    await stack.setConfig("peva-lab:workloads", workloadsConfig(ZERO_LENGTH_CAMPAIGN));
    const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    expect(up.summary.result).toBe("succeeded");

    const outputs = await stack.outputs();
    const runner = outputs["runner"]?.value as RunnerOutputs;
    expect(runner.host).toBe("localhost");
    expect(runner.workdir).toBe("output/local/workdir");
    expect(runner.cores).toBe(Number(execFileSync("nproc").toString().trim()));
    const platform = outputs["platform"]?.value as { kind: string; gatewayUrl: string; prometheusUrl: string };
    expect(platform.kind).toBe("local");
    expect(platform.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${platform.prometheusUrl}/-/ready`)).status).toBe(200);
    expect((outputs["run"]?.value as { status: string; counts: { planned: number } }).status).toBe("done");
    expect(outputs["outputRoot"]?.value).toBe("output/local");
    const tools = runner.tools ?? {};
    expect(Object.keys(tools).sort()).toEqual(["node", "prometheus", "prometheus-node-exporter", "vegeta"]);
    expect(tools["vegeta"]?.version).toMatch(/v12\.13\.0/);

    const urns = await stackUrns(stack);
    expect(urns.some((u) => u.includes("command:local:Command"))).toBe(true);
    expect(urns.some((u) => u.includes("pulumi-nodejs:dynamic/peva-lab:ToolchainProbe"))).toBe(true);
    expect(urns.some((u) => u.includes("peva-lab:lab:Lab"))).toBe(true);
    expect(urns.some((u) => u.includes("pulumi-nodejs:dynamic/peva-lab:LocalPlatform"))).toBe(true);
    expect(urns.some((u) => u.includes("pulumi-nodejs:dynamic/peva-lab:BenchmarkRun"))).toBe(true);

    const again = await stack.up({ onOutput: (s) => process.stdout.write(s) });
    const changes = again.summary.resourceChanges ?? {};
    expect(Object.keys(changes)).toEqual(["same"]);

    const destroyed = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
    expect(destroyed.summary.result).toBe("succeeded");
    expect(await stackUrns(stack)).toEqual([]);
    await expect(fetch(`${platform.gatewayUrl}/healthz`)).rejects.toThrow();
  });

  it("an invalid config fails before any resource exists, naming every field at fault", async () => {
    const stack = await project.stack("bad");
    await stack.setAllConfig({
      "peva-lab:workloads": {
        value: JSON.stringify({ ghost: { enabled: true }, "peva-faas": { settings: { rate_strategy: { type: "linear", min_rate: -5 } } } }),
      },
      "peva-lab:cleanup": { value: JSON.stringify({ memory: true, paths: [] }) },
    });
    const failure = await stack.up().then(
      () => undefined,
      (e: unknown) => String(e),
    );
    expect(failure).toBeDefined();
    expect(failure).toContain("peva-lab:workloads.ghost: unknown plugin 'ghost'");
    expect(failure).toMatch(/peva-lab:workloads\.peva-faas\.settings\.rate_strategy\.min_rate: /);
    expect(failure).toContain("peva-lab:cleanup.paths: cleanup.memory is true but no paths are listed");
    const urns = await stackUrns(stack);
    // At most the root stack resource Pulumi registers before the program runs; nothing of the lab.
    expect(urns.filter((u) => !u.includes("pulumi:pulumi:Stack"))).toEqual([]);
  });

  it("a compute the policy does not approve fails before any resource exists, with governance's message", async () => {
    const stack = await project.stack("bad-compute");
    await stack.setAllConfig({ "peva-lab:compute": { value: JSON.stringify({ default: "spark" }) } });
    const failure = await stack.up().then(
      () => undefined,
      (e: unknown) => String(e),
    );
    expect(failure).toContain("peva-lab:compute.default: Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']");
    const urns = await stackUrns(stack);
    expect(urns.filter((u) => !u.includes("pulumi:pulumi:Stack"))).toEqual([]);
  });
});
