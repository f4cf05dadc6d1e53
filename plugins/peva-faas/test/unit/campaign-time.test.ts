/**
 * The campaign-time simulator: deciding early never changes a verdict (property, on random labs and grids), the
 * full method finds the exhaustive frontier and verdicts, early abort stops only certain overloads, and the clocks
 * add up as documented.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import {
  DEFAULT_EARLY_ABORT,
  DEFAULT_TIMING,
  abortedLoadSeconds,
  compareStrategies,
  fullMethodConfiguration,
  fullVerdict,
  syntheticConfigurations,
  type SimulatedLab,
} from "../../src/scheduling/index.ts";

const NAMES = ["a", "b", "c"];
const linearLab = (caps: readonly number[], drift: readonly number[]): SimulatedLab => ({
  loadRatio: (c) => c.pairs.reduce((s, p) => s + p.rate / caps[NAMES.indexOf(p.name)]!, 0),
  drift,
});

describe("the full method on simulated labs", () => {
  it("never changes a verdict compared with running all iterations, for 1 to 7 iterations and any drift (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((k) => fc.tuple(fc.constant(k), fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength: k, maxLength: k }))),
        fc.array(fc.integer({ min: 5, max: 300 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 3 }),
        ([k, drift], caps, rates) => {
          const lab = linearLab(caps, drift);
          const config = makeConfiguration(rates.map((rate, i) => ({ name: NAMES[i]!, rate })));
          const timing = { ...DEFAULT_TIMING, iterations: k };
          const early = fullMethodConfiguration(lab, config, timing, DEFAULT_EARLY_ABORT);
          expect(early.verdict).toBe(fullVerdict(lab, config, k));
          expect(early.iterations).toBeGreaterThanOrEqual(Math.ceil(k / 2));
          expect(early.iterations).toBeLessThanOrEqual(k);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("finds the exhaustive sweep's frontier and verdicts on random small grids, like every other strategy (property)", async () => {
    const rates = [0, 20, 40, 60, 80, 100];
    const configs = [...syntheticConfigurations(NAMES, rates, [1, 2])];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 10, max: 150 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        async (caps, drift) => {
          const outcomes = await compareStrategies(configs, linearLab(caps, drift));
          for (const o of outcomes) expect([o.strategy, o.sameFrontier, o.sameVerdicts]).toEqual([o.strategy, true, true]);
          const full = outcomes.find((o) => o.strategy === "full-method")!;
          const frontier = outcomes.find((o) => o.strategy === "frontier")!;
          expect(full.configurations).toBe(frontier.configurations);
          expect(full.iterations + full.iterationsNotNeeded).toBe(3 * full.configurations);
          expect(full.wallSeconds).toBeLessThan(frontier.wallSeconds);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("early abort in the simulator", () => {
  const one = (rate: number): Configuration => makeConfiguration([{ name: "a", rate }]);
  it("never stops an iteration the platform keeps up with, and stops a double overload early", () => {
    const lab = linearLab([100, 100, 100], [0, 0, 0]);
    for (const rate of [10, 50, 100]) expect(abortedLoadSeconds(lab, one(rate), 1, 30, DEFAULT_EARLY_ABORT)).toBe(30);
    // ρ = 2: half of every second's requests fail; the node's 0.95 is out of reach after 3 s (>5 % of 6000 failed),
    // but not before 20 % of the window (6 s).
    expect(abortedLoadSeconds(lab, one(200), 1, 30, DEFAULT_EARLY_ABORT)).toBe(6);
    // ρ = 1.02: success 0.98 all along; the best case never drops below the thresholds.
    expect(abortedLoadSeconds(lab, one(102), 1, 30, DEFAULT_EARLY_ABORT)).toBe(30);
  });
});

describe("the clocks", () => {
  it("time the DFaaS sampler as its pauses plus every iteration, and peva-lab's strategies by their own cooldowns", async () => {
    const lab = linearLab([100, 100, 100], [0, 0, 0]);
    const [dfaas, cartesian, frontier, full] = await compareStrategies([one(50)], lab);
    expect(dfaas!.wallSeconds).toBe(30 + 35 + 3 * (10 + 24 + 30));
    expect(dfaas!.loadSeconds).toBe(90);
    expect(cartesian!.wallSeconds).toBeCloseTo(3 * (24 + 0.1 + 30));
    expect(frontier!.wallSeconds).toBeCloseTo(3 * (24 + 0.1 + 30));
    // Two light iterations decide it; the third is not needed.
    expect(full).toMatchObject({ iterations: 2, iterationsNotNeeded: 1, iterationsAborted: 0, loadSeconds: 60 });
    expect(full!.wallSeconds).toBeCloseTo(2 * (6 + 0.1 + 30));
  });
  const one = (rate: number): Configuration => makeConfiguration([{ name: "a", rate }]);
});
