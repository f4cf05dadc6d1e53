/**
 * Building a campaign plan from a validated workload config, and the dry-run table of `peva-faas plan --spec`.
 * Pure.
 */
import type { Configuration } from "../model.ts";
import type { WorkloadConfig } from "../config/parse.ts";
import { generateRates } from "../config/rates.ts";
import { durationSeconds, formatHumanDuration } from "../config/duration.ts";
import { countBySize, countConfigurations, enumerateConfigurations, type PlanInput } from "./enumerate.ts";
import { defaultAllowances, estimateRuntime, type RuntimeAllowances, type RuntimeEstimate } from "./estimate.ts";

/** A campaign plan: the inputs, the generated rates (to record), the count and the estimate. */
export interface CampaignPlan {
  readonly input: PlanInput;
  /** Generated rate list (store it in the campaign record; `random` cannot be recomputed upstream). */
  readonly rates: readonly number[];
  /** Seed used by a `random` strategy. */
  readonly seed?: number;
  readonly count: number;
  readonly countBySize: ReadonlyMap<number, number>;
  readonly estimate: RuntimeEstimate;
  /** Lazily enumerates the configurations in order. */
  configurations(): Generator<Configuration>;
}

/**
 * Plans a campaign.
 * @param fallbackSeed seed for a `random` strategy whose `seed` is null (default: derived from its settings).
 */
export function planCampaign(
  config: WorkloadConfig,
  opts: { fallbackSeed?: number; allowances?: Partial<RuntimeAllowances> } = {},
): CampaignPlan {
  const generated = generateRates(config.rate_strategy, opts.fallbackSeed);
  const input: PlanInput = {
    functions: config.functions.map((f) => ({ name: f.name, max_rate: f.max_rate })),
    rates: generated.rates,
    min_functions: config.combinations.min_functions,
    max_functions: config.combinations.max_functions,
  };
  const count = countConfigurations(input);
  const allowances: RuntimeAllowances = {
    ...defaultAllowances(config.cooldown),
    inFlightTailSeconds: durationSeconds(config.loadgen.request_timeout),
    ...opts.allowances,
  };
  const bySize = new Map([...countBySize(input)].map(([k, v]) => [k, Number(v)]));
  const plan: CampaignPlan = {
    input,
    rates: generated.rates,
    count,
    countBySize: bySize,
    estimate: estimateRuntime(count, config.iterations, config.duration_seconds, allowances),
    configurations: () => enumerateConfigurations(input),
    ...(generated.seed !== undefined ? { seed: generated.seed } : {}),
  };
  return plan;
}

/** Options of {@link formatPlanTable}. */
export interface PlanTableOptions {
  /** Maximum configuration rows printed (the rest is summarised); default 50. */
  readonly maxRows?: number;
}

/** The dry-run output: a markdown table of configurations, the count and the estimated duration. */
export function formatPlanTable(plan: CampaignPlan, opts: PlanTableOptions = {}): string {
  const maxRows = opts.maxRows ?? 50;
  const lines: string[] = [];
  lines.push("| # | config_id | functions | rates |", "|---:|---|---|---|");
  let i = 0;
  for (const c of plan.configurations()) {
    if (i >= maxRows) break;
    i++;
    lines.push(`| ${i} | ${c.id} | ${c.pairs.map((p) => p.name).join(", ")} | ${c.pairs.map((p) => p.rate).join(", ")} |`);
  }
  if (plan.count > i) lines.push(`| … | | ${plan.count - i} more | |`);
  const e = plan.estimate;
  const sizes = [...plan.countBySize].map(([k, n]) => `${k} fn: ${n}`).join(", ");
  lines.push(
    "",
    `configurations: ${plan.count}${sizes ? ` (${sizes})` : ""}`,
    `rates: [${plan.rates.join(", ")}]${plan.seed !== undefined ? ` (seed ${plan.seed})` : ""}`,
    `iterations per configuration: ${e.iterations}`,
    `estimated duration: ${formatHumanDuration(e.expectedSeconds)} expected, ${formatHumanDuration(
      e.worstCaseSeconds,
    )} worst case (load only: ${formatHumanDuration(e.loadSeconds)})`,
  );
  return lines.join("\n");
}
