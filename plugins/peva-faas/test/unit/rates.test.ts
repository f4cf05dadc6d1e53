import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derivedSeed, generateRates, mulberry32, strategyMinRate } from "../../src/config/rates.ts";
import { parseWorkloadConfig } from "../../src/config/parse.ts";

describe("rate strategies (reference §3)", () => {
  it("linear default: 0..200 step 10 (21 rates)", () => {
    const rates = generateRates(parseWorkloadConfig({}).config.rate_strategy).rates;
    expect(rates).toHaveLength(21);
    expect(rates[0]).toBe(0);
    expect(rates[20]).toBe(200);
  });
  it("linear includes max only when it lands on the step", () => {
    expect(generateRates({ type: "linear", min_rate: 5, max_rate: 20, step: 10 }).rates).toEqual([5, 15]);
    expect(generateRates({ type: "linear", min_rate: 5, max_rate: 25, step: 10 }).rates).toEqual([5, 15, 25]);
    expect(generateRates({ type: "linear", min_rate: 7, max_rate: 7, step: 3 }).rates).toEqual([7]);
  });
  it("exponential stops at the first value above max_rate", () => {
    expect(generateRates({ type: "exponential", base: 2, min_power: 0, max_power: 8, max_rate: null }).rates).toEqual([
      1, 2, 4, 8, 16, 32, 64, 128, 256,
    ]);
    expect(generateRates({ type: "exponential", base: 3, min_power: 1, max_power: 8, max_rate: 100 }).rates).toEqual([
      3, 9, 27, 81,
    ]);
  });
  it("custom is sorted and deduplicated", () => {
    expect(generateRates({ type: "custom", rates: [30, 0, 10, 30] }).rates).toEqual([0, 10, 30]);
  });
  it("strategy min rate for the max_rate check", () => {
    expect(strategyMinRate({ type: "linear", min_rate: 4, max_rate: 9, step: 1 })).toBe(4);
    expect(strategyMinRate({ type: "random", min_rate: 3, max_rate: 9, count: 1, seed: 1 })).toBe(3);
    expect(strategyMinRate({ type: "custom", rates: [5] })).toBe(0);
    expect(strategyMinRate({ type: "exponential", base: 2, min_power: 3, max_power: 4, max_rate: null })).toBe(0);
  });
});

describe("random strategy: seeded mulberry32 + Floyd sampling", () => {
  it("mulberry32 is the reference algorithm (first outputs for seed 1 locked)", () => {
    const next = mulberry32(1);
    const first = [next(), next(), next()].map((v) => Math.floor(v * 2 ** 32));
    // mulberry32(1)() = 0.6270739405881613 is the widely published first value of the reference implementation.
    expect(first).toEqual([2693262067, 11749833, 2265367787]);
  });
  it("is deterministic per seed and returns the seed used", () => {
    const s = { type: "random", min_rate: 10, max_rate: 200, count: 10, seed: 42 } as const;
    const a = generateRates(s);
    expect(a).toEqual(generateRates(s));
    expect(a.seed).toBe(42);
    expect(generateRates({ ...s, seed: null }, 42)).toEqual(a);
  });
  it("needs a seed", () => {
    // Without a seed, one derived from the settings: the same draw every time (a resumed campaign's grid).
    const unseeded = generateRates({ type: "random", min_rate: 1, max_rate: 50, count: 5, seed: null });
    expect(unseeded.seed).toBe(derivedSeed({ min_rate: 1, max_rate: 50, count: 5 }));
    expect(generateRates({ type: "random", min_rate: 1, max_rate: 50, count: 5, seed: null })).toEqual(unseeded);
    expect(unseeded.rates).toEqual(generateRates({ type: "random", min_rate: 1, max_rate: 50, count: 5, seed: unseeded.seed! }).rates);
    expect(derivedSeed({ min_rate: 1, max_rate: 50, count: 6 })).not.toBe(unseeded.seed);
  });
  it("returns the full range when count >= range size", () => {
    expect(generateRates({ type: "random", min_rate: 3, max_rate: 6, count: 10, seed: 1 }).rates).toEqual([3, 4, 5, 6]);
  });
  it("property: sorted, distinct, within bounds, min(count, size) entries", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (lo, span, count, seed) => {
          const rates = generateRates({ type: "random", min_rate: lo, max_rate: lo + span, count, seed }).rates;
          expect(rates).toHaveLength(Math.min(count, span + 1));
          for (let i = 0; i < rates.length; i++) {
            expect(Number.isInteger(rates[i])).toBe(true);
            expect(rates[i]).toBeGreaterThanOrEqual(lo);
            expect(rates[i]).toBeLessThanOrEqual(lo + span);
            if (i > 0) expect(rates[i]!).toBeGreaterThan(rates[i - 1]!);
          }
        },
      ),
    );
  });
});
