/**
 * Enumerating configurations (reference §4): per-function rate lists, sorted-name combinations of sizes
 * `min_functions .. max_functions - 1` (max exclusive), and per combination the Cartesian product of the
 * members' rate lists, last function varying fastest. Lazy; pure.
 */
import { makeConfiguration, type Configuration, type FunctionRate } from "../model.ts";

/** What enumeration needs from a function spec. */
export interface PlannedFunction {
  readonly name: string;
  /** Optional per-function cap; rates above it are dropped. */
  readonly max_rate?: number | undefined;
}

/** Inputs of the planner, independent of the config file shape. */
export interface PlanInput {
  readonly functions: readonly PlannedFunction[];
  /** The strategy's generated rates (sorted, distinct). */
  readonly rates: readonly number[];
  readonly min_functions: number;
  /** Exclusive. */
  readonly max_functions: number;
}

/** One function's name and its allowed rates. */
export interface FunctionRates {
  readonly name: string;
  readonly rates: readonly number[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Rate list per function, functions sorted by name; `max_rate` filters `r <= max_rate`. */
export function functionRateLists(functions: readonly PlannedFunction[], rates: readonly number[]): FunctionRates[] {
  return [...functions]
    .sort((a, b) => byName(a.name, b.name))
    .map((f) => ({
      name: f.name,
      rates: f.max_rate === undefined ? [...rates] : rates.filter((r) => r <= f.max_rate!),
    }));
}

/** Lexicographic k-combinations of indices `0..n-1`, lazily. */
export function* combinationIndices(n: number, k: number): Generator<number[]> {
  if (k <= 0 || k > n) return;
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** The combination sizes actually used: `min .. min(max - 1, n)`. */
export function combinationSizes(input: Pick<PlanInput, "min_functions" | "max_functions">, n: number): number[] {
  const out: number[] = [];
  for (let k = input.min_functions; k < input.max_functions && k <= n; k++) out.push(k);
  return out;
}

/** Every configuration in enumeration order, lazily (nothing is materialised). */
export function* enumerateConfigurations(input: PlanInput): Generator<Configuration> {
  const lists = functionRateLists(input.functions, input.rates);
  for (const k of combinationSizes(input, lists.length)) {
    for (const combo of combinationIndices(lists.length, k)) {
      const members = combo.map((i) => lists[i]!);
      if (members.some((m) => m.rates.length === 0)) continue;
      const pos = new Array<number>(k).fill(0);
      for (;;) {
        const pairs: FunctionRate[] = members.map((m, j) => ({ name: m.name, rate: m.rates[pos[j]!]! }));
        yield makeConfiguration(pairs);
        let j = k - 1;
        while (j >= 0) {
          pos[j]!++;
          if (pos[j]! < members[j]!.rates.length) break;
          pos[j] = 0;
          j--;
        }
        if (j < 0) break;
      }
    }
  }
}

/**
 * Number of configurations without enumerating: for each size k, the elementary symmetric polynomial e_k of the
 * rate-list lengths (the sum over k-combinations of the product of lengths), computed by dynamic programming.
 * Exact up to `Number.MAX_SAFE_INTEGER`; throws `RangeError` beyond.
 */
export function countConfigurations(input: PlanInput): number {
  const perSize = countBySize(input);
  let total = 0n;
  for (const c of perSize.values()) total += c;
  return toSafeNumber(total);
}

/** Configuration count per combination size (exact, as bigint). */
export function countBySize(input: PlanInput): Map<number, bigint> {
  return countsBySize(
    functionRateLists(input.functions, input.rates).map((f) => BigInt(f.rates.length)),
    input,
  );
}

/**
 * For each combination size k in use, the sum over k-subsets of functions of the product of their rate counts
 * (the elementary symmetric sums of `rateCounts`, by dynamic programming, exact).
 */
export function countsBySize(
  rateCounts: readonly bigint[],
  combinations: Pick<PlanInput, "min_functions" | "max_functions">,
): Map<number, bigint> {
  const sizes = combinationSizes(combinations, rateCounts.length);
  const maxK = sizes.length ? sizes[sizes.length - 1]! : 0;
  const e: bigint[] = new Array<bigint>(maxK + 1).fill(0n);
  e[0] = 1n;
  for (const len of rateCounts) {
    for (let k = maxK; k >= 1; k--) e[k] = e[k]! + e[k - 1]! * len;
  }
  return new Map(sizes.map((k) => [k, e[k]!]));
}

function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`configuration count ${v} exceeds 2^53 - 1`);
  return Number(v);
}
