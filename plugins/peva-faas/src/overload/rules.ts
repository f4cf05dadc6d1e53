/**
 * Overload rules (reference §10.1, with fixes). Pure.
 *
 * NaN policy (explicit): a NaN measurement never triggers a rule (as upstream: NaN comparisons are false), but it
 * is listed in `unknown` so callers can record it. Fixes: node CPU is judged as **% of capacity** (defect 1);
 * success rates already count requests the generator could not send on schedule as failures (defect 19). The
 * node's average success is the mean over every function of the configuration, an idle (rate 0) function counting
 * as success 1 — the DFaaS sampler's and linux-benchmark-lib's rule, so verdicts stay comparable with theirs.
 */

/** Thresholds (the `overload` config block). */
export interface OverloadThresholds {
  readonly cpu_overload_pct_of_capacity: number;
  readonly ram_overload_pct: number;
  readonly success_rate_node_min: number;
  readonly success_rate_function_min: number;
  readonly replicas_overload_threshold: number;
}

/** Reference defaults. */
export const DEFAULT_OVERLOAD_THRESHOLDS: OverloadThresholds = {
  cpu_overload_pct_of_capacity: 80,
  ram_overload_pct: 90,
  success_rate_node_min: 0.95,
  success_rate_function_min: 0.9,
  replicas_overload_threshold: 15,
};

/** What the function rule looks at. */
export interface FunctionObservation {
  readonly name: string;
  readonly rate: number;
  readonly success_rate: number;
  /** NaN when unknown. */
  readonly replicas: number;
}

/** A rule verdict. */
export interface Verdict {
  readonly overloaded: boolean;
  /** Human-readable triggered rules, e.g. `success_rate 0.850 < 0.9`. */
  readonly reasons: readonly string[];
  /** Inputs that were NaN and therefore could not trigger their rule. */
  readonly unknown: readonly string[];
}

/** Function verdict, with its name. */
export interface FunctionVerdict extends Verdict {
  readonly name: string;
}

const f3 = (v: number): string => v.toFixed(3);

/** Function overloaded: `success_rate < success_rate_function_min` or `replicas >= replicas_overload_threshold`. */
export function functionOverload(o: FunctionObservation, t: OverloadThresholds): FunctionVerdict {
  const reasons: string[] = [];
  const unknown: string[] = [];
  if (Number.isNaN(o.success_rate)) unknown.push(`${o.name}:success_rate`);
  else if (o.success_rate < t.success_rate_function_min) {
    reasons.push(`${o.name}: success_rate ${f3(o.success_rate)} < ${t.success_rate_function_min}`);
  }
  if (Number.isNaN(o.replicas)) unknown.push(`${o.name}:replicas`);
  else if (o.replicas >= t.replicas_overload_threshold) {
    reasons.push(`${o.name}: replicas ${o.replicas} >= ${t.replicas_overload_threshold}`);
  }
  return { name: o.name, overloaded: reasons.length > 0, reasons, unknown };
}

/** What the node rule looks at. */
export interface NodeObservation {
  readonly functions: readonly FunctionObservation[];
  /** Node CPU, % of capacity. */
  readonly cpu_usage_node_pct: number;
  readonly ram_usage_node_pct: number;
}

/** Node verdict with the per-function verdicts and the average success used. */
export interface NodeVerdict extends Verdict {
  readonly functions: readonly FunctionVerdict[];
  /** Mean success over the configuration's functions, idle ones counting 1 (NaN values excluded; 1 when none). */
  readonly avg_success_rate: number;
}

/**
 * Mean success over the configuration's functions with a known success rate; a function at rate 0 counts as 1
 * whatever value it carries (both upstreams' rule). 1 when there is none.
 */
export function averageSuccess(functions: readonly FunctionObservation[]): number {
  const xs = functions.filter((f) => f.rate <= 0 || !Number.isNaN(f.success_rate)).map((f) => (f.rate <= 0 ? 1 : f.success_rate));
  return xs.length === 0 ? 1 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Node overloaded if any of: average success < `success_rate_node_min`; CPU (% of capacity) >
 * `cpu_overload_pct_of_capacity`; RAM % > `ram_overload_pct`; any function overloaded.
 */
export function nodeOverload(o: NodeObservation, t: OverloadThresholds): NodeVerdict {
  const fv = o.functions.map((f) => functionOverload(f, t));
  const reasons: string[] = [];
  const unknown: string[] = fv.flatMap((v) => v.unknown);
  const avg = averageSuccess(o.functions);
  if (avg < t.success_rate_node_min) reasons.push(`node: avg success_rate ${f3(avg)} < ${t.success_rate_node_min}`);
  if (Number.isNaN(o.cpu_usage_node_pct)) unknown.push("node:cpu_usage_node_pct");
  else if (o.cpu_usage_node_pct > t.cpu_overload_pct_of_capacity) {
    reasons.push(`node: cpu ${f3(o.cpu_usage_node_pct)}% of capacity > ${t.cpu_overload_pct_of_capacity}`);
  }
  if (Number.isNaN(o.ram_usage_node_pct)) unknown.push("node:ram_usage_node_pct");
  else if (o.ram_usage_node_pct > t.ram_overload_pct) {
    reasons.push(`node: ram ${f3(o.ram_usage_node_pct)}% > ${t.ram_overload_pct}`);
  }
  for (const v of fv) reasons.push(...v.reasons);
  return { overloaded: reasons.length > 0, reasons, unknown, functions: fv, avg_success_rate: avg };
}


/**
 * Why the idle node is already past the overload rules before any load (empty when it is not). Such a baseline
 * would make every configuration overloaded whatever the platform does: the machine is busy with other work. Pure.
 */
export function idleBaselineProblems(baseline: { readonly cpu_usage_node_pct: number; readonly ram_usage_node_pct: number }, t: OverloadThresholds): string[] {
  const problems: string[] = [];
  if (baseline.cpu_usage_node_pct > t.cpu_overload_pct_of_capacity) {
    problems.push(`node cpu ${baseline.cpu_usage_node_pct.toFixed(1)} % of capacity > cpu_overload_pct_of_capacity ${t.cpu_overload_pct_of_capacity}`);
  }
  if (baseline.ram_usage_node_pct > t.ram_overload_pct) {
    problems.push(`node ram ${baseline.ram_usage_node_pct.toFixed(1)} % > ram_overload_pct ${t.ram_overload_pct}`);
  }
  return problems;
}
