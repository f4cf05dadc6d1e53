/**
 * Cooldown idle test and step decision (reference §9, with fixes). Pure.
 *
 * Idle when, for each checked metric, `value <= max(baseline × (1 + idle_threshold_pct/100), floor)` and every
 * function has fewer than 2 replicas. Fixes: CPU is compared as % of capacity with an absolute floor
 * (`cpu_idle_floor_pct`), so a baseline near 0 does not make idleness unreachable (defect 20), and RAM at or below
 * `ram_idle_floor_pct` of the node is idle; a NaN *current*
 * value blocks (it cannot prove idleness) unless the metric is disabled (power without Scaphandre); a NaN
 * baseline falls back to the floor, or skips the check when there is no floor. The wait is capped at
 * `max_wait_seconds` exactly (defect 10).
 */
import type { NodeMetrics } from "../prometheus/collect.ts";

/** The `cooldown` config block. */
export interface CooldownSettings {
  readonly max_wait_seconds: number;
  readonly sleep_step_seconds: number;
  /** Scale the functions back to one replica before waiting (see the schema). */
  readonly reset_replicas: boolean;
  readonly idle_threshold_pct: number;
  readonly cpu_idle_floor_pct: number;
  readonly ram_idle_floor_bytes: number;
  readonly ram_idle_floor_pct: number;
  readonly power_idle_floor_microwatts: number;
}

/** Reference defaults plus our floors. */
export const DEFAULT_COOLDOWN: CooldownSettings = {
  max_wait_seconds: 180,
  sleep_step_seconds: 1,
  reset_replicas: true,
  idle_threshold_pct: 15,
  cpu_idle_floor_pct: 5,
  ram_idle_floor_bytes: 0,
  ram_idle_floor_pct: 10,
  power_idle_floor_microwatts: 0,
};

/** One observation during cooldown. */
export interface CooldownObservation {
  readonly node: NodeMetrics;
  /** Replicas per function (NaN when unknown). */
  readonly replicas: ReadonlyMap<string, number>;
}

/** Result of {@link decideIdle}. */
export interface IdleDecision {
  readonly idle: boolean;
  /** Why not idle, e.g. `cpu_usage_node_pct 40.000 > 17.250`. */
  readonly blockers: readonly string[];
}

const f3 = (v: number): string => v.toFixed(3);

function checkMetric(
  name: string,
  value: number,
  baseline: number,
  pct: number,
  floor: number,
  blockers: string[],
): void {
  let limit: number;
  if (Number.isNaN(baseline)) {
    if (floor <= 0) return;
    limit = floor;
  } else {
    limit = Math.max(baseline * (1 + pct / 100), floor);
  }
  if (Number.isNaN(value)) blockers.push(`${name} unknown (NaN)`);
  else if (value > limit) blockers.push(`${name} ${f3(value)} > ${f3(limit)}`);
}

/** The idle test. */
export function decideIdle(
  obs: CooldownObservation,
  baseline: NodeMetrics,
  s: CooldownSettings,
  opts: { scaphandre: boolean },
): IdleDecision {
  const blockers: string[] = [];
  const p = s.idle_threshold_pct;
  checkMetric("cpu_usage_node_pct", obs.node.cpu_usage_node_pct, baseline.cpu_usage_node_pct, p, s.cpu_idle_floor_pct, blockers);
  // At or below ram_idle_floor_pct of the node, RAM is idle whatever the baseline.
  if (!(obs.node.ram_usage_node_pct <= s.ram_idle_floor_pct)) {
    checkMetric("ram_usage_node", obs.node.ram_usage_node, baseline.ram_usage_node, p, s.ram_idle_floor_bytes, blockers);
  }
  if (opts.scaphandre) {
    checkMetric("power_usage_node", obs.node.power_usage_node, baseline.power_usage_node, p, s.power_idle_floor_microwatts, blockers);
  }
  for (const [name, r] of obs.replicas) {
    if (Number.isNaN(r)) blockers.push(`replicas of ${name} unknown (NaN)`);
    else if (r >= 2) blockers.push(`replicas of ${name} ${r} >= 2`);
  }
  return { idle: blockers.length === 0, blockers };
}

/** What to do next in the cooldown loop. */
export type CooldownStep =
  | { readonly action: "done" }
  | { readonly action: "sleep"; readonly seconds: number }
  | { readonly action: "timeout" };

/**
 * Next step after an observation: done when idle; timeout when `waited >= max_wait_seconds`; otherwise sleep
 * `min(sleep_step_seconds, max_wait_seconds - waited)`, so the total never exceeds the cap.
 */
export function nextCooldownStep(idle: boolean, waitedSeconds: number, s: CooldownSettings): CooldownStep {
  if (idle) return { action: "done" };
  const remaining = s.max_wait_seconds - waitedSeconds;
  if (remaining <= 0) return { action: "timeout" };
  return { action: "sleep", seconds: Math.min(s.sleep_step_seconds, remaining) };
}
