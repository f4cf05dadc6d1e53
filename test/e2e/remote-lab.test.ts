/**
 * The real remote flow, through the real Pulumi CLI: a `lab-*` stack (provisioner `ssh`, platform `local`) over two
 * network-namespace hosts made by the test, a runner and a target, each with its own sshd, user, home and a PATH
 * without the project's toolchain, so what runs there comes from host setup (Node and vegeta copied into
 * `~/.peva-lab/bin`, the bundle with the enabled plugins' workspaces). The embedded platform runs on the target,
 * the campaign on the runner; the controller follows it over SSH.
 *
 *   up → the platform is installed and supervised on the target, the runner is set up, the campaign runs, results
 *        and memory exist on the runner host;
 *   a STOP through the controller's STOP file → `stopped` within 30 s;
 *   up again → resumes with no duplicate event, while the runner's link is cut for 10 s mid-run;
 *   destroy → the memory is retrieved with verified row counts; no process and no port is left on either host.
 *
 * The hosts reach no npm registry and have no npm cache: host setup installs the plugins' dependencies on the
 * controller and ships them (the offline path real labs need).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableRowCounts } from "../../plugins/peva-faas/src/runner/retrieve.ts";
import { processesMatching, runEvents, SMALL_CAMPAIGN, workloadsConfig } from "../support/campaign.ts";
import { enableForwarding, startNetnsSshHost, type NetnsSshHost } from "../support/netns-host.ts";
import { copyProject, recordedRunStatus, stackUrns, type ProjectCopy } from "../support/pulumi-project.ts";
import { requireTool } from "../support/toolchain.ts";

interface RunOutput {
  runId: string;
  status: string;
  counts: { planned: number; executed: number; iterations: number; skipped: Record<string, number> };
  resultsCsv: string;
  memoryDb: string;
}

/** A PATH as a plain host has it: no project toolchain (the system Node here is too old for the runner). */
const HOST_PATH = "/usr/local/bin:/usr/bin:/bin";
const STACK = "lab-netns";

