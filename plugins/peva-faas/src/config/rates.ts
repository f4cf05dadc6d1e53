/**
 * Rate strategies (reference §3): each produces a sorted list of distinct non-negative integer request rates
 * (requests per second). Pure functions; the only randomness is a seeded PRNG.
 *
 * ## Random strategy and its PRNG
 * Upstream samples with Python's seeded Mersenne Twister, which we cannot reproduce. We use **mulberry32**
 * (a 32-bit PRNG by Tommy Ettinger, public domain) seeded with the strategy's `seed` (taken modulo 2^32), and
 * **Floyd's algorithm** to draw `min(count, range size)` distinct integers from `[min_rate, max_rate]` without
 * materialising the range; the sample is then sorted. The same seed always gives the same list on every platform.
 * Because the list cannot be recomputed by upstream tools, callers must store {@link GeneratedRates.rates} (and
 * the seed used) in the campaign record. A strategy without a seed gets one derived from its own settings
 * ({@link derivedSeed}): a campaign that resumes draws the same rates, and `peva-faas plan` shows the grid the
 * runner will use. Set `seed` for another draw.
 */
import { createHash } from "node:crypto";

/** `linear`: `min, min+step, …` up to and including `max` when it lands on the step. */
export interface LinearStrategy {
  readonly type: "linear";
  readonly min_rate: number;
  readonly max_rate: number;
  readonly step: number;
}

/** `random`: a sorted sample of distinct integers from `[min_rate, max_rate]`. */
export interface RandomStrategy {
  readonly type: "random";
  readonly min_rate: number;
  readonly max_rate: number;
  readonly count: number;
  /** PRNG seed; `null` means "let the caller choose one and record it". */
  readonly seed: number | null;
}

/** `exponential`: `base^p` for p = min_power..max_power, stopping at the first value above `max_rate`. */
export interface ExponentialStrategy {
  readonly type: "exponential";
  readonly base: number;
  readonly min_power: number;
  readonly max_power: number;
  readonly max_rate: number | null;
}

/** `custom`: the given rates, sorted and deduplicated. */
export interface CustomStrategy {
  readonly type: "custom";
  readonly rates: readonly number[];
}

/** The rate strategy union, discriminated on `type`. */
export type RateStrategy = LinearStrategy | RandomStrategy | ExponentialStrategy | CustomStrategy;

/** The output of {@link generateRates}: the rates and, for `random`, the seed that produced them. */
export interface GeneratedRates {
  readonly rates: readonly number[];
  /** The seed actually used (random strategy only). */
  readonly seed?: number;
}

/**
 * The strategy a config means: the deprecated `rates` block (a linear strategy without `type`) replaces the
 * strategy only while that is still exactly the default linear 0..200 step 10 (reference §2.2).
 */
export function effectiveRateStrategy(
  strategy: RateStrategy,
  rates: { readonly min_rate: number; readonly max_rate: number; readonly step: number } | undefined,
): RateStrategy {
  const isDefault = strategy.type === "linear" && strategy.min_rate === 0 && strategy.max_rate === 200 && strategy.step === 10;
  return rates !== undefined && isDefault ? { type: "linear", ...rates } : strategy;
}

/** The strategy's lower bound used by the `functions[].max_rate` check: `min_rate`, or 0 for exponential/custom. */
export function strategyMinRate(strategy: RateStrategy): number {
  return strategy.type === "linear" || strategy.type === "random" ? strategy.min_rate : 0;
}

/** mulberry32: returns a generator of uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of a `random` strategy without one: the first 32 bits of sha256 over its range and count, so the same
 * settings always draw the same rates (a resumed campaign must see the grid it started with). Pure.
 */
export function derivedSeed(strategy: Pick<RandomStrategy, "min_rate" | "max_rate" | "count">): number {
  const text = JSON.stringify([strategy.min_rate, strategy.max_rate, strategy.count]);
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/**
 * Generates the rate list of a strategy.
 * @param fallbackSeed used by a `random` strategy whose `seed` is null; {@link derivedSeed} when not given.
 */
export function generateRates(strategy: RateStrategy, fallbackSeed?: number): GeneratedRates {
  switch (strategy.type) {
    case "linear": {
      const out: number[] = [];
      for (let r = strategy.min_rate; r <= strategy.max_rate; r += strategy.step) out.push(r);
      return { rates: out };
    }
    case "random": {
      const seed = strategy.seed ?? fallbackSeed ?? derivedSeed(strategy);
      return { rates: sampleDistinct(strategy.min_rate, strategy.max_rate, strategy.count, seed), seed };
    }
    case "exponential": {
      const out: number[] = [];
      for (let p = strategy.min_power; p <= strategy.max_power; p++) {
        const value = strategy.base ** p;
        if (strategy.max_rate !== null && value > strategy.max_rate) break;
        if (!Number.isSafeInteger(value)) break;
        out.push(value);
      }
      return { rates: [...new Set(out)].sort((a, b) => a - b) };
    }
    case "custom":
      return { rates: [...new Set(strategy.rates)].sort((a, b) => a - b) };
  }
}

/** Floyd's sampling of `min(count, size)` distinct integers from `[lo, hi]`, sorted ascending. */
function sampleDistinct(lo: number, hi: number, count: number, seed: number): number[] {
  const size = hi - lo + 1;
  if (count >= size) {
    const all: number[] = [];
    for (let r = lo; r <= hi; r++) all.push(r);
    return all;
  }
  const next = mulberry32(seed);
  const chosen = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(next() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].map((v) => v + lo).sort((a, b) => a - b);
}
