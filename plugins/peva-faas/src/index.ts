/**
 * @peva-lab/peva-faas public API.
 *
 * Planner and runner building blocks of the PEVA-FAAS workload: configuration schema, campaign planning and
 * dominance, Prometheus queries and client, overload rules, cooldown, result files. Load generation lives in the
 * `loadgen` plugins (`@peva-lab/loadgen-vegeta`, `@peva-lab/loadgen-k6`).
 */
export * from "./model.ts";
export * from "./config/index.ts";
export * from "./plan/index.ts";
export * from "./prometheus/index.ts";
export * from "./overload/index.ts";
export * from "./cooldown/index.ts";
export * from "./results/index.ts";
