/**
 * The full method against the exhaustive sweep on the embedded platform (issue 17's real check): the `local` stack's
 * default campaign (`Pulumi.local.yaml`, what `make up` runs: the `frontier` scheduler, decisions after two
 * agreeing iterations, early abort, active cooldown) and the same campaign exhaustively (`cartesian`, every
 * iteration whole), each through the real Pulumi CLI in a fresh project copy with a fresh memory, one after the
 * other. Reported: wall time (campaign and whole `pulumi up`), load time, iterations, the summary's wall time per
 * nominal load, the frontier of each, and the verdicts of the configurations both measured.
 *
 * The goal: the same frontier within one rate step and the same verdict on every configuration both measured.
 * Exits 1 if not, or if a run did not end `done`.
 *
 * Run: `node bench/campaign-method.bench.ts` (about 10 minutes on 2 cores), or `make bench BENCH=campaign-method`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { parse } from "yaml";
import { workloadsConfig } from "../test/support/campaign.ts";
import { copyProject } from "../test/support/pulumi-project.ts";

interface FrontierEntry {
  readonly functions: string;
  readonly rates: Record<string, number>;
}

interface RunCountsOutput {
  readonly executed?: number;
  readonly iterations?: number;
  readonly not_needed?: number;
  readonly aborted_early?: number;
  readonly load_seconds?: number;
  readonly wall_seconds?: number;
  readonly nominal_load_seconds?: number;
  readonly skipped?: Record<string, number>;
}

interface Measured {
  readonly label: string;
  readonly upSeconds: number;
  readonly status: string;
  readonly frontier: readonly FrontierEntry[];
  readonly counts: RunCountsOutput;
  /** Verdict per configuration the run measured, keyed `figlet=15,shasum=0`. */
  readonly verdicts: ReadonlyMap<string, boolean>;
}

type Settings = Record<string, unknown>;

const stackFile = parse(readFileSync(join(import.meta.dirname, "..", "Pulumi.local.yaml"), "utf8")) as {
  config: { "peva-lab:workloads": { "peva-faas": { settings: Settings & { rate_strategy: { rates: number[] } } } } };
};
const defaultSettings = stackFile.config["peva-lab:workloads"]["peva-faas"].settings;
const rates = defaultSettings.rate_strategy.rates;
const step = Math.max(...rates.slice(1).map((r, i) => r - (rates[i] ?? 0)));

