/**
 * Frontier scheduler benchmark (run: `node bench/frontier.bench.ts [--random N]`). Prints markdown rows.
 *
 * Reference grid: 6 functions, combinations of 1 and 2 functions (6 + 15 function sets), rates 0..200 step 10:
 * 6 741 configurations. Each scenario is a deterministic capacity simulator; the baseline is the exhaustive
 * Cartesian sweep with §4.7 dominance pruning (what `cartesian` executes). Reported: configurations executed
 * by each scheduler, the ratio (goal ≤ 25 %), and whether the frontier equals the baseline's.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { mulberry32 } from "../plugins/peva-faas/src/config/rates.ts";
import type { Configuration } from "../plugins/peva-faas/src/model.ts";
import {
  FrontierScheduler,
  crossSetMonotoneModel,
  exhaustiveWithDominance,
  frontierOf,
  linearCapacityModel,
  simulateCampaign,
  type OverloadOracle,
} from "../plugins/peva-faas/src/scheduling/index.ts";
import { ALL_150, HIGH, MIXED, NAMES, capsOf, referenceConfigurations, type Caps } from "./support/reference-grid.ts";

const { values: args } = parseArgs({ options: { random: { type: "string", default: "40" } } });
const configs = referenceConfigurations();

/** mulberry32 (the rate strategies' PRNG): the random scenarios are the same on every machine. */
const prng = mulberry32;


/** Overloaded iff any function alone exceeds its capacity (independent functions: rectangular frontier). */
const independentModel = (caps: Caps): OverloadOracle => (c) => c.pairs.some((p) => p.rate > caps[p.name]!);
/** Overloaded iff Σ (rate/capacity)² > 1 (convex frontier: functions interfere less at low load). */
const convexModel = (caps: Caps): OverloadOracle => (c) =>
  c.pairs.reduce((s, p) => s + (p.rate / caps[p.name]!) ** 2, 0) > 1 + 1e-9;

interface Scenario {
  readonly name: string;
  readonly oracle: OverloadOracle;
}

const scenarios: Scenario[] = [
  { name: "linear, mixed capacities 40–180 rps", oracle: linearCapacityModel(MIXED) },
  { name: "linear, all capacities 150 rps", oracle: linearCapacityModel(ALL_150) },
  { name: "linear, high capacities 75–400 rps", oracle: linearCapacityModel(HIGH) },
  { name: "independent (max), mixed capacities", oracle: independentModel(MIXED) },
  { name: "convex (Σ squares), mixed capacities", oracle: convexModel(MIXED) },
];
const random = prng(20_251_122);
const nRandom = Number(args.random);
for (let i = 0; i < nRandom; i++) {
  const caps = capsOf(NAMES.map(() => Math.round(30 + random() * 370)));
  scenarios.push({ name: `random linear #${i + 1}`, oracle: linearCapacityModel(caps) });
}
const randomSeeds = prng(7);
for (let i = 0; i < Math.ceil(nRandom / 4); i++) {
  const seeds: Configuration[] = [];
  for (let k = 0; k < 12; k++) seeds.push(configs[Math.floor(randomSeeds() * configs.length)]!);
  scenarios.push({ name: `random monotone surface #${i + 1}`, oracle: crossSetMonotoneModel(seeds) });
}

interface Outcome {
  readonly name: string;
  readonly exhaustive: number;
  readonly frontier: number;
  readonly withinSet: number;
  readonly same: boolean;
  readonly msPerDecision: number;
}

const key = (m: Map<string, string[]>): string => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

async function run(s: Scenario): Promise<Outcome> {
  const reference = await exhaustiveWithDominance(configs, s.oracle);
  const scheduler = new FrontierScheduler({ configurations: configs });
  const t0 = process.hrtime.bigint();
  const frontier = await simulateCampaign({ scheduler, oracle: s.oracle });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const within = await simulateCampaign({
    scheduler: new FrontierScheduler({ configurations: configs, crossSetInference: false }),
    oracle: s.oracle,
  });
  const same = key(frontierOf(configs, scheduler.classification())) === key(frontierOf(configs, reference.classification));
  return {
    name: s.name,
    exhaustive: reference.executed.length,
    frontier: frontier.executed.length,
    withinSet: within.executed.length,
    same,
    msPerDecision: ms / Math.max(1, frontier.rounds),
  };
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)} %`;
const outcomes: Outcome[] = [];
for (const s of scenarios) outcomes.push(await run(s));

console.log(
  `\nMachine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, ` +
    `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`,
);
console.log(`Grid: ${configs.length} configurations (6 functions, 1–2 per set, rates 0..200 step 10). Goal: frontier ≤ 25 % of exhaustive.\n`);
console.log("| scenario | exhaustive + dominance | frontier | ratio | within-set only | ratio | same frontier | scheduler ms/decision |");
console.log("|---|---|---|---|---|---|---|---|");
const named = outcomes.filter((o) => !o.name.startsWith("random"));
for (const o of named) {
  console.log(
    `| ${o.name} | ${o.exhaustive} | ${o.frontier} | ${pct(o.frontier, o.exhaustive)} | ${o.withinSet} | ${pct(o.withinSet, o.exhaustive)} | ${o.same ? "yes" : "NO"} | ${o.msPerDecision.toFixed(2)} |`,
  );
}
for (const prefix of ["random linear", "random monotone surface"]) {
  const group = outcomes.filter((o) => o.name.startsWith(prefix));
  if (group.length === 0) continue;
  const sum = (f: (o: Outcome) => number): number => group.reduce((a, o) => a + f(o), 0);
  const ratios = group.map((o) => o.frontier / o.exhaustive).sort((a, b) => a - b);
  console.log(
    `| ${prefix} ×${group.length} (total; median ratio ${(100 * ratios[ratios.length >> 1]!).toFixed(1)} %, worst ${(100 * ratios[ratios.length - 1]!).toFixed(1)} %) | ${sum((o) => o.exhaustive)} | ${sum((o) => o.frontier)} | ${pct(sum((o) => o.frontier), sum((o) => o.exhaustive))} | ${sum((o) => o.withinSet)} | ${pct(sum((o) => o.withinSet), sum((o) => o.exhaustive))} | ${group.every((o) => o.same) ? "yes" : "NO"} | ${(sum((o) => o.msPerDecision) / group.length).toFixed(2)} |`,
  );
}
const all = (f: (o: Outcome) => number): number => outcomes.reduce((a, o) => a + f(o), 0);
console.log(
  `| **all ${outcomes.length} scenarios** | ${all((o) => o.exhaustive)} | ${all((o) => o.frontier)} | **${pct(all((o) => o.frontier), all((o) => o.exhaustive))}** | ${all((o) => o.withinSet)} | ${pct(all((o) => o.withinSet), all((o) => o.exhaustive))} | ${outcomes.every((o) => o.same) ? "yes" : "NO"} | |`,
);
if (!outcomes.every((o) => o.same)) process.exitCode = 1;
