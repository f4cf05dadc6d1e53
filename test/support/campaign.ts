/**
 * Helpers for campaign end-to-end tests: small campaigns, the run directory of a stack copy, its events, and
 * the processes a run leaves behind.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Workload settings of a campaign that plans nothing (every rate is above the function's max_rate). */
export const ZERO_LENGTH_CAMPAIGN = {
  functions: [{ name: "figlet", method: "POST", body: "Hello DFaas!", max_rate: 0 }],
  rate_strategy: { type: "custom", rates: [10] },
};

/** A small real campaign: 2 functions × 2 rates, 2 iterations of 3 s. */
export const SMALL_CAMPAIGN = {
  functions: [
    { name: "figlet", method: "POST", body: "Hello DFaas!" },
    { name: "shasum", method: "POST", body: "abcde" },
  ],
  rate_strategy: { type: "custom", rates: [5, 15] },
  combinations: { min_functions: 1, max_functions: 2 },
  duration: "3s",
  iterations: 2,
  // The default overload, idle and contention rules: the embedded platform's node is its own cgroup, so the test
  // runner, Pulumi and DuckDB busy on the same machine are not its load.
  cooldown: { max_wait_seconds: 60, sleep_step_seconds: 1 },
};

/** `peva-lab:workloads` config value running `settings`. */
export function workloadsConfig(settings: object): { value: string } {
  return { value: JSON.stringify({ "peva-faas": { enabled: true, settings } }) };
}

/** The newest run directory under `<project>/output/local/workdir/runs`, if any. */
export function newestRunDir(project: string): string | undefined {
  const runs = join(project, "output/local/workdir/runs");
  if (!existsSync(runs)) return undefined;
  const dirs = readdirSync(runs).map((d) => join(runs, d));
  return dirs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Parsed events of a run directory. */
export function runEvents(runDir: string): { type: string; [k: string]: unknown }[] {
  const file = join(runDir, "events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string });
}

/** Waits (bounded) until a run of `project` newer than `since` emitted an event of `type`; returns its run dir. */
export async function waitForEvent(project: string, type: string, since: number, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dir = newestRunDir(project);
    if (dir && statSync(dir).mtimeMs >= since && runEvents(dir).some((e) => e.type === type)) return dir;
    await sleep(200);
  }
  throw new Error(`no '${type}' event within ${timeoutMs / 1000} s`);
}

/** Pids of live processes whose command line contains every one of `parts`. */
export function processesMatching(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (parts.every((p) => cmd.includes(p))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids.filter((p) => p !== process.pid);
}
