import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configId, makeConfiguration, type Configuration } from "../../src/model.ts";
import {
  DominanceIndex,
  combinationIndices,
  countBySize,
  countConfigurations,
  dominates,
  enumerateConfigurations,
  estimateRuntime,
  formatPlanTable,
  functionRateLists,
  isConfigOverloaded,
  planCampaign,
  type PlanInput,
} from "../../src/plan/index.ts";
import { parseWorkloadConfig } from "../../src/config/parse.ts";

const cfg = (pairs: Record<string, number>): Configuration =>
  makeConfiguration(Object.entries(pairs).map(([name, rate]) => ({ name, rate })));

describe("config_id test vectors (reference §4.6)", () => {
  it.each([
    [[{ name: "figlet", rate: 0 }], "e6289b9127d4"],
    [[{ name: "figlet", rate: 10 }], "63a789418109"],
    [[{ name: "figlet", rate: 200 }], "42e3f1df15e4"],
    [[{ name: "figlet", rate: 10 }, { name: "env", rate: 20 }], "7a336d52f773"],
  ])("%j → %s", (pairs, id) => expect(configId(pairs)).toBe(id));
});

describe("enumeration (reference §4)", () => {
  it("defaults give 21 configs per function including rate 0", () => {
    const plan = planCampaign(parseWorkloadConfig({}).config);
    expect(plan.count).toBe(21);
    expect([...plan.configurations()].map((c) => c.pairs[0]!.rate)).toEqual(plan.rates);
  });
  it("sizes are min..max exclusive, names sorted, last function varies fastest", () => {
    const input: PlanInput = {
      functions: [{ name: "shasum" }, { name: "env" }, { name: "figlet" }],
      rates: [0, 10],
      min_functions: 2,
      max_functions: 3,
    };
    const got = [...enumerateConfigurations(input)].map((c) => c.pairs.map((p) => `${p.name}=${p.rate}`).join(","));
    expect(got).toEqual([
      "env=0,figlet=0",
      "env=0,figlet=10",
      "env=10,figlet=0",
      "env=10,figlet=10",
      "env=0,shasum=0",
      "env=0,shasum=10",
      "env=10,shasum=0",
      "env=10,shasum=10",
      "figlet=0,shasum=0",
      "figlet=0,shasum=10",
      "figlet=10,shasum=0",
      "figlet=10,shasum=10",
    ]);
  });
  it("max_rate filters rates; an empty list removes every combination containing the function", () => {
    const lists = functionRateLists([{ name: "b", max_rate: 10 }, { name: "a" }], [0, 10, 20]);
    expect(lists).toEqual([
      { name: "a", rates: [0, 10, 20] },
      { name: "b", rates: [0, 10] },
    ]);
    const input: PlanInput = { functions: [{ name: "a" }, { name: "b", max_rate: -1 }], rates: [1, 2], min_functions: 1, max_functions: 3 };
    const all = [...enumerateConfigurations(input)];
    expect(all.map((c) => c.id)).toEqual([cfg({ a: 1 }).id, cfg({ a: 2 }).id]);
    expect(countConfigurations(input)).toBe(2);
  });
  it("k larger than the number of functions yields nothing", () => {
    expect([...combinationIndices(2, 3)]).toEqual([]);
    expect(countConfigurations({ functions: [{ name: "a" }], rates: [1], min_functions: 2, max_functions: 4 })).toBe(0);
  });

  const planInputs = fc
    .record({
      n: fc.integer({ min: 1, max: 5 }),
      rates: fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }),
      caps: fc.array(fc.option(fc.integer({ min: -1, max: 300 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
      min: fc.integer({ min: 1, max: 5 }),
      span: fc.integer({ min: 1, max: 5 }),
    })
    .map(
      ({ n, rates, caps, min, span }): PlanInput => ({
        functions: Array.from({ length: n }, (_, i) => ({ name: `f${(i * 7) % 10}-${i}`, max_rate: caps[i] })),
        rates: [...rates].sort((a, b) => a - b),
        min_functions: min,
        max_functions: min + span,
      }),
    );

  /** Brute force: every subset of the functions, by size, times the Cartesian product. */
  function bruteForce(input: PlanInput): string[] {
    const lists = functionRateLists(input.functions, input.rates);
    const out: string[] = [];
    for (let mask = 1; mask < 1 << lists.length; mask++) {
      const members = lists.filter((_, i) => mask & (1 << i));
      if (members.length < input.min_functions || members.length >= input.max_functions) continue;
      let product: string[][] = [[]];
      for (const m of members) product = product.flatMap((prefix) => m.rates.map((r) => [...prefix, `${m.name}:${r}`]));
      for (const p of product) out.push(p.join("|"));
    }
    return out.sort();
  }

  it("property: countConfigurations equals brute-force enumeration and the generator", () => {
    fc.assert(
      fc.property(planInputs, (input) => {
        const brute = bruteForce(input);
        const generated = [...enumerateConfigurations(input)].map((c) => c.pairs.map((p) => `${p.name}:${p.rate}`).join("|"));
        expect(countConfigurations(input)).toBe(brute.length);
        expect([...generated].sort()).toEqual(brute);
        expect(new Set(generated).size).toBe(generated.length);
        let bySize = 0n;
        for (const v of countBySize(input).values()) bySize += v;
        expect(Number(bySize)).toBe(brute.length);
      }),
      { numRuns: 200 },
    );
  });
  it("property: enumeration order is by size, then combination, then lexicographic rate index", () => {
    fc.assert(
      fc.property(planInputs, (input) => {
        const all = [...enumerateConfigurations(input)];
        for (let i = 1; i < all.length; i++) expect(all[i]!.pairs.length).toBeGreaterThanOrEqual(all[i - 1]!.pairs.length);
      }),
      { numRuns: 100 },
    );
  });
  it("counts huge plans without enumerating them", () => {
    const input: PlanInput = {
      functions: Array.from({ length: 14 }, (_, i) => ({ name: `fn${i}` })),
      rates: Array.from({ length: 21 }, (_, i) => i * 10),
      min_functions: 1,
      max_functions: 5,
    };
    // sum_{k=1..4} C(14,k) * 21^k
    const expected = 14 * 21 + 91 * 21 ** 2 + 364 * 21 ** 3 + 1001 * 21 ** 4;
    expect(countConfigurations(input)).toBe(expected);
  });
});

describe("runtime estimate", () => {
  it("adds cooldown, load-generator overhead and query time to the load time", () => {
    const e = estimateRuntime(10, 3, 30, {
      generatorOverheadSeconds: 3,
      querySeconds: 2,
      expectedCooldownSeconds: 5,
      maxCooldownSeconds: 180,
      inFlightTailSeconds: 30,
    });
    expect(e.loadSeconds).toBe(900);
    expect(e.expectedSeconds).toBe(30 * (30 + 3 + 2 + 5));
    expect(e.worstCaseSeconds).toBe(30 * (30 + 3 + 2 + 180 + 30));
  });
  it("planCampaign uses config durations and cooldown", () => {
    const plan = planCampaign(parseWorkloadConfig({ iterations: 2, duration: "10s" }).config);
    expect(plan.estimate.loadSeconds).toBe(21 * 2 * 10);
    expect(plan.estimate.expectedSeconds).toBeGreaterThan(plan.estimate.loadSeconds);
  });
  it("random strategy: the seed used is part of the plan", () => {
    const c = parseWorkloadConfig({ rate_strategy: { type: "random", count: 3 } }).config;
    const plan = planCampaign(c, { fallbackSeed: 7 });
    expect(plan.seed).toBe(7);
    expect(plan.rates).toHaveLength(3);
    // Without a fallback (the runner, `peva-faas plan`): the derived seed, the same grid on every call.
    expect(planCampaign(c).rates).toEqual(planCampaign(c).rates);
    expect(planCampaign(c).seed).toBeTypeOf("number");
  });
});

describe("dominance (reference §4.7)", () => {
  it.each<[Record<string, number>, Record<string, number>, boolean]>([
    [{ a: 10 }, { a: 20 }, true],
    [{ a: 10 }, { a: 10 }, false],
    [{ a: 20 }, { a: 10 }, false],
    [{ a: 10, b: 10 }, { a: 10, b: 20 }, true],
    [{ a: 10, b: 20 }, { a: 20, b: 10 }, false],
    [{ a: 10, b: 10 }, { a: 10, c: 20 }, false],
    [{ a: 10 }, { a: 20, b: 0 }, false],
    [{ a: 0, b: 0 }, { a: 0, b: 0 }, false],
  ])("dominates(%j, %j) = %s", (base, cand, want) => expect(dominates(cfg(base), cfg(cand))).toBe(want));

  it("strict majority: overload_count > iterations / 2", () => {
    expect(isConfigOverloaded(2, 3)).toBe(true);
    expect(isConfigOverloaded(1, 3)).toBe(false);
    expect(isConfigOverloaded(1, 2)).toBe(false);
    expect(isConfigOverloaded(2, 4)).toBe(false);
    expect(isConfigOverloaded(1, 1)).toBe(true);
  });

  it("DominanceIndex rebuilt from verdicts (defect 6)", () => {
    const index = DominanceIndex.fromVerdicts([
      { config: cfg({ a: 50 }), overloadCount: 2, iterations: 3 },
      { config: cfg({ a: 10, b: 30 }), overloadCount: 1, iterations: 3 },
      { config: cfg({ a: 10, b: 40 }), overloadCount: 3, iterations: 3 },
    ]);
    expect(index.isDominated(cfg({ a: 60 }))).toBe(true);
    expect(index.isDominated(cfg({ a: 50 }))).toBe(false);
    expect(index.isDominated(cfg({ a: 10, b: 35 }))).toBe(false);
    expect(index.findDominator(cfg({ a: 20, b: 40 }))?.id).toBe(cfg({ a: 10, b: 40 }).id);
    expect(index.size).toBe(2);
  });

  it("property: the pruned index answers like a naive list of every overloaded config", () => {
    const vec = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(fc.array(vec, { maxLength: 12 }), fc.array(vec, { maxLength: 12 }), (overloaded, probes) => {
        const toCfg = (v: number[]): Configuration => cfg({ a: v[0]!, b: v[1]! });
        const index = new DominanceIndex();
        for (const v of overloaded) index.add(toCfg(v));
        for (const p of probes) {
          const naive = overloaded.some((o) => dominates(toCfg(o), toCfg(p)));
          expect(index.isDominated(toCfg(p))).toBe(naive);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("dry-run table", () => {
  it("lists configurations, the count and the estimate", () => {
    const plan = planCampaign(
      parseWorkloadConfig({ functions: [{ name: "env" }, { name: "figlet" }], rate_strategy: { type: "custom", rates: [0, 10] } }).config,
    );
    const text = formatPlanTable(plan, { maxRows: 3 });
    expect(text).toContain("| 1 | e4f0c9bf0ae6 | env | 0 |".replace("e4f0c9bf0ae6", cfg({ env: 0 }).id));
    expect(text).toContain("| … | | 1 more | |");
    expect(text).toContain("configurations: 4 (1 fn: 4)");
    expect(text).toContain("rates: [0, 10]");
    expect(text).toMatch(/estimated duration: .+ expected, .+ worst case \(load only: 6m 00s\)/);
  });
});
