/**
 * @peva-lab/peva-faas public API.
 *
 * Planner and runner building blocks of the PEVA-FAAS workload: configuration schema, campaign planning and
 * dominance, k6 scripts/summaries/runner, Prometheus queries and client, overload rules, cooldown, result files.
 */
export * from "./model.ts";
export * from "./config/index.ts";
export * from "./plan/index.ts";
export * from "./k6/index.ts";
export * from "./prometheus/index.ts";
export * from "./overload/index.ts";
export * from "./cooldown/index.ts";
export * from "./results/index.ts";
