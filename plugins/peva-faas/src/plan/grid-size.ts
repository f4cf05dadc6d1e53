/**
 * The size of a campaign's configuration grid, computed exactly at validation time without generating it: rate
 * counts come from each strategy's arithmetic, configurations from the elementary symmetric sums of the
 * per-function counts, all in BigInt, so a grid of 10^30 configurations is counted as quickly as one of ten and
 * never allocates a rate list. Pure.
 */
import { generateRates, type RateStrategy } from "../config/rates.ts";
import { countsBySize } from "./enumerate.ts";

/** Default upper bound of configurations per campaign (`max_configurations`). */
export const DEFAULT_MAX_CONFIGURATIONS = 1_000_000;

/**
 * How many of the strategy's rates are `<= cap` (all of them when `cap` is undefined). Exact for `linear`,
 * `exponential` and `custom` (both short lists, generated as the planner does); for `random` with a cap it is the
 * sample size bounded by the capped range (an upper bound: which values the sample holds depends on the seed).
 */
export function rateCount(strategy: RateStrategy, cap?: number): bigint {
  const top = (max: number): number => (cap === undefined ? max : Math.min(cap, max));
  switch (strategy.type) {
    case "linear": {
      const hi = top(strategy.max_rate);
      if (hi < strategy.min_rate) return 0n;
      return BigInt(Math.floor((hi - strategy.min_rate) / strategy.step)) + 1n;
    }
    case "random": {
      const size = strategy.max_rate - strategy.min_rate + 1;
      const sample = Math.min(strategy.count, Math.max(0, size));
      const capped = Math.max(0, top(strategy.max_rate) - strategy.min_rate + 1);
      return BigInt(Math.min(sample, capped));
    }
    case "exponential":
    case "custom":
      return BigInt(generateRates(strategy).rates.filter((r) => cap === undefined || r <= cap).length);
  }
}

/**
 * Configurations of the grid: for every combination size k in `min_functions .. max_functions - 1` (exclusive
 * upper bound, as upstream), the sum over k-subsets of functions of the product of their rate counts.
 */
export function gridSize(
  strategy: RateStrategy,
  functions: readonly { readonly max_rate?: number | undefined }[],
  combinations: { readonly min_functions: number; readonly max_functions: number },
): bigint {
  let total = 0n;
  for (const n of countsBySize(functions.map((f) => rateCount(strategy, f.max_rate)), combinations).values()) total += n;
  return total;
}

/** `n` with thousands separators (`1,000,000`), for messages. */
export function formatCount(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
