/**
 * The DFaaS reference grid the scheduler benchmarks share: 6 functions, sets of 1–2, rates 0..200 step 10, and the
 * named per-function capacities (requests per second) of their scenarios.
 */
import type { Configuration } from "../../plugins/peva-faas/src/model.ts";
import { syntheticConfigurations } from "../../plugins/peva-faas/src/scheduling/index.ts";

/** The grid's functions, sorted. */
export const NAMES = ["env", "figlet", "markdown", "nodeinfo", "qrcode-go", "shasum"];
/** Rates 0..200 step 10, requests per second. */
export const RATES = Array.from({ length: 21 }, (_, i) => i * 10);
/** Every configuration of the grid in the planner's order (6 741). */
export const referenceConfigurations = (): Configuration[] => [...syntheticConfigurations(NAMES, RATES, [1, 2])];

/** Capacity per function, requests per second. */
export type Caps = Readonly<Record<string, number>>;
/** Capacities in {@link NAMES} order. */
export const capsOf = (values: readonly number[]): Caps => Object.fromEntries(NAMES.map((n, i) => [n, values[i]!]));
/** Mixed capacities, 40–180 req/s. */
export const MIXED = capsOf([180, 150, 60, 90, 40, 120]);
/** Every function at 150 req/s. */
export const ALL_150 = capsOf([150, 150, 150, 150, 150, 150]);
/** High capacities, 75–400 req/s. */
export const HIGH = capsOf([220, 300, 110, 400, 75, 250]);