/** The newest run directory on a runner host, and its events. */
function newestRun(home: string): string | undefined {
  const runs = join(home, ".peva-lab/runs");
  if (!existsSync(runs)) return undefined;
  return readdirSync(runs)
    .map((d) => join(runs, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

async function waitForRemoteEvent(home: string, type: string, since: number, timeoutMs = 300_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dir = newestRun(home);
    if (dir && statSync(dir).mtimeMs >= since && runEvents(dir).some((e) => e.type === type)) return dir;
    await sleep(250);
  }
  throw new Error(`no '${type}' event on the runner host within ${timeoutMs / 1000} s`);
}

function duckdbRows(db: string, sql: string): Record<string, unknown>[] {
  const script = `import { DuckDBInstance } from "@duckdb/node-api";
const i = await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" });
const c = await i.connect();
console.log(JSON.stringify((await c.runAndReadAll(process.argv[2])).getRowObjectsJS(), (_k, v) => typeof v === "bigint" ? Number(v) : v));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script, db, sql], { encoding: "utf8" })) as Record<string, unknown>[];
}

function expectNoDuplicates(db: string): void {
  const dup = duckdbRows(db, "SELECT config_id, iteration, count(*) AS n FROM execution_events WHERE skip_reason IS NULL AND iteration > 0 GROUP BY ALL HAVING count(*) > 1");
  expect(dup).toEqual([]);
}

describe("a lab stack over two SSH hosts: embedded platform on the target, campaign on the runner", () => {
  let keyDir: string;
  let restoreForwarding: (() => void) | undefined;
  let runner: NetnsSshHost;
  let target: NetnsSshHost;
  let project: ProjectCopy;
  let stack: Stack;
  const log = (s: string) => process.stdout.write(s);

  beforeAll(async () => {
    const keygen = requireTool("ssh-keygen");
    keyDir = mkdtempSync(join(tmpdir(), "peva-remote-key-"));
    execFileSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "id")]);
    const publicKey = readFileSync(join(keyDir, "id.pub"), "utf8").trim();
    restoreForwarding = enableForwarding();
    runner = await startNetnsSshHost({ user: "peva-runner", path: HOST_PATH, authorizedKey: publicKey });
    target = await startNetnsSshHost({ user: "peva-target", path: HOST_PATH, authorizedKey: publicKey });
    project = await copyProject("peva-remote-lab-");
    stack = await project.stack(STACK);
    await stack.setConfig("peva-lab:provisioner", {
      value: JSON.stringify({
        type: "ssh",
        hosts: [
          // The runner's key is pinned in the config; the target's is recorded on first use.
          { name: "runner", role: "runner", address: runner.address, user: runner.user, hostKeys: [runner.hostPublicKey] },
          { name: "target", role: "platform", address: target.address, user: target.user },
        ],
      }),
    });
    await stack.setConfig("peva-lab:platform", { value: JSON.stringify({ type: "local", maxReplicas: 2, queueDepth: 16 }) });
    await stack.setConfig("peva-lab:workloads", workloadsConfig(SMALL_CAMPAIGN));
    await stack.setConfig("peva-lab:sshPrivateKey", { value: readFileSync(join(keyDir, "id"), "utf8"), secret: true });
  });

  afterAll(async () => {
    if (stack && (await stackUrns(stack).catch(() => [])).length > 0) await stack.destroy().catch(() => undefined);
    runner?.stop();
    target?.stop();
    restoreForwarding?.();
    await project?.remove();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it("up runs the campaign on the runner; STOP stops it; up resumes across a cut link; destroy retrieves the memory and leaves nothing", async () => {
    // 1. up: hosts set up, the platform on the target, the campaign on the runner.
    const up = await stack.up({ onOutput: log });
    expect(up.summary.result).toBe("succeeded");
    const outputs = await stack.outputs();
    const run = outputs["run"]?.value as RunOutput;
    const platform = outputs["platform"]?.value as { kind: string; gatewayUrl: string; prometheusUrl: string };
    expect(run.status).toBe("done");
    expect(platform.kind).toBe("local");
    expect(new URL(platform.gatewayUrl).hostname).toBe(target.address);
    // The runner's tools came from host setup, not from this machine's PATH.
    for (const tool of ["node", "vegeta"]) expect(existsSync(join(runner.home, ".peva-lab/bin", tool)), tool).toBe(true);
    for (const host of [runner, target]) expect(existsSync(join(host.home, ".npm")), `${host.user}: no npm cache needed`).toBe(false);
    // Results on the runner host, copied to the controller; the memory stays on the runner host.
    expect(run.memoryDb.startsWith(join(runner.home, ".peva-lab"))).toBe(true);
    expect(existsSync(run.memoryDb)).toBe(true);
    expect(existsSync(join(runner.home, ".peva-lab/benchmark_results/peva_faas", run.runId, "results.csv"))).toBe(true);
    const csv = readFileSync(run.resultsCsv, "utf8").trim().split("\n");
    expect(run.resultsCsv.startsWith(project.dir)).toBe(true);
    expect(csv.length - 1).toBe(run.counts.iterations);
    expect(runEvents(newestRun(runner.home)!).some((e) => e.type === "heartbeat")).toBe(true);
    expectNoDuplicates(run.memoryDb);

    // 2. A bigger campaign, stopped through the controller's STOP file.
    await stack.setConfig("peva-lab:workloads", workloadsConfig({ ...SMALL_CAMPAIGN, rate_strategy: { type: "custom", rates: [5, 10, 15, 20] } }));
    const started = Date.now();
    const second = stack.up({ onOutput: log });
    await waitForRemoteEvent(runner.home, "iteration_done", started);
    const stopAt = Date.now();
    writeFileSync(join(project.dir, "output", STACK, "STOP"), "");
    await second;
    expect(Date.now() - stopAt).toBeLessThan(30_000);
    const stopped = (await stack.outputs())["run"]?.value as RunOutput;
    expect(stopped.status).toBe("stopped");

    // 3. up again resumes; the runner's SSH path is cut for 10 s in the middle of it.
    const resumedAt = Date.now();
    const third = stack.up({ onOutput: log });
    const runDir = await waitForRemoteEvent(runner.home, "iteration_done", resumedAt);
    runner.linkDown();
    await sleep(10_000);
    runner.linkUp();
    // The cut also separates the runner from the platform host: a configuration measured during it can fail (no
    // verdict), which makes the run incomplete and `up` fail; the next `up` retries that configuration.
    const thirdError = await third.then(
      () => "",
      (e: unknown) => String(e),
    );
    let finalRunDir = runDir;
    if (thirdError !== "") {
      expect(thirdError).toMatch(/campaign run \S+ incomplete: \d+ configuration\(s\) failed and have no verdict/);
      expect(await recordedRunStatus(stack)).toBe("incomplete");
      const retriedAt = Date.now();
      expect((await stack.up({ onOutput: log })).summary.result).toBe("succeeded");
      finalRunDir = await waitForRemoteEvent(runner.home, "run_finished", retriedAt);
    }
    const done = (await stack.outputs())["run"]?.value as RunOutput;
    expect(done.status).toBe("done");
    expect(runEvents(finalRunDir).at(-1)).toMatchObject({ type: "run_finished", status: "done" });
    expectNoDuplicates(done.memoryDb);
    const configs = duckdbRows(done.memoryDb, "SELECT count(DISTINCT config_id) AS n FROM execution_events");
    expect(Number(configs[0]!["n"])).toBe(done.counts.planned);
    const counts = await tableRowCounts(done.memoryDb);

    // 4. destroy: the memory comes to the controller, verified; nothing is left running or listening.
    const destroyed = await stack.destroy({ onOutput: log });
    expect(destroyed.summary.result).toBe("succeeded");
    expect(await stackUrns(stack)).toEqual([]);
    const copy = join(project.dir, "output", STACK, "memory/runner/peva_faas.duckdb");
    expect(await tableRowCounts(copy)).toEqual(counts);
    expect(processesMatching(runner.home)).toEqual([]);
    expect(processesMatching(target.home)).toEqual([]);
    expect(runner.listeningPorts()).toEqual([22]);
    expect(target.listeningPorts()).toEqual([22]);
    // What setup installed is gone from both hosts; the memory stays on the runner (deleting it is opt-in).
    for (const host of [runner, target]) {
      for (const dir of ["bin", "bundle"]) expect(existsSync(join(host.home, ".peva-lab", dir)), `${host.user}: ${dir}`).toBe(false);
    }
    expect(existsSync(done.memoryDb)).toBe(true);
  });
});
