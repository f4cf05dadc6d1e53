/**
 * How long a campaign takes under each strategy, on a simulated lab (issue 17's campaign-time benchmark). Pure.
 *
 * The lab: a load ratio ρ per configuration (overloaded iff ρ > 1, as the capacity simulator's models), seen by
 * iteration k through the platform's state in that iteration, ρ_k = ρ · (1 + ε_k). The drift ε_k is the same for
 * every configuration in iteration k, so each iteration's verdicts, and their majority, stay monotone in the rates
 * (what the frontier scheduler's inferences rely on). In an overloaded iteration a saturated platform serves its
 * capacity and the excess fails: every loaded function succeeds with min(1, 1/ρ_k), its failures spread evenly
 * over the window. The configuration's verdict is the strict majority of its iterations, as in the executor.
 *
 * The strategies and their clocks are in {@link TimingModel}; early abort and early decisions use the runner's own
 * rules (`settledOverload`, `settledConfigVerdict`), so the simulator measures what the runner would do.
 */
import { functionSetKey, type Configuration } from "../model.ts";
import { settledConfigVerdict, isConfigOverloaded } from "../plan/dominance.ts";
import { settledOverload, type EarlyAbortLimits } from "../overload/early-abort.ts";
import { DEFAULT_OVERLOAD_THRESHOLDS, type OverloadThresholds } from "../overload/rules.ts";
import { CartesianScheduler } from "./cartesian.ts";
import { FrontierScheduler } from "./frontier.ts";
import { frontierOf, simulateCampaign } from "./simulator.ts";

/** A configuration's load relative to the platform's capacity: overloaded iff > 1. */
export type LoadRatio = (config: Configuration) => number;

/** The simulated lab: load ratios and the platform's drift per iteration. */
export interface SimulatedLab {
  readonly loadRatio: LoadRatio;
  /** ε_k for k = 1..K (index 0 is iteration 1): ρ_k = ρ · (1 + ε_k). */
  readonly drift: readonly number[];
}

/** Clocks of the strategies, seconds. */
export interface TimingModel {
  /** Iterations per configuration (K). */
  readonly iterations: number;
  /** Load window of one iteration. */
  readonly loadSeconds: number;
  /** DFaaS sampler: pause before each batch (function set). */
  readonly dfaasBatchPauseSeconds: number;
  /** DFaaS sampler: redeployment of each batch's functions (the 30–40 s). */
  readonly dfaasDeploySeconds: number;
  /** DFaaS sampler: the fixed sleep before every iteration's idle wait. */
  readonly dfaasRestSeconds: number;
  /** Waiting until idle with autoscaling winding down by itself, per iteration (DFaaS sampler and peva-lab before the active cooldown). */
  readonly passiveIdleSeconds: number;
  /** Everything but the load per iteration with the active cooldown (replicas reset, idle checked every second). */
  readonly activeIterationSeconds: number;
  /** peva-lab's own work per iteration besides cooldown and load (Prometheus queries, files, memory). */
  readonly runnerOverheadSeconds: number;
}

/**
 * The model's defaults, each from a measurement or the issue: 30 s × 3 iterations and the DFaaS sampler's pauses
 * (30 s per batch, 35 s deployment, 10 s rest); 24 s of passive idle wait (the default campaign's rest before each
 * iteration on the embedded platform before the active cooldown: 22–26 s); 6 s per iteration besides the load with
 * the active cooldown (the real check in docs/benchmarks.md: (193.7 − 121.3) s over 12 iterations); 0.1 s of
 * runner overhead (docs/benchmarks.md, p95 0.079 s).
 */
export const DEFAULT_TIMING: TimingModel = {
  iterations: 3,
  loadSeconds: 30,
  dfaasBatchPauseSeconds: 30,
  dfaasDeploySeconds: 35,
  dfaasRestSeconds: 10,
  passiveIdleSeconds: 24,
  activeIterationSeconds: 6,
  runnerOverheadSeconds: 0.1,
};

/** The early-abort rule of the full method (the runner's defaults). */
export interface EarlyAbortModel extends EarlyAbortLimits {
  readonly thresholds: Pick<OverloadThresholds, "success_rate_function_min" | "success_rate_node_min">;
  /** Seconds between two looks at the generator's results. */
  readonly checkIntervalSeconds: number;
}

