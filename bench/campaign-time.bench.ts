/**
 * Campaign time on the reference grid, simulated (issue 17): the DFaaS sampler, peva-lab's cartesian sweep with
 * dominance, the frontier search alone, and the full method (frontier + early decisions + early abort + active
 * cooldown), each timed by `scheduling/campaign-time.ts` on the capacity scenarios of `frontier.bench.ts` with the
 * platform drifting between iterations. Reported per strategy: wall time, load time, iterations, the share of the
 * DFaaS sampler's wall time, and whether frontier and verdicts equal the exhaustive sweep's.
 *
 * Goal: the full method reaches the exhaustive frontier and verdicts in ≤ 5 % of the DFaaS sampler's wall time, as
 * the median over the scenarios. Exits 1 if it is not met or a strategy's frontier or verdicts differ.
 *
 * Run: `node bench/campaign-time.bench.ts [--random N]`, or `make bench BENCH=campaign-time`.
 */
import { parseArgs } from "node:util";
import { mulberry32 } from "../plugins/peva-faas/src/config/rates.ts";
import {
  DEFAULT_EARLY_ABORT,
  DEFAULT_TIMING,
  compareStrategies,
  type CampaignStrategy,
  type LoadRatio,
  type StrategyOutcome,
} from "../plugins/peva-faas/src/scheduling/index.ts";
import { ALL_150, HIGH, MIXED, NAMES, capsOf, referenceConfigurations, type Caps } from "./support/reference-grid.ts";

const { values: args } = parseArgs({ options: { random: { type: "string", default: "20" } } });
const configs = referenceConfigurations();
const T = DEFAULT_TIMING;
/** The platform's drift between iterations: up to ±5 % of its capacity. */
const DRIFT = 0.05;

const linear = (caps: Caps): LoadRatio => (c) => c.pairs.reduce((s, p) => s + p.rate / caps[p.name]!, 0);
const independent = (caps: Caps): LoadRatio => (c) => Math.max(0, ...c.pairs.map((p) => p.rate / caps[p.name]!));
const convex = (caps: Caps): LoadRatio => (c) => Math.sqrt(c.pairs.reduce((s, p) => s + (p.rate / caps[p.name]!) ** 2, 0));

interface Scenario {
  readonly name: string;
  readonly loadRatio: LoadRatio;
}
const scenarios: Scenario[] = [
  { name: "linear, mixed capacities 40–180 rps", loadRatio: linear(MIXED) },
  { name: "linear, all capacities 150 rps", loadRatio: linear(ALL_150) },
  { name: "linear, high capacities 75–400 rps", loadRatio: linear(HIGH) },
  { name: "independent (max), mixed capacities", loadRatio: independent(MIXED) },
  { name: "convex (Σ squares), mixed capacities", loadRatio: convex(MIXED) },
];
const random = mulberry32(20_261_202);
for (let i = 0; i < Number(args.random); i++) {
  const caps = capsOf(NAMES.map(() => Math.round(30 + random() * 370)));
  scenarios.push({ name: `random linear #${i + 1}`, loadRatio: linear(caps) });
}

const started = performance.now();
const rows: { scenario: string; outcomes: StrategyOutcome[] }[] = [];
for (const [i, s] of scenarios.entries()) {
  // Each scenario its own drift per iteration, deterministic.
  const rnd = mulberry32(1000 + i);
  const drift = Array.from({ length: T.iterations }, () => (2 * rnd() - 1) * DRIFT);
  rows.push({ scenario: s.name, outcomes: await compareStrategies(configs, { loadRatio: s.loadRatio, drift }, T, DEFAULT_EARLY_ABORT) });
  process.stderr.write(`campaign-time: ${i + 1}/${scenarios.length} ${s.name}\n`);
}
const elapsed = (performance.now() - started) / 1000;

const STRATEGIES: readonly [CampaignStrategy, string][] = [
  ["dfaas-sampler", "DFaaS sampler (every configuration, 3 × 30 s, its pauses)"],
  ["cartesian", "peva-lab cartesian + dominance (passive cooldown)"],
  ["frontier", "frontier alone (passive cooldown)"],
  ["full-method", "full method: frontier + decide_early + early_abort + active cooldown"],
];
const of = (outcomes: readonly StrategyOutcome[], s: CampaignStrategy): StrategyOutcome => outcomes.find((o) => o.strategy === s)!;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const days = (seconds: number): string => (seconds >= 86_400 ? `${(seconds / 86_400).toFixed(2)} d` : `${(seconds / 3600).toFixed(1)} h`);
const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
const shareOfDfaas = (outcomes: readonly StrategyOutcome[], s: CampaignStrategy): number => of(outcomes, s).wallSeconds / of(outcomes, "dfaas-sampler").wallSeconds;

