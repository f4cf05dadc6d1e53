/**
 * Grid size at validation: counted exactly without generating the grid (equal to the planner's own count for every
 * strategy), and a grid above `max_configurations` refused with its size and load time — never an uncaught
 * exception, never a rate list allocated.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/runner/cli.ts";
import { ConfigError, parseWorkloadConfig } from "../../src/config/parse.ts";
import { planCampaign } from "../../src/plan/plan.ts";
import { formatCount, gridSize, rateCount } from "../../src/plan/grid-size.ts";
import { pevaFaasSettingsSchema } from "../../src/plugin.ts";

const fns = (n: number, maxRates: (number | undefined)[] = []) =>
  Array.from({ length: n }, (_, i) => ({ name: `f${i}`, ...(maxRates[i] === undefined ? {} : { max_rate: maxRates[i] }) }));

function issues(input: unknown): readonly string[] {
  try {
    parseWorkloadConfig(input);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
}

describe("grid size", () => {
  it("rate counts by strategy arithmetic, with a function's max_rate", () => {
    expect(rateCount({ type: "linear", min_rate: 0, max_rate: 200, step: 10 })).toBe(21n);
    expect(rateCount({ type: "linear", min_rate: 0, max_rate: 200, step: 10 }, 95)).toBe(10n);
    expect(rateCount({ type: "linear", min_rate: 50, max_rate: 200, step: 10 }, 40)).toBe(0n);
    expect(rateCount({ type: "linear", min_rate: 0, max_rate: 1e9, step: 1 })).toBe(1_000_000_001n);
    expect(rateCount({ type: "exponential", base: 2, min_power: 0, max_power: 8, max_rate: null })).toBe(9n);
    expect(rateCount({ type: "custom", rates: [5, 5, 10, 20] }, 10)).toBe(2n);
    expect(rateCount({ type: "random", min_rate: 10, max_rate: 200, count: 10, seed: 1 })).toBe(10n);
  });

  it("equals the planner's exact count for any small grid (property)", () => {
    const strategy = fc.oneof(
      fc.record({ type: fc.constant("linear" as const), min_rate: fc.integer({ min: 0, max: 50 }), max_rate: fc.integer({ min: 50, max: 120 }), step: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ type: fc.constant("custom" as const), rates: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }) }),
      fc.record({
        type: fc.constant("exponential" as const),
        base: fc.integer({ min: 2, max: 4 }),
        min_power: fc.integer({ min: 0, max: 3 }),
        max_power: fc.integer({ min: 3, max: 7 }),
        max_rate: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
      }),
    );
    fc.assert(
      fc.property(
        strategy,
        fc.array(fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (rate_strategy, maxRates, min, extra) => {
          const combinations = { min_functions: min, max_functions: min + extra };
          const functions = fns(maxRates.length, maxRates);
          const input = { functions, rate_strategy, combinations, max_configurations: 10_000_000 };
          // Inputs the validation refuses for other reasons (a max_rate below the strategy's minimum) have no grid.
          if (!pevaFaasSettingsSchema.safeParse(input).success || issues(input).length > 0) return;
          const { config } = parseWorkloadConfig(input);
          expect(gridSize(config.rate_strategy, config.functions, config.combinations)).toBe(BigInt(planCampaign(config).count));
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it("refuses a grid above max_configurations with its exact size and load time, fast and without allocating it", () => {
    const started = process.memoryUsage().heapUsed;
    const e = issues({ functions: fns(1), rate_strategy: { type: "linear", min_rate: 0, max_rate: 1_000_000_000, step: 1 } });
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(200 * 2 ** 20);
    expect(e).toEqual([
      "max_configurations: the grid has 1,000,000,001 configurations, above max_configurations (1,000,000); at 3 × 30s each " +
        "that is at least 2.85e+3 years of load. Narrow rate_strategy, functions or combinations (max_functions is exclusive), " +
        "use scheduler: frontier, or raise max_configurations",
    ]);
  });

  it("counts beyond 2^53 exactly (no RangeError, no rounding)", () => {
    const strategy = { type: "linear" as const, min_rate: 0, max_rate: 999_999, step: 1 };
    // 20 functions, sets of 1..4: sum_{k=1..4} C(20,k) × (10^6)^k, dominated by C(20,4) × 10^24.
    const size = gridSize(strategy, fns(20), { min_functions: 1, max_functions: 5 });
    expect(size).toBe(20n * 10n ** 6n + 190n * 10n ** 12n + 1140n * 10n ** 18n + 4845n * 10n ** 24n);
    const e = issues({ functions: fns(20), rate_strategy: strategy, combinations: { min_functions: 1, max_functions: 5 } });
    expect(e[0]).toMatch(new RegExp(`^max_configurations: the grid has ${formatCount(size)} configurations`));
  });

  it("the deprecated rates block counts like the strategy it stands for; raising the limit accepts the grid", () => {
    expect(issues({ functions: fns(1), rates: { min_rate: 0, max_rate: 2_000_000, step: 1 } })[0]).toMatch(/grid has 2,000,001 configurations/);
    expect(issues({ functions: fns(1), rates: { min_rate: 0, max_rate: 2_000_000, step: 1 }, max_configurations: 3_000_000 })).toEqual([]);
    expect(issues({})).toEqual([]);
  });

  it("peva-faas plan prints the same refusal, exit 1, without a stack trace", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "peva-grid-")), "settings.yaml");
    writeFileSync(file, "functions: [{name: a}]\nrate_strategy: {type: linear, min_rate: 0, max_rate: 1000000000, step: 1}\n");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["plan", "--spec", file])).toBe(1);
      const text = stderr.mock.calls.map((c) => String(c[0])).join("");
      expect(text).toContain("max_configurations: the grid has 1,000,000,001 configurations");
      expect(text).not.toContain("    at ");
    } finally {
      stderr.mockRestore();
    }
  });
});