/** The runner's default early-abort rule. */
export const DEFAULT_EARLY_ABORT: EarlyAbortModel = { min_share: 0.2, min_requests: 50, checkIntervalSeconds: 1, thresholds: DEFAULT_OVERLOAD_THRESHOLDS };

/** The strategies compared. */
export type CampaignStrategy = "dfaas-sampler" | "cartesian" | "frontier" | "full-method";

/** What a strategy cost on one scenario, and whether it found what the exhaustive sweep finds. */
export interface StrategyOutcome {
  readonly strategy: CampaignStrategy;
  readonly wallSeconds: number;
  /** Seconds of load run. */
  readonly loadSeconds: number;
  readonly configurations: number;
  readonly iterations: number;
  readonly iterationsNotNeeded: number;
  readonly iterationsAborted: number;
  /** The frontier (per function set) equals the exhaustive sweep's. */
  readonly sameFrontier: boolean;
  /** Every configuration the strategy judged has the exhaustive sweep's verdict. */
  readonly sameVerdicts: boolean;
}

/** Whether iteration `k` (1-based) of `config` is overloaded in `lab`. */
export function iterationOverloaded(lab: SimulatedLab, config: Configuration, k: number): boolean {
  return iterationLoad(lab, config, k) > 1 + 1e-9;
}

function iterationLoad(lab: SimulatedLab, config: Configuration, k: number): number {
  return lab.loadRatio(config) * (1 + (lab.drift[k - 1] ?? 0));
}

/** The configuration's verdict over all K iterations (strict majority): the exhaustive sweep's. */
export function fullVerdict(lab: SimulatedLab, config: Configuration, iterations: number): boolean {
  let overloads = 0;
  for (let k = 1; k <= iterations; k++) if (iterationOverloaded(lab, config, k)) overloads++;
  return isConfigOverloaded(overloads, iterations);
}

/**
 * Seconds of load iteration `k` runs under early abort: the first look (every `checkIntervalSeconds`) at which
 * `settledOverload` holds, or the whole window.
 */
export function abortedLoadSeconds(lab: SimulatedLab, config: Configuration, k: number, durationSeconds: number, rule: EarlyAbortModel): number {
  const success = Math.min(1, 1 / iterationLoad(lab, config, k));
  if (success >= 1) return durationSeconds; // nothing fails: never settled
  for (let t = rule.checkIntervalSeconds; t < durationSeconds; t += rule.checkIntervalSeconds) {
    const functions = config.pairs.map((p) => {
      const answered = Math.floor(p.rate * t);
      return { name: p.name, rate: p.rate, answered, successes: Math.floor(answered * success) };
    });
    if (settledOverload({ elapsedSeconds: t, functions }, durationSeconds, rule.thresholds, rule)) return t;
  }
  return durationSeconds;
}

/** One configuration under the full method: iterations until the verdict is settled, each maybe aborted. */
export function fullMethodConfiguration(
  lab: SimulatedLab,
  config: Configuration,
  timing: TimingModel,
  rule: EarlyAbortModel,
): { verdict: boolean; iterations: number; aborted: number; loadSeconds: number } {
  let overloads = 0;
  let aborted = 0;
  let load = 0;
  for (let k = 1; k <= timing.iterations; k++) {
    const overloaded = iterationOverloaded(lab, config, k);
    const seconds = overloaded ? abortedLoadSeconds(lab, config, k, timing.loadSeconds, rule) : timing.loadSeconds;
    if (seconds < timing.loadSeconds) aborted++;
    load += seconds;
    if (overloaded) overloads++;
    const settled = settledConfigVerdict(overloads, k, timing.iterations);
    if (settled !== undefined) return { verdict: settled, iterations: k, aborted, loadSeconds: load };
  }
  // Unreachable: after K iterations the verdict is always settled.
  return { verdict: isConfigOverloaded(overloads, timing.iterations), iterations: timing.iterations, aborted, loadSeconds: load };
}