const lines: string[] = [];
lines.push(`## Campaign time (simulator, issue 17)

Reference grid: ${configs.length} configurations (6 functions, sets of 1–2, rates 0..200 step 10), ${T.iterations} iterations of ${T.loadSeconds} s. ${scenarios.length} scenarios: the five named capacity models of the frontier benchmark and ${scenarios.length - 5} random linear ones; in each the platform drifts by up to ±${DRIFT * 100} % of its capacity between iterations (the same drift for every configuration in an iteration, so verdicts stay monotone). An overloaded platform serves its capacity and fails the excess evenly over the window; early abort and early decisions run the runner's own rules (\`settledOverload\`, \`settledConfigVerdict\`; min share ${DEFAULT_EARLY_ABORT.min_share}, ${DEFAULT_EARLY_ABORT.min_requests} responses, a look every ${DEFAULT_EARLY_ABORT.checkIntervalSeconds} s).

Clocks (seconds): DFaaS sampler ${T.dfaasBatchPauseSeconds} s before each of the 21 batches + ${T.dfaasDeploySeconds} s deployment, per iteration ${T.dfaasRestSeconds} s rest + ${T.passiveIdleSeconds} s waiting until idle + load; peva-lab with the passive cooldown ${T.passiveIdleSeconds} s + ${T.runnerOverheadSeconds} s runner overhead + load per iteration; with the active cooldown ${T.activeIterationSeconds} s + ${T.runnerOverheadSeconds} s + load. Sources: the issue (DFaaS pauses), the default campaign's rest before the active cooldown (22–26 s), the real check ("Full method against the exhaustive sweep" in this file: 6 s per iteration besides the load), the runner overhead section.

| strategy | wall time, median (range) | load time, median | iterations, median | not needed / aborted, median | share of the DFaaS sampler's wall time, median (worst) | same frontier and verdicts as exhaustive |
|---|---|---|---|---|---|---|`);
for (const [s, label] of STRATEGIES) {
  const outs = rows.map((r) => of(r.outcomes, s));
  const walls = outs.map((o) => o.wallSeconds);
  const shares = rows.map((r) => shareOfDfaas(r.outcomes, s));
  const same = outs.filter((o) => o.sameFrontier && o.sameVerdicts).length;
  lines.push(
    `| ${label} | ${days(median(walls))} (${days(Math.min(...walls))}–${days(Math.max(...walls))}) | ${days(median(outs.map((o) => o.loadSeconds)))} | ${median(outs.map((o) => o.iterations)).toFixed(0)} | ${median(outs.map((o) => o.iterationsNotNeeded)).toFixed(0)} / ${median(outs.map((o) => o.iterationsAborted)).toFixed(0)} | ${pct(median(shares))} (${pct(Math.max(...shares))}) | ${same} of ${rows.length} |`,
  );
}
lines.push("", "Named scenarios (wall time; share of the DFaaS sampler's):", "", "| scenario | DFaaS sampler | cartesian | frontier | full method | full method iterations (not needed / aborted) |", "|---|---|---|---|---|---|");
for (const r of rows.slice(0, 5)) {
  const full = of(r.outcomes, "full-method");
  const cell = (s: CampaignStrategy): string => `${days(of(r.outcomes, s).wallSeconds)} (${pct(shareOfDfaas(r.outcomes, s))})`;
  lines.push(`| ${r.scenario} | ${days(of(r.outcomes, "dfaas-sampler").wallSeconds)} | ${cell("cartesian")} | ${cell("frontier")} | ${cell("full-method")} | ${full.iterations} (${full.iterationsNotNeeded} / ${full.iterationsAborted}) |`);
}
const fullMedian = median(rows.map((r) => shareOfDfaas(r.outcomes, "full-method")));
const allSame = rows.every((r) => r.outcomes.every((o) => o.sameFrontier && o.sameVerdicts));
const met = fullMedian <= 0.05 && allSame;
lines.push(
  "",
  `Goal (full method ≤ 5 % of the DFaaS sampler's wall time, median over the scenarios, with the exhaustive frontier and verdicts): ${met ? "**met**" : "**not met**"}, median ${pct(fullMedian)}; frontier and verdicts ${allSame ? "equal the exhaustive sweep's in every scenario" : "**differ in some scenario**"}. Simulated in ${elapsed.toFixed(0)} s.`,
);
console.log(lines.join("\n"));
process.exit(met ? 0 : 1);
