/**
 * The embedded platform's node under a noisy neighbour (issue 13's "done when"): the `local` stack's default
 * campaign (`Pulumi.local.yaml`, what `make up` runs) three times through the real Pulumi CLI, each in a fresh
 * project copy with a fresh memory: once on the idle machine, then twice with a CPU hog beside it (one busy process
 * per core, at the same priority as everything else). Reported: wall time, frontier per function set, contended
 * iterations. The goal: both runs under the hog find the idle run's frontier within one rate step. Exits 1 if not.
 *
 * Run: `node bench/node-under-hog.bench.ts` (about 15 minutes on 2 cores), or `make bench BENCH=node-under-hog`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { copyProject } from "../test/support/pulumi-project.ts";

interface FrontierEntry {
  readonly functions: string;
  readonly rates: Record<string, number>;
}

interface Measured {
  readonly label: string;
  readonly hog: boolean;
  readonly wallSeconds: number;
  readonly status: string;
  readonly frontier: readonly FrontierEntry[];
  readonly contended: number;
  readonly iterations: number;
}

/** One busy process per core; each ends by itself after 30 minutes should this benchmark die without killing it. */
function startHog(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ["-e", "const end = Date.now() + 1_800_000; let x = 0; while (Date.now() < end) x++;"], { stdio: "ignore" }),
  );
}

async function measure(label: string, hog: boolean): Promise<Measured> {
  const project = await copyProject("peva-hog-bench-");
  const hogs = hog ? startHog() : [];
  try {
    const stack = await project.stack("local");
    const t0 = performance.now();
    let status = "done";
    let frontier: readonly FrontierEntry[] = [];
    let counts: { contended?: number; iterations?: number } = {};
    try {
      const up = await stack.up({ onOutput: (line) => process.stderr.write(`[${label}] ${line}`) });
      const run = up.outputs["run"]?.value as { status: string; frontier: FrontierEntry[]; counts: typeof counts };
      ({ status, frontier, counts } = run);
    } catch (e) {
      status = `up failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    for (const h of hogs) h.kill("SIGKILL");
    await stack.destroy({ onOutput: () => undefined });
    return { label, hog, wallSeconds, status, frontier, contended: counts.contended ?? 0, iterations: counts.iterations ?? 0 };
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
    await project.remove();
  }
}

/** The frontier as `set → rates`, for comparing runs. */
function frontierMap(f: readonly FrontierEntry[]): Map<string, Record<string, number>> {
  return new Map(f.map((e) => [e.functions, e.rates]));
}

/** Whether `other` has `base`'s frontier within one rate `step` for every function of every set. */
function sameWithinStep(base: readonly FrontierEntry[], other: readonly FrontierEntry[], step: number): boolean {
  const a = frontierMap(base);
  const b = frontierMap(other);
  if (a.size !== b.size) return false;
  for (const [set, rates] of a) {
    const o = b.get(set);
    if (!o) return false;
    for (const [fn, rate] of Object.entries(rates)) if (Math.abs((o[fn] ?? Number.NaN) - rate) > step) return false;
  }
  return true;
}

const frontierText = (f: readonly FrontierEntry[]) =>
  f.length === 0 ? "(empty)" : f.map((e) => `${e.functions}: ${Object.entries(e.rates).map(([fn, r]) => `${fn} ${r}`).join(" + ")}`).join("; ");

const stackFile = parse(readFileSync(join(import.meta.dirname, "..", "Pulumi.local.yaml"), "utf8")) as {
  config: { "peva-lab:workloads": { "peva-faas": { settings: { rate_strategy: { rates: number[] } } } }; "peva-lab:platform": Record<string, unknown> };
};
const rates = stackFile.config["peva-lab:workloads"]["peva-faas"].settings.rate_strategy.rates;
const step = Math.max(...rates.slice(1).map((r, i) => r - (rates[i] ?? 0)));

const runs: Measured[] = [];
runs.push(await measure("idle", false));
runs.push(await measure("hog 1", true));
runs.push(await measure("hog 2", true));
const idle = runs[0]!;
const ok = runs.every((r) => r.status === "done") && runs.slice(1).every((r) => sameWithinStep(idle.frontier, r.frontier, step));

const p = stackFile.config["peva-lab:platform"];
console.log(`## Node under a CPU hog (issue 13)

The default \`make up\` campaign (\`Pulumi.local.yaml\`: node of ${String(p["cpus"])} CPU / ${String(p["memoryMb"])} MiB, isolation \`${String(p["isolation"])}\`, rates ${rates.join(", ")} req/s), each run in a fresh project copy with a fresh memory through the real Pulumi CLI. The hog is one busy process per core (${availableParallelism()}) at normal priority. Goal: the same frontier as on the idle machine, within one rate step (${step} req/s), in both runs under the hog.

| run | hog | wall | status | iterations | contended | frontier (req/s) |
|---|---|---|---|---|---|---|
${runs.map((r) => `| ${r.label} | ${r.hog ? "yes" : "no"} | ${r.wallSeconds.toFixed(0)} s | ${r.status} | ${r.iterations} | ${r.contended} | ${frontierText(r.frontier)} |`).join("\n")}

Result: ${ok ? "**met**: both runs under the hog found the idle frontier within one rate step" : "**not met**"}. Load average at the end: ${loadavg()[0]!.toFixed(2)}.`);
process.exit(ok ? 0 : 1);
