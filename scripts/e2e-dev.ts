#!/usr/bin/env node
/**
 * `make e2e-dev`: the seed scenario on real Multipass VMs, through the real Pulumi CLI, on a throw-away stack
 * `dev-e2e` configured like `Pulumi.dev.yaml` (runner + platform VM, k3s + OpenFaaS + Prometheus):
 *
 *   1. up: one function, one 1-minute configuration, the campaign runs to `done`;
 *   2. Prometheus answers with node samples and per-function samples;
 *   3. a second campaign (another rate) is stopped with the STOP file: status `stopped`, memory checkpointed;
 *   4. destroy: the DuckDB file is on this machine with rows in `execution_events`, the VMs are gone.
 *
 * Not part of `make test` (it needs Multipass, minutes of VM boot and the internet for k3s and the chart). The SSH
 * key and the gateway password are generated for the run and never leave the stack's encrypted config.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { parse } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");
const STACK = "dev-e2e";

function fail(message: string): never {
  process.stderr.write(`e2e-dev: ${message}\n`);
  process.exit(1);
}

function step(message: string): void {
  process.stdout.write(`\n== ${new Date().toISOString()} ${message}\n`);
}

if (spawnSync("multipass", ["version"], { stdio: "ignore" }).status !== 0) {
  fail("multipass is not on PATH; install it (https://multipass.run, e.g. `sudo snap install multipass`) and re-run");
}
if (!process.env["PULUMI_CONFIG_PASSPHRASE"]) fail("set PULUMI_CONFIG_PASSPHRASE (it encrypts the stack's generated key and password)");

const keyDir = mkdtempSync(join(tmpdir(), "peva-e2e-dev-"));
let exitCode = 1;
try {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "id")]);
  const devConfig = (parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
  const pulumiCommand = await PulumiCommand.get({ root: join(ROOT, ".tools/pulumi") });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: ROOT }, { pulumiCommand });
  for (const [key, value] of Object.entries(devConfig)) {
    if (key === "peva-lab:workloads") continue;
    await stack.setConfig(key, { value: JSON.stringify(value) });
  }
  await stack.setConfig("peva-lab:sshPrivateKey", { value: readFileSync(join(keyDir, "id"), "utf8"), secret: true });
  await stack.setConfig("peva-lab:gatewayPassword", { value: randomBytes(16).toString("hex"), secret: true });
  const seed = (rates: number[]) => ({
    value: JSON.stringify({
      "peva-faas": {
        enabled: true,
        settings: {
          functions: [{ name: "figlet", method: "POST", body: "Hello DFaaS!" }],
          rate_strategy: { type: "custom", rates },
          combinations: { min_functions: 1, max_functions: 2 },
          duration: "1m",
          iterations: 1,
        },
      },
    }),
  });
  await stack.setConfig("peva-lab:workloads", seed([10]));

  step("1. pulumi up: VMs, k3s, OpenFaaS, Prometheus, runner setup, the seed campaign");
  const up = await stack.up({ onOutput: (s) => process.stdout.write(s) });
  if (up.summary.result !== "succeeded") fail(`pulumi up ended ${up.summary.result}`);
  const outputs = await stack.outputs();
  const run = outputs["run"]?.value as { status: string; counts: { executed: number } } | string;
  if (typeof run !== "object" || run.status !== "done" || run.counts.executed !== 1) fail(`the seed run is not done: ${JSON.stringify(run)}`);

  step("2. Prometheus: node and per-function samples");
  const platform = outputs["platform"]?.value as { prometheusUrl?: string };
  if (!platform.prometheusUrl) fail("no Prometheus URL in the stack outputs");
  for (const query of ['count(node_cpu_seconds_total)', 'count(container_cpu_usage_seconds_total{namespace="openfaas-fn"})']) {
    const res = await fetch(`${platform.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const n = Number(body.data?.result?.[0]?.value[1] ?? 0);
    if (!(n > 0)) fail(`Prometheus has no samples for ${query}`);
    process.stdout.write(`${query} = ${n}\n`);
  }

  step("3. STOP: a second campaign is stopped and checkpointed");
  await stack.setConfig("peva-lab:workloads", seed([10, 20]));
  const stopFile = join(ROOT, "output", STACK, "STOP");
  const second = stack.up({ onOutput: (s) => process.stdout.write(s) });
  await sleep(90_000); // past the VM-side start and into the second configuration's load
  writeFileSync(stopFile, "");
  await second;
  const stopped = (await stack.outputs())["run"]?.value as { status: string };
  if (stopped.status !== "stopped") fail(`expected the second run to be stopped, got ${stopped.status}`);

  step("4. pulumi destroy: memory retrieved, VMs removed");
  const destroyed = await stack.destroy({ onOutput: (s) => process.stdout.write(s) });
  if (destroyed.summary.result !== "succeeded") fail(`pulumi destroy ended ${destroyed.summary.result}`);
  const runnerVm = (devConfig["peva-lab:provisioner"] as { vms: { name: string; role: string }[] }).vms.find((v) => v.role === "runner")!.name;
  const db = join(ROOT, "output", STACK, "memory", runnerVm, "peva_faas.duckdb");
  if (!existsSync(db)) fail(`no retrieved memory at ${db}`);
  const { tableRowCounts } = await import("../plugins/peva-faas/src/runner/retrieve.ts");
  const counts = await tableRowCounts(db);
  if (!((counts["execution_events"] ?? 0) > 0)) fail(`the retrieved memory has no execution_events: ${JSON.stringify(counts)}`);
  process.stdout.write(`retrieved ${db}: ${JSON.stringify(counts)}\n`);
  await stack.workspace.removeStack(STACK);
  step("e2e-dev passed");
  exitCode = 0;
} finally {
  rmSync(keyDir, { recursive: true, force: true });
}
process.exit(exitCode);