const frontierKey = (m: Map<string, string[]>): string => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * Runs every strategy on one simulated lab over `configurations` (in the planner's order) and returns what each
 * cost. The exhaustive sweep's verdicts (every configuration, all K iterations) are the reference.
 */
export async function compareStrategies(
  configurations: readonly Configuration[],
  lab: SimulatedLab,
  timing: TimingModel = DEFAULT_TIMING,
  rule: EarlyAbortModel = DEFAULT_EARLY_ABORT,
): Promise<StrategyOutcome[]> {
  const K = timing.iterations;
  const reference = new Map(configurations.map((c) => [c.id, fullVerdict(lab, c, K)]));
  const referenceFrontier = frontierKey(frontierOf(configurations, reference));
  const oracle = (c: Configuration): boolean => reference.get(c.id) ?? fullVerdict(lab, c, K);
  const sameAsReference = (verdicts: ReadonlyMap<string, boolean>): boolean => [...verdicts].every(([id, v]) => reference.get(id) === v);
  const passiveIteration = timing.passiveIdleSeconds + timing.runnerOverheadSeconds + timing.loadSeconds;
  /** A peva-lab strategy that runs every iteration of what it executes, with the passive cooldown. */
  const everyIterationPassive = (
    strategy: CampaignStrategy,
    executed: number,
    classification: Map<string, boolean>,
    verdicts: ReadonlyMap<string, boolean>,
  ): StrategyOutcome => ({
    strategy,
    wallSeconds: executed * K * passiveIteration,
    loadSeconds: executed * K * timing.loadSeconds,
    configurations: executed,
    iterations: executed * K,
    iterationsNotNeeded: 0,
    iterationsAborted: 0,
    sameFrontier: frontierKey(frontierOf(configurations, classification)) === referenceFrontier,
    sameVerdicts: sameAsReference(verdicts),
  });

  // The DFaaS sampler: every configuration, all iterations, its pauses per batch and per iteration.
  const sets = new Set(configurations.map((c) => functionSetKey(c)));
  const dfaasIterations = configurations.length * K;
  const dfaas: StrategyOutcome = {
    strategy: "dfaas-sampler",
    wallSeconds: sets.size * (timing.dfaasBatchPauseSeconds + timing.dfaasDeploySeconds) + dfaasIterations * (timing.dfaasRestSeconds + timing.passiveIdleSeconds + timing.loadSeconds),
    loadSeconds: dfaasIterations * timing.loadSeconds,
    configurations: configurations.length,
    iterations: dfaasIterations,
    iterationsNotNeeded: 0,
    iterationsAborted: 0,
    sameFrontier: true,
    sameVerdicts: true,
  };

  // peva-lab's cartesian sweep with dominance, every iteration, the passive cooldown.
  const cartesian = await simulateCampaign({ scheduler: new CartesianScheduler({ configurations }), oracle });
  const classified = new Map(cartesian.verdicts);
  for (const s of cartesian.skipped) if (s.reason === "dominated_by_overload") classified.set(s.config.id, true);
  const cartesianOutcome = everyIterationPassive("cartesian", cartesian.executed.length, classified, cartesian.verdicts);

  // The frontier search alone: every iteration, the passive cooldown.
  const frontierScheduler = new FrontierScheduler({ configurations });
  const frontier = await simulateCampaign({ scheduler: frontierScheduler, oracle });
  const frontierOutcome = everyIterationPassive("frontier", frontier.executed.length, frontierScheduler.classification(), frontier.verdicts);

  // The full method: the frontier search fed by the sequential verdicts, early abort, the active cooldown.
  let iterations = 0;
  let aborted = 0;
  let load = 0;
  const fullScheduler = new FrontierScheduler({ configurations });
  const full = await simulateCampaign({
    scheduler: fullScheduler,
    oracle: (c) => {
      const r = fullMethodConfiguration(lab, c, timing, rule);
      iterations += r.iterations;
      aborted += r.aborted;
      load += r.loadSeconds;
      return r.verdict;
    },
  });
  const fullOutcome: StrategyOutcome = {
    strategy: "full-method",
    wallSeconds: iterations * (timing.activeIterationSeconds + timing.runnerOverheadSeconds) + load,
    loadSeconds: load,
    configurations: full.executed.length,
    iterations,
    iterationsNotNeeded: full.executed.length * K - iterations,
    iterationsAborted: aborted,
    sameFrontier: frontierKey(frontierOf(configurations, fullScheduler.classification())) === referenceFrontier,
    sameVerdicts: sameAsReference(full.verdicts),
  };
  return [dfaas, cartesianOutcome, frontierOutcome, fullOutcome];
}