/** The configurations' verdicts in a run's memory (read-only, after the runner ended). */
async function verdictsOf(memoryDb: string): Promise<Map<string, boolean>> {
  const instance = await DuckDBInstance.create(memoryDb, { access_mode: "READ_ONLY" });
  try {
    const conn = await instance.connect();
    try {
      const rows = (await conn.runAndReadAll("SELECT functions, rates, overloaded FROM config_verdicts")).getRowObjectsJS();
      const out = new Map<string, boolean>();
      for (const r of rows) {
        const names = JSON.parse(String(r["functions"])) as string[];
        const values = JSON.parse(String(r["rates"])) as number[];
        out.set(names.map((n, i) => `${n}=${values[i]}`).join(","), r["overloaded"] === true);
      }
      return out;
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function measure(label: string, settings: Settings | undefined): Promise<Measured> {
  const project = await copyProject("peva-method-bench-");
  try {
    const stack = await project.stack("local");
    if (settings) await stack.setConfig("peva-lab:workloads", workloadsConfig(settings));
    const t0 = performance.now();
    let status = "done";
    let frontier: readonly FrontierEntry[] = [];
    let counts: RunCountsOutput = {};
    let verdicts = new Map<string, boolean>();
    try {
      const up = await stack.up({ onOutput: (line) => process.stderr.write(`[${label}] ${line}`) });
      const run = up.outputs["run"]?.value as { status: string; frontier: FrontierEntry[]; counts: RunCountsOutput; memoryDb: string };
      ({ status, frontier, counts } = run);
      verdicts = await verdictsOf(run.memoryDb);
    } catch (e) {
      status = `up failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    }
    const upSeconds = (performance.now() - t0) / 1000;
    await stack.destroy({ onOutput: () => undefined });
    return { label, upSeconds, status, frontier, counts, verdicts };
  } finally {
    await project.remove();
  }
}

/** Whether `other` has `base`'s frontier within one rate `step` for every function of every set. */
function sameWithinStep(base: readonly FrontierEntry[], other: readonly FrontierEntry[], within: number): boolean {
  const b = new Map(other.map((e) => [e.functions, e.rates]));
  if (base.length !== other.length) return false;
  for (const e of base) {
    const o = b.get(e.functions);
    if (!o) return false;
    for (const [fn, rate] of Object.entries(e.rates)) if (Math.abs((o[fn] ?? Number.NaN) - rate) > within) return false;
  }
  return true;
}

const frontierText = (f: readonly FrontierEntry[]): string =>
  f.length === 0 ? "(empty)" : f.map((e) => `${e.functions}: ${Object.entries(e.rates).map(([fn, r]) => `${fn} ${r}`).join(" + ")}`).join("; ");
const seconds = (v: number | undefined): string => (v === undefined ? "n/a" : `${v.toFixed(0)} s`);

const full = await measure("full method", undefined);
const exhaustive = await measure("exhaustive", { ...defaultSettings, scheduler: "cartesian", decide_early: false, early_abort: { enabled: false } });

const both = [...full.verdicts.keys()].filter((k) => exhaustive.verdicts.has(k)).sort();
const disagree = both.filter((k) => full.verdicts.get(k) !== exhaustive.verdicts.get(k));
const sameFrontier = sameWithinStep(exhaustive.frontier, full.frontier, step);
const ok = full.status === "done" && exhaustive.status === "done" && sameFrontier && disagree.length === 0;
const ratio = (a?: number, b?: number): string => (a !== undefined && b !== undefined && b > 0 ? `${((100 * a) / b).toFixed(0)} %` : "n/a");
const row = (m: Measured): string => {
  const c = m.counts;
  const cost = c.wall_seconds !== undefined && c.nominal_load_seconds ? `${(c.wall_seconds / c.nominal_load_seconds).toFixed(2)} ×` : "n/a";
  return `| ${m.label} | ${m.status} | ${seconds(c.wall_seconds)} | ${seconds(m.upSeconds)} | ${c.load_seconds?.toFixed(1) ?? "n/a"} s | ${c.executed ?? 0} | ${c.iterations ?? 0} | ${c.not_needed ?? 0} | ${c.aborted_early ?? 0} | ${cost} | ${frontierText(m.frontier)} |`;
};

console.log(`## Full method against the exhaustive sweep, embedded platform (issue 17)

The default \`make up\` campaign (\`Pulumi.local.yaml\`: rates ${rates.join(", ")} req/s, ${String(defaultSettings["duration"])} × ${String(defaultSettings["iterations"])} iterations), run twice through the real Pulumi CLI, each in a fresh project copy with a fresh memory: with the full method (its defaults: \`frontier\`, \`decide_early\`, \`early_abort\`, replicas reset before each cooldown) and exhaustively (\`cartesian\`, every iteration whole, the same cooldown). "campaign" is the runner's wall time from the run summary, "pulumi up" the whole command (platform start included); "wall / nominal load" is the summary's figure.

| run | status | campaign | pulumi up | load | configurations | iterations | not needed | aborted early | wall / nominal load | frontier (req/s) |
|---|---|---|---|---|---|---|---|---|---|---|
${row(full)}
${row(exhaustive)}

- Campaign wall time of the full method: ${ratio(full.counts.wall_seconds, exhaustive.counts.wall_seconds)} of the exhaustive run's.
- Frontier: ${sameFrontier ? `the same within one rate step (${step} req/s)` : "**different**"}.
- Verdicts on the ${both.length} configurations both measured: ${disagree.length === 0 ? "all the same" : `**${disagree.length} differ**: ${disagree.join("; ")}`}.

Result: ${ok ? "**met**" : "**not met**"}.`);
process.exit(ok ? 0 : 1);
